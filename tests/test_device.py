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

import json
from pathlib import Path
from typing import Any

import pytest

from bridge import device
from bridge.device import Translation, init_calls, map_event, privacy_calls, translate
from bridge.errors import EventError
from bridge.settings import Settings
from device_sdk_model import fixed_point_problems, sdk_process

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
