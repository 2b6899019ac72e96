"""The upstream conformance cases of RudderStack's cloud-mode CleverTap destination.

29 processor cases, the router case and the 3 deleteUsers cases from shared/conformance/
(README there), compared structurally with statTags ignored. The folder is found beside the
repository or through $CLEVERTAP_CONFORMANCE_DIR; the tests skip only when it is absent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cloud_support import (
    LoopbackServer,
    assert_json_serialisable,
    conformance_dir,
    json_same,
    load_cases,
    strip_stat_tags,
)

from bridge.cloud import plan_user_deletion, route, transform
from bridge.delivery import delete_users
from bridge.errors import DeliveryError, EventError, SettingsError

needs_cases = pytest.mark.skipif(
    not conformance_dir().is_dir(),
    reason=f"conformance cases not found at {conformance_dir()} (set CLEVERTAP_CONFORMANCE_DIR)",
)

# What each upstream case checks, by its position in processor/data.ts (its names are "Test 3"...).
PROCESSOR_IDS = [
    "identify-custom-objects-stringified-subscription-kept",
    "identify-email-not-taken-from-externalid",
    "identify-profile-fields-mapped",
    "page-name-in-event-name",
    "screen-name-in-event-name",
    "track-event-with-properties",
    "error-message-type-missing",
    "error-message-type-not-supported",
    "track-order-completed-becomes-charged",
    "error-anonymous-track-without-trackanonymous",
    "identify-gender-female-becomes-f",
    "identify-gender-other-omitted",
    "identify-objectid-and-android-fcm-token",
    "identify-objectid-mapping-userid-only-root-identity",
    "track-objectid-from-anonymousid",
    "track-objectid-mapping-identity-from-userid",
    "identify-iso-ts-converted-to-seconds",
    "identify-objectid-and-watchos-apns-token",
    "alias-previousid-identity-ts-from-context-traits",
    "identify-name-from-first-last-overridefields-in-traits",
    "identify-name-from-first-last-overridefields-in-context-traits",
    "error-charged-products-not-an-array",
    "error-objectid-track-without-any-id",
    "identify-token-type-chrome-from-integrations",
    "identify-token-type-not-allowed-falls-back-to-fcm",
    "identify-chrome-keys-auth",
    "identify-chrome-keys-p256dh-only",
    "identify-chrome-keys-any-shape",
    "track-string-event-name-repeat",
]


def _processor_cases() -> list[Any]:
    if not conformance_dir().is_dir():
        return []
    cases = load_cases("clevertap_processor_cases.json")
    ids = [PROCESSOR_IDS[c["index"]] if c["index"] < len(PROCESSOR_IDS) else f"case-{c['index']}" for c in cases]
    return [pytest.param(case, id=case_id) for case, case_id in zip(cases, ids, strict=True)]


@needs_cases
def test_there_are_29_processor_cases() -> None:
    assert len(_processor_cases()) == 29


@needs_cases
@pytest.mark.parametrize("case", _processor_cases())
def test_processor_case(case: dict[str, Any]) -> None:
    expected = case["expected_output_or_error"]
    if "error" in expected:
        with pytest.raises(EventError) as caught:
            transform(case["message"], case["destination_config"])
        assert str(caught.value) == expected["error"]
        assert getattr(caught.value, "status_code", None) == expected["statusCode"]
        return
    outputs = transform(case["message"], case["destination_config"])
    assert_json_serialisable(outputs)
    # Compared after a JSON round trip, as the reference's output would be read.
    actual = json.loads(json.dumps(outputs))
    assert json_same(actual, expected["outputs"]), json.dumps(actual, indent=1)
    assert [200] * len(outputs) == expected["statusCodes"]
    # The raw upstream body says the same: one {"output", "statusCode": 200} per output.
    assert json_same([{"output": o, "statusCode": 200} for o in actual], case["raw_expected_response_body"])


def test_json_same_compares_numbers_by_value_not_kind() -> None:
    assert json_same({"ts": 1615377562}, {"ts": 1615377562.0})
    assert json_same([2.0], [2])
    assert not json_same({"Employed": True}, {"Employed": 1})
    assert not json_same({"a": 1}, {"a": 1, "b": None})
    assert not json_same(["a", "b"], ["b", "a"])


@needs_cases
def test_router_case() -> None:
    [case] = load_cases("clevertap_router_cases.json")
    actual = route(case["input"]["input"])
    assert_json_serialisable(actual)
    expected = case["expected"]["output"]
    assert json_same(strip_stat_tags(json.loads(json.dumps(actual))), strip_stat_tags(expected))
    # statTags are optional, but where given they are RudderStack's.
    assert actual[1]["statTags"] == expected[1]["statTags"]


def _deletion_cases() -> list[Any]:
    if not conformance_dir().is_dir():
        return []
    ids = {"Test 0": "delete-without-passcode", "Test 1": "delete-without-account-id", "Test 2": "delete-first-batch-refused"}
    return [pytest.param(c, id=ids.get(c["name"], c["name"])) for c in load_cases("clevertap_deleteUsers_cases.json")]


def _upstream_mock(request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    """The upstream network mock: HTTP 400 for the batch of 100 ids, 200 for the rest."""
    if len(request["body"].get("identity", [])) == 100:
        return 400, {"code": 400, "message": "Bad Req", "status": "Fail Case"}, {}
    return 200, {"status": "success"}, {}


@pytest.fixture
def clevertap_stub() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with LoopbackServer(_upstream_mock) as server:
        yield server.base_url, server.requests


@needs_cases
@pytest.mark.parametrize("case", _deletion_cases())
def test_delete_users_case(case: dict[str, Any], clevertap_stub: tuple[str, list[dict[str, Any]]]) -> None:
    base_url, requests = clevertap_stub
    [request] = case["input"]
    [expected] = case["expected"]
    assert case["expected_status"] == expected["statusCode"] == 400
    with pytest.raises((SettingsError, DeliveryError)) as caught:
        delete_users(request["userAttributes"], request["config"], base_url=base_url, retries=0)
    assert str(caught.value) == expected["error"]
    assert getattr(caught.value, "status_code", None) == expected["statusCode"]
    if isinstance(caught.value, SettingsError):
        assert requests == []
        with pytest.raises(SettingsError):
            plan_user_deletion(request["userAttributes"], request["config"])
        return
    # Only the first batch was sent: deletion stops at the first refusal.
    [sent] = requests
    user_ids = [a["userId"] for a in request["userAttributes"]]
    assert len(user_ids) == 126
    assert sent["path"] == "/1/delete/profiles.json"
    assert sent["body"] == {"identity": user_ids[:100]}
    assert sent["headers"]["x-clevertap-account-id"] == "testFail"
    assert sent["headers"]["x-clevertap-passcode"] == "tofail"
    assert sent["headers"]["content-type"] == "application/json"
    plan = plan_user_deletion(request["userAttributes"], request["config"])
    assert [p["endpoint"] for p in plan] == ["https://api.clevertap.com/1/delete/profiles.json"] * 2
    assert [len(p["body"]["identity"]) for p in plan] == [100, 26]
