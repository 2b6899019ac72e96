"""The stand-in for CleverTap's data endpoint (bridge.build.CleverTapStandIn), without a browser: the
handshake it answers, what it decodes, and the list the demo panel reads. The browser tests run it with
the real SDK (tests/browser/collector.py, test_demo.py); test_lzstring.py checks the decoder against npm."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pytest

from bridge.build import CleverTapStandIn, decode_payload

ROOT = Path(__file__).resolve().parents[1]
LZ_STRING_JS = ROOT / "node_modules" / "lz-string" / "libs" / "lz-string.js"
URL = "https://eu1.clevertap-prod.com/a?t=96"


def _d(value: object) -> str:
    """``d`` as the SDK writes it: LZString.compressToBase64 of the JSON text, URL-encoded (npm lz-string)."""
    script = f"const LZ = require({json.dumps(str(LZ_STRING_JS))}); process.stdout.write(LZ.compressToBase64(process.argv[1]));"
    done = subprocess.run(["node", "-e", script, json.dumps(value)], capture_output=True, text=True, check=True, timeout=60)
    return quote(done.stdout, safe="")


def _requests(wire: dict[str, Any]) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], wire["requests"])


needs_node = pytest.mark.skipif(shutil.which("node") is None or not LZ_STRING_JS.exists(), reason="node or npm lz-string missing")


@needs_node
def test_the_first_request_is_answered_with_resume_and_later_ones_without() -> None:
    standin = CleverTapStandIn()
    event = {"type": "event", "evtName": "Product Viewed", "evtData": {"sku": "s-1", "name": "Mug ö"}}
    request, body = standin.respond(f"{URL}&type=push&d={_d(event)}&rn=1&i=1700000000&useIP=false")
    assert request.payload == event
    assert request.record() == {"type": "event", "evtName": "Product Viewed", "evtData": event["evtData"], "useIP": "false"}
    assert body == '(window.$WZRK_WR || window.$CLTP_WR).s("__gTESTGUID0000000000000000000001", 1700000001, true, 1);'
    _, body = standin.respond(f"{URL}&type=push&d={_d(event)}&rn=2&gc=__gTESTGUID0000000000000000000001")
    assert body.endswith(", false, 2);")
    assert standin.decode_errors == []


def test_page_answers_ride_on_the_page_request_only_and_a_delay_wraps_the_answer() -> None:
    standin = CleverTapStandIn(guid="g", session_id=7, answer_delay_ms=250, page_answers=[["enableWebPush", True, "KEY"]])
    _, page = standin.respond(f"{URL}&type=page&rn=3")
    assert page == (
        'setTimeout(function () { (window.$WZRK_WR || window.$CLTP_WR).s("g", 7, true, 3);'
        '(window.$WZRK_WR || window.$CLTP_WR).enableWebPush(true, "KEY"); }, 250);'
    )
    _, push = standin.respond(f"{URL}&type=push&rn=x")
    assert "enableWebPush" not in push and ', true, 0); }, 250);' in push  # rn not a number: 0
    assert CleverTapStandIn(answer=False).respond(f"{URL}&type=push&rn=1")[1] == ""
    assert CleverTapStandIn().respond("https://eu1.clevertap-prod.com/defineVars")[1] == ""  # not the data path


def test_a_payload_that_does_not_decode_is_recorded_as_such() -> None:
    standin = CleverTapStandIn()
    request, _ = standin.respond(f"{URL}&type=push&d=%21%21not-lz&rn=1")
    assert request.payload is None
    assert standin.decode_errors == [f"{URL}&type=push&d=%21%21not-lz&rn=1"]
    assert decode_payload("") is None


@needs_node
def test_wire_lists_requests_from_a_number_marking_the_sdks_own_and_replays() -> None:
    standin = CleverTapStandIn()
    assert standin.wire(-1) == {"next": 0, "requests": []}
    login = {"type": "profile", "profile": {"Identity": "u-1", "tz": "GMT+0000"}, "isOUL": True}
    fetch = {"type": "event", "evtName": "wzrk_fetch", "evtData": {"t": 4}}
    urls = [
        f"{URL}&type=push&d={_d(login)}&rn=1&useIP=true",
        f"{URL}&type=page&d={_d({'cpg': 'x'})}&rn=2",
        f"{URL}&type=push&d={_d(fetch)}&rn=3",
        f"{URL}&type=push&d={_d(login)}&rn=1&useIP=true&s=1",  # the SDK's resend from its backup
    ]
    for url in urls:
        standin.respond(url)
    assert standin.wire(-1) == {"next": 4, "requests": []}
    wire = standin.wire(1)
    assert wire["next"] == 4
    assert [(r["n"], r["type"], r["sdk"], r["replay"]) for r in _requests(wire)] == [
        (1, "page", True, False),
        (2, "push", True, False),
        (3, "push", False, True),
    ]
    first = _requests(standin.wire(0))[0]
    assert first == {
        "n": 0,
        "host": "eu1.clevertap-prod.com",
        "path": "/a",
        "type": "push",
        "sdk": False,
        "replay": False,
        "record": {"type": "profile", "profile": {"Identity": "u-1"}, "useIP": "true"},
        "payload": login,
    }
    assert standin.records() == [first["record"]]
    assert json.loads(json.dumps(standin.wire(0))) == standin.wire(0)  # plain JSON, as the demo server sends it
