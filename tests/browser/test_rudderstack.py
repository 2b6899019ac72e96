"""End to end with the real RudderStack SDKs: v3 (bundled UMD, modern and legacy) and v1.1 load the bundle's
Clevertap.min.js from destSDKBaseURL; the real CleverTap Web SDK sends to the collector; what arrives must
equal what CPython's bridge.device computes for the messages the integration received."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Env, collector_hosts, source_config
from .e2e import (
    assert_matches_cpython,
    cpython_calls,
    data_host,
    effective_settings,
    open_harness,
    run_calls,
    wait_bridge_idle,
    wait_harness_ready,
)

pytestmark = pytest.mark.browser

TRAITS = {
    "email": "jane@example.com",
    "name": "Jane Dœ",
    "phone": "+15550001111",
    "gender": "F",
    "birthday": "1990-05-17",
    "employed": True,
    "plan": "pro",
    "address": {"city": "London", "zip": "N1"},
}
CALLS: list[list[Any]] = [
    ["identify", "user-123", TRAITS],
    ["track", "Product Viewed", {"sku": "SKU-1", "price": 9.99, "nested": {"a": 1, "b": [1, 2]}, "text": "Grüße 日本 😀"}],
    ["track", "Order Completed", {
        "checkout_id": "chk-1", "order_id": "o-1", "revenue": 25, "currency": "USD",
        "products": [{"product_id": "p1", "price": 19, "quantity": 1}, {"product_id": "p2", "price": 6}],
    }],
    ["page", "Shop", "Cart", {"title": "Cart"}],
    ["alias", "user-456"],
]
METHODS = ["identify", "track", "track", "page", "alias"]

SDKS = {
    "v3-modern": ("v3.html", {"build": "modern"}),
    "v3-legacy": ("v3.html", {"build": "legacy"}),
    "v1.1": ("v11.html", {}),
}


def _without_nulls(value: Any) -> Any:
    # The SDKs leave null-valued keys out of what they send to the data plane.
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def _dataplane_messages(env: Env, ids: list[str], timeout: float = 15.0) -> dict[str, Any]:
    """The messages the data-plane stub received (without ``sentAt``), once all of ``ids`` are there."""
    deadline = time.monotonic() + timeout
    while True:
        sent = {body["messageId"]: {k: v for k, v in body.items() if k != "sentAt"}
                for body in (d["body"] for d in list(env.server.dataplane)) if isinstance(body, dict) and "messageId" in body}
        if all(i in sent for i in ids) or time.monotonic() > deadline:
            return sent
        env.page.wait_for_timeout(100)


def deliver_and_compare(
    env: Env,
    bundle: str,
    sdk: str,
    calls: list[list[Any]],
    integrations: dict[str, Any],
    destination_config: dict[str, Any],
    write_key: str = "TEST_WRITE_KEY",
    early_calls: list[list[Any]] | None = None,
    **page_options: Any,
) -> list[dict[str, Any]]:
    """Load ``sdk`` with the bundle, make ``early_calls`` right after load() and ``calls`` once it is ready,
    and check the wire against CPython. Returns the messages the integration received."""
    page, options = SDKS[sdk]
    open_harness(env, page, destSDKBaseURL=bundle, integrations=integrations, writeKey=write_key,
                 calls=early_calls or [], **options, **page_options)
    wait_harness_ready(env)
    run_calls(env, calls)
    count = len(calls) + len(early_calls or [])
    received = env.wait_for_received(count)
    assert len(received) == count, received
    messages = [r["message"] for r in received]
    wait_bridge_idle(env)

    # What RudderStack handed the integration is what it sent its data plane.
    sent = _dataplane_messages(env, [m["messageId"] for m in messages])
    assert {m["messageId"]: _without_nulls(m) for m in messages} == {m["messageId"]: sent.get(m["messageId"]) for m in messages}
    assert_matches_cpython(env, messages, effective_settings(destination_config), integrations)
    return messages


@pytest.mark.parametrize("sdk", list(SDKS))
def test_rudderstack_sdk_delivers_through_the_bundle(env: Env, bundle: str, sdk: str) -> None:
    destination = source_config()["source"]["destinations"][0]["config"]
    messages = deliver_and_compare(env, bundle, sdk, CALLS, {"All": True}, destination)
    assert [m["type"] for m in messages] == METHODS
    assert messages[0]["userId"] == "user-123" and messages[0]["context"]["traits"]["email"] == "jane@example.com"
    pushes = env.collector.pushes()
    settings = effective_settings(destination)
    assert {p.host for p in pushes} == {data_host(settings)}
    assert {p.payload["id"] for p in pushes} == {settings.account_id}
    # The wire carries what the calls say: a Charged with its ID and Items, a login with the identity.
    records = env.collector.records()
    charged = [r for r in records if r.get("evtName") == "Charged"]
    assert len(charged) == 1 and charged[0]["evtData"]["Charged ID"] == "chk-1" and len(charged[0]["evtData"]["Items"]) == 2
    assert any(r.get("profile", {}).get("Identity") == "user-123" for r in records)
    assert env.page.evaluate("() => document.querySelectorAll('script#clevertap-integration').length") == 1


def test_destination_config_wins_over_the_bundle_settings(env: Env, bundle: str) -> None:
    """RudderStack's destination config (another account, region and trackAnonymous) wins over the settings file."""
    bundle_settings = effective_settings(None)
    # Values that differ from the bundle's, whatever settings file it was built with.
    config = {
        "accountId": "TEST-ACC-RS" if bundle_settings.account_id != "TEST-ACC-RS" else "TEST-ACC-RS2",
        "region": "sg1" if bundle_settings.region != "sg1" else "us1",
        "trackAnonymous": not bundle_settings.track_anonymous,
    }
    env.server.source_configs["KEY_CONFIG_WINS"] = source_config("KEY_CONFIG_WINS", config)
    destination = source_config("KEY_CONFIG_WINS", config)["source"]["destinations"][0]["config"]
    # With a proxy domain the config's region gives another proxy host: the collector answers it too.
    env.collector.install(env.context, extra_hosts=collector_hosts(effective_settings(destination)))
    anonymous = [["track", "Anonymous Track", {"n": 1}], ["page", "Landing", {"ab": "b"}]]
    deliver_and_compare(env, bundle, "v3-modern", anonymous + CALLS[:2], {"All": True}, destination, write_key="KEY_CONFIG_WINS")
    pushes = env.collector.pushes()
    assert {p.host for p in pushes} == {data_host(effective_settings(destination))}
    assert {p.host for p in pushes} != {data_host(bundle_settings)}
    assert {p.payload["id"] for p in pushes} == {config["accountId"]}
    # trackAnonymous from the config: the anonymous track arrived exactly when the config turns it on.
    arrived = any(r.get("evtName") == "Anonymous Track" for r in env.collector.records())
    assert arrived is config["trackAnonymous"], f"trackAnonymous {config['trackAnonymous']} in the config, anonymous track arrived: {arrived}"


def test_a_destination_config_python_refuses_starts_no_sdk_and_keeps_the_events(env: Env, bundle: str) -> None:
    """A RudderStack config whose region Python refuses ("eu1"): the SDK is not half-started (no account
    pushed, no SDK loaded), one console error says why, and the events stay in the durable queue."""
    config = {"region": "eu1"}
    env.server.source_configs["KEY_REFUSED"] = source_config("KEY_REFUSED", config)
    page, options = SDKS["v3-modern"]
    open_harness(env, page, destSDKBaseURL=bundle, integrations={"All": True}, writeKey="KEY_REFUSED", calls=[], **options)
    wait_harness_ready(env)
    run_calls(env, [["track", "Kept For Later", {"n": 1}]])
    assert len(env.wait_for_received(1)) == 1
    env.page.wait_for_function(
        "() => window.ClevertapBridge && window.ClevertapBridge.log.some(r => r.kind === 'error')", timeout=60_000
    )
    errors = [m for m in env.page.evaluate("() => window.ClevertapBridge.log.filter(r => r.kind === 'error').map(r => r.text)")]
    assert len(errors) == 1 and "destination config is refused" in errors[0] and "region: 'eu1'" in errors[0], errors
    assert env.page.evaluate("() => document.querySelectorAll('script#clevertap-integration').length") == 0
    assert env.page.evaluate("() => window.clevertap.account.length") == 0
    assert env.page.evaluate("() => window.ClevertapBridge.pending()") == 1
    assert env.collector.pushes() == []


@pytest.mark.parametrize(("sdk", "key"), [("v3-modern", "CleverTap"), ("v1.1", "CLEVERTAP")])
def test_privacy_load_options_and_runtime_change(env: Env, bundle: str, sdk: str, key: str) -> None:
    integrations = {"All": True, key: {"optOut": True, "useIP": True}}
    destination = source_config()["source"]["destinations"][0]["config"]
    deliver_and_compare(env, bundle, sdk, CALLS[:2], integrations, destination)
    records = env.collector.records()
    assert records[0] == {"type": "profile", "profile": {"ct_optout": True}, "useIP": "true", "optOut": "true"}
    assert all(r["useIP"] == "true" for r in records)

    # A consent banner changes its mind at run time: the change is queued in order with the events.
    from bridge.device import privacy_calls

    before = len(env.collector.pushes())
    env.page.evaluate("() => { window.ClevertapBridge.setPrivacy({optOut: false, useIP: false}); rudderanalytics.track('After Consent', {k: 1}); }")
    received = env.wait_for_received(3)
    wait_bridge_idle(env)
    settings = effective_settings(destination)
    later = privacy_calls({"optOut": False, "useIP": False}) + cpython_calls([received[2]["message"]], settings)
    from .collector import expected_records

    want = expected_records(later, use_ip=True)
    env.collector.wait_for_pushes(env.page, before + len(want))
    env.page.wait_for_timeout(1000)
    assert env.collector.records()[before:] == want
    assert want[0]["profile"] == {"ct_optout": False} and want[-1]["useIP"] == "false"


def test_premounted_integration_is_used_without_a_second_fetch(env: Env, bundle: str) -> None:
    """A page that includes Clevertap.min.js itself: v3 instantiates the existing class and fetches nothing."""
    fetched: list[str] = []
    env.page.on("request", lambda request: fetched.append(request.url) if request.url.endswith("/Clevertap.min.js") else None)
    deliver_and_compare(env, bundle, "v3-modern", CALLS[:3], {"All": True},
                        source_config()["source"]["destinations"][0]["config"], premount=True)
    assert fetched == [f"{bundle}/Clevertap.min.js"]
    assert env.page.evaluate("() => document.querySelectorAll('script[data-loader=RS_JS_SDK]').length") == 0
