"""clevertap-bridge test-transformation: the documented examples pass, and a mismatch, a raise and bad usage say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples" / "transformations"


@pytest.mark.parametrize("example", ["pii-hashing", "allow-list", "split"])
def test_each_documented_example_passes(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = EXAMPLES / example
    status = main(["test-transformation", str(folder / "transformation.py"), "--input", str(folder / "input"), "--expected", str(folder / "expected")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.splitlines()[-1] == "1 passed, 0 failed, 0 errors, 0 without expected output"


def test_a_mismatch_prints_a_unified_diff_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "expected").mkdir()
    (tmp_path / "expected" / "tracks.json").write_text(json.dumps([{"type": "track", "messageId": "t-1", "event": "Other"}]))
    folder = EXAMPLES / "allow-list"
    status = main(["test-transformation", str(folder / "transformation.py"), "--input", str(folder / "input"),
                   "--expected", str(tmp_path / "expected"), "--mode", "cloudMode"])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert out[0] == f"FAIL {folder / 'input' / 'tracks.json'}: 3 event(s) in, 2 out"
    assert "  --- expected" in out and "  +++ actual" in out
    assert '  -    "event": "Other",' in out
    assert out[-1] == "0 passed, 1 failed, 0 errors, 0 without expected output"


def test_no_input_runs_the_four_default_events_and_shows_the_wire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text("def transformEvent(event, metadata):\n    return event\n")
    assert main(["test-transformation", str(tmp_path / "t.py")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out if line.startswith("RAN")] == [
        "RAN default identify", "RAN default track", "RAN default page", "RAN default screen",
    ]
    assert '    device: ["event", "Product Viewed", {"product_id": "p-1", "price": 9.5}]' in out
    assert '    cloud: {"evtName": "Product Viewed", "evtData": {"product_id": "p-1", "price": 9.5}, "type": "event", "identity": "user-1"}' in out
    assert out[-1] == "0 passed, 0 failed, 0 errors, 4 without expected output"


def test_a_raise_is_an_error_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text("def transformEvent(event, metadata):\n    raise ValueError('nope')\n")
    (tmp_path / "in.json").write_text('{"type": "track", "event": "A", "messageId": "m1"}')
    assert main(["test-transformation", str(tmp_path / "t.py"), "--input", str(tmp_path / "in.json"), "--mode", "deviceMode"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"ERROR {tmp_path / 'in.json'}: 1 event(s) in, 0 out (no expected output)",
        f"  transformation: messageId 'm1': ValueError: nope (at {tmp_path / 't.py'}:2 in transformEvent); dropped (on_transformation_error = drop)",
        "0 passed, 0 failed, 1 errors, 0 without expected output",
    ]


def test_json_lines_are_one_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text("def transformEvent(event, metadata):\n    return None\n")
    (tmp_path / "in.jsonl").write_text('{"type": "track", "event": "A"}\n{"type": "track", "event": "B"}\n')
    assert main(["test-transformation", str(tmp_path / "t.py"), "--input", str(tmp_path / "in.jsonl")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"RAN {tmp_path / 'in.jsonl'}: 2 event(s) in, 0 out (no expected output)"


def test_a_file_that_does_not_load_exits_1_with_its_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text("x = 1\n")
    assert main(["test-transformation", str(tmp_path / "t.py")]) == 1
    assert capsys.readouterr().out == f"ERROR {tmp_path / 't.py'}:1: defines neither transformEvent(event, metadata) nor transformBatch(events, metadata)\n"


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text("def transformEvent(event, metadata):\n    return event\n")
    assert main(["test-transformation", str(tmp_path / "t.py"), "--input", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == f"clevertap-bridge test-transformation: --input: {tmp_path / 'missing'}: no such file or folder\n"
    with pytest.raises(SystemExit) as info:
        main(["test-transformation"])
    assert info.value.code == 2
