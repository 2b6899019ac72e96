"""Cloud mode delivery: send planned requests to CleverTap's REST API, with bounded retries.

Standard library only (urllib.request). The transport is a plain function, so tests and other
HTTP stacks can stand in for it::

    reports = send(route(inputs))                 # one BatchReport per request, in order
    delete_users(attributes, config)              # sequential; DeliveryError at the first refusal

Response handling follows RudderStack's network handler (reference/cloud-mode.md §14): a 2xx with
``"status": "success"`` is a success; a 2xx with any other status fails with status 400 and the
message ``Request failed  with status: <HTTP status>`` (two spaces, as the reference writes it);
any other answer fails with its own status. 5xx, 429 and network errors are retried with
exponential backoff (optionally with jitter; a Retry-After in seconds or as an HTTP date is
honoured); other 4xx answers are not. :mod:`bridge.pipeline` builds the command line's streaming,
per-record delivery on these pieces.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from ..core import js_string
from ..errors import DeliveryError, TransportError
from ._deletion import plan_user_deletion

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "TransportError",
    "Transport",
    "urllib_transport",
    "BatchReport",
    "RetryPolicy",
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
    """POST with urllib.request; an HTTP error status is an answer, not an exception."""
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


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header as seconds from ``now``: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
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
    response: Any = None
    unprocessed: list[Any] = field(default_factory=list)


def retryable_status(status: int) -> bool:
    """5xx and 429 are worth sending again; every other status is CleverTap's final word."""
    return status >= 500 or status == 429


_retryable = retryable_status


def _target(endpoint: str, base_url: str | None) -> str:
    # base_url replaces scheme and host (tests point CleverTap at a loopback server).
    if base_url is None:
        return endpoint
    parts = urlsplit(endpoint)
    return base_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def _http_request(endpoint: str, headers: Any, body: Any, base_url: str | None, timeout: float) -> HttpRequest:
    clean = {str(k): js_string(v) for k, v in (headers or {}).items() if v is not None}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return HttpRequest(_target(endpoint, base_url), clean, data, timeout)


def send_request(
    request: HttpRequest,
    transport: Transport | None = None,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[HttpResponse | None, int, str]:
    """Send with retries: the final answer (None after network errors only), the number of
    attempts, and the last network error's text ("" when an answer came)."""
    send_once = transport or urllib_transport
    attempt = 0
    while True:
        response: HttpResponse | None = None
        error = ""
        try:
            response = send_once(request)
        except TransportError as failure:
            error = str(failure) or type(failure).__name__
        attempt += 1
        if response is not None and not _retryable(response.status):
            return response, attempt, ""
        if attempt > policy.retries:
            return response, attempt, error
        sleep(policy.delay(attempt - 1, response))


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return body.decode("utf-8", "replace")


def _requests_of(item: dict[str, Any]) -> dict[str, Any]:
    # A router entry carries its request in batchedRequest; a processor output is the request.
    request = item.get("batchedRequest", item)
    return request if isinstance(request, dict) else {}


def send(
    requests: Iterable[dict[str, Any]],
    *,
    transport: Transport | None = None,
    base_url: str | None = None,
    policy: RetryPolicy = RetryPolicy(),
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[BatchReport]:
    """Send processor outputs or router batch entries (error entries are skipped), one report each.

    Never raises for CleverTap's answers or network errors: each report says what happened.
    """
    reports: list[BatchReport] = []
    for index, item in enumerate(requests):
        if not isinstance(item, dict) or (item.get("statusCode", 200) != 200 and "batchedRequest" not in item):
            continue  # a router error entry has nothing to send
        request = _requests_of(item)
        body = (request.get("body") or {}).get("JSON", {})
        records = body.get("d", []) if isinstance(body, dict) else []
        http = _http_request(str(request.get("endpoint", "")), request.get("headers"), body, base_url, timeout)
        response, attempts, error = send_request(http, transport, policy, sleep)
        report = BatchReport(index, http.url, len(records) if isinstance(records, list) else 0, False, 500, "", attempts)
        if response is None:
            report.message, report.retryable = f"Network error: {error}", True
        else:
            parsed = _parse(response.body)
            report.response = parsed
            if isinstance(parsed, dict) and isinstance(parsed.get("unprocessed"), list):
                report.unprocessed = parsed["unprocessed"]
            status_ok = 200 <= response.status < 300
            if status_ok and isinstance(parsed, dict) and parsed.get("status") == "success":
                report.ok, report.status_code, report.message = True, response.status, "Request Processed Successfully"
            else:
                # A 2xx that is not a success (fail, partial) is reported as 400, as the reference does.
                report.status_code = 400 if status_ok else response.status
                report.message = f"Request failed  with status: {response.status}"
                report.retryable = _retryable(response.status)
        reports.append(report)
    return reports


def delete_users(
    user_attributes: list[dict[str, Any]],
    config: dict[str, Any],
    *,
    transport: Transport | None = None,
    base_url: str | None = None,
    retries: int = 3,
    policy: RetryPolicy | None = None,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Delete CleverTap profiles by userId: the plan of :func:`bridge.cloud.plan_user_deletion`, sent
    one request after the other. Returns ``{"statusCode": 200, "status": "successful"}`` (also when
    there is nothing to delete); raises ``DeliveryError("User deletion request failed", status)``
    at the first non-2xx answer, and the plan's SettingsError or EventError before sending anything.
    """
    plan = plan_user_deletion(user_attributes, config)
    chosen = policy or RetryPolicy(retries=retries)
    for planned in plan:
        http = _http_request(planned["endpoint"], planned["headers"], planned["body"], base_url, timeout)
        response, _, _ = send_request(http, transport, chosen, sleep)
        status = 500 if response is None else response.status
        if not 200 <= status < 300:
            raise DeliveryError("User deletion request failed", status, _retryable(status))
    return {"statusCode": 200, "status": "successful"}
