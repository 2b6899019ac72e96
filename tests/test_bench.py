"""Benchmark (opt in: ``make bench`` or ``pytest -m bench -s``): the mapping's cost per message on CPython.

It prints figures and ratios measured side by side in one run, never a pass/fail on time: a busy
machine changes the numbers, not the verdict. The only assertions are that the work was done.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bridge.boundary import handle
from bridge.cloud import transform
from bridge.device import translate
from bridge.errors import EventError

pytestmark = pytest.mark.bench

CASES = json.loads((Path(__file__).parent / "cases" / "device_cases.json").read_text(encoding="utf-8"))["cases"]
SETTINGS = {"accountId": "BENCH-ACC-1", "trackAnonymous": True}
CONFIG = {"accountId": "BENCH-ACC-1", "passcode": "P", "trackAnonymous": True}


def _per_message_us(run: Callable[[dict[str, Any]], object], messages: list[dict[str, Any]], rounds: int = 5) -> float:
    """Best of ``rounds`` passes over the corpus, in microseconds per message."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for message in messages:
            try:
                run(message)
            except EventError:
                pass
        timings.append((time.perf_counter() - start) / len(messages) * 1e6)
    return min(timings)


def _peak_kib(run: Callable[[dict[str, Any]], object], messages: list[dict[str, Any]]) -> float:
    tracemalloc.start()
    for message in messages:
        try:
            run(message)
        except EventError:
            pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def test_mapping_cost_per_message_device_cloud_and_worker_boundary() -> None:
    messages = [case["message"] for case in CASES]
    assert len(messages) >= 50

    def device(message: dict[str, Any]) -> object:
        return translate(message, SETTINGS)

    def cloud(message: dict[str, Any]) -> object:
        return transform(message, CONFIG)

    def boundary(message: dict[str, Any]) -> object:
        # What the worker pays per message: JSON in, translate, JSON out.
        return handle(json.dumps({"id": 1, "kind": "event", "message": message, "settings": SETTINGS}))

    figures = {name: _per_message_us(run, messages) for name, run in (("device", device), ("cloud", cloud), ("boundary", boundary))}
    memory = {name: _peak_kib(run, messages) for name, run in (("device", device), ("cloud", cloud))}
    sizes = [len(json.dumps(m)) for m in messages]
    print(
        f"\ncorpus: {len(messages)} messages, median {statistics.median(sizes):.0f} bytes of JSON\n"
        f"device translate   {figures['device']:8.1f} us/message   peak {memory['device']:7.1f} KiB over the corpus\n"
        f"cloud transform    {figures['cloud']:8.1f} us/message   peak {memory['cloud']:7.1f} KiB over the corpus\n"
        f"worker boundary    {figures['boundary']:8.1f} us/message   (JSON in and out around translate)\n"
        f"ratios: device/cloud {figures['device'] / figures['cloud']:.2f}, "
        f"boundary/device {figures['boundary'] / figures['device']:.2f}"
    )
    assert all(value > 0 for value in figures.values())
    assert json.loads(boundary(messages[0]))["id"] == 1  # type: ignore[arg-type]
