"""Benchmark (opt in: ``pytest -m bench -s``): what a transformation costs per event on CPython, beside
the mapping alone: the runtime's own work (copying the event in and out, metadata, the return-value
rules) and the time limit's trace function. Figures only, never a verdict on time."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bridge.device import _boundary
from bridge.transformation import Transformation
from bridge.transformation import _deadline as deadline

pytestmark = pytest.mark.bench

CASES = json.loads((Path(__file__).parent / "cases" / "device_cases.json").read_text(encoding="utf-8"))["cases"]
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "transformations" / "pii-hashing" / "transformation.py"
IDENTITY = "def transformEvent(event, metadata):\n    return event\n"
LOOP = "def transformEvent(event, metadata):\n    n = 0\n    for i in range(200_000):\n        n += i\n    return event\n"


def _best_us(run: Any, rounds: int = 5) -> float:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings) * 1e6


def test_per_event_cost_of_a_transformation(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = [case["message"] for case in CASES if isinstance(case.get("message"), dict)]
    requests = [{"id": i, "kind": "event", "message": m} for i, m in enumerate(messages)]
    settings = {"account_id": "BENCH-ACC-1", "track_anonymous": True}
    plain = _best_us(lambda: _boundary.handle_batch(requests, settings)) / len(messages)
    figures = {"mapping alone (a batch of the corpus)": plain}
    for name, source in (("identity transformation", IDENTITY), ("PII hashing example", EXAMPLE.read_text())):
        with_file = {**settings, "transformation": "site.py"}
        monkeypatch.setattr(_boundary, "_LOADED", {})
        from bridge.core import Settings

        _boundary.preload(Transformation.from_source(source, "site.py"), Settings.from_config(with_file, require_account=False))
        answers = _boundary.handle_batch(requests, with_file)
        assert len(answers) == len(messages)
        figures[f"mapping + {name}"] = _best_us(lambda w=with_file: _boundary.handle_batch(requests, w)) / len(messages)
    # The trace function's share on a loop that does nothing but run traced lines (its worst case).
    t = Transformation.from_source(LOOP, "loop.py", timeout_ms=60_000)
    traced = _best_us(lambda: t.run([{"type": "track"}], "deviceMode"), rounds=3)
    untraced = _best_us(lambda: t.function({"type": "track"}, None), rounds=3)
    assert deadline.Timeout is not None
    print()
    for label, value in figures.items():
        print(f"  {label:<48} {value:8.1f} us/event")
    print(f"  a 200,000-step loop in the file: {untraced / 1000:.1f} ms untraced, {traced / 1000:.1f} ms under the time limit "
          f"({traced / untraced:.1f}x)")
