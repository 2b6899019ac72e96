"""The demo (make demo) end to end in Chromium, offline: the bundle built from demo.toml with the SDK URL
pointed at the demo server (as ``build.py --sdk-url`` does), served by build.py's own server with its
stand-in for CleverTap's endpoint. Nothing is routed by Playwright except a guard that aborts and records
any request off the demo server: every call must reach the stand-in, and the panel must show what it
decoded."""

from __future__ import annotations

import copy
import dataclasses
import json
import runpy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bridge.build import VENDOR_PATH, CleverTapStandIn, make_server
from bridge.bundle import build_bundle
from bridge.device import init_calls, map_event
from bridge.settings import Settings, load_settings

from .e2e import expected_wire

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SDK_FILE = ROOT / "node_modules" / "clevertap-web-sdk" / "clevertap.min.js"
HOSTILE = "<img src=x onerror=window.__pwned=1>"
LOAD_OPTIONS = {"All": True, "CleverTap": {"optOut": False, "useIP": False}}  # what static/demo.js loads with


@dataclasses.dataclass
class Demo:
    origin: str
    settings: Settings
    standin: CleverTapStandIn


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    standin = CleverTapStandIn()
    server = make_server(out, "127.0.0.1", 0, SDK_FILE, standin=standin)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    settings = dataclasses.replace(load_settings(ROOT / "demo.toml"), sdk_url=origin + VENDOR_PATH)
    build_bundle(settings, out)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Demo(origin, settings, standin)
    finally:
        server.shutdown()
        server.server_close()


def test_every_button_reaches_the_demo_servers_clevertap_and_the_panel_shows_it_decoded(browser: Any, demo: Demo) -> None:
    context = browser.new_context()
    blocked: list[str] = []
    errors: list[str] = []
    console: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(demo.origin + "/") or url.startswith(("blob:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(f"{demo.origin}/index.html")
        page.click("#identify")
        page.click("#track")  # the demo's default track, "Button Clicked"
        page.fill("#event-name", HOSTILE)
        for button in ("#track", "#order-completed", "#page", "#screen", "#alias"):
            page.click(button)
        page.wait_for_function("() => window.ClevertapBridge && window.ClevertapBridge.mode === 'worker'")
        _idle(page)

        # Pyodide computed what CPython computes for the messages the buttons made: the demo's
        # transformation (when demo.toml names it), then the mapping of what it returned.
        messages = page.evaluate(
            "() => ClevertapBridge.log.filter(r => r.kind === 'received' && r.entry.kind === 'event').map(r => r.entry.message)"
        )
        assert [m["type"] for m in messages] == ["identify", "track", "track", "track", "page", "screen", "alias"]
        originals = json.loads(json.dumps(messages))  # the transformation may change the event it is given
        outputs = [_transformed(demo.settings, m) for m in messages]
        calls = [[call for out in outs for call in map_event(out, demo.settings)] for outs in outputs if outs]
        if _transformation(demo.settings):
            # Email hashed, the default track dropped, Order Completed split in two.
            assert "email" not in outputs[0][0]["context"]["traits"] and "email_sha256" in outputs[0][0]["context"]["traits"]
            assert [len(outs) for outs in outputs] == [1, 0, 1, 2, 1, 1, 1]
            shown = page.evaluate(
                "() => Array.from(document.querySelectorAll('#panel li.transformed')).map(li => li.childNodes[1].textContent)"
            )
            # What the transformation made of each call the panel names (the page asks for the transformed
            # events back): a message it returned as it was gets no line. Every message after the identify
            # carries the email in context.traits, so each is changed (hashed) but the dropped and split ones.
            want_shown = [
                "dropped" if not outs else f"split in {len(outs)}" if len(outs) > 1 else "changed"
                for original, outs in zip(originals, outputs, strict=True)
                if len(outs) != 1 or outs[0] != original
            ]
            assert want_shown == ["changed", "dropped", "changed", "split in 2", "changed", "changed", "changed"]
            assert [line.split(":")[0] for line in shown] == want_shown
            assert "transformEvent" in shown[1]
            assert all("email_sha256" in line and '"email"' not in line for line in shown if line.startswith("changed"))
        init = init_calls(demo.settings, LOAD_OPTIONS)
        assert page.evaluate("() => ClevertapBridge.initCalls") == init

        # Every call reaches the stand-in, in order, as CPython says it should arrive, with nothing held back
        # by an unanswered onUserLogin; the panel shows each of them. The SDK sends a privacy change at
        # once, ahead of a profile push it still holds, so the opt-out is clicked once the rest arrived.
        want = expected_wire(init, [call for c in calls for call in c])
        _wait_for_wire(page, demo, len(want))
        page.click("#opt-out")
        _idle(page)
        calls.append([["privacy", {"optOut": True}]])
        want = expected_wire(init, [call for c in calls for call in c])
        _wait_for_wire(page, demo, len(want))
        applied = page.evaluate("() => ClevertapBridge.log.filter(r => r.kind === 'applied').map(r => r.calls)")
        assert applied == calls
        page.wait_for_timeout(1_500)  # nothing more may come
        # The SDK's JSONP scripts load in parallel, so a real server may see two of them in either order;
        # the request number (rn) is the order the SDK sent them in.
        pushes = demo.standin.pushes()
        in_sdk_order = sorted(pushes, key=lambda r: int(r.query["rn"]))
        assert len({r.query["rn"] for r in pushes}) == len(pushes)
        assert [r.record() for r in in_sdk_order] == want
        assert demo.standin.decode_errors == []
        assert {r.host for r in demo.standin.requests} == {"eu1.clevertap-prod.com"}  # demo.toml: region none
        assert {r.path for r in demo.standin.requests} == {"/a"}

        # The panel shows each decoded request's record, as text, in arrival order.
        shown = page.evaluate(
            "() => Array.from(document.querySelectorAll('#panel li.wire')).map(li => li.childNodes[1].textContent)"
        )
        assert shown == [
            f"{r.host} {json.dumps(r.record(), ensure_ascii=False, separators=(',', ':'))}" for r in demo.standin.pushes()
        ]
        # The hostile name as CleverTap takes it (without the ".").
        sent_name = next(c[1] for cs in calls for c in cs if c[0] == "event" and str(c[1]).startswith("<img "))
        assert any(json.dumps(sent_name) in text for text in shown)
        assert "CleverTap answered by the demo server" in page.inner_text("#status")
        assert not [text for text in console if "waiting for CleverTap to answer" in text]

        # Event data is text: the hostile event name is visible and was never parsed as HTML.
        panel = page.inner_text("#panel")
        assert HOSTILE in panel
        assert page.locator("#panel img").count() == 0
        assert page.evaluate("() => window.__pwned") is None
        assert 'clevertap.event.push("Charged"' in panel
    finally:
        context.close()
    assert errors == []
    assert blocked == []  # nothing left the demo server


def _transformation(settings: Settings) -> str | None:
    """The transformation file the demo's settings name (none before the setting existed)."""
    path = getattr(settings, "transformation", None)
    return str(path) if path else None


def _transformed(settings: Settings, message: dict[str, Any]) -> list[dict[str, Any]]:
    """What the demo's transformation returns for ``message``, called on CPython as RudderStack's
    contract calls it, as a list (none: dropped); the message itself without a transformation."""
    path = _transformation(settings)
    if path is None:
        return [message]
    transform_event = runpy.run_path(str(ROOT / path))["transformEvent"]  # ROOT / an absolute path is that path
    result = transform_event(copy.deepcopy(message), lambda event: {"messageId": event.get("messageId")})
    return [] if result is None else result if isinstance(result, list) else [result]


def _idle(page: Any, timeout_ms: int = 60_000) -> None:
    """Wait until the bridge's queue is empty; fail (not hang) when it stays held, e.g. behind an
    onUserLogin nothing answered."""
    page.evaluate(
        "t => Promise.race([ClevertapBridge.idle(), new Promise((_, no) => setTimeout(() =>"
        " no(new Error('bridge not idle after ' + t + ' ms: ' + ClevertapBridge.pending() + ' pending')), t))])",
        timeout_ms,
    )


def _wait_for_wire(page: Any, demo: Demo, count: int) -> None:
    """Wait until ``count`` pushes reached the stand-in and the panel shows as many wire lines."""
    page.wait_for_function(
        "n => document.querySelectorAll('#panel li.wire').length >= n", arg=count, timeout=30_000
    )
    assert len(demo.standin.pushes()) >= count


def test_the_standin_answers_only_its_own_paths(demo: Demo) -> None:
    from urllib.error import HTTPError
    from urllib.request import urlopen

    with urlopen(f"{demo.origin}/clevertap-standin/wire?since=-1") as response:
        answer = json.loads(response.read())
    assert answer == {"next": len(demo.standin.requests), "requests": []}
    for path in ("/clevertap-standin/elsewhere", "/clevertap-standin/wire?since=x"):
        with pytest.raises(HTTPError) as caught:
            urlopen(demo.origin + path)
        caught.value.close()
        assert caught.value.code == (400 if "since" in path else 404), path
    assert urlsplit(demo.settings.sdk_url).path == VENDOR_PATH
