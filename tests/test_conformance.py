"""Cloud mode against its case tables: the project's own, and RudderStack's when given.

tests/cases/cloud_cases.json is the project's table, written from the documented rules
(docs/cloud-mode.md, https://www.rudderstack.com/docs/destinations/streaming-destinations/clevertap/,
https://developer.clevertap.com/docs/upload-events-api): ``processor`` cases give a message and a
destination Config and expect the records of each upload request with its endpoint and headers, or the
error and its status; ``router`` a list of inputs and the router's output; ``deletion`` the user
attributes, the Config, whether the server refuses, and the error with the requests sent. Case ids
state the behaviour. It covers every behaviour RudderStack's own cases test, so a clean clone checks
cloud mode fully.

RudderStack's cases (29 processor cases, the router case, 3 deleteUsers cases) run as well, marked
``peer``, when ``--conformance-dir DIR`` or ``$CLEVERTAP_CONFORMANCE_DIR`` names their folder; they are
compared structurally with statTags ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cloud_support import (
    LoopbackServer,
    assert_json_serialisable,
    json_same,
    strip_stat_tags,
)
from conftest import conformance_dir

from bridge.cloud import plan_user_deletion, route, transform
from bridge.delivery import delete_users
from bridge.errors import BridgeError, DeliveryError, EventError, SettingsError

OWN_CASES: dict[str, Any] = json.loads((Path(__file__).parent / "cases" / "cloud_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", OWN_CASES["processor"], ids=[c["id"] for c in OWN_CASES["processor"]])
def test_own_processor_case(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(EventError) as caught:
            transform(case["message"], case["config"])
        assert (str(caught.value), caught.value.status_code) == (case["error"], case["statusCode"])
        return
    outputs = transform(case["message"], case["config"])
    assert_json_serialisable(outputs)
    actual = json.loads(json.dumps(outputs))
    assert [o["body"]["JSON"]["d"] for o in actual] == case["records"]
    assert {o["endpoint"] for o in actual} == {case["endpoint"]}
    assert all(o["headers"] == case["headers"] for o in actual)


def test_own_router_case() -> None:
    case = OWN_CASES["router"]
    actual = json.loads(json.dumps(route(case["input"])))
    assert actual == case["output"], case["id"]


@pytest.mark.parametrize("case", OWN_CASES["deletion"], ids=[c["id"] for c in OWN_CASES["deletion"]])
def test_own_deletion_case(case: dict[str, Any]) -> None:
    def answer(request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        return (400, {"status": "fail", "error": "refused"}, {}) if case["refuse"] else (200, {"status": "success"}, {})

    with LoopbackServer(answer) as server:
        with pytest.raises(BridgeError) as caught:
            delete_users(case["userAttributes"], case["config"], base_url=server.base_url, retries=0)
        sent = [{"path": r["path"], "body": r["body"]} for r in server.requests]
    assert (str(caught.value), getattr(caught.value, "status_code", None)) == (case["error"], case["statusCode"])
    assert sent == case["sent"]


def test_the_own_table_covers_every_behaviour_the_peer_cases_test() -> None:
    own = {c["id"] for c in OWN_CASES["processor"]}
    assert set(PROCESSOR_IDS) <= own
    assert {c["id"] for c in OWN_CASES["deletion"]} >= {"delete-without-passcode", "delete-without-account-id"}


def _peer_dir(config: pytest.Config) -> Path:
    folder = conformance_dir(config)
    assert folder is not None  # peer tests are deselected without it
    return folder


def _load(config: pytest.Config, name: str) -> Any:
    return json.loads((_peer_dir(config) / name).read_text(encoding="utf-8"))


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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The peer cases, read when their folder is given (the tests are deselected otherwise)."""
    folder = conformance_dir(metafunc.config)
    if "peer_case" in metafunc.fixturenames:
        cases = json.loads((folder / "clevertap_processor_cases.json").read_text(encoding="utf-8")) if folder else []
        ids = [PROCESSOR_IDS[c["index"]] if c["index"] < len(PROCESSOR_IDS) else f"case-{c['index']}" for c in cases]
        metafunc.parametrize("peer_case", cases or [None], ids=ids or ["not-given"])
    if "peer_deletion" in metafunc.fixturenames:
        names = {"Test 0": "delete-without-passcode", "Test 1": "delete-without-account-id", "Test 2": "delete-first-batch-refused"}
        cases = json.loads((folder / "clevertap_deleteUsers_cases.json").read_text(encoding="utf-8")) if folder else []
        metafunc.parametrize("peer_deletion", cases or [None], ids=[names.get(c["name"], c["name"]) for c in cases] or ["not-given"])


@pytest.mark.peer
def test_there_are_29_peer_processor_cases(request: pytest.FixtureRequest) -> None:
    assert len(_load(request.config, "clevertap_processor_cases.json")) == 29


@pytest.mark.peer
def test_peer_processor_case(peer_case: dict[str, Any]) -> None:
    case = peer_case
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


@pytest.mark.peer
def test_peer_router_case(request: pytest.FixtureRequest) -> None:
    [case] = _load(request.config, "clevertap_router_cases.json")
    actual = route(case["input"]["input"])
    assert_json_serialisable(actual)
    expected = case["expected"]["output"]
    assert json_same(strip_stat_tags(json.loads(json.dumps(actual))), strip_stat_tags(expected))
    # statTags are optional, but where given they are RudderStack's.
    assert actual[1]["statTags"] == expected[1]["statTags"]


def _upstream_mock(request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    """The upstream network mock: HTTP 400 for the batch of 100 ids, 200 for the rest."""
    if len(request["body"].get("identity", [])) == 100:
        return 400, {"code": 400, "message": "Bad Req", "status": "Fail Case"}, {}
    return 200, {"status": "success"}, {}


@pytest.fixture
def clevertap_stub() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with LoopbackServer(_upstream_mock) as server:
        yield server.base_url, server.requests


@pytest.mark.peer
def test_peer_delete_users_case(peer_deletion: dict[str, Any], clevertap_stub: tuple[str, list[dict[str, Any]]]) -> None:
    case = peer_deletion
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
