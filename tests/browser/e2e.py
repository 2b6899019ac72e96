"""Helpers for the end-to-end tests: open a harness page, wait for the bridge, and compute what CPython
says the wire should show for the messages the integration actually received."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from .collector import expected_records
from .conftest import Env, data_host, session_settings

__all__ = [
    "open_harness", "wait_bridge_idle", "cpython_calls", "expected_wire", "assert_wire", "bridge_log", "run_calls",
    "effective_settings", "data_host", "event_records",
]


def open_harness(env: Env, page: str, **options: Any) -> None:
    """Navigate to ``/pages/<page>?o=<options as JSON>`` (see pages/harness.js)."""
    env.page.goto(f"/pages/{page}?o={quote(json.dumps(options))}")


def wait_harness_ready(env: Env, timeout: float = 30.0) -> None:
    """Wait for the SDK's ``ready`` callback (RudderStack calls it once the integration is ready)."""
    env.page.wait_for_function("() => window.harness && (window.harness.ready || window.harness.errors.length)", timeout=timeout * 1000)
    errors = env.page.evaluate("() => window.harness.errors")
    assert not errors, f"the harness page failed: {errors}"


def run_calls(env: Env, calls: Iterable[list[Any]]) -> None:
    """Call ``rudderanalytics[method](...args)`` for each call, in order, in one task."""
    env.page.evaluate("calls => window.harness.run(calls)", list(calls))


def wait_bridge_idle(env: Env, timeout: float = 60.0) -> None:
    """Wait until Python is up and the bridge's durable queue is empty (every entry applied or dropped)."""
    env.page.wait_for_function("() => !!window.ClevertapBridge", timeout=timeout * 1000)
    env.page.evaluate(
        "t => Promise.race([window.ClevertapBridge.pythonReady.then(() => window.ClevertapBridge.idle()),"
        " new Promise((_, no) => setTimeout(() => no(new Error('bridge not idle after ' + t + ' ms: pending '"
        " + window.ClevertapBridge.pending())), t))])",
        timeout * 1000,
    )


def bridge_log(env: Env, kind: str | None = None) -> list[dict[str, Any]]:
    """``window.ClevertapBridge.log``, optionally only the records of one kind."""
    log = env.page.evaluate("() => JSON.parse(JSON.stringify((window.ClevertapBridge || {}).log || []))")
    return [r for r in log if kind is None or r.get("kind") == kind]


def effective_settings(destination_config: dict[str, Any] | None) -> Any:
    """The settings the integration runs with: the session bundle's (TEST_SETTINGS or QA's file), with the
    destination config winning."""
    settings = session_settings()
    return settings.merged(destination_config) if destination_config else settings


def cpython_calls(messages: Iterable[dict[str, Any]], settings: Any) -> list[list[Any]]:
    """``bridge.device.map_event`` on CPython for each message, concatenated; messages it rejects give nothing."""
    from bridge.device import map_event
    from bridge.errors import EventError

    calls: list[list[Any]] = []
    for message in messages:
        try:
            calls.extend(map_event(message, settings))
        except EventError:
            pass
    return calls


def cpython_init_calls(settings: Any, integrations: dict[str, Any] | None) -> list[list[Any]]:
    """``bridge.device.init_calls`` on CPython for the load option ``integrations``."""
    from bridge.device import init_calls

    return init_calls(settings, integrations)


def event_records(calls: list[list[Any]], settings: Any, integrations: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The wire records of event calls alone (no init privacy push): each request's useIP is the state the
    init calls for these settings and load options leave (settings.use_ip unless the options say otherwise)."""
    use_ip = False
    for call in cpython_init_calls(settings, integrations):
        if "useIP" in call[1]:
            use_ip = call[1]["useIP"] is True
    return expected_records(calls, use_ip=use_ip)


def expected_wire(init: list[list[Any]], calls: list[list[Any]]) -> list[dict[str, Any]]:
    """The wire records for the init privacy calls followed by the event calls.

    The init calls are pushed before the SDK loads; the SDK merges every queued privacy object into one
    before it sends, so the ct_optout request already carries the queued useIP."""
    merged: dict[str, Any] = {}
    for call in init:
        assert call[0] == "privacy", f"an init call that is not a privacy call: {call!r}"
        merged.update(call[1])
    return expected_records([["privacy", merged], *calls] if merged else list(calls))


def assert_wire(env: Env, expected: list[dict[str, Any]], settle: float = 1.5, timeout: float = 30.0) -> None:
    """Wait for the expected number of CleverTap pushes, then a little longer (nothing may come twice),
    and compare the decoded requests with the expectation."""
    env.collector.wait_for_pushes(env.page, len(expected), timeout=timeout)
    env.page.wait_for_timeout(settle * 1000)
    got = env.collector.records()
    if got != expected:
        raise AssertionError(
            "the wire differs from CPython's expectation\n"
            + _diff(expected, got)
        )


def assert_matches_cpython(
    env: Env, messages: list[dict[str, Any]], settings: Any, integrations: dict[str, Any] | None
) -> None:
    """The bundle queued exactly ``messages``; its init and applied calls are CPython's for them, and so is the wire."""
    queued = [r["entry"]["message"] for r in bridge_log(env, "received") if r["entry"]["kind"] == "event"]
    assert queued == messages
    init = cpython_init_calls(settings, integrations)
    want = cpython_calls(messages, settings)
    assert want, "CPython maps these messages to calls"
    # Pyodide computed the same calls as CPython, and the SDK got them in order.
    assert bridge_log(env, "init")[0]["calls"] == init
    assert [c for r in bridge_log(env, "applied") for c in r["calls"]] == json.loads(json.dumps(want))
    assert_wire(env, expected_wire(init, want))


def _short(value: Any, limit: int = 160) -> Any:
    # Long strings (page URLs carry the harness options) would bury the difference.
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"...(+{len(value) - limit})"
    if isinstance(value, dict):
        return {k: _short(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_short(v, limit) for v in value]
    return value


def _diff(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> str:
    expected, got = _short(expected), _short(got)
    lines = []
    for i in range(max(len(expected), len(got))):
        want = expected[i] if i < len(expected) else None
        have = got[i] if i < len(got) else None
        mark = "  " if want == have else "!!"
        lines.append(f"{mark} #{i} expected: {json.dumps(want, ensure_ascii=False, sort_keys=True)}")
        lines.append(f"{mark} #{i}      got: {json.dumps(have, ensure_ascii=False, sort_keys=True)}")
    return "\n".join(lines)
