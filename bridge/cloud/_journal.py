"""The journal: which input lines a ``send`` or ``delete`` has settled, kept so that a killed run resumes.

A line is *settled* once it is delivered or written to the failed file (a line with several
records, or several messages after a transformation, once all of them are). The journal is a
JSON-lines file, appended to and never rewritten::

    {"journal": 1, "command": "send", "input": "events.jsonl", "failed": "events.jsonl.failed.jsonl"}
    {"send": 7, "records": 1000, "lines": [12, 3, 1, ...]}     request 7 is about to go out
    {"done": 7, "s": [12, 3, 1, ...], "p": [48213, "<sha256>"]} its answer came; these lines are settled

``lines`` and ``s`` are line numbers, each written as the difference from the one before (most are
small). ``p`` is the size and SHA-256 of the input read so far when the entry was written, which
covers every line settled: a resume hashes the same bytes of its input and refuses a journal made
for other input. A request with a ``send`` entry and no ``done`` was in flight when the run
stopped: CleverTap may have processed it, so its records are the ones a resume may send twice.

Each entry is one ``write`` of a whole line, so a kill leaves whole lines (a torn last line is
dropped when the journal is read). Entries are flushed to the operating system at once and
``fsync``'d at most every ``sync_every`` seconds: a killed process loses nothing, and a machine
that loses power loses at most that much, which a resume then sends again.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import JSON, JSONObject
from ..errors import JournalError

__all__ = ["Journal", "Settled", "InputHash", "encode_lines", "decode_lines"]


def encode_lines(lines: Iterable[int]) -> list[JSON]:
    """Sorted line numbers as differences (the first from 0)."""
    out: list[JSON] = []
    last = 0
    for line in sorted(lines):
        out.append(line - last)
        last = line
    return out


def decode_lines(deltas: JSON) -> list[int]:
    if not isinstance(deltas, list):
        raise ValueError("line list is not a list")
    out, last = [], 0
    for delta in deltas:
        if not isinstance(delta, int) or isinstance(delta, bool):
            raise ValueError("line number is not an integer")
        last += delta
        out.append(last)
    return out


class Settled:
    """A set of line numbers kept small: every line up to ``below`` and the ones above it."""

    def __init__(self) -> None:
        self.below = 0
        self._above: set[int] = set()

    def add(self, line: int) -> None:
        if line <= self.below:
            return
        self._above.add(line)
        while self.below + 1 in self._above:
            self.below += 1
            self._above.discard(self.below)

    def __contains__(self, line: int) -> bool:
        return line <= self.below or line in self._above

    def __len__(self) -> int:
        return self.below + len(self._above)


class InputHash:
    """The SHA-256 of the input read so far, updated line by line (``checkpoint`` is read by other threads)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.size = 0
        self.checkpoint: tuple[int, str] = (0, self._hash.hexdigest())

    def update(self, raw: bytes) -> None:
        self._hash.update(raw)
        self.size += len(raw)
        self.checkpoint = (self.size, self._hash.hexdigest())


@dataclass
class Resume:
    """What an earlier run's journal says: the lines settled, the failed file it wrote, and the
    requests that were in flight when it stopped (records they carried, and their lines)."""

    settled: Settled = field(default_factory=Settled)
    failed: str | None = None
    in_flight_requests: int = 0
    in_flight_records: int = 0
    in_flight_lines: list[int] = field(default_factory=list)


def _prefix_matches(source: Path, size: int, digest: str) -> bool:
    hashed = hashlib.sha256()
    left = size
    with source.open("rb") as fh:
        while left > 0:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                return False
            hashed.update(chunk)
            left -= len(chunk)
    return hashed.hexdigest() == digest


def read_journal(path: Path, source: Path, command: str) -> Resume:
    """The earlier run's journal at ``path``, checked against ``source``; JournalError when it is not
    a journal of ``command`` or was written for other input."""
    resume = Resume()
    flight: dict[int, tuple[int, list[int]]] = {}
    prefix: tuple[int, str] | None = None
    try:
        text = path.read_bytes()
    except OSError as error:
        raise JournalError(f"--journal: cannot read {path}: {error.strerror or error}") from None
    entries = text.split(b"\n")
    if entries and entries[-1]:
        entries = entries[:-1]  # a torn last line: the entry was never complete
    for number, raw in enumerate(entries, 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            if number == 1:
                if entry.get("journal") != 1 or entry.get("command") != command:
                    raise JournalError(f"--journal: {path} is not a journal of clevertap-bridge {command}")
                failed = entry.get("failed")
                resume.failed = failed if isinstance(failed, str) else None
                continue
            if "send" in entry:
                request, records = entry["send"], entry.get("records", 0)
                if not isinstance(request, int) or not isinstance(records, int):
                    raise ValueError("send entry")
                flight[request] = (records, decode_lines(entry.get("lines", [])))
            if "s" in entry:
                for line in decode_lines(entry["s"]):
                    resume.settled.add(line)
            if "done" in entry:
                done = entry["done"]
                if isinstance(done, int):
                    flight.pop(done, None)
            if "p" in entry:
                p = entry["p"]
                if not (isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) and isinstance(p[1], str)):
                    raise ValueError("p entry")
                prefix = (p[0], p[1])
        except JournalError:
            raise
        except (ValueError, KeyError) as error:
            raise JournalError(f"--journal: {path}: line {number} is not a journal entry ({error})") from None
    if prefix is not None and not _prefix_matches(source, *prefix):
        raise JournalError(f"--journal: {path} was written for other input: the first {prefix[0]} bytes of "
                           f"{source} are not the ones it settled; name another journal to start afresh")
    # Requests in flight whose lines all settled later (a resume after a resume) sent nothing twice.
    for records, lines in flight.values():
        if any(line not in resume.settled for line in lines) or not lines:
            resume.in_flight_requests += 1
            resume.in_flight_records += records
            resume.in_flight_lines.extend(lines)
    resume.in_flight_lines.sort()
    return resume


class Journal:
    """The journal being written (thread-safe): ``sending`` before a request, ``settle`` after it."""

    def __init__(self, path: Path, *, command: str, input_name: str, failed: str | None, fresh: bool,
                 source_hash: InputHash, sync_every: float = 0.5) -> None:
        self.path = path
        self._hash = source_hash
        self._sync_every = sync_every
        self._lock = threading.Lock()
        self._pending: list[int] = []
        self._last_sync = time.monotonic()
        self._next_request = 0
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if fresh else 0)
            self._fd = os.open(path, flags, 0o644)
        except OSError as error:
            raise JournalError(f"--journal: cannot write {path}: {error.strerror or error}") from None
        if not fresh:
            self._repair()
        else:
            self._write({"journal": 1, "command": command, "input": input_name, "failed": failed})
            self._sync()

    def _repair(self) -> None:
        # A kill may have torn the last entry: cut it off so the next one starts on its own line.
        with self.path.open("rb") as fh:
            data = fh.read()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            os.truncate(self.path, end)

    def _write(self, entry: JSONObject) -> None:
        os.write(self._fd, json.dumps(entry, separators=(",", ":")).encode("ascii") + b"\n")
        if time.monotonic() - self._last_sync >= self._sync_every:
            self._sync()

    def _sync(self) -> None:
        os.fsync(self._fd)
        self._last_sync = time.monotonic()

    def sending(self, records: int, lines: Iterable[int]) -> int:
        """Note a request about to go out; returns its number for :meth:`settle`."""
        with self._lock:
            request = self._next_request
            self._next_request += 1
            self._write({"send": request, "records": records, "lines": encode_lines(set(lines))})
            return request

    def settle(self, lines: Iterable[int], request: int | None = None, *, now: bool = True) -> None:
        """Lines settled (and the request answered, if given). Lines settled without a request
        (refused by the mapping, blank) may wait for the next entry unless ``now``."""
        with self._lock:
            self._pending.extend(lines)
            if request is None and not now and len(self._pending) < 1000:
                return
            entry: JSONObject = {}
            if request is not None:
                entry["done"] = request
            if self._pending:
                entry["s"] = encode_lines(self._pending)
                size, digest = self._hash.checkpoint
                entry["p"] = [size, digest]
                self._pending = []
            if entry:
                self._write(entry)

    def close(self) -> None:
        self.settle([], None)
        with self._lock:
            self._sync()
            os.close(self._fd)
