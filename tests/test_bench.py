"""Benchmark (opt in: ``make bench`` or ``pytest -m bench -s``): the mapping's cost per message on CPython.

It prints figures and ratios measured side by side in one run, never a pass/fail on time: a busy
machine changes the numbers, not the verdict. The assertions check the work was done: each timed pass gave every message its own answer.
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
from conftest import BENCH_SETTINGS

from bridge.boundary import handle
from bridge.cloud import transform
from bridge.device import Translation, translate
from bridge.errors import EventError

pytestmark = pytest.mark.bench

CASES = json.loads((Path(__file__).parent / "cases" / "device_cases.json").read_text(encoding="utf-8"))["cases"]
SETTINGS = BENCH_SETTINGS
CONFIG = {**BENCH_SETTINGS, "passcode": "P"}


def _per_message_us(run: Callable[[dict[str, Any]], object], messages: list[dict[str, Any]], rounds: int = 5) -> tuple[float, list[object]]:
    """Best of ``rounds`` passes over the corpus, in microseconds per message, and what the last pass
    gave for each message (its result, or the EventError's text), to check the work was done."""
    timings = []
    results: list[object] = []
    for _ in range(rounds):
        results = []
        start = time.perf_counter()
        for message in messages:
            try:
                results.append(run(message))
            except EventError as error:
                results.append(str(error))
        timings.append((time.perf_counter() - start) / len(messages) * 1e6)
    return min(timings), results


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
    assert len(messages) == len(CASES) > 0

    def device(message: dict[str, Any]) -> object:
        return translate(message, SETTINGS)

    def cloud(message: dict[str, Any]) -> object:
        return transform(message, CONFIG)

    def boundary(message: dict[str, Any]) -> object:
        # What the worker pays per message: JSON in, translate, JSON out.
        return handle(json.dumps({"id": 1, "kind": "event", "message": message, "settings": SETTINGS}))

    measured = {name: _per_message_us(run, messages) for name, run in (("device", device), ("cloud", cloud), ("boundary", boundary))}
    figures = {name: us for name, (us, _) in measured.items()}
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
    # The work was done, and right: every timed pass gave each message its own answer.
    for message, translated, transformed, answer in zip(messages, *(measured[n][1] for n in ("device", "cloud", "boundary")), strict=True):
        expected = _outcome(device, message)
        assert translated == expected
        assert transformed == _outcome(cloud, message)
        read = json.loads(str(answer))
        assert read["id"] == 1
        if isinstance(expected, str):
            assert read["error"].split(": ", 1)[1] == expected  # after the class name the boundary reports
        else:
            assert isinstance(expected, Translation)
            assert [read["calls"], read["warnings"]] == json.loads(json.dumps([expected.calls, expected.warnings]))


def _outcome(run: Callable[[dict[str, Any]], object], message: dict[str, Any]) -> object:
    """What ``run(message)`` gives, or the text of the EventError it raises (as :func:`_per_message_us` records it)."""
    try:
        return run(message)
    except EventError as error:
        return str(error)
