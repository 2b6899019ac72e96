"""The benchmark's stand-in for the internet: one TLS server on 127.0.0.1 that Chromium reaches under the
real host names (``--host-resolver-rules``), so that pages load as a real site's do, HTTP cache included.

It serves, with ``Content-Encoding: br`` (or gzip, to a client that does not accept brotli), as a CDN
does, and ``Cache-Control`` so a warm page view loads from the HTTP cache:

- the site (``SITE_HOST``): the benchmark pages, the RudderStack SDK v3 from node_modules, the built
  bundle under ``/clevertap-bridge/`` and the pure-JS integration under ``/direct/``;
- the CleverTap Web SDK at its CDN URL (``SDK_HOST``), from node_modules;
- CleverTap's data hosts (``*.clevertap-prod.com``), answered by the browser tests' collector, which
  decodes each request; every request is timed on arrival;
- RudderStack's source config (``CONFIG_HOST``) and data plane (``DATAPLANE_HOST``).

Every response is logged with its arrival time, host, path and the bytes of its body as sent (brotli),
and as gzip would have sent it, so the bench counts transferred bytes on the server side (worker fetches
included) in both encodings from one run.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]

from tests.browser.collector import Collector, WireRequest, is_clevertap_host
from tests.browser.server import MIME_TYPES  # one table for the test server and the bench

__all__ = [
    "BenchServer", "Logged", "make_certificate", "SITE_HOST", "SDK_HOST", "CONFIG_HOST", "DATAPLANE_HOST",
]

SITE_HOST = "shop.bench.example"
SDK_HOST = "d2r1yp2w7bby2u.cloudfront.net"
CONFIG_HOST = "api.rudderstack.com"
DATAPLANE_HOST = "bench.dataplane.rudderstack.com"
CLEVERTAP_PATTERNS = ("*.clevertap-prod.com", "*.wzrkt.com")
EXACT_HOSTS = (SITE_HOST, SDK_HOST, CONFIG_HOST, DATAPLANE_HOST)

# Static files stay fresh for a year, as a CDN would serve versioned files; pages are revalidated.
STATIC_CACHE = "public, max-age=31536000"
PAGE_CACHE = "no-cache"



def make_certificate(folder: Path) -> tuple[Path, Path, str]:
    """A self-signed certificate for every host the bench serves; returns (cert, key, SPKI hash in base64),
    the hash being what ``--ignore-certificate-errors-spki-list`` takes."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    names = [*EXACT_HOSTS, *CLEVERTAP_PATTERNS]
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("the bench needs the openssl command to make its TLS certificate (apt-get install openssl)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=clevertap-bridge bench",
         "-addext", "subjectAltName=" + ",".join(f"DNS:{n}" for n in names)],
        check=True, capture_output=True,
    )
    pubkey = subprocess.run([openssl, "x509", "-in", str(cert), "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run([openssl, "pkey", "-pubin", "-outform", "der"], input=pubkey, check=True, capture_output=True).stdout
    return cert, key, base64.b64encode(hashlib.sha256(der).digest()).decode()


def host_resolver_rules(port: int) -> str:
    """Chromium's ``--host-resolver-rules``: the bench's hosts go to the local server, every other name fails
    to resolve (so nothing can leave the machine, and the bench notices the failure)."""
    rules = [f"MAP {host} 127.0.0.1:{port}" for host in (*EXACT_HOSTS, *CLEVERTAP_PATTERNS)]
    return ", ".join([*rules, "MAP * ~NOTFOUND"])


def is_bench_host(host: str) -> bool:
    """Whether a request to ``host`` stays on this machine (served by the bench server)."""
    host = host.lower()
    return host in EXACT_HOSTS or is_clevertap_host(host) or host in ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Logged:
    """One response: when its request arrived and its last byte was written (epoch seconds), and its size."""

    start: float
    end: float
    method: str
    host: str
    path: str
    status: int
    body_bytes: int
    encoding: str
    wire: WireRequest | None = None
    gzip_bytes: int = 0  # the body's size had it been sent gzip-compressed (its size as is when not compressible)


@dataclass
class _Static:
    raw: bytes
    gz: bytes | None
    br: bytes | None
    content_type: str


@dataclass
class BenchServer:
    """The TLS server; ``mount`` folders on the site, ``start`` it, then read ``log``."""

    cert: Path
    key: Path
    source_config: dict[str, Any]
    sdk_file: Path
    collector: Collector = field(default_factory=Collector)
    log: list[Logged] = field(default_factory=list)
    mounts: dict[str, Path] = field(default_factory=dict)
    _files: dict[Path, _Static] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    def mount(self, prefix: str, folder: Path) -> str:
        """Serve ``folder`` at ``https://SITE_HOST/<prefix>/`` (compressed now, not during a measured load)."""
        root = folder.resolve()
        self.mounts[prefix.strip("/")] = root
        for path in root.rglob("*"):
            if path.is_file() and path.suffix not in (".gz", ".br"):
                self._static(path)
        return f"https://{SITE_HOST}/{prefix.strip('/')}/"

    def _static(self, path: Path) -> _Static:
        with self._lock:
            cached = self._files.get(path)
        if cached is not None:
            return cached
        raw = path.read_bytes()
        # Precompressed copies (a static host's gzip_static and brotli_static) win; otherwise gzip -6 and
        # brotli -q 11 now (not during a measured load), each kept when it saves anything.
        pre, pre_br = path.with_name(path.name + ".gz"), path.with_name(path.name + ".br")
        gz = pre.read_bytes() if pre.is_file() else gzip.compress(raw, compresslevel=6, mtime=0)
        br = pre_br.read_bytes() if pre_br.is_file() else bytes(brotli.compress(raw, quality=11)) if len(raw) > 256 else raw
        entry = _Static(raw, gz if len(gz) < len(raw) else None, br if len(br) < len(raw) else None,
                        MIME_TYPES.get(path.suffix.lower(), "application/octet-stream"))
        with self._lock:
            self._files[path] = entry
        return entry

    def start(self) -> int:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        context.set_alpn_protocols(["http/1.1"])
        handler = type("Handler", (_Handler,), {"owner": self})
        httpd = _TLSServer(("127.0.0.1", 0), handler, context)
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, name="bench-tls-server", daemon=True).start()
        return int(httpd.server_address[1])

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def mark(self) -> int:
        """The log's current length: pass it to :meth:`since` to get what came later."""
        with self._lock:
            return len(self.log)

    def since(self, mark: int) -> list[Logged]:
        with self._lock:
            return list(self.log[mark:])

    def record(self, entry: Logged) -> None:
        with self._lock:
            self.log.append(entry)

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names inside a mount (the longest prefix wins), never outside it."""
        path = unquote(url_path)
        for prefix in sorted(self.mounts, key=len, reverse=True):
            if path.startswith(f"/{prefix}/"):
                root = self.mounts[prefix]
                target = (root / path[len(prefix) + 2:]).resolve()
                if root in target.parents and target.is_file():
                    return target
                return None
        return None


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext) -> None:
        super().__init__(address, handler)
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The handshake runs in the request's own thread: a slow client never holds up accept().
        try:
            request.do_handshake()
        except (OSError, ssl.SSLError):
            return
        super().finish_request(request, client_address)


_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
}


class _Handler(BaseHTTPRequestHandler):
    owner: BenchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _host(self) -> str:
        return (self.headers.get("Host") or "").split(":")[0].lower()

    def _send(self, status: int, body: bytes, content_type: str, cache: str = "no-store", encoding: str = "",
              wire: WireRequest | None = None, start: float = 0.0, gzip_bytes: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        if encoding:
            self.send_header("Content-Encoding", encoding)
            self.send_header("Vary", "Accept-Encoding")
        for key, value in _CORS.items():
            self.send_header(key, value)
        if self.headers.get("Access-Control-Request-Headers"):
            # RudderStack's SDK sends headers of its own (rsa-since-last-attempt, ...): allow what is asked.
            self.send_header("Access-Control-Allow-Headers", self.headers["Access-Control-Request-Headers"])
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        path = urlsplit(self.path).path
        self.owner.record(Logged(start or time.time(), time.time(), self.command, self._host(), path, status,
                                 len(body), encoding, wire, len(body) if gzip_bytes is None else gzip_bytes))

    def _file(self, path: Path, start: float, cache: str) -> None:
        entry = self.owner._static(path)
        accepted = {e.split(";")[0].strip() for e in (self.headers.get("Accept-Encoding") or "").split(",")}
        gzip_bytes = len(entry.gz if entry.gz is not None else entry.raw)
        if entry.br is not None and "br" in accepted:
            self._send(200, entry.br, entry.content_type, cache, "br", start=start, gzip_bytes=gzip_bytes)
        elif entry.gz is not None and "gzip" in accepted:
            self._send(200, entry.gz, entry.content_type, cache, "gzip", start=start)
        else:
            self._send(200, entry.raw, entry.content_type, cache, start=start)

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        self._send(204, b"", "text/plain")

    def do_GET(self) -> None:  # noqa: N802
        start = time.time()
        host, parts = self._host(), urlsplit(self.path)
        if is_clevertap_host(host):
            wire, script = self.owner.collector.respond(f"https://{host}{self.path}")
            self._send(200, script.encode(), "application/javascript", wire=wire, start=start)
        elif host == SDK_HOST and parts.path == "/js/clevertap.min.js":
            self._file(self.owner.sdk_file, start, STATIC_CACHE)
        elif host == CONFIG_HOST and parts.path.startswith("/sourceConfig"):
            body = json.dumps(self.owner.source_config).encode()
            self._send(200, body, "application/json", start=start)
        elif host == SITE_HOST and (target := self.owner.resolve(parts.path)) is not None:
            self._file(target, start, PAGE_CACHE if target.suffix == ".html" else STATIC_CACHE)
        else:
            self._send(404, b"not found", "text/plain", start=start)

    def do_POST(self) -> None:  # noqa: N802
        start = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self._host() == DATAPLANE_HOST:
            self._send(200, b"{}", "application/json", start=start)
        else:
            self._send(404, b"not found", "text/plain", start=start)
