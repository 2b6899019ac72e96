"""clevertap-bridge send with the site's transformation, against the fault-injecting CleverTap on 127.0.0.1:
what arrives is what bridge.cloud.transform(..., transformation=...) gives, each record once; a raise or a
refused output is a failed-file line 'transformation: ...'; --dry-run shows the transformed records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_clevertap import FakeCleverTap, every_nth

from bridge.cli import main
from bridge.cloud import records_of, transform
from bridge.errors import EventError
from bridge.transformation import Transformation

PASSCODE = "S3CRET-PASSCODE-xyz"
CONFIG = {"accountId": "TEST-ACC-1", "passcode": PASSCODE, "region": "in1"}
FAST = ["--backoff", "0", "--max-wait", "0.01", "--timeout", "5", "--concurrency", "1"]
SITE = """\
import hashlib

def transformEvent(event, metadata):
    log("mode", metadata(event)["mode"])
    name = event.get("event")
    if event.get("type") == "identify":
        event["traits"]["email"] = hashlib.sha256(event["traits"]["email"].encode()).hexdigest()
        return event
    if name == "Ignored":
        return None
    if name == "Split":
        return [dict(event, event="Split A"), dict(event, event="Split B")]
    if name == "Boom":
        raise ValueError("boom")
    if name == "Garbage":
        return 42
    return event
"""


def messages() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "identify", "userId": "u0", "messageId": "m-id", "traits": {"email": "a@b.c"}}]
    for n in range(1, 25):
        name = ["Kept", "Ignored", "Split", "Boom", "Garbage", "Kept"][n % 6]
        out.append({"type": "track", "event": name, "userId": f"u{n}", "messageId": f"m{n}", "properties": {"n": n}})
    return out


def setup(tmp_path: Path, base_url: str = "http://127.0.0.1:9") -> tuple[Path, Path]:
    (tmp_path / "site.py").write_text(SITE)
    settings = tmp_path / "settings.toml"
    settings.write_text(f'account_id = "TEST-ACC-1"\nregion = "in1"\npasscode = "{PASSCODE}"\napi_url = "{base_url}"\n'
                        'transformation = "site.py"\n')
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(m) + "\n" for m in messages()))
    return settings, events


def expected_records() -> list[str]:
    t = Transformation.from_source(SITE, "site.py")
    records = []
    for message in messages():
        try:
            outputs = transform(message, CONFIG, transformation=t)
        except EventError:
            continue
        records += [json.dumps(r, sort_keys=True) for out in outputs for r in records_of(out)]
    return records


def test_send_applies_the_transformation_through_faults_and_fails_each_raise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeCleverTap(every_nth({1: "500", 3: "drop"}, 4)) as server:
        settings, events = setup(tmp_path, server.base_url)
        code = main(["send", str(events), "--settings", str(settings), *FAST])
    out, err = capsys.readouterr()
    assert code == 1  # the raises and the garbage are in the failed file
    assert sorted(json.dumps(r, sort_keys=True) for r in server.accepted) == sorted(expected_records())
    assert len(server.accepted) == len(set(json.dumps(r, sort_keys=True) for r in server.accepted))  # each once
    failed = [json.loads(line) for line in (tmp_path / "events.jsonl.failed.jsonl").read_text().splitlines()]
    reasons = {entry["message"]["messageId"]: entry["reason"] for entry in failed}
    site = tmp_path / "site.py"  # named as the settings resolve it
    boom = f"transformation: ValueError: boom (at {site}:14 in transformEvent)"
    garbage = f"transformation: {site}: transformEvent returned an int (42): it must return a dict, None or a list of dicts"
    assert reasons == {f"m{n}": (boom if n % 6 == 3 else garbage) for n in range(1, 25) if n % 6 in (3, 4)}
    assert "transformation log (messageId 'm-id'): mode cloudMode" in err.splitlines()


def test_dry_run_shows_the_transformed_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings, events = setup(tmp_path)
    assert main(["send", str(events), "--settings", str(settings), "--dry-run"]) in (0, 1)
    requests = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    records = [record for request in requests for record in request["body"]["d"]]
    names = [record.get("evtName") for record in records if record["type"] == "event"]
    # Lanes by user: the order across users is not the input's.
    assert sorted(names) == sorted(name for n in range(1, 25) for name in {0: ["Kept"], 2: ["Split A", "Split B"], 5: ["Kept"]}.get(n % 6, []))
    assert records[0]["profileData"]["Email"] != "a@b.c"


def test_a_bad_transformation_is_a_usage_error_before_anything_is_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings, events = setup(tmp_path)
    (tmp_path / "site.py").write_text("import requests\n\ndef transformEvent(event, metadata):\n    return event\n")
    assert main(["send", str(events), "--settings", str(settings)]) == 2
    assert capsys.readouterr().err == (
        f"clevertap-bridge: {tmp_path / 'site.py'}:1: imports requests, which is not in Python's standard library: the browser has nothing else\n"
    )
