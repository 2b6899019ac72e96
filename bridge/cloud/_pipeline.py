"""Streaming, per-record delivery: what ``clevertap-bridge send`` and ``delete`` run (standard library only).

JSON lines go in one at a time; each message is transformed by :func:`bridge.cloud.transform`, its
records packed in input order into batches of at most 1000 (the router's rule, reference §13: a
message whose records do not fit starts the next batch), and each batch is posted to
``<base>/1/upload``. Memory holds one batch, whatever the size of the input.

Every message read ends in exactly one place: delivered, or a line of the failed file saying why.

- The mapping refuses it (or the line is not JSON): failed, with the EventError's status.
- No answer (network error, dropped connection, timeout), 5xx or 429: the batch is sent again after
  an exponential, jittered backoff (Retry-After honoured), a bounded number of times; then its
  messages are failed with the last reason. A timed-out request may have been processed: retrying
  it is at-least-once for that batch (``retry_timeouts=False`` fails it instead, at-most-once).
- Any other 4xx: failed at once, not retried; 401 and 403 stop the run (every later batch would
  be refused too) and what was not sent is failed as "not sent".
- A 2xx ``partial`` (or ``fail``) answer with ``unprocessed`` entries: nothing is sent again, since
  CleverTap processed every other record. Each entry is matched to its record ("Skipped record
  number : N", 1-based within the batch, checked against the echoed ``record``) and that record's
  message is failed with CleverTap's code and error.
- ``stop()`` turning true (Ctrl-C) ends the run after the request in flight: the batch being built
  and every line not yet read are failed as "not sent: interrupted", so nothing is lost.

A failed-file line is ``{"message": <the original message>, "reason": "...", "status" or "code": ...,
"line": <line number in the input>}``; ``send`` reads such lines back as their message.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..errors import EventError
from ._deletion import DELETE_BATCH_SIZE, plan_user_deletion
from ._delivery import (
    HttpRequest,
    HttpResponse,
    RetryPolicy,
    Transport,
    TransportError,
    _http_request,
    retryable_status,
    urllib_transport,
)
from ._router import MAX_BATCH_RECORDS
from ._upload import records_of, request_headers, transform, upload_endpoint

__all__ = [
    "Tally",
    "Uploader",
    "Deleter",
    "cloud_config",
    "match_unprocessed",
    "read_message",
    "interruptible_sleep",
    "mask_headers",
]

# Statuses after which sending anything more with the same account is pointless.
_FATAL = (401, 403)
_SKIPPED = re.compile(r"Skipped record number\s*:\s*(\d+)")
_MASK = "********"


def cloud_config(settings: Any) -> dict[str, Any]:
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


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_message(raw: bytes) -> Any:
    """One input line as a message. Strict JSON (NaN and Infinity are not JSON); a failed-file line
    ``{"message": {...}, "reason": ...}`` gives back its message, so a fixed failed file can be resent."""
    value = json.loads(raw, parse_constant=_no_constants)
    if isinstance(value, dict) and "reason" in value and "type" not in value and isinstance(value.get("message"), dict):
        return value["message"]
    return value


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _clevertap_error(response: HttpResponse) -> tuple[str, Any]:
    """CleverTap's error text and code from a failure body (the raw text, cut short, when not JSON)."""
    parsed = _parse(response.body)
    if isinstance(parsed, dict):
        text = parsed.get("error") or parsed.get("message") or parsed.get("status") or ""
        return str(text), parsed.get("code")
    return response.body[:200].decode("utf-8", "replace").strip(), None


def match_unprocessed(entries: list[Any], records: list[bytes]) -> tuple[dict[int, dict[str, Any]], list[Any]]:
    """CleverTap's ``unprocessed`` entries matched to record indexes (0-based) of the batch sent.

    An entry names its record as "Skipped record number : N" (1-based) and echoes it in ``record``.
    The number is taken unless the echo contradicts it and equals another record not yet matched.
    Returns the matches and the entries that match nothing.
    """
    matched: dict[int, dict[str, Any]] = {}
    unmatched: list[Any] = []
    parsed: list[Any] | None = None
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


@dataclass
class Tally:
    """What a run did. ``messages`` counts non-blank lines read; the rest count records, except
    ``rejected`` and ``not_sent`` (messages) and ``failed_lines`` (lines of the failed file)."""

    messages: int = 0
    records: int = 0
    sent: int = 0
    requests: int = 0
    retries: int = 0
    rejected: int = 0
    unprocessed: int = 0
    failed: int = 0
    not_sent: int = 0
    failed_lines: int = 0
    bytes_read: int = 0
    last_line: int = 0
    stopped: str = ""


@dataclass
class _Outcome:
    response: HttpResponse | None
    attempts: int
    error: str = ""
    timed_out: bool = False
    interrupted: bool = False


@dataclass
class _Batch:
    lines: list[int] = field(default_factory=list)
    raws: list[bytes] = field(default_factory=list)
    records: list[bytes] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # records[i] belongs to message owner[i]


class _Runner:
    """The retry loop and the stop logic shared by uploads and deletions."""

    def __init__(
        self,
        *,
        on_failure: Callable[[dict[str, Any]], None],
        transport: Transport | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        stop: Callable[[], bool] = lambda: False,
        retry_timeouts: bool = True,
        timeout: float = 30.0,
        dry_run: TextIO | None = None,
        progress: Callable[[Tally], None] | None = None,
    ) -> None:
        self.tally = Tally()
        self._on_failure = on_failure
        self._transport = transport or urllib_transport
        self._policy = policy or RetryPolicy()
        self._stop = stop
        self._sleep = sleep or (lambda seconds: interruptible_sleep(seconds, stop))
        self._retry_timeouts = retry_timeouts
        self._timeout = timeout
        self._dry_run = dry_run
        self._progress = progress
        self._fatal = ""

    def _stopping(self) -> bool:
        if self._fatal:
            return True
        if self._stop():
            self.tally.stopped = self.tally.stopped or "interrupted"
            return True
        return False

    def _fail(self, entry: dict[str, Any]) -> None:
        self.tally.failed_lines += 1
        self._on_failure(entry)

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(self.tally)

    def _print_request(self, request: HttpRequest) -> None:
        assert self._dry_run is not None
        self.tally.requests += 1
        head = json.dumps({"method": "POST", "url": request.url, "headers": mask_headers(request.headers)}, ensure_ascii=False)
        self._dry_run.write(head[:-1] + ',"body":' + request.body.decode("utf-8") + "}\n")

    def _post(self, request: HttpRequest) -> _Outcome:
        attempts = 0
        while True:
            response: HttpResponse | None = None
            error, timed_out = "", False
            try:
                response = self._transport(request)
            except TransportError as failure:
                error, timed_out = str(failure) or type(failure).__name__, failure.timed_out
            attempts += 1
            self.tally.requests += 1
            if response is not None and not retryable_status(response.status):
                return _Outcome(response, attempts)
            if timed_out and not self._retry_timeouts:
                return _Outcome(None, attempts, error, True)
            if attempts > self._policy.retries:
                return _Outcome(response, attempts, error, timed_out)
            if self._stopping():
                return _Outcome(response, attempts, error, timed_out, interrupted=True)
            self.tally.retries += 1
            self._sleep(self._policy.delay(attempts - 1, response))
            if self._stopping():
                return _Outcome(response, attempts, error, timed_out, interrupted=True)

    def _failure_reason(self, outcome: _Outcome) -> tuple[str, dict[str, Any]]:
        """The reason and status fields for a request that ended without a usable answer."""
        tries = f"{outcome.attempts} {'try' if outcome.attempts == 1 else 'tries'}"
        response = outcome.response
        if response is None:
            if outcome.timed_out and (outcome.interrupted or not self._retry_timeouts):
                what = "not resent" if not outcome.interrupted else "then interrupted"
                return (f"timed out ({outcome.error}) after {tries}, {what}: CleverTap may have processed it", {})
            last = f"no answer after {tries}: {outcome.error}"
            return (f"not sent: interrupted ({last})" if outcome.interrupted else last), {}
        text, code = _clevertap_error(response)
        fields: dict[str, Any] = {"status": response.status}
        if code is not None:
            fields["code"] = code
        last = f"HTTP {response.status} after {tries}" + (f": {text}" if text else "")
        if outcome.interrupted:
            return f"not sent: interrupted ({last})", fields
        if response.status in _FATAL:
            self._fatal = f"CleverTap refused the account's credentials (HTTP {response.status})"
            self.tally.stopped = self._fatal
        return last, fields


class Uploader(_Runner):
    """``send``: JSON lines of RudderStack messages to CleverTap's upload API, accounted per message."""

    def __init__(self, config: dict[str, Any], *, base_url: str | None = None, batch_size: int = MAX_BATCH_RECORDS,
                 **options: Any) -> None:
        super().__init__(**options)
        self._config = config
        if not 1 <= batch_size <= MAX_BATCH_RECORDS:
            raise ValueError(f"batch size {batch_size} is not between 1 and {MAX_BATCH_RECORDS}")
        self._batch_size = batch_size
        self._in_flight = False
        self._accounted = 0  # the last line whose message is in a batch or in the failed file
        template = _http_request(upload_endpoint(config), request_headers(config), {}, base_url, self._timeout)
        self.url, self._headers = template.url, template.headers
        self._batch = _Batch()

    # -- reading -----------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes]) -> Tally:
        """Send every message of ``lines`` (bytes, one JSON message each; blank lines skipped)."""
        numbered: Iterator[tuple[int, bytes]] = enumerate(lines, 1)
        current: tuple[int, bytes] | None = None
        try:
            for line_no, raw in numbered:
                self.tally.last_line = line_no
                self.tally.bytes_read += len(raw)
                if not raw.strip():
                    continue
                self.tally.messages += 1
                current = (line_no, raw)
                if self._stopping():
                    break
                self._take(line_no, raw)
                current = None
                if self.tally.messages % 1000 == 0:
                    self._report()
            else:
                self._flush()
                if not self._batch.records:
                    self._report()
                    return self.tally
            self._drop_batch()  # in input order: the batch being built, this line, then the unread ones
            if current is not None:
                self._not_sent(*current)
                current = None
            self._drain(numbered)
        except KeyboardInterrupt:
            # A second Ctrl-C: out now. The batch on the wire may or may not have reached CleverTap.
            self.tally.stopped = f"aborted; input after line {self.tally.last_line} was not read"
            self._drop_batch("interrupted while in flight: CleverTap may have processed it" if self._in_flight else "")
            if current is not None and current[0] > self._accounted:
                self._not_sent(*current)
        self._report()
        return self.tally

    def _take(self, line_no: int, raw: bytes) -> None:
        """Transform one line and add its records to the batch (sending the batch first when full)."""
        try:
            message = read_message(raw)
        except ValueError as error:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.tally.rejected += 1
            self._fail({"message": text, "reason": f"not a JSON message: {error}", "status": 400,
                        "line": line_no})
            self._accounted = line_no
            return
        try:
            outputs = transform(message if isinstance(message, dict) else {}, self._config)
            records = [_dumps(record) for output in outputs for record in records_of(output)]
        except EventError as error:
            self._reject(line_no, message, str(error), error.status_code)
            return
        except Exception as error:  # as bridge.cloud.route does: one bad message never stops the rest
            self._reject(line_no, message, str(error) or type(error).__name__, 500)
            return
        if not records:
            self._accounted = line_no
            return
        batch = self._batch
        if batch.records and len(batch.records) + len(records) > self._batch_size:
            self._flush()
            batch = self._batch  # still the full one when stopping: run() then fails it as not sent
        index = len(batch.lines)
        batch.lines.append(line_no)
        # A failed-file line read back keeps only its message: store that, not the wrapper.
        batch.raws.append(raw if b'"reason"' not in raw else _dumps(message))
        batch.records.extend(records)
        batch.owner.extend([index] * len(records))
        self.tally.records += len(records)
        self._accounted = line_no

    def _reject(self, line_no: int, message: Any, reason: str, status: int) -> None:
        self.tally.rejected += 1
        self._fail({"message": message, "reason": reason, "status": status, "line": line_no})
        self._accounted = line_no

    # -- stopping ----------------------------------------------------------------------------

    def _not_sent(self, line_no: int, raw: bytes, reason: str = "") -> None:
        try:
            message: Any = read_message(raw)
        except ValueError:
            message = raw.decode("utf-8", "replace").rstrip("\r\n")
        self.tally.not_sent += 1
        self._fail({"message": message, "reason": reason or f"not sent: {self._fatal or 'interrupted'}",
                    "line": line_no})

    def _drop_batch(self, reason: str = "") -> None:
        batch, self._batch = self._batch, _Batch()
        for line_no, raw in zip(batch.lines, batch.raws, strict=True):
            self._not_sent(line_no, raw, reason)

    def _drain(self, numbered: Iterator[tuple[int, bytes]]) -> None:
        for line_no, raw in numbered:
            self.tally.last_line = line_no
            self.tally.bytes_read += len(raw)
            if raw.strip():
                self.tally.messages += 1
                self._not_sent(line_no, raw)

    # -- sending -----------------------------------------------------------------------------

    def _flush(self) -> None:
        batch = self._batch
        if not batch.records:
            return
        if self._stopping():
            return  # run() fails it as not sent
        self._batch = _Batch()
        body = b'{"d":[' + b",".join(batch.records) + b"]}"
        request = HttpRequest(self.url, self._headers, body, self._timeout)
        if self._dry_run is not None:
            self._print_request(request)
            self.tally.sent += len(batch.records)
            return
        self._in_flight = True
        try:
            outcome = self._post(request)
        except KeyboardInterrupt:
            self._batch = batch  # run() accounts for it
            raise
        self._in_flight = False
        self._settle(batch, outcome)
        self._report()

    def _settle(self, batch: _Batch, outcome: _Outcome) -> None:
        response = outcome.response
        if response is None or not 200 <= response.status < 300 or outcome.interrupted:
            reason, fields = self._failure_reason(outcome)
            # Stopped between tries: not sent, unless the last try timed out (then maybe processed).
            self._fail_batch(batch, reason, fields, not_sent=outcome.interrupted and not outcome.timed_out)
            return
        parsed = _parse(response.body)
        status = parsed.get("status") if isinstance(parsed, dict) else None
        unprocessed = parsed.get("unprocessed") if isinstance(parsed, dict) else None
        if status == "success" and not unprocessed:
            self.tally.sent += len(batch.records)
            return
        if status in ("success", "partial", "fail") and isinstance(unprocessed, list) and unprocessed:
            self._partial(batch, unprocessed)
            return
        if status == "fail":
            text, code = _clevertap_error(response)
            fields = {"status": response.status} | ({"code": code} if code is not None else {})
            self._fail_batch(batch, f"CleverTap answered fail: {text}", fields)
            return
        # A 2xx that is not CleverTap's answer (a proxy's page?): CleverTap may have processed it, so it
        # is not resent; the records are failed for a person to check.
        shown = response.body[:120].decode("utf-8", "replace")
        self._fail_batch(batch, f"HTTP {response.status} with an answer that is not CleverTap's ({shown!r}): "
                                "not resent, CleverTap may have processed it", {"status": response.status})

    def _partial(self, batch: _Batch, unprocessed: list[Any]) -> None:
        matched, unmatched = match_unprocessed(unprocessed, batch.records)
        # An entry that names no record still stands for one record that did not arrive.
        self.tally.sent += max(0, len(batch.records) - len(matched) - len(unmatched))
        self.tally.unprocessed += len(matched) + len(unmatched)
        by_message: dict[int, list[dict[str, Any]]] = {}
        for index in sorted(matched):
            by_message.setdefault(batch.owner[index], []).append(matched[index])
        for owner, entries in by_message.items():
            reason = "; ".join(str(e.get("error") or e.get("status") or "unprocessed") for e in entries)
            self._fail({"message": read_message(batch.raws[owner]), "reason": reason, "code": entries[0].get("code"),
                        "line": batch.lines[owner]})
        for entry in unmatched:
            error = entry.get("error") if isinstance(entry, dict) else entry
            self._fail({"message": None, "reason": f"CleverTap skipped a record it did not identify: {error}",
                        "code": entry.get("code") if isinstance(entry, dict) else None,
                        "record": entry.get("record") if isinstance(entry, dict) else None})

    def _fail_batch(self, batch: _Batch, reason: str, fields: dict[str, Any], not_sent: bool = False) -> None:
        if not_sent:
            self.tally.not_sent += len(batch.lines)
        else:
            self.tally.failed += len(batch.records)
        for line_no, raw in zip(batch.lines, batch.raws, strict=True):
            self._fail({"message": read_message(raw), "reason": reason, **fields, "line": line_no})


class Deleter(_Runner):
    """``delete``: user ids to CleverTap's profile deletion API, 100 a request, accounted per id."""

    def __init__(self, config: dict[str, Any], *, base_url: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._config = config
        self._base_url = base_url
        self.deleted = 0

    def run(self, ids: Iterable[str]) -> Tally:
        """Delete every id of ``ids``; ids that fail or are not sent go to the failed file."""
        chunk: list[str] = []
        source = iter(ids)
        try:
            for user_id in source:
                self.tally.messages += 1
                chunk.append(user_id)
                if len(chunk) == DELETE_BATCH_SIZE or self._stopping():
                    self._delete(chunk)  # empties the chunk unless the run is stopping
                if self._stopping():
                    break
            else:
                self._delete(chunk)
            self._not_sent(chunk)
            for user_id in source:
                self.tally.messages += 1
                self._not_sent([user_id])
        except KeyboardInterrupt:
            self.tally.stopped = "aborted"
            self._not_sent(chunk, "interrupted while in flight: CleverTap may have processed it")
        self._report()
        return self.tally

    def _not_sent(self, ids: list[str], reason: str = "") -> None:
        for user_id in ids:
            self.tally.not_sent += 1
            self._fail({"userId": user_id, "reason": reason or f"not sent: {self._fatal or 'interrupted'}"})

    def _delete(self, chunk: list[str]) -> None:
        if not chunk:
            return
        if self._stopping():
            return
        [planned] = plan_user_deletion([{"userId": user_id} for user_id in chunk], self._config)
        request = _http_request(planned["endpoint"], planned["headers"], planned["body"], self._base_url, self._timeout)
        self.tally.records += len(chunk)
        if self._dry_run is not None:
            self._print_request(request)
            self.tally.sent += len(chunk)
            chunk.clear()
            return
        outcome = self._post(request)
        response = outcome.response
        parsed = _parse(response.body) if response is not None else None
        refused = isinstance(parsed, dict) and parsed.get("status") == "fail"  # a 2xx that says it failed
        if response is not None and 200 <= response.status < 300 and not outcome.interrupted and not refused:
            self.tally.sent += len(chunk)
        elif response is not None and refused and not outcome.interrupted:
            text, code = _clevertap_error(response)
            self.tally.failed += len(chunk)
            for user_id in chunk:
                self._fail({"userId": user_id, "reason": f"CleverTap answered fail: {text}", "status": response.status}
                           | ({"code": code} if code is not None else {}))
        else:
            reason, fields = self._failure_reason(outcome)
            if outcome.interrupted:
                self.tally.not_sent += len(chunk)
            else:
                self.tally.failed += len(chunk)
            for user_id in chunk:
                self._fail({"userId": user_id, "reason": reason, **fields})
        chunk.clear()
        self._report()
