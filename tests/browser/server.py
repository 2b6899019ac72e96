"""The loopback HTTP server the browser tests run against.

It serves folders under URL prefixes (the built bundle, node_modules, the harness pages) with explicit
MIME types, and stubs RudderStack's two services: the source config (``GET /cfg/sourceConfig/...``,
answered per ``writeKey``) and the data plane (``POST /dp/...`` -> 200 ``{}``, recorded, CORS allowed).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["StaticServer", "MIME_TYPES"]

# Set explicitly: the system MIME table may lack .mjs / .wasm, and wasm streaming needs application/wasm.
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".txt": "text/plain; charset=utf-8",
    ".toml": "text/plain; charset=utf-8",
}

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, AnonymousId",
}


class StaticServer:
    """A ThreadingHTTPServer on 127.0.0.1 with an ephemeral port, in a daemon thread."""

    def __init__(self) -> None:
        self.mounts: dict[str, Path] = {}
        self.source_configs: dict[str, dict[str, Any]] = {}
        self.dataplane: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"owner": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="browser-test-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StaticServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def mount(self, prefix: str, directory: Path) -> str:
        """Serve ``directory`` under ``/<prefix>/``; returns that URL (with a trailing slash)."""
        self.mounts[prefix.strip("/")] = Path(directory).resolve()
        return f"{self.origin}/{prefix.strip('/')}/"

    def reset(self) -> None:
        """Forget the recorded data-plane posts and requests (between tests)."""
        with self._lock:
            self.dataplane.clear()
            self.requests.clear()

    def record_post(self, path: str, body: Any) -> None:
        with self._lock:
            self.dataplane.append({"path": path, "body": body})

    def record_request(self, line: str) -> None:
        with self._lock:
            self.requests.append(line)

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names inside a mount, or None (never outside the mounted folder)."""
        parts = unquote(url_path).lstrip("/").split("/", 1)
        root = self.mounts.get(parts[0])
        if root is None:
            return None
        target = (root / (parts[1] if len(parts) > 1 else "")).resolve()
        if target != root and root not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None


class _Handler(BaseHTTPRequestHandler):
    owner: StaticServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # keep pytest's output clean; requests are recorded instead

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in {**_CORS, **(extra or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        self._send(204, b"", "text/plain")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.owner.record_request(f"GET {self.path}")
        if parts.path.startswith("/cfg/sourceConfig"):
            key = parse_qs(parts.query).get("writeKey", [""])[0]
            config = self.owner.source_configs.get(key)
            if config is None:
                self._json(404, {"error": f"no source config for writeKey {key!r}"})
            else:
                self._json(200, config)
            return
        target = self.owner.resolve(parts.path)
        if target is None:
            self._send(404, b"not found", "text/plain")
            return
        content_type = MIME_TYPES.get(target.suffix.lower(), "application/octet-stream")
        self._send(200, target.read_bytes(), content_type)

    def do_POST(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        self.owner.record_request(f"POST {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not parts.path.startswith("/dp/"):
            self._send(404, b"not found", "text/plain")
            return
        try:
            body: Any = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.owner.record_post(parts.path, body)
        self._json(200, {})
