"""The transformation contract on CPython (bridge.transformation): loading, return values, errors, time limits."""

from __future__ import annotations

import re
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bridge.core import Settings, load_settings
from bridge.core._types import JSONObject
from bridge.errors import SettingsError, TransformationError
from bridge.transformation import Outcome, Transformation


def make(source: str, on_error: str = "drop", timeout_ms: int | None = None) -> Transformation:
    return Transformation.from_source(textwrap.dedent(source), "t.py", on_error, timeout_ms)


TRACK: JSONObject = {"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1"}


# -- loading: one line FILE:LINE: what is wrong --------------------------------------------------------

@pytest.mark.parametrize(
    "source, message",
    [
        ("def transformEvent(event, metadata)\n    return event\n", "t.py:1: SyntaxError: expected ':'"),
        ("x = 1\n", "t.py:1: defines neither transformEvent(event, metadata) nor transformBatch(events, metadata)"),
        (
            "def transformEvent(e, m):\n    return e\n\ndef transformBatch(es, m):\n    return es\n",
            "t.py:4: defines both transformEvent (line 1) and transformBatch (line 4): keep one",
        ),
        ("import requests\ndef transformEvent(e, m):\n    return e\n",
         "t.py:1: imports requests, which is not in Python's standard library: the browser has nothing else"),
        ("def transformEvent(e, m):\n    import urllib.request\n    return e\n",
         "t.py:2: imports urllib.request: a transformation runs in the browser, which has no the network"),
        ("from . import helpers\ndef transformEvent(e, m):\n    return e\n",
         "t.py:1: a relative import: a transformation is one file and imports the standard library only"),
        ("def transformEvent(event):\n    return event\n", "t.py:1: transformEvent must take two arguments (event, metadata)"),
        ("async def transformEvent(e, m):\n    return e\n", "t.py:1: transformEvent is async: it must be a plain def"),
        ("def transformEvent(e, m):\n    return e\n\nraise RuntimeError('no')\n", "t.py:4: raised while loading: RuntimeError: no"),
        ("def transformEvent(e, m):\n    return e\ntransformEvent = 3\n", "t.py:1: transformEvent is replaced by a int after its def"),
    ],
    ids=["syntax", "neither", "both", "not-stdlib", "no-network", "relative", "one-argument", "async", "raises-at-load", "replaced"],
)
def test_a_bad_file_is_one_line_naming_file_and_line(source: str, message: str) -> None:
    with pytest.raises(TransformationError) as info:
        Transformation.from_source(source, "t.py")
    assert str(info.value) == message


def test_load_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TransformationError) as info:
        Transformation.load(tmp_path / "nope.py")
    assert str(info.value) == f"{tmp_path / 'nope.py'}: no such transformation file"


def test_imports_are_listed_for_the_browser_cut() -> None:
    t = make("import hashlib, json\nfrom urllib.parse import quote\ndef transformEvent(e, m):\n    import re\n    return e\n")
    assert t.imports == ("hashlib", "json", "re", "urllib.parse")
    assert t.entry == "transformEvent" and t.timeout_ms == 1000


# -- return values ---------------------------------------------------------------------------------------

EVENT_RULES = """
def transformEvent(event, metadata):
    kind = event.get("event")
    if kind == "drop":
        return None
    if kind == "split":
        return [event, dict(event, event="second")]
    if kind == "number":
        return 5
    if kind == "mixed":
        return [event, "text"]
    if kind == "set":
        return {"type": "track", "tags": {1}}
    event["properties"] = {"seen": True}
    return event
"""


def test_a_dict_replaces_the_event_and_the_input_is_not_touched() -> None:
    event = dict(TRACK)
    [outcome] = make(EVENT_RULES).run([event], "cloudMode")
    assert outcome == Outcome([{**TRACK, "properties": {"seen": True}}])
    assert event == TRACK


def test_none_filters_with_one_debug_line() -> None:
    [outcome] = make(EVENT_RULES).run([{**TRACK, "event": "drop"}], "deviceMode")
    assert outcome == Outcome([], debug=["transformation: messageId 'm1': dropped by transformEvent (it returned None)"])


def test_a_list_fans_out_in_order() -> None:
    [outcome] = make(EVENT_RULES).run([{**TRACK, "event": "split"}], "deviceMode")
    assert outcome.messages == [{**TRACK, "event": "split"}, {**TRACK, "event": "second"}]
    assert outcome.error is None and outcome.warnings == []


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("number", "t.py: transformEvent returned an int (5): it must return a dict, None or a list of dicts"),
        ("mixed", "t.py: transformEvent returned a list holding a str ('text') at index 1: each element must be a dict"),
        ("set", "t.py: transformEvent returned an event JSON cannot carry: Object of type set is not JSON serializable"),
    ],
)
def test_anything_else_is_an_error_naming_the_file_and_what_came_back(kind: str, reason: str) -> None:
    [outcome] = make(EVENT_RULES).run([{**TRACK, "event": kind}], "cloudMode")
    assert outcome == Outcome(
        [],
        error=reason,
        warnings=[f"transformation: messageId 'm1': {reason}; dropped (on_transformation_error = drop)"],
    )


def test_an_event_that_is_not_a_dict_passes_on_for_the_mapping_to_refuse() -> None:
    assert make(EVENT_RULES).run([7], "cloudMode") == [Outcome([7])]  # type: ignore[list-item]


# -- raises and the policy -------------------------------------------------------------------------------

RAISES = """
def helper(event):
    event["touched"] = True
    return event["properties"]["missing"]

def transformEvent(event, metadata):
    return helper(event)
"""


def test_a_raise_drops_the_event_with_a_warning_naming_message_id_and_last_frame_in_the_file() -> None:
    [outcome] = make(RAISES).run([TRACK], "cloudMode")
    assert outcome == Outcome(
        [],
        error="KeyError: 'properties' (at t.py:4 in helper)",
        warnings=["transformation: messageId 'm1': KeyError: 'properties' (at t.py:4 in helper); dropped (on_transformation_error = drop)"],
    )


def test_send_untransformed_sends_the_original_even_if_the_transformation_edited_it() -> None:
    [outcome] = make(RAISES, on_error="send_untransformed").run([TRACK], "cloudMode")
    assert outcome == Outcome(
        [TRACK],
        warnings=[
            "transformation: messageId 'm1': KeyError: 'properties' (at t.py:4 in helper);"
            " sent untransformed (on_transformation_error = send_untransformed)"
        ],
    )


def test_one_raise_never_stops_the_events_after_it() -> None:
    outcomes = make(RAISES).run([TRACK, {**TRACK, "messageId": "m2", "properties": {"missing": {"type": "track"}}}], "cloudMode")
    assert [o.messages for o in outcomes] == [[], [{"type": "track"}]]


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(TransformationError) as info:
        make(EVENT_RULES, on_error="retry")
    assert str(info.value) == "on_transformation_error: 'retry' is not one of drop, send_untransformed"


# -- metadata and log -------------------------------------------------------------------------------------

def test_metadata_and_log_lines_carry_the_message_id() -> None:
    t = make("""
        def transformEvent(event, metadata):
            log("meta", metadata(event), 3)
            return event
        """)
    for mode, source in (("deviceMode", "Javascript"), ("cloudMode", "HTTP")):
        [outcome] = t.run([TRACK], mode)
        assert outcome.logs == [
            "transformation log (messageId 'm1'): meta "
            f'{{"messageId": "m1", "sourceType": "{source}", "destinationType": "CLEVERTAP", "mode": "{mode}",'
            ' "eventName": "Signed Up", "eventType": "track"} 3'
        ]


# -- transformBatch ----------------------------------------------------------------------------------------

BATCH = """
def transformBatch(events, metadata):
    out = []
    for event in events:
        if event.get("event") == "drop":
            continue
        if event.get("event") == "boom":
            raise ValueError("boom")
        out.append(event)
        if event.get("event") == "split":
            out.append({"type": "track", "event": "extra"})  # no messageId: follows the one before it
    return out
"""


def test_batch_outputs_go_back_to_their_input_by_message_id() -> None:
    events = [{**TRACK, "messageId": f"m{i}", "event": kind} for i, kind in enumerate(["split", "drop", "keep"])]
    outcomes = make(BATCH).run(events, "cloudMode")
    assert outcomes == [
        Outcome([events[0], {"type": "track", "event": "extra"}]),
        Outcome([], debug=["transformation: messageId 'm1': dropped by transformBatch (no output carries its messageId)"]),
        Outcome([events[2]]),
    ]


def test_a_raise_in_transform_batch_fails_the_whole_batch() -> None:
    events = [{**TRACK, "messageId": "a"}, {**TRACK, "messageId": "b", "event": "boom"}]
    outcomes = make(BATCH, on_error="send_untransformed").run(events, "cloudMode")
    assert [o.messages for o in outcomes] == [[events[0]], [events[1]]]
    assert outcomes[0].warnings == [
        "transformation: messageId 'a': ValueError: boom (at t.py:8 in transformBatch); sent untransformed (on_transformation_error = send_untransformed)"
    ]
    assert make(BATCH).run(events, "cloudMode")[1].error == "ValueError: boom (at t.py:8 in transformBatch)"


def test_batch_timeout_defaults_to_four_seconds() -> None:
    assert make(BATCH).timeout_ms == 4000 and make(BATCH, timeout_ms=50).timeout_ms == 50


# -- the time limit ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "body, lines",
    [
        ("    while True: pass\n", "2 in transformEvent"),
        ("    n = 0\n    while True:\n        n += 1\n", "3 in transformEvent"),
        ("    import itertools\n    return sum(1 for _ in itertools.count())\n", "3 in (transformEvent|<genexpr>)"),
        ("    return helper()\n\ndef helper():\n    while True:\n        try:\n            pass\n        except Exception:\n            pass\n",
         "5 in helper"),
    ],
    ids=["one-line-loop", "loop", "generator-in-c", "except-exception"],
)
def test_a_forever_loop_is_stopped_and_handled_as_a_raise(body: str, lines: str) -> None:
    t = Transformation.from_source("def transformEvent(event, metadata):\n" + body, "t.py", "drop", 100)
    started = time.monotonic()
    [outcome, after] = t.run([TRACK, 5], "deviceMode")
    assert time.monotonic() - started < 1.0
    # Where the deadline strikes within a loop is chance: the report names the outermost loop's line.
    assert re.fullmatch(rf"stopped after 100 ms \(at t\.py:{lines}\)", outcome.error or "")
    assert after == Outcome([5])  # type: ignore[list-item]


def test_the_trace_function_is_only_there_during_the_call() -> None:
    before = sys.gettrace()
    make(EVENT_RULES).run([TRACK], "cloudMode")
    assert sys.gettrace() is before


# -- settings ------------------------------------------------------------------------------------------------

def test_settings_resolve_the_path_against_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "settings.toml").write_text(
        'account_id = "ACC-1"\ntransformation = "t.py"\non_transformation_error = "send_untransformed"\ntransformation_timeout_ms = 250\n'
    )
    settings = load_settings(tmp_path / "site" / "settings.toml")
    assert settings.transformation == str(tmp_path / "site" / "t.py")
    assert settings.to_config()["transformation"] == "t.py"  # the browser gets the name, never a path
    (tmp_path / "site" / "t.py").write_text("def transformEvent(e, m):\n    return None\n")
    t = Transformation.from_settings(settings)
    assert t is not None and (t.on_error, t.timeout_ms) == ("send_untransformed", 250)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("transformation", "t.js", "transformation: 't.js' is not the path of a Python file (FILE.py, relative to the settings file)"),
        ("on_transformation_error", "keep", "on_transformation_error: 'keep' is not one of drop, send_untransformed"),
        ("transformation_timeout_ms", 0, "transformation_timeout_ms: 0 is not a whole number of milliseconds from 1 to 60000"),
    ],
)
def test_settings_are_checked(key: str, value: object, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_config({key: value}, require_account=False)
    assert str(info.value) == message
