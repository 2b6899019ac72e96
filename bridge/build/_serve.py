"""The demo server of ``build.py --serve``: the bundle as static files (explicit MIME types, CORS), the
CleverTap Web SDK from node_modules, and a stand-in for CleverTap's data endpoint under STANDIN_PATH.

The SDK always sends to ``https://<region>.clevertap-prod.com/a?...``, which a demo on ``http://HOST:PORT``
cannot answer, so the demo page (static/demo.js) hands the SDK's requests to this server instead:
``https://eu1.clevertap-prod.com/a?t=96&...`` arrives as ``STANDIN_PATH + "https/eu1.clevertap-prod.com/a?t=96&..."``,
and is answered as CleverTap answers it. ``STANDIN_PATH + "wire?since=N"`` lists what arrived, decoded.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import posixpath
import re
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

from ._clevertap_standin import CleverTapStandIn

__all__ = ["MIME_TYPES", "VENDOR_PATH", "STANDIN_PATH", "make_server", "service_worker_path"]

# Explicit types: the system table may lack .mjs and .wasm, and Pyodide needs application/wasm.
MIME_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
}
# Where the demo page finds the CleverTap Web SDK (demo.toml's sdk_url).
VENDOR_PATH = "/vendor/clevertap.min.js"
# Where the stand-in for CleverTap's endpoint answers (static/demo.js names the same path).
STANDIN_PATH = "/clevertap-standin/"
# Content-hashed names (bridge.bundle.hashed_name and the pyodide-<hash>/ folder) never change content.
_HASHED = re.compile(r"(^|/)pyodide-[0-9a-f]{12}/|\.[0-9a-f]{12}\.[a-z]+$")


def service_worker_path(directory: Path) -> str | None:
    """The path the bundle's manifest says the web push service worker is served at, or None."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = manifest.get("service_worker", {}).get("path") if isinstance(manifest, dict) else None
    return path if isinstance(path, str) else None


class BundleHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the bundle directory, plus the CleverTap Web SDK from node_modules at VENDOR_PATH and, with
    web push on, the bundle's clevertap_sw.js at the manifest's service worker path."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def __init__(
        self,
        *args: Any,
        vendor_file: Path | None = None,
        sw_path: str | None = None,
        standin: CleverTapStandIn | None = None,
        **kwargs: Any,
    ) -> None:
        self.vendor_file = vendor_file
        self.sw_path = sw_path
        self.standin = standin
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if self.standin is not None and self.path.startswith(STANDIN_PATH):
            self._standin()
        else:
            super().do_GET()

    def _standin(self) -> None:
        assert self.standin is not None
        parts = urlsplit(self.path[len(STANDIN_PATH) :])
        if parts.path == "wire":
            since = parse_qs(parts.query).get("since", ["0"])[0]
            try:
                number = int(since)
            except ValueError:
                self.send_error(400, f"since: {since!r} is not a number")
                return
            body = json.dumps(self.standin.wire(number), ensure_ascii=True, allow_nan=False)
            self._answer("application/json", body)
        elif parts.path.startswith("https/") and "/" in parts.path[len("https/") :]:
            # The request as the SDK made it: https://<host>/<path>?<query>.
            _, body = self.standin.respond("https://" + parts.path[len("https/") :] + "?" + parts.query)
            self._answer("text/javascript", body)
        else:
            self.send_error(404, "not a path of the CleverTap stand-in")

    def _answer(self, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _is_service_worker(self) -> bool:
        return self.sw_path is not None and self.path.split("?", 1)[0] == self.sw_path

    def translate_path(self, path: str) -> str:
        if self.vendor_file is not None and path.split("?", 1)[0] == VENDOR_PATH:
            return str(self.vendor_file)
        if self.sw_path is not None and path.split("?", 1)[0] == self.sw_path:
            return super().translate_path("/clevertap_sw.js")
        return super().translate_path(path)

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        # As a static host should: a precompressed copy (name.br, name.gz) when the browser takes it.
        self._encoding: str | None = None
        path = self.translate_path(self.path)
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            # Not for the service worker: it is served under another path, where no copy is named.
            if encoding in accepted and os.path.isfile(path + suffix) and not self._is_service_worker():
                self._encoding = encoding
                original = self.path
                self.path = self.path.split("?", 1)[0] + suffix
                try:
                    return super().send_head()
                finally:
                    self.path = original
        return super().send_head()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        text = str(path)
        return super().guess_type(text[:-3] if text.endswith((".br", ".gz")) else text)

    def end_headers(self) -> None:
        # The bundle may be used from another origin: its blob worker fetches the wheel and Pyodide with CORS.
        self.send_header("Access-Control-Allow-Origin", "*")
        if getattr(self, "_encoding", None):
            self.send_header("Content-Encoding", str(self._encoding))
            self.send_header("Vary", "Accept-Encoding")
        hashed = _HASHED.search(self.path.split("?", 1)[0])
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if hashed else "no-cache")
        if self._is_service_worker() and posixpath.dirname(self.sw_path or "/") != "/":
            # Outside the root a worker's scope stops at its folder unless the server widens it.
            self.send_header("Service-Worker-Allowed", "/")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def make_server(
    directory: Path,
    host: str,
    port: int,
    vendor_file: Path | None = None,
    standin: CleverTapStandIn | None = None,
) -> http.server.ThreadingHTTPServer:
    """A server for ``directory`` on ``host:port`` (port 0: any free port); call serve_forever() on it.

    With ``standin`` it also answers CleverTap's endpoint under STANDIN_PATH (the demo: ``build.py --serve``).
    """
    handler = functools.partial(
        BundleHandler,
        directory=str(directory),
        vendor_file=vendor_file,
        sw_path=service_worker_path(Path(directory)),
        standin=standin,
    )
    return http.server.ThreadingHTTPServer((host, port), handler)
