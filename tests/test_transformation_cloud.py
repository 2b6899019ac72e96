"""The transformation in cloud mode: bridge.cloud.transform(..., transformation=...) and send's step."""

from __future__ import annotations

import hashlib
import io
import logging
import textwrap
from pathlib import Path

import pytest

from bridge.cloud import transform
from bridge.errors import EventError
from bridge.transformation import Outcome, Transformation
from bridge.transformation._cloud import cloud_step

CONFIG = {"accountId": "ACC", "passcode": "PASS", "region": "in1"}
SOURCE = textwrap.dedent("""
    import hashlib

    def transformEvent(event, metadata):
        log("mode", metadata(event)["mode"])
        if event.get("event") == "Ignored":
            return None
        if event.get("event") == "Boom":
            raise ValueError("no")
        if event.get("event") == "Split":
            return [dict(event, event="First"), dict(event, event="Second")]
        traits = event.get("traits") or {}
        if "email" in traits:
            traits["email"] = hashlib.sha256(traits["email"].encode()).hexdigest()
        return event
    """)


@pytest.fixture()
def t() -> Transformation:
    return Transformation.from_source(SOURCE, "t.py")


def records(outputs: list[dict[str, object]]) -> list[object]:
    return [record for out in outputs for record in out["body"]["JSON"]["d"]]  # type: ignore[index]


def test_a_split_becomes_the_records_of_both_messages_in_order(t: Transformation) -> None:
    outputs = transform({"type": "track", "event": "Split", "userId": "u1"}, CONFIG, transformation=t)
    assert records(outputs) == [
        {"evtName": "First", "evtData": {}, "type": "event", "identity": "u1"},
        {"evtName": "Second", "evtData": {}, "type": "event", "identity": "u1"},
    ]


def test_a_changed_identify_trait_is_what_is_sent(t: Transformation) -> None:
    outputs = transform({"type": "identify", "userId": "u1", "traits": {"email": "a@b.c"}}, CONFIG, transformation=t)
    assert records(outputs) == [
        {"type": "profile", "profileData": {"Email": hashlib.sha256(b"a@b.c").hexdigest()}, "identity": "u1"},
    ]


def test_a_filtered_message_has_no_outputs_and_a_raise_is_an_event_error(t: Transformation, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bridge.transformation")
    assert transform({"type": "track", "event": "Ignored", "userId": "u1", "messageId": "m1"}, CONFIG, transformation=t) == []
    with pytest.raises(EventError) as info:
        transform({"type": "track", "event": "Boom", "userId": "u1", "messageId": "m2"}, CONFIG, transformation=t)
    assert str(info.value) == "transformation: ValueError: no (at t.py:9 in transformEvent)"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "transformation log (messageId 'm1'): mode cloudMode"),
        ("DEBUG", "transformation: messageId 'm1': dropped by transformEvent (it returned None)"),
        ("INFO", "transformation log (messageId 'm2'): mode cloudMode"),
        ("WARNING", "transformation: messageId 'm2': ValueError: no (at t.py:9 in transformEvent); dropped (on_transformation_error = drop)"),
    ]


def test_a_path_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(SOURCE)
    assert transform({"type": "track", "event": "Ignored", "userId": "u1"}, CONFIG, transformation=tmp_path / "t.py") == []


def test_the_mapping_refuses_a_returned_dict_that_is_not_a_message(tmp_path: Path) -> None:
    t = Transformation.from_source("def transformEvent(event, metadata):\n    return {'event': 'x'}\n", "t.py")
    with pytest.raises(EventError) as info:
        transform({"type": "track", "event": "A", "userId": "u1"}, CONFIG, transformation=t)
    assert str(info.value) == "Message Type is not present. Aborting message."


def test_the_send_step_gives_one_outcome_a_message_and_prints_log_lines(t: Transformation) -> None:
    out = io.StringIO()
    outcomes = cloud_step(t, out)([{"type": "track", "event": "Ignored", "messageId": "a"}, {"type": "track", "event": "Boom", "messageId": "b"}])
    assert [(o.messages, o.error) for o in outcomes] == [([], None), ([], "ValueError: no (at t.py:9 in transformEvent)")]
    assert isinstance(outcomes[0], Outcome)
    assert out.getvalue() == "transformation log (messageId 'a'): mode cloudMode\ntransformation log (messageId 'b'): mode cloudMode\n"
