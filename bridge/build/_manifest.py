"""The bundle's manifest: file sizes and SRI hashes, pinned versions, and the CSP a site needs."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from ..core import Settings

__all__ = ["sri", "csp_directives", "csp_header", "build_manifest"]

# The bundle can be served from any origin; 'self' stands for it when it is the page's own.
BUNDLE_ORIGIN = "'self'"
# A service worker is always served by the page's own origin (web push).
PAGE_ORIGIN = "'self'"
# The SDK loads its soft prompt (wzrk_dialog.min.js) from CleverTap's CDN, wherever the SDK itself comes from.
CLEVERTAP_CDN = "https://d2r1yp2w7bby2u.cloudfront.net"


def sri(data: bytes) -> str:
    """The Subresource Integrity value of ``data``: ``sha384-<base64>``."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _clevertap_hosts(settings: Settings) -> list[str]:
    # The SDK's data requests are JSONP <script>s to <region>.clevertap-prod.com, or to the proxy
    # domain, with the region prefixed when one is set (device-mode.md 3.5).
    if settings.target_domain:
        hosts = [f"https://{settings.target_domain}"]
        if settings.region != "none":
            hosts.append(f"https://{settings.region}.{settings.target_domain}")
        return hosts
    return ["https://*.clevertap-prod.com"]


def csp_directives(settings: Settings) -> dict[str, list[str]]:
    """The Content-Security-Policy directives the bundle needs, each a sorted list without duplicates."""
    pyodide = [_origin(settings.pyodide_url)] if settings.pyodide_url else []
    script_src = [BUNDLE_ORIGIN, _origin(settings.sdk_url), *_clevertap_hosts(settings), *pyodide, "'wasm-unsafe-eval'"]
    connect_src = [BUNDLE_ORIGIN, *pyodide, *_clevertap_hosts(settings)]
    # blob: the dedicated worker (its checked source as a blob); the bundle's origin: the SharedWorker,
    # which runs the worker file by its URL (used only when the bundle is on the page's origin).
    worker_src = ["blob:", BUNDLE_ORIGIN]
    if settings.web_push.enabled:
        worker_src.append(PAGE_ORIGIN)  # navigator.serviceWorker.register(service_worker_path)
        if not settings.web_push.skip_dialog:
            script_src.append(CLEVERTAP_CDN)
    if settings.in_app:
        # In-app popups are srcdoc iframes, which inherit this policy; the SDK writes inline handlers
        # (onclick="parent.$WZRK_WR.closeIframe(...)"), javascript: links and, for custom-editor
        # campaigns, inline <script> into them.
        script_src.append("'unsafe-inline'")
    return {
        "script-src": sorted(set(script_src)),
        "worker-src": sorted(set(worker_src)),
        "connect-src": sorted(set(connect_src)),
    }


def csp_header(directives: dict[str, list[str]]) -> str:
    """The directives as one header value, e.g. ``script-src 'self' ...; worker-src blob:``."""
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _hashed(name: str, names: dict[str, str | None]) -> bool:
    """Whether ``name`` is one of the content-hashed files (or a precompressed copy of one)."""
    return any(value and name.startswith(value) for value in names.values())


class _File(TypedDict):
    """A file's entry in the manifest."""

    size: int
    integrity: str


def _preload(names: dict[str, str | None], files: dict[str, _File]) -> list[dict[str, str]]:
    """<link> hints a page can put in its <head> so the boot's big downloads start with the page."""
    hints: list[dict[str, str]] = []
    worker = names.get("worker")
    if worker:
        hints.append({"rel": "preload", "as": "fetch", "href": worker, "crossorigin": "anonymous", "integrity": files[worker]["integrity"]})
    pyodide = names.get("pyodide")
    if pyodide:
        for name, kind in (("pyodide.mjs", "modulepreload"), ("pyodide.asm.mjs", "modulepreload"), ("pyodide.asm.wasm", "preload"), ("python_stdlib.zip", "preload")):
            href = pyodide + name
            hint = {"rel": kind, "href": href, "crossorigin": "anonymous", "integrity": files[href]["integrity"]}
            if kind == "preload":
                hint["as"] = "fetch"
            hints.append(hint)
    return hints


def build_manifest(
    root: Path, settings: Settings, versions: dict[str, str], names: dict[str, str | None] | None = None
) -> dict[str, object]:
    """The manifest of every file under ``root`` (the manifest itself aside).

    ``names`` are the content-hashed names the integration loads (worker, wheel, pyodide folder).
    """
    files: dict[str, _File] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if name == "manifest.json":
            continue
        data = path.read_bytes()
        files[name] = {"size": len(data), "integrity": sri(data)}
    directives = csp_directives(settings)
    names = names or {}
    manifest: dict[str, object] = {
        "names": dict(sorted(names.items())),
        "caching": {
            "immutable": sorted(n for n in files if _hashed(n, names)),
            "revalidate": sorted(n for n in files if not _hashed(n, names)),
            "note": "immutable files have content-hashed names: Cache-Control: public, max-age=31536000, immutable; "
            "the others (pages name them) need revalidation, e.g. max-age=300. Serve name.br / name.gz with "
            "Content-Encoding br / gzip when the request accepts it (SRI covers the decoded bytes).",
        },
        "preload": _preload(names, files),
        "files": files,
        "versions": dict(sorted(versions.items())),
        "csp": {
            "directives": directives,
            "header": csp_header(directives),
            "note": "'self' is the bundle's origin: list that origin instead when the bundle is served from another one.",
        },
        "settings": settings.to_config(),
    }
    if settings.web_push.enabled:
        manifest["service_worker"] = {
            "file": "clevertap_sw.js",
            "path": settings.web_push.service_worker_path,
            "note": "serve clevertap_sw.js at this path of the site's own origin (worker-src 'self' is that origin) as"
            " JavaScript, best at the root: the SDK registers it without a scope, so elsewhere it controls only its"
            " folder; a wider scope needs the header Service-Worker-Allowed.",
        }
    return manifest
