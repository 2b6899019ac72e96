"""bridge.core.plan: each message-level decision made once, and both modes following it.

The rule for each decision is checked on the plan, then on both wires (device mode's calls, cloud
mode's records), so that a change to the planner shows in both modes or the test fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from bridge.cloud import transform
from bridge.core import (
    ANONYMOUS_ERROR,
    ANONYMOUS_PROFILE_ERROR,
    CHARGED,
    MISSING,
    MODE_DIFFERENCES,
    PRODUCTS_ERROR,
    PROFILE_FIELD,
    PROFILE_FIELDS,
    CloudConfig,
    Plan,
    Settings,
    integration_options,
    plan,
    read_products,
    sanitize_key,
)
from bridge.device import translate
from bridge.errors import EventError, JsSyntaxError, ReferenceCrash

CONFIG = {"accountId": "A-1", "passcode": "P"}
OFF, ON = Settings(track_anonymous=False), CloudConfig(track_anonymous=True)  # either kind of settings


def cloud_record(message: dict[str, Any], **config: Any) -> dict[str, Any]:
    [out] = transform(message, {**CONFIG, **config})
    record: dict[str, Any] = out["body"]["JSON"]["d"][0]
    return record


@pytest.mark.parametrize("event", ["Order Completed", "order completed", "ORDER COMPLETED", "oRdEr CoMpLeTeD"])
@pytest.mark.parametrize("kind", ["track", "page", "screen"])
def test_order_completed_in_any_case_is_charged_in_both_modes(kind: str, event: str) -> None:
    message = {"type": kind, "userId": "u1", "event": event, "properties": {"revenue": 5, "products": [{"id": "p"}]}}
    planned = plan(message, kind, OFF)
    assert (planned.name, planned.charged) == (CHARGED.name, True)
    assert planned.data == {"Amount": 5, "Items": [{"id": "p"}]}
    assert translate(message, {}).calls == [["event", "Charged", {"Amount": 5, "Items": [{"id": "p"}]}]]
    assert cloud_record(message)["evtName"] == "Charged"


def test_order_completed_with_a_space_is_not_charged() -> None:
    planned = plan({"type": "track", "userId": "u1", "event": "Order Completed "}, "track", OFF)
    assert (planned.name, planned.charged) == ("Order Completed ", False)


@pytest.mark.parametrize(
    ("kind", "message", "name"),
    [
        ("page", {"name": "Home"}, "Web Page Viewed: Home"),
        ("screen", {"properties": {"name": "Cart"}}, "Screen Viewed: Cart"),
        ("page", {}, "Web Page Viewed"),
        ("screen", {"event": 7}, "Screen Viewed: 7"),
    ],
)
def test_page_and_screen_names_come_from_one_rule(kind: str, message: dict[str, Any], name: str) -> None:
    message = {"type": kind, "userId": "u1", **message}
    planned = plan(message, kind, OFF)
    assert (planned.name, planned.page) == (name, True)
    assert translate(message, {}).calls[0][1] == sanitize_key(name)  # the SDK removes ":" (a named difference)
    assert cloud_record(message)["evtName"] == name


def test_the_page_name_differs_only_by_the_named_html_escaping() -> None:
    message = {"type": "page", "userId": "u1", "name": "Q&A"}
    assert plan(message, "page", OFF).name == "Web Page Viewed: Q&A"
    assert translate(message, {}).calls[0][1] == "Web Page Viewed Q&A"
    assert cloud_record(message)["evtName"] == "Web Page Viewed: Q&amp;A"
    assert "page and screen names" in MODE_DIFFERENCES


@pytest.mark.parametrize("user_id", [MISSING, None, "", 0, False])
def test_an_event_without_a_truthy_user_id_is_anonymous_in_both_modes(user_id: Any) -> None:
    message: dict[str, Any] = {"type": "track", "event": "E", "anonymousId": "a1"}
    if user_id is not MISSING:
        message["userId"] = user_id
    for run in (lambda: plan(message, "track", OFF), lambda: translate(message, {}), lambda: cloud_record(message)):
        with pytest.raises(EventError, match=f"^{ANONYMOUS_ERROR}$"):
            run()
    assert plan(message, "track", ON).user_id in (MISSING, 0, False)
    assert translate(message, {"track_anonymous": True}).calls == [["event", "E"]]
    assert cloud_record(message, trackAnonymous=True)["identity"] == (user_id if user_id not in (MISSING, None, "") else "a1")


@pytest.mark.parametrize("products", ['[{"a": NaN}]', "[{", "not json"])
def test_products_text_that_is_not_json_is_sent_by_neither_mode(products: str) -> None:
    message = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"products": products}}
    with pytest.raises(JsSyntaxError):
        read_products(products)
    with pytest.raises(EventError, match=r"^properties\.Items: JSON text that does not parse \(.+\): " + PRODUCTS_ERROR):
        translate(message, {})
    with pytest.raises(ReferenceCrash) as crash:
        cloud_record(message)
    assert crash.value.status_code == 500


def test_products_text_is_read_the_same_way_in_both_modes() -> None:
    message = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"products": '[{"id": 1e400}]'}}
    assert read_products('[{"id": 1e400}]') == [{"id": None}]  # JSON.parse: Infinity, which prints as null
    assert translate(message, {}).calls == [["event", "Charged", {"Items": [{"id": None}]}]]
    assert cloud_record(message)["evtData"]["Items"] == [{"id": None}]


@pytest.mark.parametrize("products", [[], ["x", {"id": 1}], {"id": 1}, "5", 5, True])
def test_the_products_error_is_one_rule(products: Any) -> None:
    message = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"products": products}}
    for run in (lambda: translate(message, {}), lambda: cloud_record(message)):
        with pytest.raises(EventError, match=f"^{PRODUCTS_ERROR}$"):
            run()


def test_a_list_starting_with_an_object_passes_the_products_rule() -> None:
    assert read_products([{"a": 1}, "x"]) == [{"a": 1}, "x"]
    assert read_products([None, {"a": 1}]) == [None, {"a": 1}]  # typeof null is "object", as the reference reads it


def test_integration_options_try_the_four_spellings_in_each_readers_order() -> None:
    both = {"clevertap": {"x": "cloud"}, "CleverTap": {"x": "device"}}
    assert integration_options(both) == {"x": "device"}
    assert integration_options(both, cloud=True) == {"x": "cloud"}
    assert integration_options({"CLEVERTAP": "yes"}) is MISSING  # device mode wants an object
    assert integration_options({"CLEVERTAP": "yes"}, cloud=True) == "yes"
    assert integration_options([1]) is MISSING


def test_a_track_without_an_event_and_with_empty_properties_fails_on_the_event_first() -> None:
    message = {"type": "track", "userId": "u1", "properties": ""}
    for run in (lambda: plan(message, "track", OFF), lambda: translate(message, {}), lambda: cloud_record(message)):
        with pytest.raises(EventError, match='^Missing required value from "event"$'):
            run()
    message["event"] = "E"
    for run in (lambda: translate(message, {}), lambda: cloud_record(message)):
        with pytest.raises(EventError, match='^Missing required value from "properties"$'):
            run()


def test_identify_plans_raw_fields_and_each_mode_applies_its_column() -> None:
    message = {"type": "identify", "userId": "u1", "traits": {"gender": "female", "birthday": "1990-05-17", "plan": "pro"}}
    planned = plan(message, "identify", OFF)
    assert isinstance(planned, Plan)
    assert planned.data == {"Gender": "female", "DOB": "1990-05-17"}
    assert planned.custom == (("plan", "pro"),)
    assert translate(message, {}).calls == [["onUserLogin", {"Site": {"Identity": "u1", "Gender": "F", "DOB": "$D_19900517", "plan": "pro"}}]]
    assert cloud_record(message)["profileData"] == {"Gender": "F", "DOB": "1990-05-17", "plan": "pro"}


def test_each_profile_field_is_one_row_with_both_forms() -> None:
    gender = PROFILE_FIELD["Gender"]
    assert gender.sources == ("traits.gender", "context.traits.gender")
    assert gender.cloud is not None and gender.cloud("FEMALE") == "F" and gender.cloud("Woman") is MISSING
    assert gender.device is not None and gender.device("Woman") == ("O", "")
    assert [row.dest for row in PROFILE_FIELDS] == list(PROFILE_FIELD)


def test_every_named_difference_says_what_each_mode_does_and_why() -> None:
    assert list(MODE_DIFFERENCES) == [
        "value forms", "page and screen names", "identity", "alias", "time", "Charged without products",
        "products that are not JSON", "event properties that are not an object", "integration key order",
        "device tokens", "error wording",
    ]
    for topic, (device, cloud, why) in MODE_DIFFERENCES.items():
        # Three different sentences: what device mode does, what cloud mode does, and why they differ.
        assert len({device, cloud, why}) == 3 and all(part.strip() == part and len(part) > 20 for part in (device, cloud, why)), topic
    assert MODE_DIFFERENCES["identity"][0] == "Identity is the user id only; identify without user id or email needs track_anonymous"


def test_charged_leaves_out_what_it_does_not_carry_as_plan_warnings_both_modes_follow() -> None:
    message = {"type": "track", "userId": "u1", "event": "Order Completed",
               "properties": {"checkout_id": "", "revenue": 5, "ts": 1700000000, "products": [{"id": "p"}]}}
    planned = plan(message, "track", OFF)
    assert planned.data == {"Amount": 5, "Items": [{"id": "p"}]}
    assert planned.warnings == (
        "properties.checkout_id: '' left out: Charged ID is not sent empty",
        "properties.ts: 1700000000 left out: Charged does not carry ts as event data",
    )
    assert translate(message, {}).warnings == list(planned.warnings)
    assert cloud_record(message)["evtData"] == {"Amount": 5, "Items": [{"id": "p"}]}
    assert cloud_record(message)["ts"] == 1700000000  # not event data, but the record's time


def test_charged_with_properties_that_are_not_an_object_carries_no_data() -> None:
    message = {"type": "track", "userId": "u1", "event": "Order Completed", "properties": [1]}
    planned = plan(message, "track", OFF)
    assert (planned.data, planned.warnings) == (MISSING, ("properties: [1] left out: event properties must be an object",))
    assert translate(message, {}).calls == [["event", "Charged"]]
    assert cloud_record(message)["evtData"] == {}


def test_an_event_carries_its_properties_as_the_one_data_field() -> None:
    message = {"type": "track", "userId": "u1", "event": "E", "properties": {"a": 1}}
    planned = plan(message, "track", OFF)
    assert (planned.data, planned.warnings) == ({"a": 1}, ())
    assert translate(message, {}).calls == [["event", "E", {"a": 1}]]
    assert cloud_record(message)["evtData"] == {"a": 1}


@pytest.mark.parametrize(
    ("message", "login"),
    [
        ({"userId": "u1"}, True),
        ({"traits": {"email": "e@x.com"}}, True),
        ({"traits": {"Identity": "t1"}}, True),
        ({"context": {"traits": {"overrideFields": {"Email": "o@x.com"}}}}, True),
        ({"anonymousId": "a1", "traits": {"plan": "pro"}}, False),
        ({"anonymousId": "a1", "traits": {"email": "", "plan": "pro"}}, False),
        ({"anonymousId": "a1", "traits": {"Identity": None, "plan": "pro"}}, False),
    ],
)
def test_the_planner_decides_whether_an_identify_names_its_user(message: dict[str, Any], login: bool) -> None:
    message = {"type": "identify", **message}
    assert plan(message, "identify", Settings(track_anonymous=True)).login is login
    calls = translate(message, {"trackAnonymous": True}).calls
    assert calls[0][0] == ("onUserLogin" if login else "profile")
    if not login:
        # Device mode sends an identify that names no one only with track_anonymous; cloud mode always does.
        with pytest.raises(EventError) as caught:
            plan(message, "identify", OFF)
        assert str(caught.value) == ANONYMOUS_PROFILE_ERROR
        assert plan(message, "identify", OFF, mode="cloud").login is False
        assert cloud_record(message)["type"] == "profile"


def test_identify_names_the_trait_each_value_came_from() -> None:
    message = {"type": "identify", "traits": {"id": "u1", "birthday": "1990-05-17"}, "context": {"traits": {"firstName": "F"}}}
    planned = plan(message, "identify", OFF)
    assert dict(planned.sources) == {"DOB": "birthday", "Identity": "id"}
    assert planned.warnings == ("firstName: 'F' left out: Name is built only from both a first and a last name",)
