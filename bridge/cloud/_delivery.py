"""Cloud mode delivery: the one retry loop and the one response classifier, for upload and delete.

Everything that posts to CleverTap goes through :func:`deliver` (retries) and :func:`classify`
(what an answer means); ``send`` and ``delete_users`` (RudderStack's contract) and the command
line's pipeline (``_pipeline``) are built on these two::

    reports = send(route(inputs))                 # one BatchReport per request, in order
    delete_users(attributes, config)              # one after the other; DeliveryError at the first refusal

What an answer means (:func:`classify`), from CleverTap's API documentation
(https://developer.clevertap.com/docs/api-overview, .../upload-events-api, .../delete-user-profiles-api)
and RudderStack's network handler, as docs/cloud-mode.md explains:

- 2xx, ``"status": "success"`` and no ``unprocessed`` entry: delivered.
- 2xx with ``unprocessed`` entries (``"partial"``, or ``"success"``/``"fail"`` listing them): CleverTap
  processed every record but those; nothing is sent again.
- 2xx with ``"status": "fail"`` (or ``"partial"``) and no entry: **refused**, the same meaning for
  upload and delete: CleverTap read the request and processed nothing of it; not retried (sending
  it again gets the same answer), every record or id of it is failed with CleverTap's error.
- 2xx with a body that is not CleverTap's (not JSON, no status): **unknown**: a proxy answered, and
  CleverTap may have processed it; not resent, failed for a person to check.
- 429, 5xx, or no answer at all: retried with exponential, jittered backoff (Retry-After honoured),
  a bounded number of times. A 429 ("Too many concurrent requests") also narrows the sender's window
  (:class:`Gate`), and does not use up a try while the window could still narrow.
- Any other 4xx: refused, not retried; 401 and 403 refuse the account itself (``fatal``).

The transport is a plain function (:data:`Transport`). :class:`PooledTransport` keeps connections
alive and reuses them (urllib3, chosen by measurement: docs/cloud-mode.md); :func:`urllib_transport`
opens a connection per request with the standard library only.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol
from urllib.parse import urlsplit

from ..core import JSON, JSONObject, js_string
from ..errors import DeliveryError, TransportError
from ._deletion import plan_user_deletion

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "TransportError",
    "Transport",
    "urllib_transport",
    "PooledTransport",
    "BatchReport",
    "RetryPolicy",
    "Answer",
    "Outcome",
    "Gate",
    "Window",
    "classify",
    "deliver",
    "http_request",
    "retry_after_seconds",
    "retryable_status",
    "send",
    "send_request",
    "delete_users",
]


@dataclass(frozen=True)
class HttpRequest:
    """One POST: the URL, headers and the JSON body as bytes."""

    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float = 30.0


@dataclass(frozen=True)
class HttpResponse:
    """The status, headers (lower-cased names) and body bytes of an answer, whatever its status."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


Transport = Callable[[HttpRequest], HttpResponse]


def urllib_transport(request: HttpRequest) -> HttpResponse:
    """POST with urllib.request, a new connection each time; an HTTP error status is an answer."""
    prepared = urllib.request.Request(request.url, data=request.body, headers=request.headers, method="POST")
    try:
        with urllib.request.urlopen(prepared, timeout=request.timeout) as answer:
            return HttpResponse(answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()})
    except urllib.error.HTTPError as error:
        with error:
            body = error.read()
        return HttpResponse(error.code, body, {k.lower(): v for k, v in error.headers.items()})
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        # A dropped connection is an OSError (RemoteDisconnected) or an HTTPException (IncompleteRead,
        # BadStatusLine) depending on when it drops; a timeout is TimeoutError, bare or inside URLError.
        reason = getattr(error, "reason", error)
        timed_out = isinstance(error, TimeoutError) or isinstance(reason, TimeoutError)
        raise TransportError(str(reason) or type(reason).__name__, timed_out) from error


class PooledTransport:
    """POST over kept-alive connections, up to ``connections`` at once (urllib3's thread-safe pool).

    urllib3 does no retrying of its own here (``retries=False``): :func:`deliver` is the one retry loop.
    """

    def __init__(self, connections: int = 8) -> None:
        import urllib3  # imported here: only the command line's sender needs it, never the browser wheel

        self._urllib3 = urllib3
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=max(1, connections), block=False, retries=False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        urllib3 = self._urllib3
        try:
            answer = self._pool.request("POST", request.url, body=request.body, headers=request.headers,
                                        timeout=urllib3.Timeout(total=request.timeout), redirect=False)
        except urllib3.exceptions.HTTPError as error:
            reason = getattr(error, "reason", None) or error
            timed_out = isinstance(error, urllib3.exceptions.TimeoutError) or isinstance(reason, TimeoutError) \
                or isinstance(reason, urllib3.exceptions.TimeoutError)
            raise TransportError(str(reason) or type(reason).__name__, timed_out) from error
        return HttpResponse(answer.status, answer.data, {k.lower(): v for k, v in answer.headers.items()})

    def close(self) -> None:
        self._pool.clear()


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header as seconds from ``now``: delta-seconds or an HTTP date (RFC 9110, section 10.2.3);
    None when absent or unreadable. A date in the past gives 0."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: ``retries`` more attempts after the first, waiting ``backoff * 2**n``
    seconds (at most ``max_backoff``). ``jitter`` (0 to 1) takes up to that fraction off each wait
    at random, so that many senders retrying together spread out. A Retry-After (seconds or an
    HTTP date) is honoured when it asks for longer, up to ``max_retry_after`` seconds."""

    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, response: HttpResponse | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (0-based)."""
        wait = float(min(self.max_backoff, self.backoff * 2**attempt))
        if self.jitter > 0:
            wait *= 1.0 - min(1.0, self.jitter) * random.random()
        asked = retry_after_seconds(response.headers.get("retry-after")) if response is not None else None
        if asked is not None:
            wait = max(wait, min(self.max_retry_after, asked))
        return wait


def retryable_status(status: int) -> bool:
    """5xx and 429 are worth sending again; every other status is CleverTap's final word."""
    return status >= 500 or status == 429


# -- what an answer means ----------------------------------------------------------------------------

Kind = Literal["success", "partial", "refused", "unknown", "retry"]
_FATAL = (401, 403)


@dataclass(frozen=True)
class Answer:
    """One answer classified. ``text`` and ``code`` are CleverTap's error (or the raw body, cut
    short); ``unprocessed`` its skipped-record entries; ``fatal`` is true when the account itself
    was refused (401, 403: every later request would be too)."""

    kind: Kind
    status: int
    text: str = ""
    code: JSON = None
    unprocessed: tuple[JSON, ...] = ()
    fatal: bool = False

    @property
    def delivered(self) -> bool:
        return self.kind == "success"


def _parse(body: bytes) -> JSON:
    try:
        value: JSON = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value


def classify(response: HttpResponse) -> Answer:
    """What CleverTap's answer means: the one reading of a response, for upload and delete alike."""
    status = response.status
    parsed = _parse(response.body)
    body: JSONObject = parsed if isinstance(parsed, dict) else {}
    word = body.get("status")
    if isinstance(parsed, dict):
        error = body.get("error") or body.get("message") or (word if word != "success" else "") or ""
        text, code = str(error), body.get("code")
    else:
        text, code = response.body[:200].decode("utf-8", "replace").strip(), None
    if retryable_status(status):
        return Answer("retry", status, text, code)
    if not 200 <= status < 300:
        return Answer("refused", status, text, code, fatal=status in _FATAL)
    unprocessed = body.get("unprocessed")
    if isinstance(unprocessed, list) and unprocessed and word in ("success", "partial", "fail"):
        return Answer("partial", status, text, code, tuple(unprocessed))
    if word == "success":
        return Answer("success", status)
    if word in ("fail", "partial"):
        return Answer("refused", status, text, code)
    shown = response.body[:120].decode("utf-8", "replace")
    return Answer("unknown", status, f"an answer that is not CleverTap's ({shown!r})")


# -- the retry loop ----------------------------------------------------------------------------------

class Gate(Protocol):
    """Flow control around each try: ``enter`` before it (may wait), ``leave`` after it with the
    answer's kind ("concurrency" for a 429; "error" when no answer came). ``leave`` returns True
    when the 429 narrowed the window, so the try is not counted against the retries."""

    def enter(self, stop: Callable[[], bool]) -> bool: ...

    def leave(self, kind: str) -> bool: ...


class _Open:
    def enter(self, stop: Callable[[], bool]) -> bool:
        return True

    def leave(self, kind: str) -> bool:
        return False


@dataclass
class Outcome:
    """How a request ended: the last answer (None when none came), classified; the number of tries;
    the last network error; whether the last try timed out; whether a stop ended the retrying."""

    response: HttpResponse | None
    answer: Answer | None
    attempts: int
    error: str = ""
    timed_out: bool = False
    interrupted: bool = False
    narrowed: int = 0


def _never() -> bool:
    return False


def deliver(
    request: HttpRequest,
    transport: Transport,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    *,
    stop: Callable[[], bool] = _never,
    gate: Gate | None = None,
    retry_timeouts: bool = True,
    on_try: Callable[[], None] | None = None,
) -> Outcome:
    """Send ``request`` until CleverTap gives a final answer, the retries run out, or ``stop()``.

    A 429 that narrowed ``gate``'s window is flow control, not a failed try: it is retried without
    using up one of ``policy.retries`` (the window cannot narrow below one, so this ends)."""
    gate = gate or _Open()
    attempts = counted = narrowed = 0
    while True:
        if not gate.enter(stop):
            return Outcome(None, None, attempts, "not sent", interrupted=True, narrowed=narrowed)
        response: HttpResponse | None = None
        error, timed_out = "", False
        try:
            response = transport(request)
        except TransportError as failure:
            error, timed_out = str(failure) or type(failure).__name__, failure.timed_out
        answer = classify(response) if response is not None else None
        kind = "error" if answer is None else ("concurrency" if answer.status == 429 else answer.kind)
        flow_control = gate.leave(kind)
        attempts += 1
        if on_try is not None:
            on_try()
        if answer is not None and answer.kind != "retry":
            return Outcome(response, answer, attempts, narrowed=narrowed)
        if timed_out and not retry_timeouts:
            return Outcome(None, None, attempts, error, True, narrowed=narrowed)
        if flow_control:
            narrowed += 1
        else:
            counted += 1
        if counted > policy.retries:
            return Outcome(response, answer, attempts, error, timed_out, narrowed=narrowed)
        if stop():
            return Outcome(response, answer, attempts, error, timed_out, interrupted=True, narrowed=narrowed)
        sleep(policy.delay(max(0, counted - 1), response))
        if stop():
            return Outcome(response, answer, attempts, error, timed_out, interrupted=True, narrowed=narrowed)


def send_request(
    request: HttpRequest,
    transport: Transport | None = None,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[HttpResponse | None, int, str]:
    """Send with retries: the final answer (None after network errors only), the number of
    attempts, and the last network error's text ("" when an answer came)."""
    outcome = deliver(request, transport or urllib_transport, policy, sleep)
    return outcome.response, outcome.attempts, outcome.error


# -- RudderStack's contract: send planned requests, delete users ----------------------------------

def _target(endpoint: str, base_url: str | None) -> str:
    # base_url replaces scheme and host (tests point CleverTap at a loopback server).
    if base_url is None:
        return endpoint
    parts = urlsplit(endpoint)
    return base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def http_request(endpoint: str, headers: Mapping[str, JSON] | None, body: JSON, base_url: str | None,
                 timeout: float) -> HttpRequest:
    """A planned request as bytes: header values as JavaScript strings them, the body as compact JSON."""
    clean = {str(k): js_string(v) for k, v in (headers or {}).items() if v is not None}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return HttpRequest(_target(endpoint, base_url), clean, data, timeout)


@dataclass
class BatchReport:
    """What happened to one request: ``ok``, the status to report, RudderStack's message, how many
    attempts were made, how many records it carried, and CleverTap's answer (parsed when JSON)."""

    index: int
    endpoint: str
    records: int
    ok: bool
    status_code: int
    message: str
    attempts: int
    retryable: bool = False
    response: JSON = None
    unprocessed: list[JSON] = field(default_factory=list)


def _request_of(item: JSONObject) -> JSONObject:
    # A router entry carries its request in batchedRequest; a processor output is the request.
    request = item.get("batchedRequest", item)
    return request if isinstance(request, dict) else {}


def send(
    requests: Iterable[JSONObject],
    *,
    transport: Transport | None = None,
    base_url: str | None = None,
    policy: RetryPolicy = RetryPolicy(),
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[BatchReport]:
    """Send processor outputs or router batch entries (error entries are skipped), one report each.

    Never raises for CleverTap's answers or network errors: each report says what happened, as
    RudderStack reports it: anything but a delivered answer is ``Request failed  with status: <HTTP
    status>`` (two spaces, RudderStack's wording), with status 400 for a 2xx that is not a success.
    """
    reports: list[BatchReport] = []
    for index, item in enumerate(requests):
        if not isinstance(item, dict) or (item.get("statusCode", 200) != 200 and "batchedRequest" not in item):
            continue  # a router error entry has nothing to send
        request = _request_of(item)
        payload = request.get("body")
        body = payload.get("JSON", {}) if isinstance(payload, dict) else {}
        records = body.get("d", []) if isinstance(body, dict) else []
        headers = request.get("headers")
        http = http_request(str(request.get("endpoint", "")), headers if isinstance(headers, dict) else None, body,
                            base_url, timeout)
        outcome = deliver(http, transport or urllib_transport, policy, sleep)
        report = BatchReport(index, http.url, len(records) if isinstance(records, list) else 0, False, 500, "",
                             outcome.attempts)
        response, answer = outcome.response, outcome.answer
        if response is None or answer is None:
            report.message, report.retryable = f"Network error: {outcome.error}", True
        else:
            parsed = _parse(response.body)
            report.response = parsed if parsed is not None else response.body.decode("utf-8", "replace")
            skipped = parsed.get("unprocessed") if isinstance(parsed, dict) else None
            if isinstance(skipped, list):
                report.unprocessed = list(skipped)
            if answer.delivered:
                report.ok, report.status_code, report.message = True, response.status, "Request Processed Successfully"
            else:
                ok_status = 200 <= response.status < 300
                report.status_code = 400 if ok_status else response.status
                report.message = f"Request failed  with status: {response.status}"
                report.retryable = answer.kind == "retry"
        reports.append(report)
    return reports


def delete_users(
    user_attributes: Sequence[Mapping[str, object]],
    config: Mapping[str, object],
    *,
    transport: Transport | None = None,
    base_url: str | None = None,
    retries: int = 3,
    policy: RetryPolicy | None = None,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> JSONObject:
    """Delete CleverTap profiles by userId: the plan of :func:`bridge.cloud.plan_user_deletion`, sent
    one request after the other. Returns ``{"statusCode": 200, "status": "successful"}`` (also when
    there is nothing to delete); raises ``DeliveryError("User deletion request failed", status)``
    at the first request CleverTap did not carry out (a non-2xx, or a 2xx that says ``fail``, then
    status 400), and the plan's SettingsError or EventError before sending anything.
    """
    plan = plan_user_deletion(user_attributes, config)
    chosen = policy or RetryPolicy(retries=retries)
    for planned in plan:
        body: JSON = dict(planned["body"].items())
        http = http_request(planned["endpoint"], planned["headers"], body, base_url, timeout)
        outcome = deliver(http, transport or urllib_transport, chosen, sleep)
        answer = outcome.answer
        if answer is None:
            raise DeliveryError("User deletion request failed", 500, True)
        # The regulation API reads the status alone; a 2xx whose body is not CleverTap's counts as done.
        if answer.kind in ("success", "unknown", "partial"):
            continue
        status = 400 if 200 <= answer.status < 300 else answer.status
        raise DeliveryError("User deletion request failed", status, answer.kind == "retry")
    return {"statusCode": 200, "status": "successful"}


class Window:
    """The sender's window of concurrent requests, for CleverTap's limit of concurrent requests per
    account: a 429 narrows it below the number of requests that were in flight (by one at least, down
    to 1), and each ``size`` successes in a row widen it by one, up to ``limit``. Counts what it did
    for the summary."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = limit
        self.smallest = limit
        self.narrowed = 0
        self.widened = 0
        self._busy = 0
        self._streak = 0
        self._cond = threading.Condition()

    def enter(self, stop: Callable[[], bool]) -> bool:
        with self._cond:
            while self._busy >= self.size:
                if stop():
                    return False
                self._cond.wait(0.1)
            self._busy += 1
            return True

    def leave(self, kind: str) -> bool:
        with self._cond:
            in_flight = self._busy  # this request included
            self._busy -= 1
            narrowed = False
            if kind == "concurrency":
                self._streak = 0
                if self.size > 1:
                    # Below what was in flight when CleverTap refused, and at least one less than before.
                    self.size = max(1, min(self.size - 1, in_flight - 1))
                    self.smallest = min(self.smallest, self.size)
                    self.narrowed += 1
                    narrowed = True
            elif kind == "success":
                self._streak += 1
                if self._streak >= self.size and self.size < self.limit:
                    self.size += 1
                    self.widened += 1
                    self._streak = 0
            self._cond.notify_all()
            return narrowed
