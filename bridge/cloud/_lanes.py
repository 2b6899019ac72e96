"""Batching into lanes: records partitioned by user, each lane sending its batches one after the other.

A record goes to lane ``hash(user) % lanes``, so one user's records stay in one lane, in input
order, and a lane has at most one request in flight: a user's events reach CleverTap in the order
they were read, while the lanes together keep up to ``lanes`` requests in flight. Each lane holds
the batch being filled and at most one batch waiting, so memory is bounded by about
``3 x lanes x batch size`` records whatever the input's size; the reader waits when a lane is full.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core import JSON

__all__ = ["Batch", "Lanes", "lane_of"]


@dataclass
class Batch:
    """Records (or ids) of one request: ``items[i]`` is JSON text, from input line ``lines[i]``,
    whose message (or id) is ``sources[i]``; ``expanded[i]`` when a transformation made it."""

    lane: int = 0
    lines: list[int] = field(default_factory=list)
    items: list[bytes] = field(default_factory=list)
    sources: list[JSON] = field(default_factory=list)
    expanded: list[bool] = field(default_factory=list)


def lane_of(user: str, lanes: int) -> int:
    """The lane of a user: a stable hash (not Python's, which changes between runs)."""
    return zlib.crc32(user.encode("utf-8", "surrogatepass")) % lanes if lanes > 1 else 0


_DONE = Batch(lane=-1)


class Lanes:
    """``count`` lanes filling batches of up to ``batch_size`` items; ``send(batch)`` runs on the
    lane's own thread (or at once, on the caller's, when ``threads`` is false: a dry run)."""

    def __init__(self, count: int, batch_size: int, send: Callable[[Batch], None], *, threads: bool = True) -> None:
        self._batch_size = batch_size
        self._send = send
        self._filling = [Batch(lane=n) for n in range(count)]
        self._queues: list[queue.Queue[Batch]] = []
        self._threads: list[threading.Thread] = []
        if threads:
            for n in range(count):
                waiting: queue.Queue[Batch] = queue.Queue(maxsize=1)
                worker = threading.Thread(target=self._work, args=(waiting,), name=f"lane-{n}", daemon=True)
                self._queues.append(waiting)
                self._threads.append(worker)
                worker.start()

    def _work(self, waiting: queue.Queue[Batch]) -> None:
        while True:
            batch = waiting.get()
            if batch is _DONE:
                return
            self._send(batch)

    def add(self, lane: int, line: int, items: list[bytes], source: JSON, expanded: bool) -> None:
        """One message's records, kept in one batch: a message that does not fit starts the next one."""
        batch = self._filling[lane]
        if batch.items and len(batch.items) + len(items) > self._batch_size:
            self.dispatch(lane)
            batch = self._filling[lane]
        for item in items:
            batch.lines.append(line)
            batch.items.append(item)
            batch.sources.append(source)
            batch.expanded.append(expanded)

    def dispatch(self, lane: int) -> None:
        batch = self._filling[lane]
        if not batch.items:
            return
        self._filling[lane] = Batch(lane=lane)
        if self._queues:
            self._queues[lane].put(batch)  # waits while the lane has a batch waiting already
        else:
            self._send(batch)

    def take_filling(self) -> list[Batch]:
        """The batches being filled, taken out (to fail them as not sent when the run stops)."""
        taken = [batch for batch in self._filling if batch.items]
        self._filling = [Batch(lane=n) for n in range(len(self._filling))]
        return taken

    def finish(self, *, flush: bool = True) -> None:
        """Send what is being filled (unless ``flush`` is false), then wait for every lane to end."""
        if flush:
            for lane in range(len(self._filling)):
                self.dispatch(lane)
        for waiting in self._queues:
            waiting.put(_DONE)
        for worker in self._threads:
            worker.join()
