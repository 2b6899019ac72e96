"""Helpers shared by the cloud-mode tests: JSON comparison and a loopback server."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["json_same", "strip_stat_tags", "assert_json_serialisable", "LoopbackServer"]


def json_same(a: Any, b: Any) -> bool:
    """Structural equality after JSON parsing: key order ignored, array order kept, numbers by value
    (1 == 1.0), but a boolean is never a number (True != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def strip_stat_tags(value: Any) -> Any:
    """``value`` without any ``statTags`` key, at any depth (RudderStack's framework adds them)."""
    if isinstance(value, dict):
        return {k: strip_stat_tags(v) for k, v in value.items() if k != "statTags"}
    if isinstance(value, list):
        return [strip_stat_tags(v) for v in value]
    return value


def assert_json_serialisable(value: Any) -> None:
    """Strict JSON (no NaN or Infinity) and a lossless round trip."""
    text = json.dumps(value, allow_nan=False)
    assert json_same(json.loads(text), value)
    for number in _numbers(value):
        assert math.isfinite(number)


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


class LoopbackServer:
    """A tiny HTTP server on 127.0.0.1 standing in for CleverTap's REST API.

    ``answer(request)`` gets ``{"path", "headers" (lower-cased), "body" (parsed JSON)}`` and returns
    ``(status, json_body, extra_headers)``. Every request is recorded in ``requests``.
    """

    def __init__(self, answer: Callable[[dict[str, Any]], tuple[int, Any, dict[str, str]]]) -> None:
        self.requests: list[dict[str, Any]] = []
        recorded, respond = self.requests, answer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                           "body": json.loads(raw.decode("utf-8"))}
                recorded.append(request)
                status, body, headers = respond(request)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, for delivery's ``base_url``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
