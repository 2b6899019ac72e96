"""A stand-in for CleverTap's REST API on 127.0.0.1 that injects the faults a real network has.

It answers ``POST /1/upload`` and ``POST /1/delete/profiles.json`` (any path prefix, for a proxy URL)
as CleverTap does, and keeps what it *processed*: ``accepted`` (upload records), ``unprocessed``
(records it skipped in a ``partial`` answer) and ``deleted`` (identities). A test compares those
with what the command reports, so "every accepted record arrived exactly once" is checked on the
server's side.

The fault for request number k (0-based, in arrival order) is ``faults(k)``:

``ok``        process the batch; records CleverTap would refuse (an event name with ``!``) come back
              in ``unprocessed`` with a ``partial`` status, as CleverTap does
``partial``   as ``ok``, and CleverTap also skips the batch's first record (code 555)
``500``, ``503``            that status, nothing processed
``429``       429 with ``Retry-After`` (seconds, or an HTTP date when ``retry_after_date``), nothing processed
``drop``      the request is read, the connection closed without an answer, nothing processed
``slow``      the request is read and held without an answer until the client gives up (it closes
              the connection) or ``slow_cap`` seconds pass; nothing processed, so a client that
              retries after its timeout still delivers each record once
``slow-processed``  as ``slow``, but the batch *was* processed first: the case where a retry
              after a timeout duplicates (at-least-once), which the tests show explicitly
``hold``      wait until ``release`` is set, then answer as ``ok`` (``held`` is set on arrival)
``400``, ``401``            that status with CleverTap's failure body, nothing processed

``latency`` seconds pass before each answer, and with ``cap`` at most that many requests are
served at once: one more is answered 429 "Too many concurrent requests" at once, as CleverTap
answers an account's 16th concurrent request. ``peak`` is the most served at once.

:class:`LoopbackServer` is the same server with a scripted ``answer`` instead (conformance tests).
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeCleverTap", "LoopbackServer", "every_nth"]


def every_nth(pattern: dict[int, str], period: int) -> Callable[[int], str]:
    """Faults by request number: ``pattern`` maps ``k % period`` to a fault; the rest are ``ok``."""
    return lambda k: pattern.get(k % period, "ok")


_INVALID_EVENT = re.compile(r"!")


class FakeCleverTap:
    def __init__(self, faults: Callable[[int], str] = lambda k: "ok", *, retry_after: str = "0",
                 retry_after_date: bool = False, slow_cap: float = 10.0, latency: float = 0.0, cap: int | None = None,
                 answer: Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]] | None = None) -> None:
        self.faults = faults
        self.latency = latency
        self.cap = cap
        self.answer = answer
        self.received: list[dict[str, Any]] = []  # with ``answer``: every request, parsed
        self.refused_for_concurrency = 0
        self.peak = 0
        self._serving = 0
        self.retry_after = retry_after
        self.retry_after_date = retry_after_date
        self.slow_cap = slow_cap
        self.accepted: list[Any] = []
        self.unprocessed: list[Any] = []
        self.deleted: list[str] = []
        self.log: list[tuple[str, str, int]] = []  # (path, fault, number of records or ids)
        self.headers: list[dict[str, str]] = []
        self.held = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._count = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # or each answer waits for the client's delayed ACK (40 ms)

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if len(raw) < length:  # the client died mid-request (a kill): nothing arrived
                    self.close_connection = True
                    return
                body = json.loads(raw.decode("utf-8"))
                if fake.answer is not None:
                    request = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                    with fake._lock:
                        fake.received.append(request)
                        fake._count += 1
                    self._answer(*fake.answer(request))
                    return
                with fake._lock:
                    over = fake.cap is not None and fake._serving >= fake.cap
                    if over:
                        fake.refused_for_concurrency += 1
                    else:
                        fake._serving += 1
                        fake.peak = max(fake.peak, fake._serving)
                if over:
                    self._answer(429, {"status": "fail", "error": "Too many concurrent requests", "code": 429})
                    return
                try:
                    if fake.latency:
                        time.sleep(fake.latency)
                    self._serve(body)
                finally:
                    with fake._lock:
                        fake._serving -= 1

            def _serve(self, body: Any) -> None:
                with fake._lock:
                    number = fake._count
                    fake._count += 1
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                fault = fake.faults(number)
                is_delete = self.path.endswith("/1/delete/profiles.json")
                size = len(body.get("identity" if is_delete else "d", []))
                with fake._lock:
                    fake.log.append((self.path, fault, size))
                if fault == "hold":
                    fake.held.set()
                    fake.release.wait(30)
                    fault = "ok"
                if fault in ("drop", "slow", "slow-processed"):
                    if fault == "slow-processed":
                        fake._process(body, is_delete, skip_first=False)
                    if fault != "drop":
                        fake._wait_for_client(self.connection)
                    self.close_connection = True
                    return
                if fault in ("500", "503"):
                    self._answer(int(fault), {"status": "fail", "error": "Internal error, please retry", "code": int(fault)})
                elif fault == "429":
                    after = formatdate(time.time() - 5, usegmt=True) if fake.retry_after_date else fake.retry_after
                    self._answer(429, {"status": "fail", "error": "Too many requests", "code": 429}, {"Retry-After": after})
                elif fault in ("400", "401"):
                    error = "Invalid Credentials" if fault == "401" else "Bad request"
                    self._answer(int(fault), {"status": "fail", "error": error, "code": int(fault)})
                else:
                    self._answer(200, fake._process(body, is_delete, skip_first=fault == "partial"))

            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-answer resets the connection: expected in the kill tests

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def _wait_for_client(self, connection: socket.socket) -> None:
        # Readable with nothing to read means the client closed: it timed out and gave up.
        deadline = time.monotonic() + self.slow_cap
        while time.monotonic() < deadline:
            ready, _, _ = select.select([connection], [], [], 0.05)
            if ready:
                try:
                    if not connection.recv(1, socket.MSG_PEEK):
                        return
                except OSError:
                    return

    def _process(self, body: dict[str, Any], is_delete: bool, skip_first: bool) -> dict[str, Any]:
        if is_delete:
            with self._lock:
                self.deleted.extend(body["identity"])
            return {"status": "success"}
        skipped = []
        with self._lock:
            for number, record in enumerate(body["d"], 1):
                if skip_first and number == 1:
                    code, error = 555, "Simulated skip."
                elif record.get("type") == "event" and _INVALID_EVENT.search(str(record.get("evtName", ""))):
                    code, error = 509, "Event Name is incorrect. ErrorCode: 509 - Event name contains invalid characters."
                else:
                    self.accepted.append(record)
                    continue
                self.unprocessed.append(record)
                skipped.append({"status": "fail", "code": code, "error": f"{error} Skipped record number : {number}",
                                "record": record})
        if skipped:
            return {"status": "partial", "processed": len(body["d"]) - len(skipped), "unprocessed": skipped}
        return {"status": "success", "processed": len(body["d"]), "unprocessed": []}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def requests(self) -> int:
        return self._count

    def __enter__(self) -> FakeCleverTap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class LoopbackServer(FakeCleverTap):
    """The fake with a scripted answer: ``answer(request)`` gets ``{"path", "headers" (lower-cased),
    "body" (parsed JSON)}`` and returns ``(status, json_body, extra_headers)``; ``requests`` lists them."""

    def __init__(self, answer: Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]]) -> None:
        super().__init__(answer=answer)

    @property
    def requests(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return self.received

    def __enter__(self) -> LoopbackServer:
        super().__enter__()
        return self


def _serve_until_stdin_closes() -> None:
    """``python tests/fake_clevertap.py LATENCY CAP``: serve on a free port (printed first), then, once
    standard input closes, print what was processed as JSON: the bench's CleverTap in a process of its own."""
    import sys
    from collections import Counter

    latency, cap = float(sys.argv[1]), int(sys.argv[2])
    with FakeCleverTap(latency=latency, cap=cap) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()
        counts = Counter(json.dumps(record, sort_keys=True) for record in server.accepted)
        print(json.dumps({"accepted": len(server.accepted), "distinct": len(counts), "requests": server.requests,
                          "refused_for_concurrency": server.refused_for_concurrency, "peak": server.peak}), flush=True)


if __name__ == "__main__":
    _serve_until_stdin_closes()
