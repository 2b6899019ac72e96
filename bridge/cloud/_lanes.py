"""Batching into lanes: records grouped by user, each lane sending its batches one after the other.

A user is held by one lane while any of its records is in that lane (filling, waiting or on the
wire), so one user's records stay in one lane, in input order, and a lane has at most one request
in flight: a user's events reach CleverTap in the order they were read, while the lanes together
keep up to ``lanes`` requests in flight. A user with nothing in a lane goes to the lane with the
fewest records: lanes fill evenly whatever the users' ids (a fixed hash of the id left some lanes
a request longer than others, and the busiest lane sets the end of a run). What is held is only
what is in the lanes, so memory stays bounded. At most ``2 x lanes`` batches are waiting or on the
wire, whichever lanes they belong to, and each lane fills one more, so memory is bounded by
``3 x lanes x batch size`` records whatever the input's size. The reader waits only when that many
are out (not when one lane is behind: a lane that waits for its answer does not hold the others up).
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
    users: list[str] = field(default_factory=list)


def lane_of(user: str, lanes: int) -> int:
    """A stable hash of a user to a lane (not Python's, which changes between runs): a way to split
    an input by user between processes (:class:`Lanes` places users by load instead)."""
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
        # user -> [its lane, its records in that lane]; records in each lane: both under _held_lock.
        self._held: dict[str, list[int]] = {}
        self._load = [0] * count
        self._held_lock = threading.Lock()
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
                self._release(batch)
                self._room.release()

    def _release(self, batch: Batch) -> None:
        """A batch is answered (or given up): its users may go to another lane now."""
        held = self._held
        with self._held_lock:
            self._load[batch.lane] -= len(batch.users)
            for user in batch.users:
                entry = held[user]
                entry[1] -= 1
                if entry[1] == 0:
                    del held[user]

    def lane_for(self, user: str, records: int) -> int:
        """The lane that holds ``user``, or the least loaded one, which then holds it for ``records`` more."""
        with self._held_lock:
            entry = self._held.get(user)
            if entry is None:
                load = self._load
                lane = load.index(min(load))
                self._held[user] = [lane, records]
            else:
                lane = entry[0]
                entry[1] += records
            self._load[lane] += records
            return lane

    def add(self, user: str, line: int, items: list[bytes], source: bytes, expanded: bool) -> None:
        """One message's records, kept in one batch of the user's lane: a message that does not fit
        starts the next one."""
        lane = self.lane_for(user, len(items))
        batch = self._filling[lane]
        if batch.items and len(batch.items) + len(items) > self._batch_size:
            self.dispatch(lane)
            batch = self._filling[lane]
        for item in items:
            batch.lines.append(line)
            batch.items.append(item)
            batch.sources.append(source)
            batch.expanded.append(expanded)
            batch.users.append(user)

    def dispatch(self, lane: int) -> None:
        batch = self._filling[lane]
        if not batch.items:
            return
        self._filling[lane] = Batch(lane=lane)
        if self._queues:
            self._room.acquire()  # waits while 2 x lanes batches are out
            self._queues[lane].put(batch)
        else:
            try:
                self._send(batch)
            finally:
                self._release(batch)

    def take_filling(self) -> list[Batch]:
        """The batches being filled, taken out (to fail them as not sent when the run stops)."""
        taken = [batch for batch in self._filling if batch.items]
        self._filling = [Batch(lane=n) for n in range(len(self._filling))]
        for batch in taken:
            self._release(batch)
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
