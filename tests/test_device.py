"""Device mode (bridge.device): the case table, then focused tests of each rule.

The case table, tests/cases/device_cases.json, is shared with the browser tests (Pyodide parity,
end to end). Its format:

    {"about": "...", "cases": [CASE, ...]}

    CASE = {
      "id":       behaviour-stating name, unique ("track-order-completed-becomes-charged"),
      "settings": optional; a settings dict, our names or the dashboard's (default {}: no anonymous tracking),
      "message":  the RudderStack-shaped message,
      then exactly one of
      "calls":    the list translate() returns, each call [queue, *args] (dict key order is meaningful),
      "error":    the exact EventError message when the message is not sent,
      and for the warnings
      "warnings":          optional; the exact list of warnings, in order,
      "warnings_contain":  optional; substrings each found in some warning.
    }

With neither warnings key, a case with "calls" expects no warning at all (nothing may change
without a word, and nothing may be said without a change); a case with "error" checks no warnings.
Every case's calls are also checked to be a fixed point of a model of the Web SDK
(tests/device_sdk_model.py, written from clevertap.js 2.5.2).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from device_sdk_model import fixed_point_problems, sdk_process
from device_sdk_node import node_available, real_sdk_outcomes

from bridge import device
from bridge.device import Translation, init_calls, map_event, privacy_calls, translate
from bridge.errors import EventError, UnsupportedMessage
from bridge.settings import Settings

CASES_PATH = Path(__file__).parent / "cases" / "device_cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_PATH.read_text(encoding="utf-8"))["cases"]
USER = {"type": "track", "userId": "u1"}


def run_case(case: dict[str, Any]) -> Translation | EventError:
    try:
        return translate(case["message"], case.get("settings", {}))
    except EventError as exc:
        return exc


# ------------------------------------------------------------------------------------------
# The table


def test_case_table_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    allowed = {"id", "settings", "message", "calls", "error", "warnings", "warnings_contain"}
    for case in CASES:
        assert set(case) <= allowed, case["id"]
        assert ("calls" in case) != ("error" in case), case["id"]
        assert case["id"] == case["id"].lower() and " " not in case["id"] and not case["id"][-1].isdigit()


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    outcome = run_case(case)
    if "error" in case:
        assert isinstance(outcome, EventError), f"expected EventError, got {outcome!r}"
        assert str(outcome) == case["error"]
        return
    assert isinstance(outcome, Translation), f"unexpected EventError: {outcome}"
    assert outcome.calls == case["calls"]
    # Key order is part of the contract (Identity first, Charged ID / Amount / Items first).
    assert json.dumps(outcome.calls) == json.dumps(case["calls"])
    if "warnings" in case:
        assert outcome.warnings == case["warnings"]
    elif "warnings_contain" in case:
        for expected in case["warnings_contain"]:
            assert any(expected in warning for warning in outcome.warnings), (expected, outcome.warnings)
    else:
        assert outcome.warnings == []


@pytest.mark.parametrize("case", [c for c in CASES if "calls" in c], ids=[c["id"] for c in CASES if "calls" in c])
def test_case_calls_are_a_fixed_point_of_the_sdk(case: dict[str, Any]) -> None:
    for call in case["calls"]:
        assert fixed_point_problems(call) == []


def test_table_covers_every_row_of_the_design_table() -> None:
    outcomes = [(case, run_case(case)) for case in CASES]
    queues_by_type: dict[str, set[str]] = {}
    for case, outcome in outcomes:
        kind = str(case["message"].get("type", "")).lower()
        if isinstance(outcome, Translation):
            queues_by_type.setdefault(kind, set()).update(call[0] for call in outcome.calls)
    assert queues_by_type["identify"] == {"onUserLogin", "profile"}
    assert queues_by_type["track"] == queues_by_type["page"] == queues_by_type["screen"] == {"event"}
    assert queues_by_type["alias"] == {"profile"}
    names = {call[1] for _, o in outcomes if isinstance(o, Translation) for call in o.calls if call[0] == "event"}
    assert {"Charged", "Web Page Viewed", "Screen Viewed"} <= names
    errors = {str(o) for _, o in outcomes if isinstance(o, EventError)}
    assert any("'group' is not supported" in e for e in errors)
    # group and unknown types are marked as such (a debug line in the browser); bad instrumentation is not.
    unsupported = {case["message"].get("type") for case, o in outcomes if isinstance(o, UnsupportedMessage)}
    assert "group" in unsupported
    assert not any(isinstance(o, UnsupportedMessage) for case, o in outcomes if case["message"].get("type") in ("identify", "track", "page", "screen", "alias"))


# ------------------------------------------------------------------------------------------
# The SDK model itself must catch what the emitter guards against, or the fixed-point check proves little.


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (["onUserLogin", {"Site": {"Identity": "u", "Employed": True}}], "swallowed"),
        (["onUserLogin", {"Site": {"Identity": "u", "DOB": "1990-01-01"}}], "dropped"),
        (["onUserLogin", {"Site": {"Identity": "u", "Gender": "FEMALE"}}], "dropped"),
        (["onUserLogin", {"Site": {"Gender": "FEMALE", "Identity": "u"}}], "changed"),
        (["profile", {"Site": {"Phone": "4155551234"}}], "dropped"),
        (["event", "Charged", {"Items": None}], "511"),
        (["event", "Charged", {"Items": [{"a": {"b": 1}}]}], "511"),
        (["event", "Charged", {"x": [1]}], "511"),
        (["event", "E", {"a": {"b": {"c": {"d": {"e": 1}}}}}], "541"),
        (["event", "E", {f"o{i}": {"k": 1} for i in range(6)}], "543"),
        (["event", "E", {"l": list(range(101))}], "543"),
        (["event", "E", {f"k{i}": i for i in range(101)}], "544"),
        (["event", "E", {"a": None}], "545"),
        (["event", "a.b"], "changed"),
        (["event", "E", {"k": "it's"}], "changed"),
        (["event", "E", {"k": "x" * 1025}], "521"),
        (["event", "E", {"hasOwnProperty": 1}], "TypeError"),
        (["event", "Stayed"], "513"),
        (["event", 5], "dropped"),
        (["notifications", {}], "queue"),
    ],
)
def test_sdk_model_catches_what_the_sdk_rejects(call: list[Any], problem: str) -> None:
    problems = fixed_point_problems(call)
    assert any(problem in p for p in problems), problems


def test_sdk_model_sends_a_valid_phone_as_a_number() -> None:
    outcome = sdk_process(["onUserLogin", {"Site": {"Identity": "u", "Phone": "+14155551234"}}])
    assert outcome.sent == {"type": "profile", "profile": {"Identity": "u", "Phone": 14155551234}}
    assert fixed_point_problems(["onUserLogin", {"Site": {"Identity": "u", "Phone": "+14155551234"}}]) == []


# ------------------------------------------------------------------------------------------
# Privacy: init_calls and privacy_calls


def test_init_calls_default_to_the_settings() -> None:
    assert init_calls(Settings(), None) == [["privacy", {"optOut": False}], ["privacy", {"useIP": False}]]
    assert init_calls({"opt_out": True, "use_ip": True}, {}) == [["privacy", {"optOut": True}], ["privacy", {"useIP": True}]]


@pytest.mark.parametrize("key", ["CLEVERTAP", "CleverTap", "Clevertap", "clevertap"])
def test_init_calls_read_the_load_options_under_each_name(key: str) -> None:
    calls = init_calls(Settings(), {key: {"optOut": True, "useIP": True}})
    assert calls == [["privacy", {"optOut": True}], ["privacy", {"useIP": True}]]


def test_init_calls_prefer_clevertap_display_name_as_rudderstack_does() -> None:
    options = {"CLEVERTAP": {"optOut": False}, "CleverTap": {"optOut": True}}
    assert init_calls(Settings(), options)[0] == ["privacy", {"optOut": True}]


def test_init_calls_ignore_non_boolean_options_and_use_the_setting() -> None:
    calls = init_calls({"opt_out": True}, {"CLEVERTAP": {"optOut": "no", "useIP": 1}})
    assert calls == [["privacy", {"optOut": True}], ["privacy", {"useIP": False}]]


def test_init_calls_accept_the_whole_load_options() -> None:
    calls = init_calls(Settings(), {"integrations": {"CleverTap": {"useIP": True}}})
    assert calls == [["privacy", {"optOut": False}], ["privacy", {"useIP": True}]]


def test_init_calls_over_options_that_are_not_objects_use_the_settings() -> None:
    assert init_calls({"use_ip": True}, {"CLEVERTAP": True}) == [["privacy", {"optOut": False}], ["privacy", {"useIP": True}]]


def test_privacy_calls_send_only_the_booleans_given() -> None:
    assert privacy_calls({"optOut": True}) == [["privacy", {"optOut": True}]]
    assert privacy_calls({"useIP": False, "optOut": False}) == [["privacy", {"optOut": False}], ["privacy", {"useIP": False}]]
    assert privacy_calls({"optOut": "yes", "other": True}) == []
    assert privacy_calls(None) == []
    for call in privacy_calls({"optOut": True, "useIP": True}):
        assert fixed_point_problems(call) == []


# ------------------------------------------------------------------------------------------
# API shape


def test_map_event_is_the_calls_of_translate() -> None:
    message = {"type": "track", "userId": "u1", "event": "E", "properties": {"a": "b'"}}
    assert map_event(message, {}) == translate(message, {}).calls == [["event", "E", {"a": "b"}]]


def test_settings_may_be_a_settings_object_or_a_dict_with_either_naming() -> None:
    message = {"type": "track", "anonymousId": "a", "event": "E"}
    for settings in (Settings(track_anonymous=True), {"track_anonymous": True}, {"trackAnonymous": True, "accountId": "W9R-486-4W5Z"}):
        assert translate(message, settings).calls == [["event", "E"]]


def test_bad_settings_raise_the_settings_error() -> None:
    from bridge.errors import SettingsError

    with pytest.raises(SettingsError, match="trackAnonymous"):
        translate({"type": "track", "userId": "u", "event": "E"}, {"trackAnonymous": "yes"})


def test_translation_is_frozen_and_plain_data() -> None:
    result = translate({"type": "identify", "userId": "u1", "traits": {"gender": "male"}}, {})
    with pytest.raises(AttributeError):
        result.calls = []  # type: ignore[misc]
    assert json.loads(json.dumps({"calls": result.calls, "warnings": result.warnings})) == {"calls": result.calls, "warnings": result.warnings}


def test_public_names() -> None:
    from bridge.device import _forms as webforms
    from bridge.device import _limits as weblimits

    assert set(device.__all__) >= {"Translation", "translate", "map_event", "init_calls", "privacy_calls"}
    for module in (device, webforms, weblimits):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_message_that_is_not_an_object_is_not_sent() -> None:
    with pytest.raises(EventError, match=r"^message: \[1\] is not an object$"):
        translate([1], {})


def test_message_nested_beyond_what_python_can_walk_is_an_event_error() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["k"] = {}
        node = node["k"]
    with pytest.raises(EventError, match="nested too deeply"):
        translate({"type": "track", "userId": "u", "event": "E", "properties": deep}, {})


def test_the_message_is_not_changed() -> None:
    message = {"type": "identify", "userId": "u", "traits": {"a.b": {}, "a.b.c": 1, "gender": "female"}}
    before = copy.deepcopy(message)
    translate(message, {})
    assert message == before


# ------------------------------------------------------------------------------------------
# Rules whose inputs are too large for the table


def test_values_are_cut_at_1024_characters() -> None:
    result = translate({**USER, "event": "E", "properties": {"long": "x" * 1500}}, {})
    assert result.calls == [["event", "E", {"long": "x" * 1024}]]
    # Warnings show a long value shortened to 80 characters.
    assert result.warnings == [f"properties.long: '{'x' * 76}... sent as '{'x' * 76}..."]


def test_keys_and_event_names_are_cut_at_1024_characters() -> None:
    result = translate({**USER, "event": "N" * 2000, "properties": {"k" * 1100: 1}}, {})
    [[queue, name, data]] = result.calls
    assert name == "N" * 1024 and data == {"k" * 1024: 1}
    assert len(result.warnings) == 2


def test_the_cut_counts_utf16_units_and_never_splits_a_character() -> None:
    # 😀 is two UTF-16 units: 512 of them fill 1024 units exactly; 'a' + 512 would split the last.
    result = translate({**USER, "event": "E", "properties": {"e": "😀" * 600, "f": "a" + "😀" * 600}}, {})
    data = result.calls[0][2]
    assert data["e"] == "😀" * 512
    assert data["f"] == "a" + "😀" * 511
    assert fixed_point_problems(result.calls[0]) == []


def test_arrays_are_cut_to_100_items() -> None:
    result = translate({**USER, "event": "E", "properties": {"l": list(range(150))}}, {})
    assert result.calls == [["event", "E", {"l": list(range(100))}]]
    assert result.warnings == ["properties.l: items after the first 100 left out (150 given): the SDK takes arrays of 100"]


def test_keys_after_the_100th_in_all_are_left_out() -> None:
    props: dict[str, Any] = {"n": {f"i{i}": i for i in range(10)}}
    props.update({f"k{i}": i for i in range(95)})
    result = translate({**USER, "event": "E", "properties": props}, {})
    data = result.calls[0][2]
    # n counts 1 + its 10 keys; then k0..k88 fill the 100.
    assert data["n"] == props["n"]
    assert list(data)[-1] == "k88" and len(data) == 90
    assert len(result.warnings) == 6 and all("the SDK takes 100 keys in all" in w for w in result.warnings)
    assert fixed_point_problems(result.calls[0]) == []


def test_keys_inside_objects_in_arrays_count_toward_the_100() -> None:
    props = {"rows": [{f"c{i}": i for i in range(60)}, {f"d{i}": i for i in range(60)}]}
    result = translate({**USER, "event": "E", "properties": props}, {})
    rows = result.calls[0][2]["rows"]
    assert len(rows[0]) == 60 and len(rows[1]) == 39
    assert fixed_point_problems(result.calls[0]) == []


def test_a_container_emptied_by_the_key_limit_is_left_out_too() -> None:
    props: dict[str, Any] = {f"k{i}": i for i in range(98)}
    props["last"] = {"a": 1, "b": 2}  # last is the 99th key, a the 100th
    data = translate({**USER, "event": "E", "properties": props}, {}).calls[0][2]
    assert data["last"] == {"a": 1}
    props = {f"k{i}": i for i in range(99)}
    props["last"] = {"a": 1}  # the 100th key, with no room left for its own key
    props["tail"] = 5
    result = translate({**USER, "event": "E", "properties": props}, {})
    data = result.calls[0][2]
    # last is left out, which frees its place for tail.
    assert "last" not in data and data["tail"] == 5 and len(data) == 100
    assert "properties.last: left out: empty once the SDK's limits are applied" in result.warnings
    assert fixed_point_problems(result.calls[0]) == []


def test_a_profile_with_many_keys_is_sent_whole_as_the_sdk_sends_it() -> None:
    traits = {f"t{i}": i for i in range(150)}
    site = translate({"type": "identify", "userId": "u", "traits": traits}, {}).calls[0][1]["Site"]
    assert len(site) == 151


def test_warnings_name_the_trait_the_value_came_from() -> None:
    result = translate({"type": "identify", "userId": "u", "context": {"traits": {"birthday": "soon"}}}, {})
    assert "birthday: 'soon' left out: DOB must be a date: YYYY-MM-DD, an ISO date-time, YYYYMMDD or epoch milliseconds" in result.warnings


def test_a_trait_named_identity_replaces_the_user_id_but_stays_first() -> None:
    result = translate({"type": "identify", "userId": "u", "traits": {"plan": "p", "Identity": "crm-9"}}, {})
    assert json.dumps(result.calls) == json.dumps([["onUserLogin", {"Site": {"Identity": "crm-9", "plan": "p"}}]])


def test_every_restricted_system_event_is_refused() -> None:
    from bridge.device._forms import SYSTEM_EVENTS

    assert len(SYSTEM_EVENTS) == 6
    for name in SYSTEM_EVENTS:
        with pytest.raises(EventError, match="system event"):
            translate({**USER, "event": name}, {})


# ------------------------------------------------------------------------------------------
# Against the SDK's own code: its validators cut out of clevertap.js and run under Node.

needs_node = pytest.mark.skipif(not node_available(), reason="needs node and node_modules/clevertap-web-sdk")

RAW_CALLS: list[list[Any]] = [
    ["onUserLogin", {"Site": {"Identity": "u", "Employed": True}}],
    ["onUserLogin", {"Site": {"Identity": "u", "DOB": "1990-01-01"}}],
    ["onUserLogin", {"Site": {"DOB": "1990-01-01", "Identity": "u"}}],
    ["onUserLogin", {"Site": {"Identity": "u", "Gender": "FEMALE"}}],
    ["onUserLogin", {"Site": {"Identity": "u", "Gender": "I am male"}}],
    ["onUserLogin", {"Site": {"Identity": "u", "Phone": "+1 415 555 1234"}}],
    ["onUserLogin", {"Site": {"Identity": "u", "Phone": 12345, "Age": " 0x1A "}}],
    ["onUserLogin", {"Site": {"Identity": "u", "Age": "30abc", "k": None}}],
    ["onUserLogin", {"Site": {"Identity": " u ", "a.b": "x\"y", "nested": {"k'": [1, None]}}}],
    ["onUserLogin", {"Site": {}}],
    ["onUserLogin", {"Site": {"Identity": "u", "_custom": {"a": 1}}}],
    ["profile", {"Site": {"plan": "p", "_custom": "ab"}}],
    ["profile", {"Site": {"Phone": "4155551234"}}],
    ["profile", {"Site": {"Name": {"first": "A"}, "plan": "p"}}],
    ["profile", {"Site": {"x": None, "y": {}}}],
    ["profile", {"Site": {f"k{i}": i for i in range(120)}}],
    ["event", "Charged", {"Items": None}],
    ["event", "Charged", {"Items": [{"a": {"b": 1}}]}],
    ["event", "Charged", {"x": [1], "Items": []}],
    ["event", "Charged", {"Items": [{"a": 1}] * 51, "n": None}],
    ["event", "E", {"a": {"b": {"c": {"d": {"e": 1}}}}}],
    ["event", "E", {f"o{i}": {"k": 1} for i in range(6)}],
    ["event", "E", {"l": list(range(101)), "m": [[None, []], [{"x": None}]]}],
    ["event", "E", {f"k{i}": i for i in range(101)}],
    ["event", "E", {"a": None, "b": [None], "c": {}}],
    ["event", "E", {}],
    ["event", " has.dots:and$ ", {"k.e:y": " v'al ", "ab": 1, "a.b": 2, ". x": "y"}],
    ["event", "E", {"k": "x" * 1030, "😀" * 600: "😀" * 600}],
    ["event", "E", {"k": "back\\slash \\", "n": ["\\'q'\\"]}],
    ["event", "E", {"hasOwnProperty": 1}],
    ["event", "E", {"__proto__": {"a": 1}, "b": 2}],
    ["event", "Stayed"],
    ["event", "Stayed."],
    ["event", "N" * 1030],
    ["event", 5],
]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 4 and roll < 0.25:
        return {rng.choice(RANDOM_KEYS): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 7))}
    if depth < 4 and roll < 0.4:
        return [_random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 8, 120]))]
    return rng.choice(RANDOM_SCALARS)


RANDOM_KEYS = ["a", "b.c", " d ", "e:f", "$g", "h'i", "", "__proto__", "Items", "Gender", "DOB", "Phone", "Age",
               "email", "gender", "birthday", "phone", "employed", "education", "category-unsubscribe", "x" * 1030]
RANDOM_SCALARS = [None, True, False, 0, 1, -7, 2.5, 1e21, "", " ", "female", "FEMALE", "yes", "college", "1990-05-17",
                  "642902400", "+1 (415) 555-1234", "4155551234", "30", "it's \"q\" \\", "é漢😀", "x" * 1030]


def _random_messages(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20261129)
    out = []
    for _ in range(count):
        kind = rng.choice(["identify", "track", "page", "screen", "alias"])
        message: dict[str, Any] = {"type": kind, "userId": rng.choice(["u1", None, 7, " u'2 "])}
        message["event"] = rng.choice(["Order Completed", "Product Viewed", "Charged", "a.b", "Stayed", None])
        message["name"] = rng.choice([None, "Home", "A: B"])
        message["traits"] = _random_value(rng, 3) if rng.random() < 0.2 else {rng.choice(RANDOM_KEYS): _random_value(rng, 1) for _ in range(6)}
        props = {rng.choice(RANDOM_KEYS): _random_value(rng, 1) for _ in range(8)}
        if rng.random() < 0.5:
            props["products"] = [_random_value(rng, 2) for _ in range(rng.choice([1, 3, 55]))]
        message["properties"] = props
        out.append(message)
    return out


@needs_node
def test_python_model_of_the_sdk_agrees_with_the_sdk_code() -> None:
    calls = RAW_CALLS + [call for case in CASES if "calls" in case for call in case["calls"] if call[0] != "privacy"]
    real = real_sdk_outcomes(calls)
    for call, outcome in zip(calls, real, strict=True):
        model = sdk_process(call)
        assert (model.sent is None) == (outcome["sent"] is None), (call, model, outcome)
        assert json.loads(json.dumps(model.sent)) == outcome["sent"], call
        assert bool(model.errors) == bool(outcome["errors"]), (call, model.errors, outcome["errors"])


@needs_node
def test_emitted_calls_pass_the_sdk_code_unchanged() -> None:
    calls: list[list[Any]] = [call for case in CASES if "calls" in case for call in case["calls"]]
    for message in _random_messages(400):
        for anonymous in (False, True):
            try:
                calls += translate(message, {"track_anonymous": anonymous}).calls
            except EventError:
                pass
    calls = [call for call in calls if call[0] != "privacy"]
    assert len(calls) > 400
    real = real_sdk_outcomes(calls)
    tolerated = {"event": {"522"}, "profile": {"544"}, "onUserLogin": set()}
    for call, outcome in zip(calls, real, strict=True):
        assert outcome["sent"] is not None, (call, outcome)
        assert set(outcome["errors"]) <= tolerated[call[0]], (call, outcome["errors"])
        assert outcome["sent"] == json.loads(json.dumps(sdk_process(call).sent)), call
        assert fixed_point_problems(call) == []


# ------------------------------------------------------------------------------------------
# The SDK's start-up values, checked once in Python (for the integration to use, issue 7)


def test_start_values_are_the_merged_settings_in_the_sdks_terms() -> None:
    from bridge.device import start_values

    values = start_values({"account_id": "W9R-486-4W5Z", "opt_out": True}, {"region": "in1", "connectionMode": "device"})
    assert values == {
        "account": "W9R-486-4W5Z",
        "region": "in1",
        "targetDomain": None,
        "sdkUrl": Settings().sdk_url,
        "calls": [["privacy", {"optOut": True}], ["privacy", {"useIP": False}]],
    }
    calls = start_values({"account_id": "A-1"}, None, {"CleverTap": {"useIP": True}})["calls"]
    assert isinstance(calls, list) and calls[1] == ["privacy", {"useIP": True}]
    assert start_values({"account_id": "A-1", "region": "none"})["region"] is None


def test_a_destination_config_python_refuses_starts_nothing() -> None:
    from bridge.device import start_values
    from bridge.errors import SettingsError

    with pytest.raises(SettingsError, match=r"^region: 'eu1' is not one of none, in1, sg1, us1, sk1, aps3, mec1$"):
        start_values({"account_id": "A-1"}, {"region": "eu1"})
    with pytest.raises(SettingsError, match=r"^account_id: missing"):
        start_values({}, {"trackAnonymous": True})


def test_a_user_id_the_sdk_would_empty_logs_no_one_in() -> None:
    # The planner says the identify names its user; what the SDK's character rule leaves is no one.
    message = {"type": "identify", "userId": "\t", "traits": {"plan": "pro"}}
    for anonymous in (False, True):
        with pytest.raises(EventError) as caught:
            translate(message, {"trackAnonymous": anonymous})
        assert str(caught.value) == "identify: the user id and email are empty once the characters the SDK removes are gone: no one to log in"
