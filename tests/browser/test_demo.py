"""Smoke test of the demo page (make demo) in Chromium: the bundle built from demo.toml, served by
build.py's own server (bridge.build) on loopback, the CleverTap Web SDK from node_modules at the
demo's sdk_url. Written by the bundle helper; the end-to-end suite is the rest of tests/browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bridge.build import make_server
from bridge.bundle import build_bundle
from bridge.device import init_calls, map_event
from bridge.settings import load_settings

from .collector import Collector

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SDK_FILE = ROOT / "node_modules" / "clevertap-web-sdk" / "clevertap.min.js"
HOSTILE = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture(scope="module")
def demo_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    build_bundle(load_settings(ROOT / "demo.toml"), out)
    server = make_server(out, "127.0.0.1", 0, SDK_FILE)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_demo_page_pushes_what_python_computes(browser: Any, demo_origin: str) -> None:
    settings = load_settings(ROOT / "demo.toml")
    context = browser.new_context()
    blocked: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(demo_origin) or url.startswith(("blob:", "data:")):
            route.continue_()
        elif url.split("?")[0] == settings.sdk_url:  # the demo's sdk_url names the default demo port
            route.fulfill(path=str(SDK_FILE), content_type="text/javascript")
        else:
            blocked.append(urlsplit(url).netloc)
            route.abort()

    context.route("**/*", guard)
    collector = Collector()
    collector.install(context)  # CleverTap's data hosts answer on loopback; registered last, so it wins
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Record every message the integration is handed, to compute CPython's answer for the same messages.
    page.add_init_script(
        "window.__messages = []; addEventListener('clevertap-bridge', e => {"
        " if (e.detail.kind === 'received' && e.detail.entry.kind === 'event') __messages.push(e.detail.entry.message); });"
    )
    try:
        page.goto(f"{demo_origin}/index.html")
        page.fill("#event-name", HOSTILE)
        for button in ("#identify", "#track", "#order-completed", "#page", "#screen", "#alias"):
            page.click(button)
        page.click("#opt-out")
        page.wait_for_function("() => window.ClevertapBridge && window.ClevertapBridge.mode === 'worker'")
        page.evaluate("() => ClevertapBridge.idle()")

        # Privacy before account: the pushes done at init are CPython's init_calls for the demo's load options.
        init = page.evaluate("() => ClevertapBridge.initCalls")
        assert init == init_calls(settings, {"All": True, "CleverTap": {"optOut": False, "useIP": False}})

        messages = page.evaluate("() => __messages")
        applied = page.evaluate(
            "() => ClevertapBridge.log.filter(r => r.kind === 'applied').map(r => r.calls)"
        )
        assert [m["type"] for m in messages] == ["identify", "track", "track", "page", "screen", "alias"]
        assert applied[: len(messages)] == [map_event(m, settings) for m in messages]
        assert applied[-1] == [["privacy", {"optOut": True}]]

        # The panel shows event data as text: the hostile event name is visible and was never parsed as HTML.
        panel = page.inner_text("#panel")
        assert HOSTILE in panel
        assert page.locator("#panel img").count() == 0
        assert page.evaluate("() => window.__pwned") is None
        assert "clevertap.event.push(\"Charged\"" in panel
        collector.wait_for(
            page,
            lambda c: any(isinstance(r.payload, dict) and r.payload.get("evtName") == "Charged" for r in c.requests),
            what="the demo's Charged on the wire",
        )
    finally:
        context.close()
    assert errors == []
    assert blocked == []  # nothing left loopback
    assert collector.decode_errors == []
