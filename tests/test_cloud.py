"""bridge.cloud rule by rule: the [run] tables of RudderStack's cloud transformer as test tables.

Each test builds a message, transforms it and checks the record(s) CleverTap would receive.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from cloud_support import assert_json_serialisable
from conftest import DASHBOARD_CONFIG

from bridge.cloud import (
    MAX_BATCH_RECORDS,
    convert_ts,
    plan_user_deletion,
    route,
    transform,
)
from bridge.errors import EventError, SettingsError

CONFIG = DASHBOARD_CONFIG
OBJECT_ID = {**CONFIG, "enableObjectIdMapping": True}


def records(message: dict[str, Any], config: dict[str, Any] = CONFIG) -> list[dict[str, Any]]:
    """The records of every output, after a JSON round trip (what CleverTap would read)."""
    outputs = transform(message, config)
    assert_json_serialisable(outputs)
    assert all(len(o["body"]["JSON"]["d"]) == 1 for o in outputs)
    return [json.loads(json.dumps(o["body"]["JSON"]["d"][0])) for o in outputs]


def record(message: dict[str, Any], config: dict[str, Any] = CONFIG) -> dict[str, Any]:
    [only] = records(message, config)
    result: dict[str, Any] = only
    return result


def profile(traits: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = record({"type": "identify", "userId": "u1", "traits": traits, **extra})["profileData"]
    return data


def error(message: dict[str, Any], config: dict[str, Any] = CONFIG) -> tuple[str, int]:
    with pytest.raises(EventError) as caught:
        transform(message, config)
    return str(caught.value), caught.value.status_code


# endpoint and headers -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("region", "host"),
    [(None, "api.clevertap.com"), ("", "api.clevertap.com"), ("none", "api.clevertap.com"),
     ("in1", "in1.api.clevertap.com"), ("sg1", "sg1.api.clevertap.com"), ("us1", "us1.api.clevertap.com"),
     ("sk1", "sk1.api.clevertap.com"), ("aps3", "aps3.api.clevertap.com"), ("mec1", "mec1.api.clevertap.com"),
     ("EU1", "EU1.api.clevertap.com")],
)
def test_region_picks_the_host_verbatim(region: str | None, host: str) -> None:
    config = {**CONFIG} if region is None else {**CONFIG, "region": region}
    [out] = transform({"type": "track", "event": "E", "userId": "u"}, config)
    assert out["endpoint"] == f"https://{host}/1/upload"
    assert plan_user_deletion([{"userId": "u"}], config)[0]["endpoint"] == f"https://{host}/1/delete/profiles.json"


def test_envelope_shape_and_header_order() -> None:
    [out] = transform({"type": "track", "event": "E", "userId": "u"}, CONFIG)
    assert list(out) == ["version", "type", "method", "endpoint", "headers", "params", "body", "files", "userId"]
    assert list(out["headers"].items()) == [
        ("X-CleverTap-Account-Id", "ACC"), ("X-CleverTap-Passcode", "PASS"), ("Content-Type", "application/json")]
    assert (out["version"], out["type"], out["method"], out["params"], out["files"], out["userId"]) == ("1", "REST", "POST", {}, {}, "")
    assert {k: v for k, v in out["body"].items() if k != "JSON"} == {"JSON_ARRAY": {}, "XML": {}, "FORM": {}}


def test_missing_account_or_passcode_drops_the_header_key_without_error() -> None:
    [out] = transform({"type": "track", "event": "E", "userId": "u"}, {"trackAnonymous": False})
    assert out["headers"] == {"Content-Type": "application/json"}
    [out] = transform({"type": "track", "event": "E", "userId": "u"}, {"accountId": 12, "passcode": " p "})
    assert out["headers"]["X-CleverTap-Account-Id"] == 12 and out["headers"]["X-CleverTap-Passcode"] == " p "


# dispatch and errors ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("message", "expected"),
    [({}, ("Message Type is not present. Aborting message.", 400)),
     ({"type": ""}, ("Message Type is not present. Aborting message.", 400)),
     ({"type": "group"}, ("Message type not supported", 400)),
     ({"type": "Rndm"}, ("Message type not supported", 400)),
     ({"type": 7}, ("message.type.toLowerCase is not a function", 500))],
)
def test_dispatch_errors(message: dict[str, Any], expected: tuple[str, int]) -> None:
    assert error(message) == expected


def test_type_is_case_insensitive() -> None:
    assert record({"type": "TRACK", "event": "E", "userId": "u"})["evtName"] == "E"
    assert record({"type": "Identify", "userId": "u"})["type"] == "profile"


# ts conversion ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ts", "expected"),
    [(1615377562, 1615377562), (1615377562080, 1615377562080), ("1615377562", "1615377562"),
     ("1615377562.5", "1615377562.5"), ("2021-03-10T11:59:22.080Z", 1615377562), ("2021-03-10 11:59:22", 1615377562),
     ("March 10, 2021", 1615334400), ("0", 946684800), (0, 0), (False, False), (True, True), ("", ""),
     ("Wed, 10 Mar 2021 11:59:22 GMT", 1615377562), (["2021-03-10"], 1615334400), ("1969-12-31T23:59:59.500Z", -1)],
)
def test_ts_conversion_table(ts: Any, expected: Any) -> None:
    assert convert_ts(ts) == expected and type(convert_ts(ts)) is type(expected)
    # In a Charged record ts is always assigned, so every row reaches the output.
    out = record({"type": "track", "event": "Order Completed", "userId": "u", "properties": {"ts": ts}})
    assert out["ts"] == expected and type(out["ts"]) is type(expected)


def test_unreadable_ts_is_nan_and_prints_as_null_with_the_key_kept() -> None:
    assert math.isnan(convert_ts("notadate"))
    assert record({"type": "track", "event": "E", "userId": "u", "properties": {"ts": "notadate"}})["ts"] is None
    assert record({"type": "identify", "userId": "u", "traits": {"ts": "notadate"}})["ts"] is None


def test_event_ts_keeps_all_properties_in_evtdata() -> None:
    out = record({"type": "track", "event": "E", "userId": "u", "properties": {"ts": "2021-03-10T11:59:22.080Z", "x": 1}})
    assert out["evtData"] == {"ts": "2021-03-10T11:59:22.080Z", "x": 1}
    assert out["ts"] == 1615377562


def test_track_empty_ts_is_not_set_but_charged_keeps_it() -> None:
    assert "ts" not in record({"type": "track", "event": "E", "userId": "u", "properties": {"ts": ""}})
    assert record({"type": "track", "event": "Order Completed", "userId": "u", "properties": {"ts": ""}})["ts"] == ""


# identify ------------------------------------------------------------------------------------

def test_mapped_fields_raw_values_and_skips() -> None:
    assert profile({"phone": 0, "name": "", "email": "", "employed": False, "married": True, "birthday": "1614775793",
                    "education": "Science", "customerType": "Prime", "avatar": "http://x/p.png"}) == {
        "Phone": 0, "Employed": False, "DOB": "1614775793", "Education": "Science", "Married": True,
        "Customer Type": "Prime", "Photo": "http://x/p.png"}


def test_dob_is_never_converted() -> None:
    for dob in ("1990-01-01", "1990-05-17T00:00:00.000Z", "1614775793"):
        assert profile({"birthday": dob})["DOB"] == dob


def test_email_from_properties_and_traits_before_context() -> None:
    assert record({"type": "identify", "userId": "u", "properties": {"email": "p@x.com", "plan": "gold"}})["profileData"] == {"Email": "p@x.com"}
    out = record({"type": "identify", "userId": "u", "traits": {"email": "t@x.com"}, "context": {"traits": {"email": "c@x.com"}}})
    assert out["profileData"] == {"Email": "t@x.com"}


@pytest.mark.parametrize(
    ("gender", "expected"),
    [("f", "F"), ("F", "F"), ("Female", "F"), ("female", "F"), ("FEMALE", "F"),
     ("m", "M"), ("M", "M"), ("Male", "M"), ("male", "M"), ("MALE", "M"),
     ("other", None), ("non-binary", None), ("fEmAle", None)],
)
def test_gender_normalisation(gender: str, expected: str | None) -> None:
    assert profile({"gender": gender}).get("Gender") == expected


def test_name_from_first_and_last_name() -> None:
    message = {"type": "identify", "userId": "u", "traits": {"firstName": "F"}, "context": {"traits": {"last_name": "L"}}}
    assert record(message)["profileData"] == {"Name": "F L"}
    assert profile({"firstName": "Only"}) == {}  # lost: excluded from custom attributes too
    assert profile({"name": "Explicit", "firstName": "F", "lastName": "L"}) == {"Name": "Explicit"}
    assert list(profile({"firstName": "F", "lastName": "L", "email": "e@x.com", "plan": 1})) == ["Email", "Name", "plan"]


def test_custom_attributes_exact_names_overwrite_and_context_wins() -> None:
    out = profile({"email": "low@x.com", "Email": "CAP@x.com", "Name": "CapName", "name": "low name"})
    assert out == {"Email": "CAP@x.com", "Name": "CapName"}
    message = {"type": "identify", "userId": "u", "traits": {"plan": "a", "phone": "1"}, "context": {"traits": {"plan": "b", "phone": "2", "MSG-push": True}}}
    assert record(message)["profileData"] == {"Phone": "1", "plan": "b", "MSG-push": True}


def test_custom_attribute_values_kept_and_dotted_keys_nest() -> None:
    assert profile({"s": "", "z": 0, "f": False, "n": None, "dob": "x"}) == {"s": "", "z": 0, "f": False, "dob": "x"}
    assert profile({"a.b": 1, "x.y.z": "v"}) == {"a": '{"b":1}', "x": '{"y":{"z":"v"}}'}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(["Test_User", "Interested_User", "DIY_Hobby"], '["Test_User","Interested_User","DIY_Hobby"]'),
     ({"city": "kolkata", "country": "India", "postalCode": 789223, "state": "WB", "street": ""},
      '{"city":"kolkata","country":"India","postalCode":789223,"state":"WB","street":""}'),
     ([], "[]"), ({}, "{}"), ([{"x": 1}], '[{"x":1}]'), ("s", "s"), (5, 5), (True, True)],
)
def test_profile_stringification_table(value: Any, expected: Any) -> None:
    assert profile({"v": value})["v"] == expected


def test_subscription_categories_are_not_stringified() -> None:
    out = profile({"category-unsubscribe": {"email": ["Marketing"]}, "category-resubscribe": ["x"]})
    assert out == {"category-unsubscribe": {"email": ["Marketing"]}, "category-resubscribe": ["x"]}


def test_override_fields_after_stringification_one_source_only() -> None:
    out = profile({"email": "e@x.com", "overrideFields": {"Email": "ov@x.com", "obj": {"a": 1}, "gone": None}})
    assert out == {"Email": "ov@x.com", "obj": {"a": 1}}
    message = {"type": "identify", "userId": "u", "traits": {"overrideFields": {}}, "context": {"traits": {"overrideFields": {"c": 1}}}}
    assert record(message)["profileData"] == {}
    message["traits"] = {}
    assert record(message)["profileData"] == {"c": 1}


def test_identify_ts_source_and_falsy_values_survive() -> None:
    base = {"type": "identify", "userId": "u"}
    assert record({**base, "traits": {"ts": 5}, "context": {"traits": {"ts": 7}}})["ts"] == 5
    for falsy in (None, 0, ""):
        out = record({**base, "context": {"traits": {"ts": falsy}}})
        assert "ts" in out and out["ts"] == falsy
    assert "ts" not in record(base)


def test_identify_identity_without_object_id_mapping() -> None:
    assert record({"type": "identify", "anonymousId": "anon"}, {"trackAnonymous": False})["identity"] == "anon"
    assert record({"type": "identify"})["identity"] is None
    assert record({"type": "identify", "userId": 12345})["identity"] == 12345
    assert record({"type": "identify", "context": {"traits": {"id": "ctx"}}, "anonymousId": "a"})["identity"] == "ctx"


@pytest.mark.parametrize(
    ("ids", "expected"),
    [({"anonymousId": "a", "userId": "u"}, {"type": "profile", "profileData": {"plan": 1, "identity": "u"}, "objectId": "a"}),
     ({"anonymousId": "a"}, {"type": "profile", "profileData": {"plan": 1}, "objectId": "a"}),
     ({"userId": "u"}, {"type": "profile", "profileData": {"plan": 1}, "identity": "u"}),
     ({}, {"type": "profile", "profileData": {"plan": 1}})],
)
def test_identify_object_id_table_and_key_order(ids: dict[str, Any], expected: dict[str, Any]) -> None:
    out = record({"type": "identify", "traits": {"plan": 1}, **ids}, OBJECT_ID)
    assert out == expected
    assert list(out) == list(expected) and list(out["profileData"]) == list(expected["profileData"])


def test_identify_record_key_order_with_ts() -> None:
    out = record({"type": "identify", "userId": "u", "traits": {"ts": 5}})
    assert list(out) == ["type", "profileData", "ts", "identity"]


# track, page, screen, Charged ---------------------------------------------------------------

def test_track_anonymous_gate() -> None:
    closed = {**CONFIG, "trackAnonymous": False}
    assert error({"type": "track", "event": "E", "anonymousId": "a"}, closed) == ("userId, not present cannot track anonymous user", 400)
    assert record({"type": "track", "event": "E", "context": {"traits": {"id": "c"}}}, closed)["identity"] == "c"
    # The gate runs before the objectId check; identify and alias are never gated.
    assert error({"type": "page"}, {**closed, "enableObjectIdMapping": True})[0] == "userId, not present cannot track anonymous user"
    assert record({"type": "identify", "anonymousId": "a"}, closed)["identity"] == "a"
    assert record({"type": "alias", "previousId": "p"}, closed)["identity"] == "p"


@pytest.mark.parametrize(
    ("event", "charged"),
    [("Order Completed", True), ("ORDER COMPLETED", True), ("order completed", True), ("Order Completed ", False)],
)
def test_charged_detection(event: str, charged: bool) -> None:
    out = record({"type": "track", "event": event, "userId": "u", "properties": {"revenue": 1}})
    assert out["evtName"] == ("Charged" if charged else event)


def test_page_and_screen_with_order_completed_event_become_charged() -> None:
    for kind in ("page", "screen"):
        out = record({"type": kind, "event": "Order Completed", "name": "Checkout", "userId": "u"})
        assert out == {"evtName": "Charged", "evtData": {}, "type": "event", "identity": "u"}


def test_charged_mapping() -> None:
    properties = {"order_id": "1234", "total": 20, "checkout_id": 99, "revenue": "15.5", "ts": 1615377562,
                  "products": [{"product_id": "p", "price": 1.5, "nested": {"a": 1}}], "extra": {"k": 1}}
    out = record({"type": "track", "event": "Order Completed", "userId": "riverjohn", "properties": properties})
    assert out == {"evtName": "Charged", "evtData": {"Charged ID": 99, "Amount": "15.5",
                   "Items": [{"product_id": "p", "price": 1.5, "nested": {"a": 1}}], "order_id": "1234", "total": 20,
                   "extra": '{"k":1}'}, "ts": 1615377562, "type": "event", "identity": "riverjohn"}
    assert list(out["evtData"]) == ["Charged ID", "Amount", "Items", "order_id", "total", "extra"]
    zero = record({"type": "track", "event": "Order Completed", "userId": "u", "properties": {"revenue": 0}})
    assert zero["evtData"] == {"Amount": 0}


@pytest.mark.parametrize(
    ("products", "outcome"),
    [(None, "absent"), ("", "absent"), ([{"a": 1}, {"b": 2}], [{"a": 1}, {"b": 2}]), ([None], [None]),
     ([{"a": 1}, "x"], [{"a": 1}, "x"]), ('[{"a":1}]', [{"a": 1}]),
     ([], "error"), ({"a": 1}, "error"), (["a", "b"], "error"), (5, "error"), ("[1]", "error")],
)
def test_items_validation_table(products: Any, outcome: Any) -> None:
    message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"products": products}}
    if outcome == "error":
        assert error(message) == ("Products property value must be an array of objects", 400)
    elif outcome == "absent":
        assert "Items" not in record(message)["evtData"]
    else:
        assert record(message)["evtData"]["Items"] == outcome


@pytest.mark.parametrize(
    ("products", "message"),
    [("abc", "Unexpected token 'a', \"abc\" is not valid JSON"),
     ("undefined", '"undefined" is not valid JSON'),
     ('[{"a":1}', "Expected ',' or ']' after array element in JSON at position 8"),
     ("{bad json here, really}", "Expected property name or '}' in JSON at position 1")],
)
def test_items_that_are_not_json_fail_with_status_500(products: str, message: str) -> None:
    got = error({"type": "track", "event": "Order Completed", "userId": "u", "properties": {"products": products}})
    assert got == (message, 500)


def test_a_track_named_charged_also_has_its_items_parsed() -> None:
    out = record({"type": "track", "event": "Charged", "userId": "u", "properties": {"Items": [{"a": 1}]}})
    assert out["evtData"] == {"Items": [{"a": 1}]}
    assert error({"type": "track", "event": "Charged", "userId": "u", "properties": {"Items": "[]"}})[1] == 400


@pytest.mark.parametrize("event", [None, "", "missing"])
def test_track_requires_an_event(event: Any) -> None:
    message = {"type": "track", "userId": "u"}
    if event != "missing":
        message["event"] = event
    assert error(message) == ('Missing required value from "event"', 400)


def test_track_event_name_and_data_are_not_converted() -> None:
    assert record({"type": "track", "event": 123, "userId": "u"})["evtName"] == 123
    assert record({"type": "track", "event": {"a": 1}, "userId": "u"})["evtName"] == {"a": 1}
    assert record({"type": "track", "event": "E", "userId": "u"})["evtData"] == {}


def test_evtdata_stringification_keeps_nulls() -> None:
    properties = {"o": {"a": 1}, "arr": [1, 2], "e": [], "eo": {}, "n": None, "s": "", "z": 0, "f": False,
                  "category-unsubscribe": {"email": ["x"]}}
    out = record({"type": "track", "event": "E", "userId": "u", "properties": properties})
    assert out["evtData"] == {"o": '{"a":1}', "arr": "[1,2]", "e": "[]", "eo": "{}", "n": None, "s": "", "z": 0,
                              "f": False, "category-unsubscribe": {"email": ["x"]}}


@pytest.mark.parametrize(
    ("name", "page", "screen"),
    [("A & B", "Web Page Viewed: A &amp; B", "Screen Viewed: A &amp; B"),
     ("  padded  ", "Web Page Viewed:   padded", "Screen Viewed:   padded"),
     ("A & B <x> \"q\" 'y' =z `t`",
      "Web Page Viewed: A &amp; B &lt;x&gt; &quot;q&quot; &#x27;y&#x27; &#x3D;z &#x60;t&#x60;",
      "Screen Viewed: A &amp; B &lt;x&gt; &quot;q&quot; &#x27;y&#x27; &#x3D;z &#x60;t&#x60;"),
     (0, "Web Page Viewed: 0", "Screen Viewed: 0"), (True, "Web Page Viewed: true", "Screen Viewed: true"),
     (False, "Web Page Viewed: false", "Screen Viewed: false"), (["a", "b"], "Web Page Viewed: a,b", "Screen Viewed: a,b"),
     ({"k": 1}, "Web Page Viewed: [object Object]", "Screen Viewed: [object Object]"),
     ("", "Web Page Viewed", "Screen Viewed"), (None, "Web Page Viewed", "Screen Viewed")],
)
def test_page_and_screen_names(name: Any, page: str, screen: str) -> None:
    assert record({"type": "page", "name": name, "userId": "u"})["evtName"] == page
    assert record({"type": "screen", "name": name, "userId": "u"})["evtName"] == screen


def test_page_name_precedence_and_data() -> None:
    assert record({"type": "page", "event": "EV", "name": "NM", "userId": "u"})["evtName"] == "Web Page Viewed: EV"
    out = record({"type": "page", "userId": "u", "properties": {"event": "PE", "name": "PN", "ts": 5}})
    assert out == {"evtName": "Web Page Viewed: PE", "evtData": {"event": "PE", "name": "PN", "ts": 5}, "ts": 5,
                   "type": "event", "identity": "u"}
    assert list(out) == ["evtName", "evtData", "ts", "type", "identity"]


@pytest.mark.parametrize(
    ("ids", "config", "expected"),
    [({"userId": "u", "anonymousId": "a"}, CONFIG, {"identity": "u"}),
     ({"anonymousId": "a"}, CONFIG, {"identity": "a"}),
     ({}, CONFIG, {}),
     ({"userId": "u", "anonymousId": "a"}, OBJECT_ID, {"objectId": "a"}),
     ({"userId": "u"}, OBJECT_ID, {"identity": "u"})],
)
def test_event_identity(ids: dict[str, Any], config: dict[str, Any], expected: dict[str, Any]) -> None:
    out = record({"type": "track", "event": "E", **ids}, config)
    assert {k: v for k, v in out.items() if k in ("identity", "objectId")} == expected


def test_object_id_mapping_without_any_id_is_an_error() -> None:
    assert error({"type": "screen"}, OBJECT_ID) == ("Unable to process without anonymousId or userId", 400)


def test_empty_string_properties_is_a_missing_required_value() -> None:
    # CleverTapPage.json: evtData is required; its default only replaces null or undefined.
    assert error({"type": "page", "userId": "u", "properties": ""}) == ('Missing required value from "properties"', 400)
    assert record({"type": "page", "userId": "u", "properties": None})["evtData"] == {}


# alias ---------------------------------------------------------------------------------------

def test_alias_record() -> None:
    message = {"type": "alias", "userId": "new", "previousId": "old", "anonymousId": "a", "traits": {"userId": "x"},
               "context": {"traits": {"ts": "2021-03-10T11:59:22.080Z"}}}
    for config in (CONFIG, OBJECT_ID):
        assert record(message, config) == {"type": "profile", "profileData": {"identity": "new"}, "ts": 1615377562, "identity": "old"}
    assert record({"type": "alias", "userId": "new"}) == {"type": "profile", "profileData": {"identity": "new"}}


# device tokens ------------------------------------------------------------------------------

def token_message(os_name: str, **integrations: Any) -> dict[str, Any]:
    return {"type": "identify", "userId": "u", "anonymousId": "anon",
            "context": {"os": {"name": os_name}, "device": {"token": "tok"}}, "integrations": integrations}


@pytest.mark.parametrize(
    ("os_name", "token_type"),
    [("Android", "fcm"), ("iOS", "apns"), ("watchOS", "apns"), ("iPadOS", "apns"), ("tvOS", "apns"), ("Mac OS", None), ("", None)],
)
def test_token_by_os(os_name: str, token_type: str | None) -> None:
    got = records(token_message(os_name), OBJECT_ID)
    if token_type is None:
        assert len(got) == 1
    else:
        assert got[1] == {"type": "token", "tokenData": {"id": "tok", "type": token_type}, "objectId": "anon"}


def test_no_token_without_object_id_mapping_or_anonymous_id() -> None:
    assert len(records(token_message("Android"), CONFIG)) == 1
    message = token_message("Android")
    del message["anonymousId"]
    assert len(records(message, OBJECT_ID)) == 1


@pytest.mark.parametrize("name", ["clevertap", "Clevertap", "CleverTap", "CLEVERTAP"])
def test_token_options_under_any_integration_name(name: str) -> None:
    options = {name: {"deviceTokenType": "chrome", "chromeKeys": {"p256dh": "k"}}}
    token = records(token_message("Android", **options), OBJECT_ID)[1]
    assert token["tokenData"] == {"id": "tok", "type": "chrome", "keys": {"p256dh": "k"}}


@pytest.mark.parametrize(
    ("options", "token_data"),
    [({"deviceTokenType": "FCM"}, {"id": "tok", "type": "apns"}),
     ({"deviceTokenType": "wns", "chromeKeys": None}, {"id": "tok", "type": "wns"}),
     ({"deviceTokenType": "gcm", "chromeKeys": {}}, {"id": "tok", "type": "gcm"}),
     ({"chromeKeys": {"random": "random key"}}, {"id": "tok", "type": "apns", "keys": {"random": "random key"}})],
)
def test_token_type_and_keys(options: dict[str, Any], token_data: dict[str, Any]) -> None:
    assert records(token_message("ios", CleverTap=options), OBJECT_ID)[1]["tokenData"] == token_data


# router -------------------------------------------------------------------------------------

def router_input(job: int, message: dict[str, Any], config: dict[str, Any] = CONFIG) -> dict[str, Any]:
    return {"message": message, "metadata": {"jobId": job}, "destination": {"Config": config}}


def track(job: int) -> dict[str, Any]:
    return router_input(job, {"type": "track", "event": f"E{job}", "userId": "u"})


def test_router_batches_of_1000_records() -> None:
    out = route([track(i) for i in range(1001)])
    assert [len(e["batchedRequest"]["body"]["JSON"]["d"]) for e in out] == [MAX_BATCH_RECORDS, 1]
    assert [len(e["metadata"]) for e in out] == [1000, 1]
    assert out[1]["metadata"] == [{"jobId": 1000}]


def test_an_identify_with_token_counts_two_records() -> None:
    identify = router_input(999, token_message("Android"), OBJECT_ID)
    out = route([track(i) for i in range(999)] + [identify, track(1000)])
    assert [len(e["batchedRequest"]["body"]["JSON"]["d"]) for e in out] == [999, 3]
    assert [len(e["metadata"]) for e in out] == [999, 2]
    assert [r["type"] for r in out[1]["batchedRequest"]["body"]["JSON"]["d"]] == ["profile", "token", "event"]


def test_router_uses_the_first_config_and_puts_errors_last() -> None:
    other = {"accountId": "OTHER", "passcode": "P2", "region": "in1", "trackAnonymous": True}
    inputs = [router_input(1, {"type": "group"}), track(2), router_input(3, {"type": "track", "event": "x", "userId": "u"}, other)]
    out = route(inputs)
    assert len(out) == 2
    batch, failure = out
    assert batch["batchedRequest"]["endpoint"] == "https://api.clevertap.com/1/upload"
    assert batch["batchedRequest"]["headers"]["X-CleverTap-Account-Id"] == "ACC"
    assert batch["batchedRequest"]["batched"] is True and batch["batched"] is False and "userId" not in batch["batchedRequest"]
    assert batch["metadata"] == [{"jobId": 2}, {"jobId": 3}] and batch["destination"] == {"Config": CONFIG}
    assert failure == {"metadata": [{"jobId": 1}], "batched": False, "statusCode": 400, "error": "Message type not supported",
                       "statTags": failure["statTags"], "destination": {"Config": CONFIG}}
    assert failure["statTags"]["feature"] == "router"


def test_router_passes_transformed_messages_through() -> None:
    [done] = transform({"type": "track", "event": "Done", "userId": "u"}, CONFIG)
    out = route([router_input(1, {**done, "statusCode": 200}), track(2)])
    assert [r["evtName"] for r in out[0]["batchedRequest"]["body"]["JSON"]["d"]] == ["Done", "E2"]


def test_router_reports_an_uncaught_reference_failure_as_500() -> None:
    bad = router_input(1, {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"products": "abc"}})
    [entry] = route([bad])
    assert (entry["statusCode"], entry["error"]) == (500, "Unexpected token 'a', \"abc\" is not valid JSON")


# user deletion plan ---------------------------------------------------------------------------

def test_deletion_plan_chunks_truthy_ids_in_order() -> None:
    attributes: list[dict[str, Any]] = [{"userId": f"u{i % 7}"} for i in range(205)]
    attributes += [{"email": "e@x.com"}, {"userId": ""}, {"userId": 0}]
    plan = plan_user_deletion(attributes, {"accountId": "A", "passcode": "P", "region": "sg1"})
    assert [len(p["body"]["identity"]) for p in plan] == [100, 100, 5]
    assert [i for p in plan for i in p["body"]["identity"]] == [f"u{i % 7}" for i in range(205)]
    assert plan[0]["headers"] == {"X-CleverTap-Account-Id": "A", "X-CleverTap-Passcode": "P", "Content-Type": "application/json"}
    assert plan_user_deletion([], {"accountId": "A", "passcode": "P"}) == []


def test_deletion_plan_errors() -> None:
    with pytest.raises(SettingsError, match="^Project ID and Passcode is required for delete user$") as caught:
        plan_user_deletion([{"userId": "u"}], {"accountId": "A", "passcode": ""})
    assert caught.value.status_code == 400
    with pytest.raises(EventError, match="^userAttributes is not an array$") as failure:
        plan_user_deletion({"userId": "u"}, {"accountId": "A", "passcode": "P"})  # type: ignore[arg-type]
    assert failure.value.status_code == 400


# serialisation --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "text"),
    [({"é": "ü"}, '{"é":"ü"}'), ([2.0], "[2]"), ([-0.0], "[0]"), ([1e16], "[10000000000000000]"), ([1e21], "[1e+21]"),
     ([0.00001], "[0.00001]"), ([1.5e-7], "[1.5e-7]"), ({"b": 1, "2": 2}, '{"2":2,"b":1}')],
)
def test_stringified_values_are_javascript_json(value: Any, text: str) -> None:
    assert profile({"v": value})["v"] == text
    assert record({"type": "track", "event": "E", "userId": "u", "properties": {"v": value}})["evtData"]["v"] == text


def test_transform_does_not_modify_the_message() -> None:
    message = {"type": "identify", "userId": "u", "traits": {"a.b": 1, "overrideFields": {"o": {"x": 1}}, "list": [1]}}
    before = json.dumps(message)
    [out] = transform(message, OBJECT_ID)
    out["body"]["JSON"]["d"][0]["profileData"]["o"]["x"] = 2
    assert json.dumps(message) == before


def test_module_docstring_example_runs() -> None:
    import doctest

    import bridge.cloud

    result = doctest.testmod(bridge.cloud)
    assert result.attempted > 0 and result.failed == 0


def test_public_names() -> None:
    import bridge.cloud
    import bridge.delivery

    for module in (bridge.cloud, bridge.delivery):
        assert all(hasattr(module, name) for name in module.__all__)
    assert {"transform", "route", "plan_user_deletion"} <= set(bridge.cloud.__all__)
    assert {"send", "delete_users", "urllib_transport", "BatchReport", "RetryPolicy"} <= set(bridge.delivery.__all__)
