"""Streaming delivery: what ``clevertap-bridge send`` and ``delete`` run.

Input lines are read one at a time (:mod:`._input`), each message mapped by :func:`bridge.cloud.transform`
(after the optional :data:`Expand` step, a transformation), its records put in the lane of its user
(:mod:`._lanes`) and sent by that lane through the one retry loop (:func:`._delivery.deliver`), up to
``concurrency`` requests at once within the window CleverTap's 429s leave (:class:`._delivery.Window`).

Every input line ends *settled*, in exactly one place: delivered, or in the failed file saying why
(:mod:`._failed`); the journal (:mod:`._journal`) records which lines are settled, so that a run
killed at any point resumes where it was. What each answer means is :func:`._delivery.classify`'s:

- The mapping refuses a message (or the line is not JSON): failed, with the EventError's status.
- No answer, 5xx or 429: sent again after a jittered backoff (Retry-After honoured), a bounded number
  of times; then failed with the last reason. A timed-out request may have been processed: retrying
  it is at-least-once (``retry_timeouts=False`` fails it instead, at-most-once).
- Any other 4xx, or a 2xx that says ``fail``: failed, not retried; 401 and 403 stop the run and what
  was not sent is failed as "not sent".
- A 2xx with ``unprocessed`` entries: nothing is sent again; each entry is matched to its record
  ("Skipped record number : N", checked against the echoed ``record``), and that line is failed.
- ``stop()`` (Ctrl-C) ends the run after the requests in flight: what was not sent is failed as
  "not sent: interrupted", so nothing is lost.

A failed-file line is ``{"message": <the message>, "reason": "...", "status" or "code": ..., "line": <input
line>}`` (``"transformed": true`` when the message is a transformation's output); ``send`` reads such
lines back as their message. ``delete`` writes ``{"userId": ..., "reason": ..., "line": ...}``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from ..core import JSON, CloudConfig, JSONObject, Settings
from ..errors import EventError
from ._deletion import DELETE_BATCH_SIZE, plan_user_deletion
from ._delivery import (
    HttpRequest,
    Outcome,
    PooledTransport,
    RetryPolicy,
    Transport,
    Window,
    deliver,
    http_request,
)
from ._input import Incoming, dumps, read_id, read_message
from ._journal import InputHash, Journal, Resume
from ._lanes import Batch, Lanes, lane_of
from ._router import MAX_BATCH_RECORDS
from ._summary import Tally
from ._upload import records_of, request_headers, transform, upload_endpoint

__all__ = [
    "Tally",
    "Options",
    "Expansion",
    "Expand",
    "Uploader",
    "Deleter",
    "cloud_config",
    "match_unprocessed",
    "read_message",
    "interruptible_sleep",
    "mask_headers",
    "MAX_CONCURRENCY",
    "DEFAULT_CONCURRENCY",
]

# CleverTap allows 15 concurrent requests per account (more get HTTP 429).
MAX_CONCURRENCY = 15
# The command line's default: about half the account's limit, so that one backfill reaches ~8x the
# throughput of one request at a time and leaves room for the account's other senders.
DEFAULT_CONCURRENCY = 8
_SKIPPED = re.compile(r"Skipped record number\s*:\s*(\d+)")
_MASK = "********"


def cloud_config(settings: Settings) -> JSONObject:
    """The destination config bridge.cloud reads, from a :class:`bridge.settings.Settings`."""
    return {
        "accountId": settings.account_id,
        "passcode": settings.passcode,
        "region": settings.region,
        "trackAnonymous": settings.track_anonymous,
        "enableObjectIdMapping": settings.enable_object_id_mapping,
    }


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """The headers with the passcode's value masked, for printing."""
    return {k: (_MASK if k.lower() == "x-clevertap-passcode" else v) for k, v in headers.items()}


def interruptible_sleep(seconds: float, stop: Callable[[], bool], slice_: float = 0.1) -> None:
    """Sleep up to ``seconds``, returning early once ``stop()`` is true (checked every ``slice_``)."""
    end = time.monotonic() + seconds
    while not stop():
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(slice_, left))


def match_unprocessed(entries: Sequence[JSON], records: Sequence[bytes]) -> tuple[dict[int, JSONObject], list[JSON]]:
    """CleverTap's ``unprocessed`` entries matched to record indexes (0-based) of the batch sent.

    An entry names its record as "Skipped record number : N" (1-based) and echoes it in ``record``.
    The number is taken unless the echo contradicts it and equals another record not yet matched.
    Returns the matches and the entries that match nothing.
    """
    matched: dict[int, JSONObject] = {}
    unmatched: list[JSON] = []
    parsed: list[JSON] | None = None
    for entry in entries:
        if not isinstance(entry, dict):
            unmatched.append(entry)
            continue
        index: int | None = None
        number = _SKIPPED.search(str(entry.get("error", "")))
        if number:
            candidate = int(number.group(1)) - 1
            if 0 <= candidate < len(records) and candidate not in matched:
                index = candidate
        if "record" in entry:
            parsed = parsed if parsed is not None else [json.loads(r) for r in records]
            if index is None or parsed[index] != entry["record"]:
                same = [i for i, record in enumerate(parsed) if i not in matched and record == entry["record"]]
                if same:
                    index = same[0]
        if index is None:
            unmatched.append(entry)
        else:
            matched[index] = entry
    return matched, unmatched


# -- the transformation hook ----------------------------------------------------------------------

@dataclass(frozen=True)
class Expansion:
    """What a transformation made of one input message: ``messages`` to map and send (none: the
    line is filtered out), or ``error`` (the line goes to the failed file with that reason), and
    ``warnings`` to count."""

    messages: Sequence[JSONObject] = ()
    error: str | None = None
    warnings: Sequence[str] = ()


class Expand(Protocol):
    """A step run on input messages before the mapping: one :class:`Expansion` per message, in order.

    It is given several messages at once (up to ``EXPAND_CHUNK``), as RudderStack's transformBatch is."""

    def __call__(self, messages: Sequence[JSONObject], /) -> Sequence[Expansion]: ...


EXPAND_CHUNK = 64


def _discard(entries: Sequence[JSONObject]) -> None:
    pass


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Options:
    """How a run sends. ``on_failure`` gets the failed-file entries of one input line at a time;
    ``journal`` and ``resume`` make a run resumable; ``expand`` is the transformation step."""

    on_failure: Callable[[Sequence[JSONObject]], None] = _discard
    transport: Transport | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] | None = None
    stop: Callable[[], bool] = _never
    retry_timeouts: bool = True
    timeout: float = 30.0
    concurrency: int = 1
    batch_size: int = MAX_BATCH_RECORDS
    dry_run: TextIO | None = None
    progress: Callable[[Tally], None] | None = None
    base_url: str | None = None
    journal: Journal | None = None
    resume: Resume | None = None
    source_hash: InputHash | None = None
    expand: Expand | None = None
    on_warning: Callable[[int, str], None] | None = None


@dataclass
class _Open:
    """An input line not yet settled: records not yet delivered or failed, and its failures so far."""

    pending: int = 0
    ended: bool = False
    failures: list[JSONObject] = field(default_factory=list)


class _Run:
    """What ``send`` and ``delete`` share: reading, lanes, sending, settling, stopping."""

    max_batch = MAX_BATCH_RECORDS

    def __init__(self, options: Options, url: str, headers: dict[str, str]) -> None:
        if not 1 <= options.concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency {options.concurrency} is not between 1 and {MAX_CONCURRENCY}")
        if not 1 <= options.batch_size <= self.max_batch:
            raise ValueError(f"batch size {options.batch_size} is not between 1 and {self.max_batch}")
        self.options = options
        self.url, self._headers = url, headers
        self.tally = Tally(concurrency=options.concurrency, window_smallest=options.concurrency,
                           window_size=options.concurrency, in_flight_limit=options.concurrency * options.batch_size)
        self._stop = options.stop
        self._sleep = options.sleep or (lambda seconds: interruptible_sleep(seconds, self._stopping))
        self._window = Window(options.concurrency)
        self._lock = threading.RLock()
        self._open: dict[int, _Open] = {}
        self._on_wire: set[int] = set()
        self._fatal = ""
        self._aborted = False
        self._owned_transport: PooledTransport | None = None
        self._transport = options.transport
        self._hash = options.source_hash or InputHash()
        resume = options.resume
        if resume is not None:
            self.tally.maybe_twice_records = resume.in_flight_records
            self.tally.maybe_twice_requests = resume.in_flight_requests
        if options.journal is not None:
            self.tally.journal = str(options.journal.path)

    # -- stopping -----------------------------------------------------------------------------

    def _stopping(self) -> bool:
        if self._fatal or self._aborted:
            return True
        if self._stop():
            self.tally.stopped = self.tally.stopped or "interrupted"
            return True
        return False

    def _not_sent_reason(self) -> str:
        return f"not sent: {self._fatal or 'interrupted'}"

    # -- settling ------------------------------------------------------------------------------

    def _begin(self, line: int) -> _Open:
        state = _Open()
        with self._lock:
            self._open[line] = state
        return state

    def _end(self, line: int) -> None:
        with self._lock:
            state = self._open.get(line)
            if state is None:
                return
            state.ended = True
            if state.pending == 0:
                self._settle_lines([line], None)

    def _settle_lines(self, lines: Iterable[int], request: int | None) -> None:
        """Lines whose every record is delivered or failed: their failures written, the journal told.
        Called with the lock held."""
        settled = []
        for line in lines:
            state = self._open.pop(line, None)
            if state is None:
                continue
            settled.append(line)
            self._forget(line)
            if state.failures:
                self.tally.failed_lines += len(state.failures)
                self.options.on_failure(state.failures)
        journal = self.options.journal
        if journal is not None and (settled or request is not None):
            journal.settle(settled, request, now=request is not None)

    def _record_outcomes(self, batch: Batch, failures: dict[int, JSONObject], request: int | None) -> None:
        """The batch's records: failed where ``failures`` says so (by index), delivered otherwise."""
        with self._lock:
            if self._aborted:
                return
            done: list[int] = []
            for index, line in enumerate(batch.lines):
                state = self._open.get(line)
                if state is None:
                    continue
                state.pending -= 1
                if index in failures:
                    state.failures.append(failures[index])
                if state.pending == 0 and state.ended:
                    done.append(line)
            self._settle_lines(dict.fromkeys(done), request)

    def _fail_line(self, line: int, entry: JSONObject) -> None:
        with self._lock:
            state = self._open.get(line)
            if state is not None:
                state.failures.append(entry)

    # -- sending -------------------------------------------------------------------------------

    def _entry(self, batch: Batch, index: int, reason: str, extra: JSONObject) -> JSONObject:
        raise NotImplementedError

    def _body(self, items: list[bytes]) -> bytes:
        raise NotImplementedError

    def _send(self, batch: Batch) -> None:
        """One lane's request for ``batch``, to its end; then its records settled."""
        if self._stopping():
            self._fail_batch(batch, self._not_sent_reason(), {}, not_sent=True)
            return
        request = HttpRequest(self.url, self._headers, self._body(batch.items), self.options.timeout)
        if self.options.dry_run is not None:
            self._print_request(request)
            with self._lock:
                self.tally.sent += len(batch.items)
            self._record_outcomes(batch, {}, None)
            return
        journal = self.options.journal
        number = journal.sending(len(batch.items), batch.lines) if journal is not None else None
        with self._lock:
            self._on_wire.update(batch.lines)
        outcome = deliver(request, self._transport_now(), self.options.policy, self._sleep, stop=self._stopping,
                          gate=self._window, retry_timeouts=self.options.retry_timeouts, on_try=self._count_try)
        with self._lock:
            self._on_wire.difference_update(batch.lines)
            self.tally.retries += max(0, outcome.attempts - 1)
        self._settle_batch(batch, outcome, number)

    def _transport_now(self) -> Transport:
        if self._transport is None:
            with self._lock:
                if self._transport is None:
                    self._owned_transport = PooledTransport(self.options.concurrency)
                    self._transport = self._owned_transport
        return self._transport

    def _count_try(self) -> None:
        with self._lock:
            self.tally.requests += 1

    def _print_request(self, request: HttpRequest) -> None:
        assert self.options.dry_run is not None
        with self._lock:
            self.tally.requests += 1
            head = json.dumps({"method": "POST", "url": request.url, "headers": mask_headers(request.headers)},
                              ensure_ascii=False)
            self.options.dry_run.write(head[:-1] + ',"body":' + request.body.decode("utf-8") + "}\n")

    def _failure_reason(self, outcome: Outcome) -> tuple[str, JSONObject]:
        """The reason and status fields for a request that ended without a usable answer."""
        tries = f"{outcome.attempts} {'try' if outcome.attempts == 1 else 'tries'}"
        answer = outcome.answer
        if answer is None:
            if outcome.timed_out and (outcome.interrupted or not self.options.retry_timeouts):
                what = "not resent" if not outcome.interrupted else "then interrupted"
                return (f"timed out ({outcome.error}) after {tries}, {what}: CleverTap may have processed it", {})
            last = f"no answer after {tries}: {outcome.error}"
            return (f"not sent: interrupted ({last})" if outcome.interrupted else last), {}
        fields: JSONObject = {"status": answer.status}
        if answer.code is not None:
            fields["code"] = answer.code
        last = f"HTTP {answer.status} after {tries}" + (f": {answer.text}" if answer.text else "")
        if outcome.interrupted:
            return f"not sent: interrupted ({last})", fields
        if answer.fatal:
            with self._lock:
                self._fatal = f"CleverTap refused the account's credentials (HTTP {answer.status})"
                self.tally.stopped = self._fatal
        return last, fields

    def _settle_batch(self, batch: Batch, outcome: Outcome, number: int | None) -> None:
        answer = outcome.answer
        if outcome.attempts == 0:  # stopped while waiting for room in the window: never sent
            self._fail_batch(batch, self._not_sent_reason(), {}, not_sent=True, number=number)
        elif answer is None or answer.kind == "retry" or outcome.interrupted:
            reason, fields = self._failure_reason(outcome)
            # Stopped between tries: not sent, unless the last try timed out (then maybe processed).
            self._fail_batch(batch, reason, fields, not_sent=outcome.interrupted and not outcome.timed_out, number=number)
        elif answer.kind == "success":
            with self._lock:
                self.tally.sent += len(batch.items)
            self._record_outcomes(batch, {}, number)
        elif answer.kind == "partial":
            self._partial(batch, answer.unprocessed, number)
        elif answer.kind == "refused":
            reason, fields = self._failure_reason(outcome)
            if 200 <= answer.status < 300:
                reason = f"CleverTap answered fail: {answer.text}"
            self._fail_batch(batch, reason, fields, number=number)
        else:  # unknown: a 2xx that is not CleverTap's answer; CleverTap may have processed it
            self._fail_batch(batch, f"HTTP {answer.status} with {answer.text}: not resent, CleverTap may have "
                                    "processed it", {"status": answer.status}, number=number)

    def _partial(self, batch: Batch, unprocessed: Sequence[JSON], number: int | None) -> None:
        raise NotImplementedError

    def _fail_batch(self, batch: Batch, reason: str, fields: JSONObject, *, not_sent: bool = False,
                    number: int | None = None) -> None:
        with self._lock:
            if self._aborted:
                return
            if not_sent:
                self.tally.not_sent += len(dict.fromkeys(batch.lines))
            else:
                self.tally.failed += len(batch.items)
        failures = {index: self._entry(batch, index, reason, fields) for index in range(len(batch.items))}
        self._record_outcomes(batch, failures, number)

    # -- reading -------------------------------------------------------------------------------

    def _take(self, chunk: list[Incoming]) -> None:
        raise NotImplementedError

    def run(self, lines: Iterable[bytes | str]) -> Tally:
        """Send every line of ``lines``; blank lines and lines an earlier run settled are skipped."""
        settled = self.options.resume.settled if self.options.resume is not None else None
        self._lanes = Lanes(self.options.concurrency, self.options.batch_size, self._send,
                            threads=self.options.dry_run is None)
        numbered: Iterator[tuple[int, bytes | str]] = enumerate(lines, 1)
        chunk: list[Incoming] = []
        size = EXPAND_CHUNK if self.options.expand is not None else 1
        try:
            try:
                for line, raw in numbered:
                    data = raw if isinstance(raw, bytes) else (raw + "\n").encode("utf-8")
                    self._hash.update(data)
                    self.tally.last_line = line
                    self.tally.bytes_read += len(data)
                    if not data.strip():
                        continue
                    self.tally.messages += 1
                    if settled is not None and line in settled:
                        self.tally.skipped += 1
                        continue
                    if self._stopping():
                        self._not_sent_line(line, data)
                        break
                    chunk.append(Incoming(line, data))
                    if len(chunk) >= size:
                        self._take(chunk)
                        chunk = []
                    if self.tally.messages % 1000 == 0:
                        self._report()
                if chunk and not self._stopping():
                    self._take(chunk)
                    chunk = []
            finally:
                stopping = self._stopping()
                for batch in self._lanes.take_filling() if stopping else []:
                    self._fail_batch(batch, self._not_sent_reason(), {}, not_sent=True)
                for item in chunk:
                    self._not_sent_line(item.line, item.raw)
            if self._stopping():
                for line, raw in numbered:
                    data = raw if isinstance(raw, bytes) else (raw + "\n").encode("utf-8")
                    self._hash.update(data)  # the journal's checksum covers every line it settles
                    self.tally.last_line = line
                    self.tally.bytes_read += len(data)
                    if data.strip():
                        self.tally.messages += 1
                        if settled is not None and line in settled:
                            self.tally.skipped += 1
                        else:
                            self._not_sent_line(line, data)
            self._lanes.finish()
        except KeyboardInterrupt:
            self._abort()
        finally:
            if self._owned_transport is not None and not self._aborted:
                self._owned_transport.close()
        self.tally.window_narrowed = self._window.narrowed
        self.tally.window_widened = self._window.widened
        self.tally.window_smallest = self._window.smallest
        self.tally.window_size = self._window.size
        self._report()
        return self.tally

    def _abort(self) -> None:
        """A second Ctrl-C: out now. Every open line is failed: the ones on the wire as maybe processed."""
        with self._lock:
            self._aborted = True
            self.tally.stopped = f"aborted; input after line {self.tally.last_line} was not read"
            lines = sorted(self._open)
            for line in lines:
                state = self._open[line]
                on_wire = line in self._on_wire
                reason = ("interrupted while in flight: CleverTap may have processed it" if on_wire
                          else self._not_sent_reason())
                if not on_wire:
                    self.tally.not_sent += 1
                state.failures.append(self._line_entry(line, reason))
            self._settle_lines(lines, None)

    def _line_entry(self, line: int, reason: str) -> JSONObject:
        raise NotImplementedError

    def _forget(self, line: int) -> None:
        """A line is settled: drop what was kept for its failed-file entries."""

    def _not_sent_line(self, line: int, raw: bytes) -> None:
        raise NotImplementedError

    def _report(self) -> None:
        if self.options.progress is not None:
            self.options.progress(self.tally)


class Uploader(_Run):
    """``send``: JSON lines of RudderStack messages to CleverTap's upload API, accounted per input line."""

    def __init__(self, config: Mapping[str, object], options: Options | None = None) -> None:
        options = options or Options()
        base = http_request(upload_endpoint(config), request_headers(config), {}, options.base_url, options.timeout)
        super().__init__(options, base.url, base.headers)
        self._config = CloudConfig.from_config(config)  # read once, not for every message
        self._messages: dict[int, bytes] = {}  # each open line as read, for its failed-file entry

    def _body(self, items: list[bytes]) -> bytes:
        return b'{"d":[' + b",".join(items) + b"]}"

    def _entry(self, batch: Batch, index: int, reason: str, extra: JSONObject) -> JSONObject:
        entry: JSONObject = {"message": _message_of(batch.sources[index]), "reason": reason, **extra,
                             "line": batch.lines[index]}
        if batch.expanded[index]:
            entry["transformed"] = True
        return entry

    def _line_message(self, line: int) -> JSON:
        raw = self._messages.get(line)
        return _message_of(raw) if raw is not None else None

    def _line_entry(self, line: int, reason: str) -> JSONObject:
        return {"message": self._line_message(line), "reason": reason, "line": line}

    def _forget(self, line: int) -> None:
        self._messages.pop(line, None)

    def _not_sent_line(self, line: int, raw: bytes) -> None:
        try:
            message: JSON = read_message(raw).message
        except ValueError:
            message = raw.decode("utf-8", "replace").rstrip("\r\n")
        with self._lock:
            self.tally.not_sent += 1
        self._begin(line).failures.append({"message": message, "reason": self._not_sent_reason(), "line": line})
        self._end(line)

    def _take(self, chunk: list[Incoming]) -> None:
        parsed: list[tuple[Incoming, JSONObject, bool]] = []
        for item in chunk:
            state = self._begin(item.line)
            try:
                read = read_message(item.raw)
            except ValueError as error:
                text = item.raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tally.rejected += 1
                state.failures.append({"message": text, "reason": f"not a JSON message: {error}", "status": 400,
                                       "line": item.line})
                self._end(item.line)
                continue
            message = read.message if isinstance(read.message, dict) else {}
            # A failed-file line read back keeps only its message: store that, not the wrapper.
            self._messages[item.line] = item.raw if b'"reason"' not in item.raw else dumps(read.message)
            parsed.append((item, message, read.transformed))
        expand = self.options.expand
        to_expand = [message for _, message, transformed in parsed if not transformed]
        expansions = list(expand(to_expand)) if expand is not None and to_expand else []
        if len(expansions) != (len(to_expand) if expand is not None else 0):
            raise ValueError(f"the transformation gave {len(expansions)} results for {len(to_expand)} messages")
        results = iter(expansions)
        for item, message, transformed in parsed:
            if expand is None or transformed:
                self._map(item.line, [message], transformed)
            else:
                self._apply(item.line, next(results))
            self._end(item.line)

    def _apply(self, line: int, expansion: Expansion) -> None:
        for warning in expansion.warnings:
            self.tally.warnings += 1
            if self.options.on_warning is not None:
                self.options.on_warning(line, warning)
        if expansion.error is not None:
            self.tally.rejected += 1
            self._fail_line(line, {"message": self._line_message(line), "reason": f"transformation: {expansion.error}",
                                   "line": line})
        elif not expansion.messages:
            self.tally.filtered += 1
        else:
            self._map(line, list(expansion.messages), True)

    def _map(self, line: int, messages: list[JSONObject], expanded: bool) -> None:
        for message in messages:
            try:
                outputs = transform(message, self._config)
                records = [dumps(record) for output in outputs for record in records_of(output)]
            except EventError as error:
                self._reject(line, message, str(error), error.status_code, expanded)
                continue
            except Exception as error:  # as bridge.cloud.route does: one bad message never stops the rest
                self._reject(line, message, str(error) or type(error).__name__, 500, expanded)
                continue
            if not records:
                continue
            first = records_of(outputs[0])[0] if outputs else None
            with self._lock:
                self._open[line].pending += len(records)
            self.tally.records += len(records)
            source = dumps(message) if expanded else self._messages[line]
            self._lanes.add(lane_of(_user_of(first), self.options.concurrency), line, records, source, expanded)

    def _reject(self, line: int, message: JSONObject, reason: str, status: int, expanded: bool) -> None:
        self.tally.rejected += 1
        entry: JSONObject = {"message": message, "reason": reason, "status": status, "line": line}
        if expanded:
            entry["transformed"] = True
        self._fail_line(line, entry)

    def _partial(self, batch: Batch, unprocessed: Sequence[JSON], number: int | None) -> None:
        matched, unmatched = match_unprocessed(unprocessed, batch.items)
        failures: dict[int, JSONObject] = {}
        for index, entry in matched.items():
            error = entry.get("error") or entry.get("status") or "unprocessed"
            failures[index] = self._entry(batch, index, str(error), {"code": entry.get("code")})
        with self._lock:
            # An entry that names no record still stands for one record that did not arrive.
            self.tally.sent += max(0, len(batch.items) - len(matched) - len(unmatched))
            self.tally.unprocessed += len(matched) + len(unmatched)
            for stray in unmatched:
                described: JSONObject = stray if isinstance(stray, dict) else {"error": stray}
                self.tally.failed_lines += 1
                self.options.on_failure([{"message": None, "reason": "CleverTap skipped a record it did not identify: "
                                          f"{described.get('error')}", "code": described.get("code"),
                                          "record": described.get("record")}])
        self._record_outcomes(batch, failures, number)


def _message_of(raw: bytes) -> JSON:
    try:
        return read_message(raw).message
    except ValueError:
        return raw.decode("utf-8", "replace").rstrip("\r\n")


def _user_of(record: JSON) -> str:
    """The user a record belongs to, for its lane: identity, objectId, or the profile's identity."""
    if isinstance(record, dict):
        for key in ("identity", "objectId"):
            if record.get(key) is not None:
                return str(record[key])
        profile = record.get("profileData")
        if isinstance(profile, dict) and profile.get("identity") is not None:
            return str(profile["identity"])
    return ""


class Deleter(_Run):
    """``delete``: user ids to CleverTap's profile deletion API, 100 a request, accounted per id."""

    max_batch = DELETE_BATCH_SIZE

    def __init__(self, config: Mapping[str, object], options: Options | None = None) -> None:
        options = options or Options(batch_size=DELETE_BATCH_SIZE)
        if options.batch_size > DELETE_BATCH_SIZE:
            options = dataclasses.replace(options, batch_size=DELETE_BATCH_SIZE)
        probe: list[JSONObject] = [{"userId": "-"}]
        [planned] = plan_user_deletion(probe, config)  # refuses a config without credentials
        base = http_request(planned["endpoint"], planned["headers"], {}, options.base_url, options.timeout)
        super().__init__(options, base.url, base.headers)
        self.deleted = 0

    def _body(self, items: list[bytes]) -> bytes:
        return b'{"identity":[' + b",".join(items) + b"]}"

    def _entry(self, batch: Batch, index: int, reason: str, extra: JSONObject) -> JSONObject:
        return {"userId": batch.sources[index].decode("utf-8"), "reason": reason, **extra, "line": batch.lines[index]}

    def _line_entry(self, line: int, reason: str) -> JSONObject:
        return {"userId": None, "reason": reason, "line": line}

    def _not_sent_line(self, line: int, raw: bytes) -> None:
        with self._lock:
            self.tally.not_sent += 1
        self._begin(line).failures.append({"userId": read_id(raw), "reason": self._not_sent_reason(), "line": line})
        self._end(line)

    def _take(self, chunk: list[Incoming]) -> None:
        for item in chunk:
            user_id = read_id(item.raw)
            state = self._begin(item.line)
            state.pending = 1
            self.tally.records += 1
            self._lanes.add(lane_of(user_id, self.options.concurrency), item.line, [dumps(user_id)],
                            user_id.encode("utf-8"), False)
            self._end(item.line)

    def _partial(self, batch: Batch, unprocessed: Sequence[JSON], number: int | None) -> None:
        # The deletion API names no skipped ids: a 2xx listing some fails the whole request, as "fail" does.
        self._fail_batch(batch, f"CleverTap answered with {len(unprocessed)} unprocessed entries", {}, number=number)
