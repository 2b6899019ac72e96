"""bridge.boundary.handle on CPython: the JSON-in, JSON-out glue the browser worker calls.

Answers are compared with bridge.device called directly on the same input, so the wrapper is tested
for what it adds (parsing, settings merging, ids, errors) and not for the mapping itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge import boundary, device
from bridge.device import _boundary
from bridge.errors import EventError, UnsupportedMessage
from bridge.settings import Settings

FILE_SETTINGS = {"account_id": "TEST-ACC-123", "region": "in1", "track_anonymous": False}
RUDDERSTACK_CONFIG = {
    "accountId": "TEST-ACC-123",
    "passcode": "TEST-PASSCODE",
    "region": "in1",
    "trackAnonymous": True,
    "enableObjectIdMapping": False,
    "useNativeSDK": True,
    "connectionMode": "device",
    "eventFilteringOption": "disable",
    "blacklistedEvents": [],
    "whitelistedEvents": [],
    "oneTrustCookieCategories": [],
    "consentManagement": [],
}


def message(kind: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": kind,
        "channel": "web",
        "messageId": "m-1",
        "anonymousId": "anon-1",
        "userId": "user-1",
        "originalTimestamp": "2026-11-29T19:12:29.194Z",
        "context": {"traits": {"email": "jane@example.com", "name": "Jane Doe"}},
        "integrations": {"All": True},
    }
    base.update(fields)
    return base


def ask(**request: Any) -> dict[str, Any]:
    answer = boundary.handle(json.dumps(request))
    assert isinstance(answer, str)
    parsed: dict[str, Any] = json.loads(answer)
    return parsed


def expected(msg: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """What the boundary should say: bridge.device's own answer, as JSON would carry it."""
    try:
        translation = device.translate(msg, settings)
    except UnsupportedMessage as exc:
        return {"error": f"EventError: {exc}", "debug": True}
    except EventError as exc:
        return {"error": f"EventError: {exc}"}
    answer: dict[str, Any] = json.loads(json.dumps({"calls": translation.calls, "warnings": list(translation.warnings)}))
    return answer


@pytest.mark.parametrize(
    "msg",
    [
        message("identify"),
        message("track", event="Button Clicked", properties={"label": "Buy"}),
        message("track", event="Order Completed", properties={"checkout_id": "c1", "revenue": 9.5, "products": [{"id": "p1"}]}),
        message("page", name="Home", properties={"title": "Home"}),
        message("screen", name="Settings", properties={}),
        message("alias", userId="user-2", previousId="user-1"),
    ],
    ids=["identify", "track", "order-completed", "page", "screen", "alias"],
)
def test_event_answers_what_device_translate_answers(msg: dict[str, Any]) -> None:
    answer = ask(id=1, kind="event", message=msg, settings=FILE_SETTINGS)
    assert answer == {"id": 1, **expected(msg, Settings.from_config(FILE_SETTINGS))}


def test_the_rudderstack_config_wins_over_the_file_settings() -> None:
    anonymous = message("track", userId="", event="Button Clicked", properties={"label": "Buy"})
    file_only = ask(id="a", kind="event", message=anonymous, settings=FILE_SETTINGS)
    merged = ask(id="b", kind="event", message=anonymous, settings=FILE_SETTINGS, config=RUDDERSTACK_CONFIG)
    assert file_only == {"id": "a", **expected(anonymous, Settings.from_config(FILE_SETTINGS))}
    assert merged == {"id": "b", **expected(anonymous, Settings.from_config(FILE_SETTINGS).merged(RUDDERSTACK_CONFIG))}
    # trackAnonymous comes only from the config here, so the two answers must differ.
    assert file_only != {**merged, "id": "a"}


def test_start_answers_the_sdks_start_values_with_the_config_winning() -> None:
    answer = ask(id=4, kind="start", settings=FILE_SETTINGS, config={"accountId": "ACC-2", "region": "sg1"})
    assert answer == {"id": 4, "start": {"account": "ACC-2", "region": "sg1", "targetDomain": None,
                                         "sdkUrl": Settings().sdk_url}}
    assert ask(kind="start", settings={**FILE_SETTINGS, "region": "none"})["start"]["region"] is None


def test_start_refuses_a_config_python_refuses_so_the_sdk_is_not_half_started() -> None:
    answer = ask(id=5, kind="start", settings=FILE_SETTINGS, config={"region": "eu1"})
    assert answer == {"id": 5, "error": "SettingsError: region: 'eu1' is not one of none, in1, sg1, us1, sk1, aps3, mec1"}
    assert ask(kind="start", settings={"region": "in1"})["error"].startswith("SettingsError: account_id: missing")


def test_init_answers_init_calls_for_the_load_options() -> None:
    options = {"All": True, "CleverTap": {"optOut": True, "useIP": True}}
    answer = ask(id=2, kind="init", settings=FILE_SETTINGS, options=options)
    assert answer == {"id": 2, "calls": device.init_calls(Settings.from_config(FILE_SETTINGS), options), "warnings": []}
    assert answer["calls"] != ask(id=2, kind="init", settings=FILE_SETTINGS)["calls"]


@pytest.mark.parametrize("options", [{"optOut": True}, {"useIP": False}, {"optOut": False, "useIP": True}, {}])
def test_privacy_answers_privacy_calls(options: dict[str, Any]) -> None:
    answer = ask(id=3, kind="privacy", options=options)
    assert answer == {"id": 3, "calls": device.privacy_calls(options), "warnings": []}


def test_the_id_is_echoed_verbatim() -> None:
    for request_id in (0, "x", None, [1, 2], {"n": 1}, 2.5):
        assert ask(id=request_id, kind="privacy", options={})["id"] == request_id


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("not json", "BadRequest: not JSON: Expecting value: line 1 column 1 (char 0)"),
        ("[1, 2]", "BadRequest: a request is a JSON object, not list"),
        ('{"id": 5}', "BadRequest: kind: None is not one of event, init, privacy, start"),
        ('{"id": 5, "kind": "delete"}', "BadRequest: kind: 'delete' is not one of event, init, privacy, start"),
        ('{"id": 5, "kind": "event", "message": "hi"}', "BadRequest: message: 'hi' is not an object"),
        ('{"id": 5, "kind": "event", "message": {}, "settings": []}', "BadRequest: settings: [] is not an object"),
        ('{"id": 5, "kind": "event", "message": {}, "settings": {}, "config": 3}', "BadRequest: config: 3 is not an object"),
        ('{"id": 5, "kind": "privacy", "options": "yes"}', "BadRequest: options: 'yes' is not an object"),
    ],
)
def test_malformed_requests_are_answered_with_an_error(text: str, error: str) -> None:
    answer = json.loads(boundary.handle(text))
    expected_id = json.loads(text).get("id") if text.startswith("{") else None
    assert answer == {"id": expected_id, "error": error}


def test_a_bad_setting_is_a_settings_error_naming_the_key() -> None:
    answer = ask(id=6, kind="event", message=message("identify"), settings={**FILE_SETTINGS, "region": "eu2"})
    assert answer == {"id": 6, "error": "SettingsError: region: 'eu2' is not one of none, in1, sg1, us1, sk1, aps3, mec1"}


def test_an_event_error_carries_devices_reason() -> None:
    msg = message("track", event="")
    answer = ask(id=7, kind="event", message=msg, settings=FILE_SETTINGS)
    assert answer == {"id": 7, "error": 'EventError: Missing required value from "event"'}


def test_an_unsupported_type_is_an_event_error_marked_for_a_debug_line() -> None:
    # DESIGN: group and unknown types are not sent, and a debug line (not a warning) says why.
    msg = message("group", groupId="org-9", traits={"name": "Acme"})
    answer = ask(id=8, kind="event", message=msg, settings=FILE_SETTINGS)
    assert answer == {
        "id": 8,
        "error": "EventError: type: 'group' is not supported: device mode sends identify, track, page, screen, alias",
        "debug": True,
    }
    assert answer == {"id": 8, **expected(msg, Settings.from_config(FILE_SETTINGS))}


def test_an_unexpected_exception_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(msg: dict[str, Any], settings: Settings) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(_boundary, "translate", broken)  # where handle looks it up
    answer = ask(id=8, kind="event", message=message("identify"), settings=FILE_SETTINGS)
    assert answer == {"id": 8, "error": "InternalError: KeyError: 'boom'"}


def test_an_id_json_cannot_carry_is_dropped_from_the_answer() -> None:
    answer = json.loads(boundary.handle('{"id": NaN, "kind": "privacy", "options": {}}'))
    assert answer["id"] is None
    assert answer["error"].startswith("InternalError: ValueError")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_gets_an_answer(text: str) -> None:
    answer = json.loads(boundary.handle(text))
    assert set(answer) >= {"id"} and ("error" in answer or "calls" in answer)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["event", "init", "privacy", "other"]),
    msg=json_values,
    options=json_values,
    extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
)
def test_any_request_gets_an_answer(kind: str, msg: Any, options: Any, extra: dict[str, Any]) -> None:
    request = {**extra, "id": 1, "kind": kind, "message": msg, "options": options, "settings": FILE_SETTINGS}
    answer = json.loads(boundary.handle(json.dumps(request)))
    assert answer["id"] == 1
    assert ("error" in answer) != ("calls" in answer)
    if "error" in answer:
        assert not answer["error"].startswith("InternalError"), answer["error"]


# ---- batches: many messages per round trip, one answer each ----------------------------------------


def test_a_batch_answers_each_request_in_order_as_handle_alone_would() -> None:
    settings = Settings.from_config(FILE_SETTINGS)
    requests: list[Any] = [
        {"id": "t.1", "kind": "event", "message": message("track", event="First", properties={"a": 1})},
        {"id": "t.2", "kind": "event", "message": message("track", event=None)},  # no event name: an error
        "not an object",
        {"id": "t.4", "kind": "privacy", "options": {"optOut": True}},
        {"id": "t.5", "kind": "event", "message": message("group")},
        {"id": "t.6", "kind": "nope"},
        {"id": "t.7", "kind": "event", "message": message("identify", traits={"email": "x@example.com", "gender": "f"})},
    ]
    batch = {"kind": "batch", "settings": FILE_SETTINGS, "config": RUDDERSTACK_CONFIG, "requests": requests}
    answer = boundary.handle(json.dumps(batch))
    assert answer.isascii()
    answers = json.loads(answer)["answers"]
    assert len(answers) == len(requests)
    for request, got in zip(requests, answers, strict=True):
        if isinstance(request, dict):
            alone = json.loads(boundary.handle(json.dumps({"settings": FILE_SETTINGS, "config": RUDDERSTACK_CONFIG, **request})))
            assert got == alone
    assert answers[0]["calls"] == device.map_event(requests[0]["message"], settings.merged(RUDDERSTACK_CONFIG))
    assert answers[1]["error"].startswith("EventError: ")
    assert answers[2] == {"id": None, "error": "BadRequest: a request is a JSON object, not str"}
    assert answers[3]["calls"] == [["privacy", {"optOut": True}]]
    assert answers[4]["debug"] is True
    assert answers[5]["error"].startswith("BadRequest: kind: 'nope'")
    assert answers[6]["warnings"]


def test_a_request_may_carry_its_own_settings_and_a_bad_one_spoils_only_itself() -> None:
    track = message("track", event="E", userId="")
    requests = [
        {"id": 1, "kind": "event", "message": track},
        {"id": 2, "kind": "event", "message": track, "settings": {"track_anonymous": True}},
        {"id": 3, "kind": "event", "message": track, "settings": {"region": "mars"}},
        {"id": 4, "kind": "event", "message": track, "settings": {"track_anonymous": True}},
    ]
    answers = boundary.handle_batch(requests, settings=FILE_SETTINGS)
    assert answers[0]["error"].startswith("EventError: userId")
    assert answers[1]["calls"] == device.map_event(track, Settings.from_config({"track_anonymous": True}, require_account=False))
    assert answers[2]["error"] == "SettingsError: region: 'mars' is not one of none, in1, sg1, us1, sk1, aps3, mec1"
    assert answers[3] == answers[1] | {"id": 4}


def test_text_json_can_carry_but_javascript_strings_cannot_still_crosses_as_ascii() -> None:
    lone = "\ud800"
    answers = boundary.handle_batch(
        [{"id": 1, "kind": "event", "message": message("track", event="E" + lone, properties={"k" + lone: "v" + lone})},
         {"id": 2, "kind": "event", "message": message("track", event="After")}],
        settings=FILE_SETTINGS,
    )
    assert [a["id"] for a in answers] == [1, 2]
    assert answers[1]["calls"][0][:2] == ["event", "After"]


def test_a_batch_that_is_not_one_is_answered_with_one_error() -> None:
    answer = json.loads(boundary.handle('{"kind": "batch", "requests": {"id": 1}}'))
    assert answer == {"id": None, "error": "BadRequest: requests: {'id': 1} is not a list"}
    nested = boundary.handle_batch([{"id": 9, "kind": "batch", "requests": []}])
    assert nested[0]["id"] == 9 and nested[0]["error"].startswith("BadRequest: kind: 'a nested batch'")
    assert boundary.handle_batch([]) == []
