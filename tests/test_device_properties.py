"""Property tests of bridge.device over arbitrary JSON-like messages.

Messages are biased towards realistic shapes (identify/track/page/screen/alias/group with traits
and properties holding nested values, unicode and the characters and keys the Web SDK cares about).
Every message must give a Translation or an EventError, never another exception; every call must be
JSON-serialisable, use an allowed queue, and be a fixed point of the Web SDK model.
"""

from __future__ import annotations

import copy
import json
import math
import os
from typing import Any

from device_sdk_model import fixed_point_problems
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge import core
from bridge.core import MISSING
from bridge.device import QUEUES, Translation, init_calls, privacy_calls, translate
from bridge.device._forms import PROFILE_FORMS, UNSENDABLE_KEYS, sanitize_key, sanitize_value
from bridge.errors import EventError

# More with DEVICE_EXAMPLES=5000 when hunting; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("DEVICE_EXAMPLES", "300"))

# Characters the rules treat specially, mixed with ordinary and non-ASCII ones.
ODD = ". : $ ' \" \\ \t\n\u00a0\u2028\ufeff\u3000 é ß 漢 😀 & < > = ` -_()+0123456789"
text = st.text(alphabet=st.sampled_from(list(ODD) + list("abcXYZ")), max_size=12)
SPECIAL_KEYS = [
    "__proto__", "hasOwnProperty", "constructor", "Items", "Gender", "DOB", "Phone", "Age", "Email", "Identity",
    "Employed", "Married", "Education", "category-unsubscribe", "a.b", "a.b.c", "MSG-push", "overrideFields",
    "products", "checkout_id", "revenue", "ts", "name", "email", "gender", "birthday", "phone", "employed",
    "married", "education", "firstName", "lastName", "id", "userId", " k ", "k:", "$k", "0", "",
]
keys = st.one_of(st.sampled_from(SPECIAL_KEYS), text)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.sampled_from([
        "female", "FEMALE", "Male", "m", "other", "yes", "No", "true", "college", "PhD", "1990-05-17",
        "1990-05-17T10:00:00Z", "642902400", "19900517", "$D_19900517", "soon", "+1 (415) 555-1234",
        "+14155551234", "4155551234", "30", "x" * 1030, "😀" * 520, "[{\"id\":1}]",
    ]),
    st.just(math.inf),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=6), st.dictionaries(keys, children, max_size=7)),
    max_leaves=40,
)
objects = st.dictionaries(keys, json_values, max_size=9)
ids = st.one_of(st.none(), st.just(""), text, st.integers(min_value=-5, max_value=10**12), st.sampled_from(["u1", "user-123"]))
events = st.one_of(
    st.sampled_from(["Order Completed", "order completed", "Order Completed ", "Charged", "Stayed", "Stayed.", "Product Viewed", "...", ""]),
    text,
    st.none(),
    st.integers(),
    json_values,
)
products = st.one_of(
    st.lists(st.one_of(objects, scalars), max_size=55),
    json_values,
)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["identify", "track", "page", "screen", "alias", "group", "TRACK", "merge", None, 3]))
    message: dict[str, Any] = {}
    if kind is not None:
        message["type"] = kind
    for key, strategy in (("userId", ids), ("anonymousId", ids), ("event", events), ("name", json_values), ("previousId", ids)):
        if draw(st.booleans()):
            message[key] = draw(strategy)
    if draw(st.booleans()):
        message["traits"] = draw(st.one_of(objects, json_values))
    if draw(st.booleans()):
        message["context"] = {"traits": draw(st.one_of(objects, json_values))}
    if draw(st.booleans()):
        props = draw(st.one_of(objects, json_values))
        if isinstance(props, dict) and draw(st.booleans()):
            props["products"] = draw(products)
        message["properties"] = props
    return message


def check(message: dict[str, Any], track_anonymous: bool) -> Translation | None:
    before = copy.deepcopy(message)
    try:
        result = translate(message, {"track_anonymous": track_anonymous})
    except EventError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    finally:
        assert message == before or _has_nan(before), "translate must not change the message"
    assert isinstance(result.warnings, list) and all(isinstance(w, str) for w in result.warnings)
    for call in result.calls:
        assert isinstance(call, list) and call[0] in QUEUES
        json.dumps(call, allow_nan=False)
        assert fixed_point_problems(call) == [], call
        if call[0] in ("onUserLogin", "profile"):
            site = call[1]["Site"]
            assert site, "an empty Site is never sent"
            for key in ("Gender", "Employed", "Married", "Education"):
                assert not (key in site and not isinstance(site[key], str))
    return result


def _has_nan(value: Any) -> bool:
    return "NaN" in json.dumps(value, default=str)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.booleans())
def test_any_message_gives_calls_the_sdk_leaves_alone_or_an_event_error(message: dict[str, Any], anon: bool) -> None:
    check(message, anon)


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["identify", "track", "page", "screen"]), objects, objects, st.booleans())
def test_realistic_messages_with_a_user_are_sent(kind: str, traits: dict[str, Any], props: dict[str, Any], anon: bool) -> None:
    message = {"type": kind, "userId": "u1", "event": "Product Viewed", "name": "Home", "traits": traits, "properties": props}
    result = check(message, anon)
    if kind != "identify" or result is not None:
        return
    # An identify with a user id is refused only when nothing at all could be sent.
    raise AssertionError("identify with a user id must be sent")


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(text, st.sampled_from(["Product Viewed", "a.b", " x "])), objects)
def test_an_emitted_event_fed_back_comes_out_unchanged_and_without_warnings(name: str, props: dict[str, Any]) -> None:
    try:
        first = translate({"type": "track", "userId": "u1", "event": name, "properties": props}, {})
    except EventError:
        return
    (call,) = first.calls
    if core.is_order_completed(call[1]) or call[1] == "Charged":
        return  # fed back, these are renamed or re-checked as Charged
    again = translate({"type": "track", "userId": "u1", "event": call[1], "properties": call[2]}, {})
    assert again.calls == [call]
    assert again.warnings == []


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(objects)
def test_an_emitted_profile_fed_back_comes_out_unchanged_and_without_warnings(traits: dict[str, Any]) -> None:
    try:
        first = translate({"type": "identify", "userId": "u1", "traits": traits}, {})
    except EventError:
        return
    site = first.calls[0][1]["Site"]
    # The emitted Site as custom traits: the mapped trait names are excluded by the rules, so
    # only keys outside the table travel back; they must pass untouched.
    # (Keys the shared custom-attribute rule rewrites as set-value paths, "a.b" or "00", are left aside.)
    custom = {
        k: v for k, v in site.items()
        if k not in core.CUSTOM_ATTRIBUTE_EXCLUSIONS and core.custom_attributes([(k, v)]) == {k: v}
    }
    again = translate({"type": "identify", "userId": "u1", "traits": custom}, {})
    assert again.calls[0][1]["Site"] == {"Identity": "u1", **custom}
    assert again.warnings == []


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from(sorted(PROFILE_FORMS)), json_values)
def test_every_form_gives_a_value_the_sdk_accepts_or_leaves_it_out(key: str, value: Any) -> None:
    accepted, reason = PROFILE_FORMS[key](value)
    if accepted is MISSING:
        assert reason
        return
    assert fixed_point_problems(["onUserLogin", {"Site": {"Identity": "u", key: accepted}}]) == []
    assert PROFILE_FORMS[key](accepted) == (accepted, ""), "a form applied to its own output changes nothing"


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.one_of(text, st.text(max_size=40), st.text(alphabet=st.sampled_from(list(ODD)), min_size=1000, max_size=1100)))
def test_sanitised_text_passes_the_sdk_unchanged(raw: str) -> None:
    key, value = sanitize_key(raw), sanitize_value(raw)
    assert sanitize_key(key) == key and sanitize_value(value) == value
    call: list[Any] = ["event", "E", {key: value}] if key and key not in UNSENDABLE_KEYS else ["event", "E", {"k": value}]
    if call[2] == {"k": ""} or value == "":
        return
    assert fixed_point_problems(call) == []


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(st.one_of(st.none(), json_values, st.dictionaries(st.sampled_from(["CLEVERTAP", "CleverTap", "clevertap", "integrations", "x"]), json_values)),
       st.booleans(), st.booleans())
def test_privacy_calls_are_booleans_the_sdk_takes(options: Any, opt_out: bool, use_ip: bool) -> None:
    calls = init_calls({"opt_out": opt_out, "use_ip": use_ip}, options)
    assert [list(call[1]) for call in calls] == [["optOut"], ["useIP"]]
    for call in calls + privacy_calls(options):
        assert fixed_point_problems(call) == []


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.one_of(text, st.sampled_from(["Product Viewed", "a.b", " x "])), objects)
def test_a_track_event_is_changed_only_with_a_warning(name: str, props: dict[str, Any]) -> None:
    try:
        result = translate({"type": "track", "userId": "u1", "event": name, "properties": props}, {})
    except EventError:
        return
    (call,) = result.calls
    if call[1] in ("Charged",) or core.is_order_completed(name):
        return
    if not result.warnings:
        assert call == ["event", name, props]


@settings(max_examples=EXAMPLES, deadline=None)
@given(objects)
def test_custom_traits_are_changed_only_with_a_warning(traits: dict[str, Any]) -> None:
    plain = {
        k: v for k, v in traits.items()
        if k not in core.CUSTOM_ATTRIBUTE_EXCLUSIONS and core.custom_attributes([(k, v)]) == {k: v}
    }
    try:
        result = translate({"type": "identify", "userId": "u1", "traits": plain}, {})
    except EventError:
        return
    if not result.warnings:
        assert result.calls == [["onUserLogin", {"Site": {"Identity": "u1", **plain}}]]
