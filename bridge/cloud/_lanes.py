"""Batching into lanes: records partitioned by user, each lane sending its batches one after the other.

A record goes to lane ``hash(user) % lanes``, so one user's records stay in one lane, in input
order, and a lane has at most one request in flight: a user's events reach CleverTap in the order
they were read, while the lanes together keep up to ``lanes`` requests in flight. At most
``2 x lanes`` batches are waiting or on the wire, whichever lanes they belong to, and each lane fills
one more, so memory is bounded by ``3 x lanes x batch size`` records whatever the input's size. The
reader waits only when that many are out (not when one lane is behind: a lane that waits for its
answer does not hold the others up).
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Batch", "Lanes", "lane_of"]


@dataclass
class Batch:
    """Records (or ids) of one request: ``items[i]`` is JSON text, from input line ``lines[i]``,
    whose message (or id) is ``sources[i]`` as bytes (parsed again only for a failed-file entry:
    bytes take a fraction of the memory of parsed messages); ``expanded[i]`` when a transformation
    made the message."""

    lane: int = 0
    lines: list[int] = field(default_factory=list)
    items: list[bytes] = field(default_factory=list)
    sources: list[bytes] = field(default_factory=list)
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
        self._room = threading.Semaphore(2 * count)  # batches waiting or on the wire, all lanes together
        if threads:
            for n in range(count):
                waiting: queue.Queue[Batch] = queue.Queue()
                worker = threading.Thread(target=self._work, args=(waiting,), name=f"lane-{n}", daemon=True)
                self._queues.append(waiting)
                self._threads.append(worker)
                worker.start()

    def _work(self, waiting: queue.Queue[Batch]) -> None:
        while True:
            batch = waiting.get()
            if batch is _DONE:
                return
            try:
                self._send(batch)
            finally:
                self._room.release()

    def add(self, lane: int, line: int, items: list[bytes], source: bytes, expanded: bool) -> None:
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
            self._room.acquire()  # waits while 2 x lanes batches are out
            self._queues[lane].put(batch)
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
