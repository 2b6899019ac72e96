"""Property tests for cloud mode: any JSON-like message and config gives outputs or EventError.

Messages are biased toward RudderStack's shapes (types, traits, properties, context, integrations)
with arbitrary nested values in them, so the generator reaches every branch of the transformer.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from cloud_support import assert_json_serialisable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.cloud import MAX_BATCH_RECORDS, plan_user_deletion, records_of, route, transform
from bridge.cloud._upload import transform_records
from bridge.core import CloudConfig
from bridge.errors import EventError, SettingsError

KEYS = st.one_of(
    st.sampled_from(["email", "name", "firstName", "lastName", "last_name", "phone", "gender", "birthday", "ts", "id",
                     "userId", "overrideFields", "a.b", "x.0", "x.0.y", "category-unsubscribe", "products", "revenue",
                     "checkout_id", "event", "Items", "0", "10", "__proto__", "n.01", "Email"]),
    st.text(max_size=6),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "0", "abc", "Order Completed", "order completed", "female", "M", "2021-03-10T11:59:22.080Z",
                     "March 10, 2021", "notadate", "1615377562", '[{"a":1}]', "[]", "null", "Android", "iOS", "fcm",
                     "chrome", "A & B <x>", "  padded  "]),
    st.text(max_size=12),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
                    max_leaves=12)
TYPES = st.one_of(st.sampled_from(["identify", "track", "page", "screen", "alias", "group", "TRACK", "Identify", "random", ""]),
                  st.none(), st.integers(), JSON)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(None), strategy)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    message: dict[str, Any] = {"type": draw(TYPES)}
    optional = {
        "userId": st.one_of(SCALARS, JSON),
        "anonymousId": st.one_of(st.sampled_from(["anon-1", ""]), SCALARS),
        "previousId": SCALARS,
        "event": st.one_of(st.sampled_from(["Order Completed", "ORDER COMPLETED", "Charged", "Signed Up", ""]), JSON),
        "name": JSON,
        "traits": st.one_of(st.dictionaries(KEYS, JSON, max_size=8), JSON),
        "properties": st.one_of(st.dictionaries(KEYS, JSON, max_size=8), JSON),
        "context": st.fixed_dictionaries({}, optional={
            "traits": st.one_of(st.dictionaries(KEYS, JSON, max_size=6), JSON),
            "os": st.fixed_dictionaries({}, optional={"name": st.one_of(st.sampled_from(["Android", "iOS", "watchOS", "Mac OS"]), JSON)}),
            "device": st.fixed_dictionaries({}, optional={"token": st.one_of(st.just("tok"), JSON)}),
        }),
        "integrations": st.dictionaries(st.sampled_from(["All", "clevertap", "CleverTap", "CLEVERTAP", "Clevertap"]),
                                        st.one_of(st.fixed_dictionaries({}, optional={
                                            "deviceTokenType": st.one_of(st.sampled_from(["chrome", "fcm", "apns", "FCM"]), JSON),
                                            "chromeKeys": JSON}), JSON), max_size=3),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            message[key] = draw(strategy)
    if draw(st.integers(0, 9)) == 0:
        del message["type"]
    return message


CONFIGS = st.one_of(
    st.fixed_dictionaries({}, optional={
        "accountId": st.one_of(st.just("ACC"), SCALARS), "passcode": st.one_of(st.just("PASS"), SCALARS),
        "region": st.one_of(st.sampled_from(["none", "in1", "us1", "EU1", ""]), SCALARS),
        "trackAnonymous": st.one_of(st.booleans(), SCALARS), "enableObjectIdMapping": st.one_of(st.booleans(), SCALARS),
    }),
    JSON,
)

PROPERTY = settings(max_examples=int(os.environ.get("CLOUD_PROPERTY_EXAMPLES", "400")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(messages(), CONFIGS)
def test_transform_gives_outputs_or_event_error(message: dict[str, Any], config: Any) -> None:
    before = json.dumps(message, sort_keys=True)
    try:
        outputs = transform(message, config)
    except EventError as error:
        assert error.status_code in (400, 500) and str(error)
        return
    finally:
        assert json.dumps(message, sort_keys=True) == before  # the message is never modified
    assert 1 <= len(outputs) <= 2
    assert_json_serialisable(outputs)
    for output in outputs:
        assert output["body"]["JSON"]["d"] and len(output["body"]["JSON"]["d"]) == 1
        assert output["endpoint"].endswith("/1/upload") and output["userId"] == ""


@PROPERTY
@given(messages(), CONFIGS)
def test_send_records_are_transforms_records_and_leave_the_message_as_it_was(message: dict[str, Any], config: Any) -> None:
    # send maps with transform_records, which copies the message only where the mapping can write into it.
    before = json.dumps(message, sort_keys=True)
    read = CloudConfig.from_config(config)
    try:
        expected = [record for output in transform(message, config) for record in records_of(output)]
    except EventError as error:
        with pytest.raises(EventError) as raised:
            transform_records(message, read)
        assert (str(raised.value), raised.value.status_code) == (str(error), error.status_code)
        assert json.dumps(message, sort_keys=True) == before
        return
    records = transform_records(message, read)
    assert json.dumps(message, sort_keys=True) == before
    assert json.dumps(records, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert json.dumps(records) == json.dumps(expected)  # key order too


@PROPERTY
@given(st.lists(st.fixed_dictionaries({"message": st.one_of(messages(), JSON), "metadata": st.integers(),
                                       "destination": st.one_of(st.fixed_dictionaries({"Config": CONFIGS}), JSON)}),
                max_size=6))
def test_route_never_raises_and_accounts_for_every_input(inputs: list[dict[str, Any]]) -> None:
    out = route(inputs)
    assert_json_serialisable(out)
    batches = [e for e in out if "batchedRequest" in e]
    errors = [e for e in out if "batchedRequest" not in e]
    assert out == batches + errors  # errors come after every batch
    assert sum(len(e["metadata"]) for e in out) == len(inputs)
    assert all(len(e["batchedRequest"]["body"]["JSON"]["d"]) <= MAX_BATCH_RECORDS for e in batches)
    assert all(e["statusCode"] in (400, 500) and e["error"] for e in errors)


@PROPERTY
@given(JSON, CONFIGS)
def test_deletion_plan_gives_requests_or_a_documented_error(attributes: Any, config: Any) -> None:
    try:
        plan = plan_user_deletion(attributes, config)
    except (EventError, SettingsError) as error:
        assert error.status_code == 400
        return
    assert all(1 <= len(p["body"]["identity"]) <= 100 for p in plan)
    assert_json_serialisable(plan)


@pytest.mark.parametrize("message", [
    {"type": "identify", "userId": "u1", "traits": {"a": {"c": 1}, "a.b": 2}},
    {"type": "track", "event": "Order Completed", "userId": "u1", "properties": {"a": {"c": 1}, "a.b": 2}},
])
def test_send_records_copy_a_message_whose_dotted_keys_would_write_into_it(message: dict[str, Any]) -> None:
    before = json.dumps(message)
    [record] = transform_records(message, CloudConfig.from_config({"accountId": "ACC", "passcode": "PASS"}))
    assert json.dumps(message) == before
    data = record.get("profileData") or record["evtData"]
    assert data["a"] == '{"c":1,"b":2}'
