"""A bundle regenerated with other settings: a first-party proxy domain, a custom SDK URL, Pyodide from a CDN
URL, anonymous tracking on and privacy defaults on. The CDN and SDK URLs are fulfilled from node_modules by
route, so nothing leaves loopback; what arrives must equal CPython's answer for those settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .collector import expected_records
from .conftest import NODE_MODULES, Env, build_bundle, force_dedicated_worker, serve_pyodide_cdn
from .e2e import (
    bridge_log,
    open_harness,
    run_calls,
    wait_bridge_idle,
    wait_harness_ready,
)

pytestmark = pytest.mark.browser

PYODIDE_CDN = "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/"
ALT_SETTINGS: dict[str, Any] = {
    "account_id": "TEST-ALT-0001",
    "region": "sg1",
    "target_domain": "analytics.shop.test",
    "track_anonymous": True,
    "opt_out": True,
    "use_ip": True,
    "sdk_url": "https://sdk.shop.test/vendor/clevertap.min.js",
    "pyodide_url": PYODIDE_CDN,
}


@pytest.fixture(scope="module")
def alt_bundle(server: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_bundle(server, tmp_path_factory.mktemp("alt-bundle"), ALT_SETTINGS, prefix="bundle-alt")


def test_regenerated_bundle_follows_its_settings(alt_bundle: str, env: Env) -> None:
    from bridge.device import init_calls, map_event
    from bridge.errors import EventError
    from bridge.settings import Settings

    assert not (Path(env.server.mounts["bundle-alt"]) / "pyodide").exists(), "a CDN pyodide_url: no copy in the bundle"
    cdn_requests: list[str] = []
    serve_pyodide_cdn(env.context, PYODIDE_CDN, cdn_requests)
    force_dedicated_worker(env.context)  # the CDN is a route, which a SharedWorker's requests do not meet
    sdk_file = NODE_MODULES / "clevertap-web-sdk" / "clevertap.min.js"

    def sdk_from_custom_url(route: Any) -> None:
        env.sdk_requests.append(route.request.url)
        route.fulfill(status=200, body=sdk_file.read_bytes(), content_type="application/javascript")

    env.context.route(ALT_SETTINGS["sdk_url"], sdk_from_custom_url)
    env.collector.install(env.context, extra_hosts=["sg1.analytics.shop.test", "analytics.shop.test"])

    calls = [["track", "Anonymous Visit", {"n": 1}], ["identify", "alt-user", {"email": "alt@example.com"}],
             ["track", "Known Visit", {"n": 2}]]
    open_harness(env, "standalone.html", bundle=alt_bundle)
    wait_harness_ready(env)
    run_calls(env, calls)
    messages = [r["message"] for r in env.wait_for_received(len(calls))]
    wait_bridge_idle(env)

    settings = Settings.from_config(ALT_SETTINGS)
    want: list[list[Any]] = []
    for message in messages:
        try:
            want.extend(map_event(message, settings))
        except EventError:
            pass
    init = init_calls(settings, None)
    assert init == [["privacy", {"optOut": True}], ["privacy", {"useIP": True}]]
    assert bridge_log(env, "init")[0]["calls"] == init
    assert [c for r in bridge_log(env, "applied") for c in r["calls"]] == json.loads(json.dumps(want))
    expected = expected_records([["privacy", {"optOut": True, "useIP": True}], *want])
    env.collector.wait_for_pushes(env.page, len(expected))
    env.page.wait_for_timeout(1000)
    assert env.collector.records() == expected
    assert any(r.get("evtName") == "Anonymous Visit" for r in expected), "anonymous tracking is on"

    pushes = env.collector.pushes()
    assert {p.host for p in pushes} == {"sg1.analytics.shop.test"}
    assert {p.payload["id"] for p in pushes} == {"TEST-ALT-0001"}
    assert env.sdk_requests == [ALT_SETTINGS["sdk_url"]]
    assert {"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"} <= set(cdn_requests)
    assert env.page.evaluate("() => window.ClevertapBridge.mode") == "worker"
