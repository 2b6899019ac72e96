"""Transformations under Pyodide in Chromium: test-transformation --browser runs the documented fixtures in
the bundle's own worker and compares every answer (calls, warnings, log lines, transformed events) with CPython's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.cli import main

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "transformations"


@pytest.mark.parametrize("example", ["pii-hashing", "allow-list", "split"])
def test_the_documented_fixtures_give_the_same_answers_in_pyodide(example: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = EXAMPLES / example
    status = main(["test-transformation", str(folder / "transformation.py"), "--input", str(folder / "input"),
                   "--expected", str(folder / "expected"), "--browser"])
    out = capsys.readouterr().out.splitlines()
    assert status == 0, out
    assert out[0].endswith("; Pyodide gives the same answers")


def test_forever_loops_are_stopped_by_python_s_own_deadline_in_pyodide_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text(
        "def transformEvent(event, metadata):\n"
        "    if event['type'] == 'page':\n"
        "        while True: pass\n"
        "    if event['type'] == 'screen':\n"
        "        n = 0\n"
        "        while True:\n"
        "            n += 1\n"
        "    return event\n"
    )
    (tmp_path / "s.toml").write_text('account_id = "TEST-ACC-123"\ntransformation_timeout_ms = 200\n')
    status = main(["test-transformation", str(tmp_path / "t.py"), "--settings", str(tmp_path / "s.toml"), "--browser", "--mode", "deviceMode"])
    out = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("    ")]
    assert status == 1  # the two loops are raises
    assert [line.split(":")[0] for line in out if line.endswith("Pyodide gives the same answers")] == [
        "RAN default identify", "RAN default track", "ERROR default page", "ERROR default screen",
    ]


def test_a_difference_between_cpython_and_pyodide_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.py").write_text("import sys\n\ndef transformEvent(event, metadata):\n    event['platform'] = sys.platform\n    return event\n")
    (tmp_path / "in.json").write_text('{"type": "track", "event": "A", "userId": "u1", "messageId": "m1"}')
    status = main(["test-transformation", str(tmp_path / "t.py"), "--input", str(tmp_path / "in.json"), "--browser"])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert "  --- CPython (device answers)" in out and "  +++ Pyodide in Chromium" in out
    assert '  -        "platform": "linux",' in out and '  +        "platform": "emscripten",' in out
