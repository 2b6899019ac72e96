"""Benchmark (opt in: ``make bench``): cloud mode's throughput on CPython, and the command's memory.

Prints events per second for the transform alone and for the whole send pipeline (JSON line in,
transform, record JSON out, batches of 1000 bodies built; the HTTP answer is instant), with the
event mix it used, and the peak memory of a streamed run at two sizes: a run ten times longer
must not need more memory. Figures only; the assertions check the work was done.
"""

from __future__ import annotations

import json
import resource
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from cloud_events import MIX, as_sent, message
from conftest import BENCH_SETTINGS

from bridge.cloud import transform
from bridge.cloud._pipeline import Options, Tally, Uploader
from bridge.delivery import HttpRequest, HttpResponse
from bridge.errors import EventError

pytestmark = pytest.mark.bench

CONFIG = {**BENCH_SETTINGS, "passcode": "P", "region": "in1", "trackAnonymous": False, "enableObjectIdMapping": False}


def lines(count: int) -> Iterator[bytes]:
    for n in range(count):
        yield (json.dumps(as_sent(message(n), n)) + "\n").encode()


def instant(request: HttpRequest) -> HttpResponse:
    return HttpResponse(200, b'{"status": "success", "processed": 1, "unprocessed": []}')


def stream(source: Iterator[bytes] | list[bytes]) -> Tally:
    return Uploader(CONFIG, Options(transport=instant)).run(source)


def test_cloud_transform_and_batch_throughput_and_memory() -> None:
    count = 40_000
    messages: list[dict[str, Any]] = [as_sent(message(n), n) for n in range(count)]
    kinds = Counter("Order Completed" if m.get("event") == "Order Completed" else m["type"] for m in messages)
    size = sum(len(json.dumps(m)) for m in messages) / count

    timings = []
    for _ in range(2):
        start = time.perf_counter()
        refused = 0
        for item in messages:
            try:
                transform(item, CONFIG)
            except EventError:
                refused += 1
        timings.append(time.perf_counter() - start)
    transform_rate = count / min(timings)

    text = [(json.dumps(item) + "\n").encode() for item in messages]  # the file's lines, read before timing
    pipeline = []
    for _ in range(2):
        start = time.perf_counter()
        tally = stream(text)
        pipeline.append(time.perf_counter() - start)
    pipeline_rate = count / min(pipeline)
    assert tally.messages == count and tally.rejected == refused and tally.sent == count - refused
    assert tally.requests == -(-tally.sent // 1000)

    peaks = {}
    for events in (10_000, 100_000):
        tracemalloc.start()
        done = stream(lines(events))  # generated one line at a time: only the pipeline holds anything
        peaks[events] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        assert done.messages == events
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"\ncloud mode, CPython: {count} events of {', '.join(MIX)}; "
        f"{', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; {refused} refused by the mapping; "
        f"mean {size:.0f} bytes of JSON with RudderStack's context\n"
        f"transform                {transform_rate:10,.0f} events/s\n"
        f"send pipeline            {pipeline_rate:10,.0f} events/s  (JSON line -> transform -> record JSON -> "
        f"batches of 1000, {tally.requests} bodies, instant answers)\n"
        f"peak traced memory       {peaks[10_000]:8.1f} MiB streaming 10,000 events, {peaks[100_000]:.1f} MiB streaming 100,000\n"
        f"process max RSS          {rss:8.1f} MiB (this pytest process, the 40,000 messages held for timing included)"
    )
