"""bridge.core's rules: the shared lookups and tables (RudderStack's generic field maps, the identify
fields, Charged; https://www.rudderstack.com/docs/destinations/streaming-destinations/clevertap/)."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.core import (
    CHARGED,
    CUSTOM_ATTRIBUTE_EXCLUSIONS,
    EMAIL_ONLY,
    FIRST_NAME,
    LAST_NAME,
    MISSING,
    PROFILE_FIELDS,
    STRINGIFY_EXEMPT,
    USER_ID,
    USER_ID_ONLY,
    charged_event_data,
    custom_attributes,
    custom_pairs,
    first_usable,
    get_path,
    is_order_completed,
    is_usable,
    mapped_profile,
    overrides,
    page_name_value,
    plan,
    user_id_only,
)


def test_generic_maps_are_the_reference_paths_in_order() -> None:
    assert USER_ID_ONLY == ("userId", "traits.userId", "traits.id", "context.traits.userId", "context.traits.id")
    assert USER_ID == USER_ID_ONLY + ("anonymousId",)
    assert EMAIL_ONLY == ("traits.email", "context.traits.email", "properties.email")
    assert FIRST_NAME == ("traits.firstName", "traits.firstname", "traits.first_name",
                          "context.traits.firstName", "context.traits.firstname", "context.traits.first_name")
    assert LAST_NAME == tuple(p.replace("firstName", "lastName").replace("firstname", "lastname").replace("first_name", "last_name") for p in FIRST_NAME)


def test_profile_table_matches_the_identify_mapping() -> None:
    # Rows without sources (Age) only name the Web SDK's form for a key a trait may carry.
    assert [(f.dest, f.sources) for f in PROFILE_FIELDS if f.sources] == [
        ("Email", EMAIL_ONLY),
        ("Name", ("traits.name", "context.traits.name")),
        ("Phone", ("traits.phone", "context.traits.phone")),
        ("Gender", ("traits.gender", "context.traits.gender")),
        ("Employed", ("traits.employed", "context.traits.employed")),
        ("DOB", ("traits.birthday", "context.traits.birthday")),
        ("Education", ("traits.education", "context.traits.education")),
        ("Married", ("traits.married", "context.traits.married")),
        ("Customer Type", ("traits.customerType", "context.traits.customerType")),
        ("Photo", ("traits.avatar", "context.traits.avatar")),
    ]


def test_exclusions_are_exactly_the_reference_list() -> None:
    assert CUSTOM_ATTRIBUTE_EXCLUSIONS == {
        "email", "firstName", "firstname", "first_name", "lastName", "lastname", "last_name", "name", "phone", "gender",
        "education", "employed", "birthday", "married", "customerType", "anonymousId", "avatar", "userId", "id", "ts",
        "overrideFields"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a.b", 1), ("a.list.1.c", "x"), ("a.list.5", MISSING), ("a.list.x", MISSING), ("a.b.c", MISSING), ("z", MISSING),
     ("a.none", None), ("a.empty", "")],
)
def test_get_path(path: str, expected: Any) -> None:
    obj = {"a": {"b": 1, "list": [{}, {"c": "x"}], "none": None, "empty": ""}}
    assert get_path(obj, path) == expected if expected is not MISSING else get_path(obj, path) is MISSING


@pytest.mark.parametrize(
    ("value", "usable"),
    [(0, True), (0.0, True), (False, True), (1, True), ("x", True), ({}, True), ([], True),
     ("", False), (None, False), (MISSING, False)],
)
def test_is_usable(value: Any, usable: bool) -> None:
    assert is_usable(value) is usable


def test_first_usable_skips_empty_and_null_but_keeps_zero_and_false() -> None:
    message = {"a": "", "b": None, "c": 0, "d": "late"}
    assert first_usable(message, ("a", "b", "c", "d")) == 0
    assert first_usable({"a": False, "b": 1}, ("a", "b")) is False
    assert first_usable(message, ("a", "b")) is MISSING


class _Anonymous:
    track_anonymous = True


def _user_or_anonymous_id(message: dict[str, Any]) -> Any:
    return plan({"type": "track", "event": "E", **message}, "track", _Anonymous()).user_or_anonymous_id


def test_user_id_maps() -> None:
    assert _user_or_anonymous_id({"anonymousId": "a"}) == "a"
    assert _user_or_anonymous_id({"anonymousId": ""}) is MISSING
    assert user_id_only({"anonymousId": "a"}) is MISSING
    assert user_id_only({"userId": "", "traits": {"id": "t"}, "context": {"traits": {"userId": "c"}}}) == "t"
    assert _user_or_anonymous_id({"userId": 12345, "anonymousId": "a"}) == 12345


def test_mapped_profile_rules() -> None:
    message = {"traits": {"gender": "female", "phone": 0, "name": "", "firstName": "F"},
               "context": {"traits": {"name": "Ctx", "last_name": "L", "employed": False}}, "properties": {"email": "p@x"}}
    # As looked up: each mode applies its own form (the table's cloud and device columns).
    assert mapped_profile(message) == {"Email": "p@x", "Name": "Ctx", "Phone": 0, "Gender": "female", "Employed": False}
    del message["context"]["traits"]["name"]  # type: ignore[index]
    assert mapped_profile(message)["Name"] == "F L"
    assert mapped_profile({"traits": {"gender": "other"}}) == {"Gender": "other"}
    assert mapped_profile({"traits": {"firstName": "F"}}) == {}


def test_custom_attributes_copy_order_and_precedence() -> None:
    message = {"traits": {"plan": "a", "email": "x", "MSG-push": True, "n": None, "__proto__": 1},
               "context": {"traits": {"plan": "b", "extra": 1, "id": "i"}}}
    got = custom_attributes(custom_pairs(message))
    assert got == {"plan": "b", "MSG-push": True, "n": None, "extra": 1}
    assert list(got) == ["plan", "MSG-push", "n", "extra"]
    target: dict[str, Any] = {"Email": "e"}
    assert custom_attributes(custom_pairs({"traits": {"Email": "E"}}), into=target) is target and target == {"Email": "E"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [("a.b", {"a": {"b": 1}}), ("x.y.z", {"x": {"y": {"z": 1}}}), ("l.0", {"l": [1]}), ("l.2", {"l": [None, None, 1]}),
     ("l.0.k", {"l": [{"k": 1}]}), ("a.²", {"a": {"²": 1}}), ("a.__proto__.x", {"a": {}}),
     # set-value's own rules: integer-like parts (as Number() reads them) index arrays, a "/" keeps the
     # key whole, a backslash escapes, an empty key sets nothing, a trailing dot is dropped.
     ("a.01", {"a": [None, 1]}), ("1e3", {"1000": 1}), (" 5", {"5": 1}), ("-0", {"0": 1}), ("a.-1", {"a": []}),
     ("big.99999999999", {"big": []}), ("a/b.c", {"a/b.c": 1}), ("a\\.b", {"a.b": 1}), ("", {}), ("a.", {"a": 1}),
     (".a", {"": {"a": 1}}), ("tail\\", {"tailundefined": 1})],
)
def test_dotted_trait_keys_are_set_value_paths(key: str, expected: dict[str, Any]) -> None:
    assert custom_attributes(custom_pairs({"traits": {key: 1}})) == expected


def test_overrides_one_source_only() -> None:
    assert overrides({}) is MISSING
    assert overrides({"traits": {"overrideFields": {"a": 1}}, "context": {"traits": {"overrideFields": {"b": 2}}}}) == {"a": 1}
    assert overrides({"traits": {"overrideFields": {}}, "context": {"traits": {"overrideFields": {"b": 2}}}}) == {}
    assert overrides({"traits": {"overrideFields": ""}, "context": {"traits": {"overrideFields": {"b": 2}}}}) == {"b": 2}
    assert overrides({"traits": {"overrideFields": "ab"}}) == {"0": "a", "1": "b"}  # Object.assign of a string


@pytest.mark.parametrize(
    ("event", "charged"),
    [("Order Completed", True), ("order completed", True), ("ORDER COMPLETED", True), ("Order Completed ", False),
     ("", False), (None, False), (["order completed"], True), (5, False)],
)
def test_is_order_completed(event: Any, charged: bool) -> None:
    assert is_order_completed(event) is charged


def test_charged_event_data() -> None:
    assert CHARGED.fields == (("Charged ID", "checkout_id"), ("Amount", "revenue"), ("Items", "products"))
    properties = {"x": 1, "products": [{"a": 1}], "ts": 5, "revenue": 0, "checkout_id": "", "a.b": 2, "n": None}
    got = charged_event_data(properties)
    assert got == {"Amount": 0, "Items": [{"a": 1}], "x": 1, "a": {"b": 2}, "n": None}
    assert list(got) == ["Amount", "Items", "x", "a", "n"]
    assert charged_event_data("not an object") == {}


def test_page_name_value_precedence() -> None:
    assert page_name_value({"event": "E", "name": "N"}) == "E"
    assert page_name_value({"name": "N", "properties": {"event": "PE"}}) == "PE"
    assert page_name_value({"properties": {"name": "PN"}}) == "PN"
    assert page_name_value({"event": "", "name": False}) is False
    assert page_name_value({}) is MISSING


def test_stringify_exempt() -> None:
    assert STRINGIFY_EXEMPT == {"category-unsubscribe", "category-resubscribe"}
