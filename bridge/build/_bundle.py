"""The bundle generator: builds the browser files for one site's settings.

``build_bundle(settings, out_dir)`` writes (docs/device-mode.md describes each file):

    Clevertap.min.js               RudderStack drop-in: window.Clevertap_RS.Clevertap
    clevertap-bridge.worker.<hash>.js   Pyodide + the bridge wheel behind a JSON boundary
    rudderanalytics.js             standalone snippet (the same integration, plus a rudderanalytics facade)
    bridge-<version>-py3-none-any.<hash>.whl   the device-mode modules only
    pyodide-<hash>/                the Pyodide runtime, with a standard library cut to what is imported
                                   (unless settings.pyodide_url is set)
    clevertap_sw.js                the CleverTap Web SDK's push service worker (only with [web_push] enabled)
    index.html, demo.js, demo.css  the demo page
    manifest.json                  sizes, SRI hashes, versions, CSP, the hashed names
    *.gz, *.br                     precompressed copies of the larger files, for static hosting

The files the integration loads have content-hashed names (a site can cache them for a year);
Clevertap.min.js and rudderanalytics.js keep stable names, since pages name them, and find the others
through their embedded config.

Everything is validated and rendered into a temporary directory first, then moved into place, so
a failed build leaves no output. The JavaScript is the ES modules of templates/js/, bundled by esbuild
with one generated module, ``config.js`` (bridge.build._js); every value that enters it passes through
:func:`to_js`. The demo page is a Jinja2 template.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import jinja2

from .. import __version__
from ..core import Settings
from ..device import INTEGRATION_KEYS, init_calls, start_values, web_push_calls
from ..device._browser import DISPLAY_NAME, INTEGRATION_NAME, START_SETTINGS, browser_rules, setting_names
from ..errors import BuildError, SettingsError
from ._js import bundle_js
from ._manifest import build_manifest, csp_directives, csp_header, sri
from ._stdlib import PYODIDE_ROOTS, STDLIB_PREFIX, WHEEL_PATH, WHEEL_PREFIX, bytecode_stdlib, compile_zips, cut_stdlib
from ._wheel import build_wheel, wheel_name, wheel_sources, wheel_stdlib_imports

__all__ = [
    "BuildError",
    "JsValue",
    "to_js",
    "privacy_table",
    "PRIVACY_STATES",
    "PYODIDE_FILES",
    "SERVICE_WORKER_FILE",
    "build_bundle",
    "render_bundle",
]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# pyodide-lock.json is not shipped: the worker hands loadPyodide its "info" (packages are never loaded).
# pyodide.js serves only the main-thread fallback; python_stdlib.zip is cut (bridge.build._stdlib).
PYODIDE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
STDLIB_FILE = "python_stdlib.zip"
# CLEVERTAP_BRIDGE_SOURCE_ONLY=1 builds with Python sources and no bytecode: the benchmark's comparison.
SOURCE_ONLY_ENV = "CLEVERTAP_BRIDGE_SOURCE_ONLY"
# Precompressed copies (name.gz, and name.br when the brotli package is installed) for these suffixes,
# where they are smaller: static hosts can serve them with Content-Encoding instead of compressing live.
COMPRESSED_SUFFIXES = (".js", ".mjs", ".wasm", ".zip", ".whl", ".json", ".css", ".html")
STATIC_FILES = ("demo.css", "demo.js")
WORKER_FILE = "clevertap-bridge.worker.js"
INTEGRATION_FILE = "Clevertap.min.js"
SNIPPET_FILE = "rudderanalytics.js"
# Web push: the SDK package's service worker, shipped under the name CleverTap's docs use.
SERVICE_WORKER_FILE = "clevertap_sw.js"
SERVICE_WORKER_SOURCE = "sw_webpush.min.js"
STORAGE_PREFIX = "clevertap_bridge_"

# How the JavaScript names the state of one privacy load option: a boolean, or absent (any
# other value counts as absent).
PRIVACY_STATES = ("absent", "true", "false")
_STATE_VALUES: dict[str, bool] = {"true": True, "false": False}


class JsValue(str):
    """Text already escaped for JavaScript by :func:`to_js`: the generated config module's value."""


_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def to_js(value: object) -> JsValue:
    """``value`` as a JavaScript literal that is safe inside a script and inside an HTML <script>.

    JSON, then ``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\u`` escapes: no ``</script>``, no
    ``<!--``, no line terminator that older engines reject inside a string literal.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for char, escape in _JS_ESCAPES.items():
        text = text.replace(char, escape)
    return JsValue(text)


def _environments(templates: Path) -> jinja2.Environment:
    """The demo page's environment: HTML, autoescaped."""
    loader = jinja2.FileSystemLoader(str(templates))
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=True)


def privacy_table(settings: Settings) -> dict[str, list[list[Any]]]:
    """``init_calls`` for every state of the load options optOut and useIP, keyed ``"<optOut>,<useIP>"``.

    Pyodide boots in seconds, but the privacy calls must be queued before the account is set:
    so Python answers every case at build time and the JavaScript only looks the answer up.
    """
    table: dict[str, list[list[Any]]] = {}
    for opt_out in PRIVACY_STATES:
        for use_ip in PRIVACY_STATES:
            options: dict[str, bool] = {}
            if opt_out in _STATE_VALUES:
                options["optOut"] = _STATE_VALUES[opt_out]
            if use_ip in _STATE_VALUES:
                options["useIP"] = _STATE_VALUES[use_ip]
            table[f"{opt_out},{use_ip}"] = init_calls(settings, {"CleverTap": options})
    return table


def _pinned_versions(root: Path) -> dict[str, str]:
    # package.json pins exact versions; reading it (not node_modules) works with pyodide_url too.
    try:
        package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{root / 'package.json'}: missing; the bundle is built from a checkout of the project") from None
    deps = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    return {"bridge": __version__, "pyodide": deps["pyodide"], "clevertap-web-sdk": deps["clevertap-web-sdk"]}


def _check(settings: Settings, root: Path) -> None:
    if not isinstance(settings, Settings):
        raise SettingsError(f"settings: {settings!r} is not a Settings")
    if settings.account_id is None:
        raise SettingsError("account_id: missing: a CleverTap project ID is required (dashboard name accountId)")
    if settings.pyodide_url is None and not (root / "node_modules" / "pyodide" / "pyodide.js").is_file():
        raise BuildError(f"{root / 'node_modules' / 'pyodide'}: Pyodide is not installed: run `make install-npm`")


def _service_worker(root: Path, pinned: str) -> bytes:
    """The SDK package's sw_webpush.min.js, from the clevertap-web-sdk version package.json pins."""
    package = root / "node_modules" / "clevertap-web-sdk"
    try:
        installed = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
        data = (package / SERVICE_WORKER_SOURCE).read_bytes()
    except FileNotFoundError as exc:
        raise BuildError(f"{exc.filename}: missing from clevertap-web-sdk: run `make install-npm`") from None
    if installed != pinned:
        raise BuildError(
            f"{package}: clevertap-web-sdk {installed} is installed but package.json pins {pinned}: run `make install-npm`"
        )
    return data


def _short_hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


def hashed_name(name: str, data: bytes) -> str:
    """``name`` with a content hash before its last suffix: ``a.worker.js`` -> ``a.worker.<hash>.js``."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{_short_hash(data)}{dot}{suffix}"


def _lock_info(root: Path) -> dict[str, Any] | None:
    # loadPyodide checks the lock file's ABI; the bridge loads no package, so "info" is all it needs.
    path = root / "node_modules" / "pyodide" / "pyodide-lock.json"
    if not path.is_file():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))["info"]
    return {"info": info, "packages": {}}


def _source_zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def pyodide_files(root: Path, bytecode: bool = True) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The Pyodide files the bundle ships, by name: the runtime as npm has it, the standard library cut
    and compiled to bytecode; also the bytecode of the wheel's modules (``{"bridge/x.py": pyc}``).
    ``bytecode=False`` ships sources only (the benchmark's comparison)."""
    files: dict[str, bytes] = {}
    pyodide_dir = root / "node_modules" / "pyodide"
    for name in PYODIDE_FILES:
        source = pyodide_dir / name
        if not source.is_file():
            raise BuildError(f"{source}: missing from the Pyodide package: run `make install-npm`")
        files[name] = source.read_bytes()
    roots = sorted(set(PYODIDE_ROOTS) | wheel_stdlib_imports(PACKAGE_DIR))
    files[STDLIB_FILE], _ = cut_stdlib(files[STDLIB_FILE], roots)
    if not bytecode:
        return files, {}
    stdlib_pycs, wheel_pycs = compile_zips(
        pyodide_dir,
        [(files[STDLIB_FILE], STDLIB_PREFIX), (_source_zip(wheel_sources(PACKAGE_DIR)), WHEEL_PREFIX)],
        root / "build" / "pyc",
    )
    files[STDLIB_FILE] = bytecode_stdlib(files[STDLIB_FILE], stdlib_pycs)
    return files, wheel_pycs


def _compress(data: bytes, suffix: str, cache: Path) -> bytes:
    """gzip -9 or brotli -q 11 of ``data``; large results are kept in ``cache`` by content (brotli takes
    tens of seconds on the wasm, and every build ships the same Pyodide)."""
    key = cache / (hashlib.sha256(data).hexdigest() + suffix)
    if len(data) >= 256 * 1024 and key.is_file():
        return key.read_bytes()
    if suffix == ".gz":
        packed = gzip.compress(data, compresslevel=9, mtime=0)
    else:
        import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]

        packed = bytes(brotli.compress(data, quality=11))
    if len(data) >= 256 * 1024:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            tmp = key.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(packed)
            tmp.replace(key)
        except OSError:
            pass  # a read-only checkout: compress again next time
    return packed


def _compressed_copies(out_dir: Path, root: Path) -> None:
    """name.gz (and name.br with the brotli package) beside each larger file, where that is smaller."""
    suffixes = [".gz"]
    try:
        import brotli  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
    except ImportError:
        print("brotli is not installed: the bundle gets .gz copies only", file=sys.stderr)
    else:
        suffixes.append(".br")
    cache = root / "build" / "compressed"
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file() and p.suffix in COMPRESSED_SUFFIXES):
        data = path.read_bytes()
        if len(data) < 1024:
            continue
        for suffix in suffixes:
            packed = _compress(data, suffix, cache)
            if len(packed) < 0.9 * len(data):
                (path.parent / (path.name + suffix)).write_bytes(packed)


def render_bundle(settings: Settings, out_dir: Path, root: Path = ROOT) -> dict[str, Any]:
    """Write the bundle for ``settings`` into the empty directory ``out_dir``; returns the manifest."""
    _check(settings, root)
    versions = _pinned_versions(root)
    html_env = _environments(root / "templates")
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(name: str, data: bytes) -> str:
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return sri(data)

    pyodide_integrity: str | None = None
    pyodide_dir: str | None = None
    wheel_pycs: dict[str, bytes] = {}
    if settings.pyodide_url is None:
        runtime, wheel_pycs = pyodide_files(root, bytecode=os.environ.get(SOURCE_ONLY_ENV) != "1")
        pyodide_dir = "pyodide-" + _short_hash(*(name.encode() + b"\0" + runtime[name] for name in sorted(runtime))) + "/"
        for name, data in runtime.items():
            integrity = write(pyodide_dir + name, data)
            if name == "pyodide.js":
                pyodide_integrity = integrity
    # Bytecode only beside the bundle's own Pyodide: another Pyodide may be another Python.
    wheel_bytes = build_wheel(PACKAGE_DIR, __version__, wheel_pycs)
    wheel = hashed_name(wheel_name(__version__), wheel_bytes)
    wheel_integrity = write(wheel, wheel_bytes)

    if settings.web_push.enabled:
        write(SERVICE_WORKER_FILE, _service_worker(root, versions["clevertap-web-sdk"]))

    worker_config = {
        "version": __version__,
        "wheelFile": wheel,
        "wheelIntegrity": wheel_integrity,
        # The wheel goes on sys.path as it is (zipimport): no unpacking, no zipfile/shutil/tempfile imports.
        "wheelPath": WHEEL_PATH,
        "pyodideIntegrity": pyodide_integrity,
        "pyodideDir": pyodide_dir,
        # The cut standard library ships only with the bundle's own Pyodide; a CDN copy brings its own.
        "stdlibFile": STDLIB_FILE if pyodide_dir else None,
        "lockFile": _lock_info(root),
    }
    worker_text, worker_modules = bundle_js(root, WORKER_FILE, to_js(worker_config))
    worker_file = hashed_name(WORKER_FILE, worker_text)
    worker_integrity = write(worker_file, worker_text)

    config = {
        "version": __version__,
        "settings": settings.to_config(),
        "settingNames": setting_names(),
        "startSettings": list(START_SETTINGS),
        "privacyTable": privacy_table(settings),
        # The SDK's start-up values for the file settings; a destination config that changes them asks Python.
        "startValues": {k: v for k, v in start_values(settings).items() if k != "calls"},
        # Every CleverTap name and rule the JavaScript applies (bridge.device._browser).
        "sdk": browser_rules(),
        "integrationKeys": list(INTEGRATION_KEYS),
        "integrationName": INTEGRATION_NAME,
        "displayName": DISPLAY_NAME,
        "storagePrefix": STORAGE_PREFIX,
        "workerFile": worker_file,
        "workerIntegrity": worker_integrity,
        "pyodideUrl": settings.pyodide_url,
        "pyodideDir": pyodide_dir,
        "integrationFile": INTEGRATION_FILE,
        # The one clevertap.notifications.push call, or none (bridge.device.web_push_calls).
        "webPush": web_push_calls(settings),
    }
    integration, integration_modules = bundle_js(root, INTEGRATION_FILE, to_js(config))
    write(INTEGRATION_FILE, integration)
    snippet, snippet_modules = bundle_js(root, SNIPPET_FILE, to_js(config))
    snippet_integrity = write(SNIPPET_FILE, snippet)

    static = {name: write(name, (root / "static" / name).read_bytes()) for name in STATIC_FILES}
    # The demo page enforces the CSP the manifest promises, so the demo proves it is enough.
    page = html_env.get_template("index.html.j2").render(
        version=__version__,
        csp=csp_header(csp_directives(settings)),
        snippet=SNIPPET_FILE,
        snippet_integrity=snippet_integrity,
        integrity=static,
        web_push=settings.web_push.enabled,
        service_worker_path=settings.web_push.service_worker_path,
    )
    write("index.html", page.encode("utf-8"))
    _compressed_copies(out_dir, root)

    names = {"worker": worker_file, "wheel": wheel, "pyodide": pyodide_dir}
    manifest = build_manifest(out_dir, settings, versions, names)
    # Which modules of templates/js/ each browser file holds, in bundle order (config.js is generated).
    manifest["modules"] = {INTEGRATION_FILE: integration_modules, SNIPPET_FILE: snippet_modules, worker_file: worker_modules}
    write("manifest.json", (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))
    return manifest


def build_bundle(settings: Settings, out_dir: Path | str, root: Path = ROOT) -> dict[str, Any]:
    """Build the bundle into ``out_dir``, replacing it only once the whole bundle is written."""
    out_dir = Path(out_dir).resolve()
    _check(settings, root)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        manifest = render_bundle(settings, tmp, root)
        os.chmod(tmp, 0o755)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
            old.rmdir()
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest
