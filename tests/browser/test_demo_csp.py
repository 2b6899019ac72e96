"""The bundle's demo page, served as built (SRI on its scripts, the Content-Security-Policy of the manifest
in a meta tag): its buttons deliver identify, track, Order Completed, page, screen and alias to the
collector as CPython's bridge.device says, with no CSP violation and Python in the worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Env
from .e2e import (
    assert_wire,
    bridge_log,
    cpython_calls,
    cpython_init_calls,
    effective_settings,
    expected_wire,
    wait_bridge_idle,
)

pytestmark = pytest.mark.browser

CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_demo_page_delivers_under_its_own_csp(env: Env, bundle: str) -> None:
    env.remove_received_hook()  # the demo checks the SRI hash of rudderanalytics.js
    env.context.add_init_script(CSP_RECORDER)
    bundle_dir = Path(env.server.mounts["bundle"])
    manifest = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))

    env.page.goto(f"{bundle}/index.html")
    meta = env.page.evaluate("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert meta == manifest["csp"]["header"]
    env.page.wait_for_function("() => window.ClevertapBridge && window.ClevertapBridge.isLive()")
    buttons = ["identify", "track", "order-completed", "page", "screen", "alias"]
    for button in buttons:
        env.page.click(f"#{button}")
    env.page.wait_for_function(
        "n => window.ClevertapBridge.log.filter(r => r.kind === 'received').length >= n", arg=len(buttons)
    )
    wait_bridge_idle(env)
    messages = [r["entry"]["message"] for r in bridge_log(env, "received") if r["entry"]["kind"] == "event"]
    assert [m["type"] for m in messages] == ["identify", "track", "track", "page", "screen", "alias"]

    settings = effective_settings(None)
    init = cpython_init_calls(settings, {"All": True, "CleverTap": {"optOut": False, "useIP": False}})
    want = cpython_calls(messages, settings)
    assert want
    assert_wire(env, expected_wire(init, want))

    assert env.page.evaluate("() => window.__cspViolations") == []
    assert not [text for text in env.warnings() if "Content Security Policy" in text or "Refused to" in text]
    assert env.page.evaluate("() => window.ClevertapBridge.mode") == "worker"
    # The panel shows what was applied, as text.
    assert env.page.locator("#panel li.applied").count() >= len(want)
