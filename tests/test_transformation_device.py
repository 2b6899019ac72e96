"""The transformation in device mode on CPython: the worker boundary (bridge.boundary) and the build."""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bridge import boundary
from bridge.build import build_bundle
from bridge.build._bundle import site_transformation
from bridge.core import Settings, load_settings
from bridge.device import _boundary, translate
from bridge.errors import TransformationError

SOURCE = textwrap.dedent("""
    import hashlib
    import statistics

    def transformEvent(event, metadata):
        log("saw", event.get("event"), metadata(event)["mode"])
        kind = event.get("event")
        if kind == "Ignored":
            return None
        if kind == "Boom":
            event["event"] = "Edited before the raise"
            raise ValueError("no")
        if kind == "Loop":
            while True: pass
        if kind == "Split":
            return [dict(event, event="First"), dict(event, type="group"), dict(event, event="Second")]
        traits = event.get("traits")
        if traits and "email" in traits:
            traits["email"] = hashlib.sha256(traits["email"].encode()).hexdigest()[:8] + "@hashed.invalid"
        return event
    """)
FILE = {"account_id": "TEST-ACC-123", "track_anonymous": True, "transformation": "site.py", "transformation_timeout_ms": 100}


@pytest.fixture(autouse=True)
def site_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "site_transformation.txt"
    path.write_text(SOURCE)
    monkeypatch.setattr(_boundary, "SITE_SOURCE", path)
    monkeypatch.setattr(_boundary, "_LOADED", {})


def track(event: str, mid: str = "m1", **fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": event, "userId": "u1", "messageId": mid, **fields}


def answers(*messages: dict[str, Any], **settings: Any) -> list[dict[str, Any]]:
    requests = [{"id": i + 1, "kind": "event", "message": m} for i, m in enumerate(messages)]
    return boundary.handle_batch(requests, {**FILE, **settings})


def calls_of(message: dict[str, Any]) -> list[Any]:
    return translate(message, Settings.from_config({"track_anonymous": True}, require_account=False)).calls


def test_a_kept_event_is_mapped_after_the_transformation_and_its_logs_come_back() -> None:
    identify = {"type": "identify", "userId": "u1", "messageId": "m1", "traits": {"email": "a@b.c"}}
    [answer] = answers(identify)
    changed = json.loads(json.dumps(identify))
    changed["traits"]["email"] = hashlib.sha256(b"a@b.c").hexdigest()[:8] + "@hashed.invalid"
    assert answer == {"id": 1, "calls": calls_of(changed), "warnings": [], "logs": ["transformation log (messageId 'm1'): saw null deviceMode"]}


def test_a_filtered_event_is_a_debug_answer() -> None:
    [answer] = answers(track("Ignored"))
    assert answer == {
        "id": 1,
        "error": "EventError: transformation: messageId 'm1': dropped by transformEvent (it returned None)",
        "debug": True,
        "logs": ["transformation log (messageId 'm1'): saw Ignored deviceMode"],
    }


def test_a_split_gives_each_output_s_calls_in_order_and_names_the_one_the_mapping_refuses() -> None:
    [answer] = answers(track("Split"))
    assert answer["calls"] == calls_of(track("First")) + calls_of(track("Second"))
    assert answer["warnings"] == ["transformation output 2 of 3: not sent: type: 'group' is not supported: device mode sends identify, track, page, screen, alias"]


def test_a_raise_under_drop_is_an_error_and_the_next_event_still_goes() -> None:
    boom, after = answers(track("Boom"), track("After", "m2"))
    assert boom["error"] == (
        "EventError: transformation: messageId 'm1': ValueError: no (at site.py:12 in transformEvent); dropped (on_transformation_error = drop)"
    )
    assert after["calls"] == calls_of(track("After", "m2"))


def test_a_raise_under_send_untransformed_sends_the_original() -> None:
    [answer] = answers(track("Boom"), on_transformation_error="send_untransformed")
    assert answer["calls"] == calls_of(track("Boom"))
    assert answer["warnings"] == [
        "transformation: messageId 'm1': ValueError: no (at site.py:12 in transformEvent);"
        " sent untransformed (on_transformation_error = send_untransformed)"
    ]


def test_a_forever_loop_is_stopped_by_the_deadline_and_progress_names_each_entry_first() -> None:
    seen: list[str] = []
    requests = [{"id": "a", "kind": "event", "message": track("Loop")}, {"id": "b", "kind": "event", "message": track("Next", "m2")}]
    loop, after = boundary.handle_batch(requests, FILE, progress=seen.append)
    assert loop["error"].startswith("EventError: transformation: messageId 'm1': stopped after 100 ms (at site.py:")
    assert after["calls"] == calls_of(track("Next", "m2"))
    assert seen == ['["a"]', '["b"]']


def test_an_untransformed_request_skips_the_transformation() -> None:
    [answer] = boundary.handle_batch([{"id": 1, "kind": "event", "message": track("Ignored"), "untransformed": True}], FILE)
    assert answer == {"id": 1, "calls": calls_of(track("Ignored")), "warnings": []}


def test_a_transformation_missing_from_the_bundle_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_boundary, "SITE_SOURCE", tmp_path / "none.txt")
    [answer] = answers(track("A"))
    assert answer == {"id": 1, "error": "TransformationError: site.py: not in this bundle: build it with the settings that name it"}


# -- the build ------------------------------------------------------------------------------------------------

def write_site(tmp_path: Path, source: str) -> Settings:
    (tmp_path / "site.toml").write_text('account_id = "TEST-ACC-123"\ntransformation = "t/site.py"\n')
    (tmp_path / "t").mkdir(exist_ok=True)
    (tmp_path / "t" / "site.py").write_text(source)
    (tmp_path / "t" / "secret.txt").write_text("never shipped")
    return load_settings(tmp_path / "site.toml")


def test_the_build_refuses_a_bad_file_with_one_line(tmp_path: Path) -> None:
    settings = write_site(tmp_path, "import requests\n\ndef transformEvent(event, metadata):\n    return event\n")
    with pytest.raises(TransformationError) as info:
        build_bundle(settings, tmp_path / "out")
    assert str(info.value) == f"{tmp_path}/t/site.py:1: imports requests, which is not in Python's standard library: the browser has nothing else"
    assert not (tmp_path / "out").exists()


def test_the_file_ships_in_the_wheel_alone_and_the_stdlib_cut_has_what_it_imports(tmp_path: Path) -> None:
    settings = write_site(tmp_path, SOURCE)
    extra, site = site_transformation(settings)
    assert extra == {"bridge/transformation/site_transformation.txt": SOURCE.encode()}
    assert site is not None and site.imports == ("hashlib", "statistics")
    manifest = build_bundle(settings, tmp_path / "out")
    out = tmp_path / "out"
    with zipfile.ZipFile(out / manifest["names"]["wheel"]) as wheel:
        assert wheel.read("bridge/transformation/site_transformation.txt") == SOURCE.encode()
        assert not [n for n in wheel.namelist() if "secret" in n or n.endswith("site.py")]
    stdlib = (out / manifest["names"]["pyodide"] / "python_stdlib.zip").read_bytes()
    # The cut stdlib ships as bytecode (compiled at build time): the module the transformation imports is there.
    assert "statistics.pyc" in zipfile.ZipFile(io.BytesIO(stdlib)).namelist()
    assert str(tmp_path) not in "".join(p.read_text("utf-8", "replace") for p in out.rglob("*.js"))
