"""Benchmark (opt in: ``pytest -m bench -s tests/browser/test_bench_pyodide.py``, or ``make bench``): what
Pyodide costs in the bundle's worker, in Chromium, side by side with CPython in one run.

It prints a table and never asserts on time (a busy machine changes the figures, not the verdict); it
asserts only that the work happened: the worker booted, every message was answered, and the answers are
CPython's. Figures:

- cold boot in the bundle's worker, over fresh browser contexts (nothing cached): the worker script
  starting, Pyodide loading (pyodide.mjs + loadPyodide), the wheel's download, its unpacking and the import
  of ``bridge.boundary``, and the whole boot (``boot`` posted -> ``ready`` received);
- per message over ``tests/cases/device_cases.json`` (best of ``ROUNDS`` passes): CPython's
  ``bridge.boundary.handle`` on the same JSON texts, the time a request spends inside the worker (Python and
  the worker's glue), the round trip main thread -> worker -> Python -> main thread one message at a time,
  and all messages posted at once;
- memory: the page's JS heap (CDP ``Performance.getMetrics``), Pyodide's WebAssembly memory in the worker,
  and the resident size of Chromium's renderer processes (Linux ``/proc``), when available.

The worker is the bundle's own ``clevertap-bridge.worker.js``; ``pages/bench.html`` puts a probe in front
of its source that only observes (timestamps, the WebAssembly memories, the time spent per request).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import BENCH_SETTINGS

from bridge.device import translate
from bridge.errors import EventError

from .conftest import Env, check_env, make_env, session_settings
from .e2e import open_harness
from .server import StaticServer

pytestmark = [pytest.mark.bench, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "cases" / "device_cases.json").read_text(encoding="utf-8"))["cases"]
SETTINGS = BENCH_SETTINGS  # as tests/test_bench.py
COLD_BOOTS = 3
ROUNDS = 5

BOOT_PHASES = [
    # (label, from, to) over the timestamps pages/bench.html records
    ("worker script running", "bootPosted", "workerStart"),
    ("Pyodide load (pyodide.mjs + loadPyodide)", "workerStart", "wheelFetch"),
    ("wheel download", "wheelFetch", "wheelBytes"),
    ("wheel unpack + import bridge.boundary", "wheelBytes", "ready"),
    ("boot total (boot posted -> ready seen)", "bootPosted", "readySeen"),
]


def _sent(cases: list[dict[str, Any]]) -> int:
    """How many of ``cases`` give at least one call under SETTINGS (read by CPython directly, not the boundary)."""
    count = 0
    for case in cases:
        try:
            count += bool(translate(case["message"], SETTINGS).calls)
        except EventError:
            pass
    return count


def _texts() -> list[str]:
    return [
        json.dumps({"id": i, "kind": "event", "message": case["message"], "settings": SETTINGS}, ensure_ascii=False)
        for i, case in enumerate(CASES)
    ]


def _open(browser: Any, server: StaticServer, bundle: str) -> Env:
    """A fresh context (its own HTTP and code caches) with the suite's guard, on the bench page."""
    context = browser.new_context(base_url=server.origin)
    page = context.new_page()
    env = make_env(context, page, server, hook=False)
    page.set_default_timeout(180_000)
    open_harness(env, "bench.html", bundle=bundle, indexURL=session_settings().pyodide_url)
    return env


def _cpython_us(texts: list[str]) -> tuple[float, list[str]]:
    from bridge.boundary import handle

    best = float("inf")
    answers: list[str] = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        answers = [handle(text) for text in texts]
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6, answers


def _renderer_rss_kib() -> int | None:
    """Resident size of Chromium's renderer processes (the page and its worker live in one), Linux only."""
    total, found = 0, False
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if b"--type=renderer" not in cmdline:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    found = True
        except OSError:
            continue
    return total if found else None


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:8.0f}" for v in values) + f"   {statistics.median(values):8.0f}"


def test_pyodide_worker_boot_and_round_trip_against_cpython(browser: Any, server: StaticServer, bundle: str) -> None:
    texts = _texts()
    assert len(texts) == len(CASES) > 0

    # Cold boots: each in a fresh context; the last one stays open for the per-message figures.
    boots: list[dict[str, float]] = []
    env: Env | None = None
    for _ in range(COLD_BOOTS):
        if env is not None:
            check_env(env)
            env.context.close()
        rss_before = _renderer_rss_kib()
        env = _open(browser, server, bundle)
        times = env.page.evaluate("() => harness.bench.booted")
        assert {"bootPosted", "workerStart", "readySeen"} <= set(times), times
        boots.append(times)
    assert env is not None
    try:
        page = env.page
        # Memory right after boot, before any message.
        cdp = env.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        worker_memory = None
        if page.workers:
            sizes = page.workers[0].evaluate("() => (self.__benchMemories || []).map(m => m.buffer.byteLength)")
            worker_memory = sum(sizes) if sizes else None
        rss_after = _renderer_rss_kib()

        cpython_us, cpython_answers = _cpython_us(texts)
        page.evaluate("texts => harness.bench.sequential(texts)", texts[:10])  # warm the path once
        sequential = [page.evaluate("texts => harness.bench.sequential(texts)", texts) for _ in range(ROUNDS)]
        pipelined = [page.evaluate("texts => harness.bench.pipelined(texts)", texts) for _ in range(ROUNDS)]

        # The work happened, and it is CPython's answer for every message.
        for run in sequential:
            assert [json.loads(a) for a in run["answers"]] == [json.loads(a) for a in cpython_answers]
        assert all(run["answers"] == len(texts) for run in pipelined)
        assert sum(1 for a in cpython_answers if json.loads(a).get("calls")) == _sent(CASES)

        round_trip_us = min(r["ms"] for r in sequential) / len(texts) * 1000
        inside_us = min(r["insideMs"] for r in sequential) / len(texts) * 1000
        pipelined_us = min(r["ms"] for r in pipelined) / len(texts) * 1000
        heap_after = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        check_env(env)
    finally:
        env.context.close()

    lines = [
        "",
        f"cold boot of Pyodide in the bundle's worker (Chromium, {COLD_BOOTS} fresh contexts, ms)",
        f"  {'':<58}" + " ".join(f"{f'run {i + 1}':>8}" for i in range(COLD_BOOTS)) + f"   {'median':>8}",
    ]
    for label, start, end in BOOT_PHASES:
        values = [b[end] - b[start] for b in boots if start in b and end in b]
        lines.append(f"  {label:<58}{_fmt(values) if len(values) == len(boots) else '   (not observed)'}")
    lines += [
        "",
        f"per message, {len(texts)} device cases (tests/cases/device_cases.json), best of {ROUNDS} (us/message)",
        f"  {'CPython bridge.boundary.handle':<58}{cpython_us:9.1f}",
        f"  {'Pyodide, inside the worker (handle + glue)':<58}{inside_us:9.1f}   x{inside_us / cpython_us:5.1f} CPython",
        f"  {'round trip main -> worker -> Python -> main, one at a time':<58}{round_trip_us:9.1f}   x{round_trip_us / cpython_us:5.1f} CPython",
        f"  {'all posted at once (queue drain)':<58}{pipelined_us:9.1f}   x{pipelined_us / cpython_us:5.1f} CPython",
        "",
        "memory after boot",
        f"  {'page JS heap used / total (CDP Performance.getMetrics)':<58}"
        f"{metrics.get('JSHeapUsedSize', 0) / 2**20:7.1f} / {metrics.get('JSHeapTotalSize', 0) / 2**20:.1f} MiB"
        f"   (after the runs: {heap_after.get('JSHeapUsedSize', 0) / 2**20:.1f} MiB)",
        f"  {'Pyodide WebAssembly memory in the worker':<58}"
        + (f"{worker_memory / 2**20:7.1f} MiB" if worker_memory else "   (not observed)"),
        f"  {'all renderer processes, resident (sum of /proc VmRSS)':<58}"
        + (f"{rss_after / 1024:7.1f} MiB   (before this context: {rss_before / 1024:.1f} MiB)"
           if rss_after is not None and rss_before is not None else "   (not available)"),
    ]
    print("\n".join(lines))
    assert all(b["readySeen"] > b["bootPosted"] for b in boots)
