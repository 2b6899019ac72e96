"""When things go wrong (DESIGN.md): a bad event is dropped with a console warning and the next one still
goes; when Pyodide or the CleverTap SDK cannot be loaded, events wait in the durable queue, nothing on the
page throws, and a later page delivers them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Env, force_dedicated_worker
from .e2e import (
    bridge_log,
    cpython_calls,
    effective_settings,
    event_records,
    open_harness,
    run_calls,
    wait_bridge_idle,
    wait_harness_ready,
)

pytestmark = pytest.mark.browser


def test_bad_events_are_dropped_with_a_warning_and_the_next_ones_go(env: Env, bundle: str) -> None:
    from bridge.device import translate
    from bridge.errors import EventError

    calls: list[list[Any]] = [
        ["track", "Anonymous Track", {"a": 1}],  # no user id: dropped unless track_anonymous is on
        ["identify", "user-9", {"email": "nine@example.com"}],
        ["track", None, {"b": 2}],  # no event name
        ["track", "Good One", {"c": 3}],
        ["page", {"title": "No Name"}],
    ]
    open_harness(env, "standalone.html", bundle=bundle)
    wait_harness_ready(env)
    run_calls(env, calls)
    received = env.wait_for_received(len(calls))
    messages = [r["message"] for r in received]
    wait_bridge_idle(env)

    settings = effective_settings(None)
    bad = [m for m in messages if _rejected(translate, EventError, m, settings)]
    # The track without a name always; the anonymous track when track_anonymous is off.
    bad_events = ["Anonymous Track", None] if not settings.track_anonymous else [None]
    assert [(m["type"], m.get("event")) for m in bad] == [("track", e) for e in bad_events], "CPython rejects the bad tracks"
    dropped = bridge_log(env, "dropped")
    assert len(dropped) == len(bad_events)
    assert [d["entry"]["message"]["messageId"] for d in dropped] == [m["messageId"] for m in bad]
    for record in dropped:
        assert record["text"].startswith("EventError: ")
        assert any(record["text"] in text and "dropped" in text for text in env.warnings()), (record, env.warnings())

    want = event_records(cpython_calls(messages, settings), settings)
    env.collector.wait_for_pushes(env.page, len(want), include_optout=False)
    env.page.wait_for_timeout(1000)
    assert env.collector.records(include_optout=False) == want
    first = ["Anonymous Track", "Good One"] if settings.track_anonymous else ["Good One"]
    assert [r.get("evtName") for r in want if r["type"] == "event"][: len(first)] == first


def _rejected(translate: Any, error: type[Exception], message: dict[str, Any], settings: Any) -> bool:
    try:
        translate(message, settings)
    except error:
        return True
    return False


CALLS: list[list[Any]] = [
    ["identify", "user-q", {"email": "q@example.com"}],
    ["track", "Waited", {"n": 1}],
    ["track", "Order Completed", {"checkout_id": "chk-q", "revenue": 7}],
]


def _recovers_on_next_page(env: Env, bundle: str, messages: list[dict[str, Any]]) -> None:
    """With the fault gone, the next page delivers the queued events, each once."""
    open_harness(env, "standalone.html", bundle=bundle)
    wait_harness_ready(env)
    wait_bridge_idle(env)
    want = event_records(cpython_calls(messages, effective_settings(None)), effective_settings(None))
    env.collector.wait_for_pushes(env.page, len(want), include_optout=False)
    env.page.wait_for_timeout(1000)
    assert env.collector.records(include_optout=False) == want


def test_pyodide_missing_keeps_events_queued_without_errors(env: Env, bundle: str) -> None:
    missing: list[str] = []

    def not_found(route: Any) -> None:
        missing.append(route.request.url)
        route.fulfill(status=404, body="not here")

    # Where the worker loads Pyodide from: the bundle's copy, or the CDN the settings name (which the env
    # serves from node_modules; this later route wins over it).
    pyodide_url = effective_settings(None).pyodide_url
    pattern = f"{pyodide_url}**" if pyodide_url else f"{env.origin}/bundle/pyodide-*/**"
    env.context.route(pattern, not_found)
    force_dedicated_worker(env.context)  # a route does not reach a SharedWorker's requests
    open_harness(env, "standalone.html", bundle=bundle)
    wait_harness_ready(env)
    run_calls(env, CALLS)
    messages = [r["message"] for r in env.wait_for_received(len(CALLS))]
    env.page.wait_for_function(
        "() => window.ClevertapBridge.log.some(r => r.kind === 'error' && /Python did not start/.test(r.text))",
        timeout=60_000,
    )
    env.page.wait_for_timeout(1000)
    assert missing, "the Pyodide files were requested"
    assert env.page.evaluate("() => window.ClevertapBridge.pending()") == len(CALLS)
    assert env.page.evaluate("() => window.ClevertapBridge.isLive()"), "the CleverTap SDK itself loaded"
    assert env.collector.pushes(include_optout=False) == []
    assert not env.page_errors
    assert any("Python did not start" in text for text in env.warnings())

    env.context.unroute(pattern, not_found)
    _recovers_on_next_page(env, bundle, messages)


def test_sdk_missing_keeps_events_queued_without_errors(env: Env, bundle: str) -> None:
    def not_found(route: Any) -> None:
        route.fulfill(status=404, body="not here")

    sdk_url = effective_settings(None).sdk_url
    env.page.route(sdk_url, not_found)  # a page route wins over the context's SDK route
    open_harness(env, "standalone.html", bundle=bundle)
    env.page.wait_for_function("() => !!window.ClevertapBridge")
    run_calls(env, CALLS)
    messages = [r["message"] for r in env.wait_for_received(len(CALLS))]
    env.page.wait_for_function(
        "() => window.ClevertapBridge.log.some(r => r.kind === 'error' && /CleverTap Web SDK/.test(r.text))"
    )
    # Python still boots and translates, but nothing is applied while the SDK is missing.
    env.page.evaluate("() => window.ClevertapBridge.pythonReady")
    env.page.wait_for_timeout(1500)
    assert env.page.evaluate("() => window.ClevertapBridge.pending()") == len(CALLS)
    assert bridge_log(env, "applied") == []
    assert env.collector.requests == []
    assert not env.page_errors
    assert any("could not load the CleverTap Web SDK" in text for text in env.warnings())

    env.page.unroute(sdk_url, not_found)
    _recovers_on_next_page(env, bundle, messages)


def test_without_workers_python_runs_on_the_main_thread_and_delivers(env: Env, bundle: str) -> None:
    """DESIGN.md: the main thread is the last resort when no worker can run."""
    env.context.add_init_script("window.Worker = undefined; window.SharedWorker = undefined;")
    open_harness(env, "standalone.html", bundle=bundle)
    wait_harness_ready(env)
    run_calls(env, CALLS)
    messages = [r["message"] for r in env.wait_for_received(len(CALLS))]
    wait_bridge_idle(env)
    assert env.page.evaluate("() => window.ClevertapBridge.mode") == "main-thread"
    want_calls = cpython_calls(messages, effective_settings(None))
    assert [c for r in bridge_log(env, "applied") for c in r["calls"]] == json.loads(json.dumps(want_calls))
    want = event_records(want_calls, effective_settings(None))
    env.collector.wait_for_pushes(env.page, len(want), include_optout=False)
    env.page.wait_for_timeout(1000)
    assert env.collector.records(include_optout=False) == want
    assert not env.page_errors


def test_group_is_not_sent_and_a_debug_line_says_why(env: Env, bundle: str) -> None:
    """DESIGN: group and unknown types are not sent; a debug line (not a warning) says why, and the
    calls around it still go. RudderStack v3 hands the integration its group calls."""
    calls: list[list[Any]] = [
        ["identify", "user-g", {"email": "g@example.com"}],
        ["group", "org-9", {"name": "Acme"}],
        ["track", "After Group", {"x": 1}],
    ]
    open_harness(env, "v3.html", destSDKBaseURL=bundle, integrations={"All": True}, writeKey="TEST_WRITE_KEY",
                 calls=[], build="modern")
    wait_harness_ready(env)
    run_calls(env, calls)
    received = env.wait_for_received(len(calls))
    messages = [r["message"] for r in received]
    assert [m["type"] for m in messages] == ["identify", "group", "track"]
    wait_bridge_idle(env)

    skipped = bridge_log(env, "skipped")
    assert [s["entry"]["message"]["type"] for s in skipped] == ["group"]
    assert skipped[0]["text"] == (
        "EventError: type: 'group' is not supported: device mode sends identify, track, page, screen, alias"
    )
    debug_lines = [text for kind, text in env.console if kind == "debug" and "not sent" in text]
    assert any("'group' is not supported" in text for text in debug_lines), env.console
    assert not [text for text in env.warnings() if "group" in text]
    assert bridge_log(env, "dropped") == []

    settings = effective_settings(None)
    want = event_records(cpython_calls(messages, settings), settings)
    assert [r.get("evtName") for r in want if r["type"] == "event"] == ["After Group"]
    env.collector.wait_for_pushes(env.page, len(want), include_optout=False)
    env.page.wait_for_timeout(1000)
    assert env.collector.records(include_optout=False) == want
