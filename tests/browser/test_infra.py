"""The test infrastructure itself, with the real CleverTap Web SDK and no bundle: the SDK is served at its
CDN URL from node_modules, its requests reach the collector and decode, and the guard records escapes."""

from __future__ import annotations

from typing import Any

import pytest

from .collector import expected_records
from .conftest import Env

pytestmark = pytest.mark.browser


def _sdk_live(env: Env) -> None:
    env.page.wait_for_function("() => window.clevertap && typeof window.clevertap.logout === 'function'")


def test_collector_decodes_what_the_real_sdk_sends(env: Env) -> None:
    env.page.goto("/pages/sdk-only.html?useIP=true")
    _sdk_live(env)
    calls: list[list[Any]] = [
        ["onUserLogin", {"Site": {"Identity": "user-1", "Name": "Jane Ünïcode", "Phone": "+15550001111", "plan": "pro"}}],
        ["event", "Product Viewed", {"sku": "SKU-1", "price": 9.99, "nested": {"a": [1, 2]}, "text": "日本"}],
        ["event", "No Props"],
        ["event", "Charged", {"Charged ID": "chk-1", "Amount": 25, "Items": [{"product_id": "p1", "price": 19}]}],
        ["profile", {"Site": {"Customer Type": "gold"}}],
    ]
    for queue, *args in calls:
        env.page.evaluate("([q, args]) => window.clevertap[q].push(...args)", [queue, args])
    # The privacy push of the snippet (ct_optout false) comes first, then the calls in order.
    env.collector.wait_for_pushes(env.page, len(calls) + 1)
    want = expected_records([["privacy", {"optOut": False}], *calls], use_ip=True)
    assert env.collector.records() == want
    first = env.collector.pushes()[0]
    assert first.host == "in1.clevertap-prod.com" and first.path == "/a"
    assert first.payload["id"] == "TEST-ACC-ID"
    assert env.sdk_requests == ["https://d2r1yp2w7bby2u.cloudfront.net/js/clevertap.min.js"]


def test_runtime_privacy_change_reaches_the_wire(env: Env) -> None:
    env.page.goto("/pages/sdk-only.html")
    _sdk_live(env)
    env.page.evaluate("() => { clevertap.event.push('Before'); clevertap.privacy.push({useIP: true}); clevertap.event.push('After'); clevertap.privacy.push({optOut: true}); }")
    env.collector.wait_for_pushes(env.page, 4)
    assert env.collector.records() == expected_records(
        [["privacy", {"optOut": False}], ["event", "Before"], ["privacy", {"useIP": True}], ["event", "After"], ["privacy", {"optOut": True}]]
    )


def test_guard_records_requests_that_leave_loopback(env: Env) -> None:
    env.page.goto("/pages/sdk-only.html")
    env.page.evaluate("() => fetch('https://example.com/x').catch(() => null)")
    env.page.evaluate("() => fetch('http://127.0.0.2:9/y').catch(() => null)")
    assert env.blocked == ["https://example.com/x", "http://127.0.0.2:9/y"]
    env.blocked.clear()  # deliberate escapes: the fixture's own check must not fail this test


def test_slow_answers_make_the_sdk_replay_requests_which_the_collector_folds(env: Env) -> None:
    """The SDK keeps each request in its WZRK_L backup until the answer arrives and re-fires what is still
    unanswered when its 3-second backup timer runs: with slow answers, the same request (same rn and d)
    arrives twice. The collector counts such a replay once; a call pushed twice has a new rn and counts twice."""
    env.collector.answer_delay_ms = 4000
    env.page.goto("/pages/sdk-only.html")
    _sdk_live(env)
    env.page.wait_for_function("() => !!window.clevertap.getCleverTapID()", timeout=20_000)
    env.page.evaluate("() => { clevertap.event.push('Slow A'); clevertap.event.push('Slow B'); clevertap.event.push('Slow B'); }")
    env.collector.wait_for(env.page, lambda c: len(c.replays()) >= 3, timeout=20, what="the SDK's replays")
    env.page.wait_for_timeout(500)
    replayed = [r.payload.get("evtName") for r in env.collector.replays()]
    assert sorted(n for n in replayed if n) == ["Slow A", "Slow B", "Slow B"]
    assert all("s" in r.query for r in env.collector.replays())  # replays carry the session id
    assert [r["evtName"] for r in env.collector.records(include_optout=False)] == ["Slow A", "Slow B", "Slow B"]
