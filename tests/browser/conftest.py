"""Fixtures for the browser tests: Chromium, the loopback server, the built bundle, the offline guard
and the CleverTap collector.

Everything runs on 127.0.0.1: the real RudderStack SDKs and the real CleverTap Web SDK come from
node_modules (the SDK is served at its public URL by route interception), CleverTap's endpoint is the
collector, and any other request is aborted and recorded by the guard; a test fails if one was made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bridge.errors import SettingsError
from bridge.settings import Settings, load_settings

from .collector import Collector
from .server import MIME_TYPES, StaticServer

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
PAGES = Path(__file__).resolve().parent / "pages"
CLEVERTAP_SDK_FILE = NODE_MODULES / "clevertap-web-sdk" / "clevertap.min.js"

DEFAULT_SDK_URL = "https://d2r1yp2w7bby2u.cloudfront.net/js/clevertap.min.js"
# RudderStack's own integration and older snippets load this one.
STATIC_SDK_URL = "https://static.clevertap.com/js/clevertap.min.js"

# The settings the test bundle is built with, unless $CLEVERTAP_BRIDGE_TEST_SETTINGS names a settings file
# (QA runs the suite against a bundle built for their site). The source config below carries the same
# account, region and trackAnonymous, as a site's RudderStack dashboard would.
TEST_SETTINGS: dict[str, Any] = {
    "account_id": "TEST-ACC-ID",
    "region": "in1",
    "track_anonymous": False,
    "opt_out": False,
    "use_ip": False,
}
SETTINGS_ENV = "CLEVERTAP_BRIDGE_TEST_SETTINGS"
WRITE_KEY = "TEST_WRITE_KEY"
DESTINATION_ID = "2TestCleverTapDest0000000001"

BROWSER_FIXTURES = {"page", "context", "browser", "env", "booted_page", "new_env"}


# ----------------------------------------------------------------------------------------------
# The session's settings: TEST_SETTINGS, or QA's file


def settings_file() -> Path | None:
    """The settings file named by $CLEVERTAP_BRIDGE_TEST_SETTINGS, or None when the variable is unset or empty."""
    value = os.environ.get(SETTINGS_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


_SESSION_SETTINGS: dict[Path | None, Settings] = {}


def session_settings() -> Settings:
    """The settings the session bundle is built with: QA's file (read by ``bridge.settings.load_settings``)
    when $CLEVERTAP_BRIDGE_TEST_SETTINGS names one, else TEST_SETTINGS."""
    path = settings_file()
    if path not in _SESSION_SETTINGS:
        _SESSION_SETTINGS[path] = load_settings(path) if path else Settings.from_config(TEST_SETTINGS)
    return _SESSION_SETTINGS[path]


def data_host(settings: Settings) -> str:
    """The host the CleverTap Web SDK sends to for these settings (its Account.finalTargetDomain):
    ``<region>.<domain>`` with a region, else the proxy domain itself or ``eu1.clevertap-prod.com``."""
    domain = settings.target_domain or "clevertap-prod.com"
    if settings.region != "none":
        return f"{settings.region}.{domain}"
    return domain if settings.target_domain else "eu1.clevertap-prod.com"


def collector_hosts(settings: Settings) -> list[str]:
    """Hosts besides ``*.clevertap-prod.com`` the collector must answer: the proxy domain and its region host."""
    if not settings.target_domain:
        return []
    return sorted({settings.target_domain, data_host(settings)})


def pytest_configure(config: pytest.Config) -> None:
    """A bad $CLEVERTAP_BRIDGE_TEST_SETTINGS stops the run at once with the settings error, not in every test."""
    try:
        session_settings()
    except SettingsError as exc:
        raise pytest.UsageError(f"{SETTINGS_ENV}: {exc}") from None


# ----------------------------------------------------------------------------------------------
# Chromium


def _playwright_chromium_installed() -> bool:
    # Playwright's own download, if any (PLAYWRIGHT_BROWSERS_PATH or the default cache).
    base = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return any(p.is_file() for p in base.glob("chromium-*/chrome-*/chrome"))


def find_chromium() -> str | None:
    """A Chromium binary outside Playwright's cache: CHROMIUM_PATH, /usr/bin/chromium, or chromium on PATH."""
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip, rather than error, the tests that need a browser when there is none."""
    if _playwright_chromium_installed() or find_chromium():
        return
    skip = pytest.mark.skip(
        reason="no Chromium: install Debian's chromium (make install-chromium) or set CHROMIUM_PATH"
    )
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], playwright: Any) -> dict[str, Any]:
    """The plugin's launch options (--headed, --slowmo, ... keep working) plus the Chromium to use."""
    args = dict(browser_type_launch_args)
    own = Path(playwright.chromium.executable_path)
    if not own.is_file() and "executable_path" not in args:
        path = find_chromium()
        if path is None:
            pytest.skip("no Chromium found (CHROMIUM_PATH, /usr/bin/chromium, chromium on PATH)")
        args["executable_path"] = path
    args["args"] = [*args.get("args", []), "--disable-gpu", "--disable-dev-shm-usage"]
    return args


# ----------------------------------------------------------------------------------------------
# The loopback server, the source config and the bundle


def source_config(
    write_key: str = WRITE_KEY,
    destination_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """RudderStack's source config with one device-mode CleverTap destination."""
    settings = session_settings()
    config: dict[str, Any] = {
        "accountId": settings.account_id,
        "passcode": "TEST-PASSCODE",
        "region": settings.region,
        "trackAnonymous": settings.track_anonymous,
        "enableObjectIdMapping": settings.enable_object_id_mapping,
        "useNativeSDK": True,
        "connectionMode": "device",
        "eventFilteringOption": "disable",
        "blacklistedEvents": [],
        "whitelistedEvents": [],
        "oneTrustCookieCategories": [],
        "consentManagement": [],
    }
    config.update(destination_config or {})
    return {
        "isHosted": True,
        "source": {
            "id": "2TestSourceId000000000000001",
            "name": "Local test web source",
            "writeKey": write_key,
            "workspaceId": "2TestWorkspace00000000000001",
            "enabled": True,
            "config": {"statsCollection": {"errors": {"enabled": False}, "metrics": {"enabled": False}}},
            "destinations": [
                {
                    "id": DESTINATION_ID,
                    "name": "CleverTap device mode (local)",
                    "enabled": True,
                    "config": config,
                    "destinationDefinitionId": "1eBvBtJ0yXlzSZmSMzQm2uOdHf3",
                    "destinationDefinition": {"name": "CLEVERTAP", "displayName": "CleverTap"},
                    "updatedAt": "2024-01-01T00:00:00.000Z",
                    "shouldApplyDeviceModeTransformation": False,
                    "propagateEventsUntransformedOnError": False,
                }
            ],
        },
    }


@pytest.fixture(scope="session")
def server() -> Iterator[StaticServer]:
    """The loopback server: node_modules and the harness pages mounted, the default source config registered."""
    srv = StaticServer().start()
    srv.mount("node_modules", NODE_MODULES)
    srv.mount("pages", PAGES)
    srv.source_configs[WRITE_KEY] = source_config()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def base_url(server: StaticServer) -> str:
    """pytest-base-url's fixture: relative ``page.goto`` paths resolve against the loopback server."""
    return server.origin


def _toml(settings: dict[str, Any]) -> str:
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())


def build_bundle(server: StaticServer, work: Path, settings: dict[str, Any] | Path, prefix: str = "bundle") -> str:
    """Run build.py for ``settings`` (a dict, or a TOML file used as it is) into ``work`` and serve the
    result under ``/<prefix>/``; returns its URL without the trailing slash (what a site passes as destSDKBaseURL)."""
    if isinstance(settings, Path):
        settings_file = settings
    else:
        settings_file = work / "settings.toml"
        settings_file.write_text(_toml(settings), encoding="utf-8")
    out = work / "out"
    done = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--settings", str(settings_file), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"build.py failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    assert (out / "Clevertap.min.js").is_file(), f"build.py wrote no Clevertap.min.js: {sorted(p.name for p in out.iterdir())}"
    return server.mount(prefix, out).rstrip("/")


@pytest.fixture(scope="session")
def bundle(server: StaticServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bundle built by build.py, served at ``/bundle/``; returns its URL (no slash). Built with
    TEST_SETTINGS, or from QA's file when $CLEVERTAP_BRIDGE_TEST_SETTINGS names one."""
    return build_bundle(server, tmp_path_factory.mktemp("bundle"), settings_file() or TEST_SETTINGS)


# ----------------------------------------------------------------------------------------------
# Per-test browser environment

# Appended to the bundle's Clevertap.min.js as it is served: records, as JSON, every message the
# integration class receives from the RudderStack SDK, before the bundle's own code sees it.
RECEIVED_HOOK = r"""
;(function () {
  var w = window, rs = w.Clevertap_RS;
  if (!rs || typeof rs.Clevertap !== "function") return;
  var proto = rs.Clevertap.prototype;
  if (proto.__testHooked) return;
  Object.defineProperty(proto, "__testHooked", {value: true});
  w.__ctReceived = w.__ctReceived || [];
  ["identify", "track", "page", "screen", "alias", "group"].forEach(function (method) {
    var original = proto[method];
    if (typeof original !== "function") return;
    proto[method] = function (element) {
      try {
        w.__ctReceived.push({method: method, message: JSON.parse(JSON.stringify(element && element.message))});
      } catch (e) {
        w.__ctReceived.push({method: method, error: String(e)});
      }
      return original.apply(this, arguments);
    };
  });
})();
"""


@dataclass
class Env:
    """One fresh browser context with the guard, the SDK route, the collector and the recorders."""

    context: Any
    page: Any
    server: StaticServer
    collector: Collector
    blocked: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    sdk_requests: list[str] = field(default_factory=list)
    expect_page_errors: bool = False
    hook_routes: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return self.server.origin

    def warnings(self) -> list[str]:
        """Console messages of type warning (and error) seen on the page so far."""
        return [text for kind, text in self.console if kind in ("warning", "error")]

    def remove_received_hook(self) -> None:
        """Serve the bundle's files unchanged (needed where the page checks their SRI hashes)."""
        for pattern, handler in self.hook_routes:
            self.context.unroute(pattern, handler)
        self.hook_routes = []

    def received(self) -> list[dict[str, Any]]:
        """The messages the integration class received (recorded by RECEIVED_HOOK), in order."""
        return list(self.page.evaluate("() => window.__ctReceived || []"))

    def wait_for_received(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Wait until the integration received at least ``count`` messages."""
        self.page.wait_for_function(
            "n => (window.__ctReceived || []).length >= n", arg=count, timeout=timeout * 1000
        )
        return self.received()


def _install_guard(context: Any, server: StaticServer, blocked: list[str]) -> None:
    # localhost too: the CleverTap SDK sets up web push on http:// only for the host name "localhost".
    allowed = {("127.0.0.1", server.port), ("localhost", server.port)}

    def guard(route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or (parts.hostname, parts.port) in allowed:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", guard)


def _install_sdk(context: Any, sdk_requests: list[str], sdk_url: str) -> None:
    body = CLEVERTAP_SDK_FILE.read_bytes()

    def serve_sdk(route: Any) -> None:
        sdk_requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=body)

    for url in sorted({DEFAULT_SDK_URL, STATIC_SDK_URL, sdk_url}):
        context.route(url, serve_sdk)


def serve_pyodide_cdn(context: Any, cdn_url: str, requests: list[str] | None = None) -> None:
    """Fulfil a Pyodide CDN folder (a ``pyodide_url`` setting) from node_modules/pyodide, with CORS
    (the worker imports it as a module); ``requests`` records the file names asked for."""

    def from_node_modules(route: Any) -> None:
        name = route.request.url[len(cdn_url):].split("?")[0]
        path = NODE_MODULES / "pyodide" / name
        if requests is not None:
            requests.append(name)
        if "/" in name or not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        content_type = MIME_TYPES.get(path.suffix, "application/octet-stream")
        route.fulfill(status=200, body=path.read_bytes(), content_type=content_type, headers={"Access-Control-Allow-Origin": "*"})

    context.route(f"{cdn_url}**", from_node_modules)


# In rudderanalytics.js the integration comes first and the facade after it; the facade may call the
# integration while the file is still running (calls buffered before it loaded), so the hook goes between.
SNIPPET_MARKER = "/* clevertap-bridge standalone snippet"


def _install_received_hook(context: Any, server: StaticServer) -> list[tuple[str, Any]]:
    def serve_with_hook(route: Any) -> None:
        path = server.resolve(urlsplit(route.request.url).path)
        if path is None:
            route.continue_()
            return
        text = path.read_text(encoding="utf-8")
        at = text.find(SNIPPET_MARKER) if path.name == "rudderanalytics.js" else -1
        body = text[:at] + RECEIVED_HOOK + text[at:] if at >= 0 else text + RECEIVED_HOOK
        route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=body, headers={"Access-Control-Allow-Origin": "*"})

    routes = [
        (f"{server.origin}/{prefix}/{name}*", serve_with_hook)
        for prefix in server.mounts
        if prefix.startswith("bundle")
        for name in ("Clevertap.min.js", "rudderanalytics.js")
    ]
    for pattern, handler in routes:
        context.route(pattern, handler)
    return routes


# CLEVERTAP_BRIDGE_NO_SHARED_WORKER=1 runs the whole browser suite with the shared worker forced off (the
# dedicated worker and its snapshot, as on browsers without SharedWorker); tests/browser/test_queue.py
# also runs its key tests in both modes.
NO_SHARED_WORKER_ENV = "CLEVERTAP_BRIDGE_NO_SHARED_WORKER"


def force_dedicated_worker(context: Any) -> None:
    """Every page of ``context`` runs Python in its own dedicated worker, as where SharedWorker is missing."""
    context.add_init_script("window.__clevertapBridgeNoSharedWorker = true;")


def make_env(context: Any, page: Any, server: StaticServer, hook: bool = True) -> Env:
    """Install the guard (first, so every later route wins over it), the SDK (at the session's sdk_url
    too), a Pyodide CDN the session's settings name, the collector (with their proxy hosts) and the hook."""
    settings = session_settings()
    env = Env(context=context, page=page, server=server, collector=Collector())
    _install_guard(context, server, env.blocked)
    _install_sdk(context, env.sdk_requests, settings.sdk_url)
    if settings.pyodide_url:
        serve_pyodide_cdn(context, settings.pyodide_url)
    env.collector.install(context, extra_hosts=collector_hosts(settings))
    if hook:
        env.hook_routes = _install_received_hook(context, server)
    # Playwright's routes (the guard, a CDN's Pyodide served from node_modules) do not reach a SharedWorker's
    # requests: with a CDN pyodide_url the worker is dedicated, so nothing it fetches can leave loopback.
    if os.environ.get(NO_SHARED_WORKER_ENV) == "1" or settings.pyodide_url:
        force_dedicated_worker(context)
    page.on("console", lambda msg: env.console.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: env.page_errors.append(f"{exc.name}: {exc.message}"))
    page.set_default_timeout(60_000)
    return env


def check_env(env: Env) -> None:
    """The checks every end-to-end test ends with: nothing left loopback; nothing thrown on the page."""
    assert not env.blocked, f"requests left 127.0.0.1 (aborted by the guard): {env.blocked}"
    assert not env.collector.decode_errors, f"CleverTap requests whose d could not be decoded: {env.collector.decode_errors}"
    if not env.expect_page_errors:
        assert not env.page_errors, f"uncaught errors on the page: {env.page_errors}"


def wire_summary(env: Env) -> dict[str, Any]:
    """What reached the collector, in short: hosts, account ids and event names of the integration's pushes."""
    pushes = env.collector.pushes()
    return {
        "settings": str(settings_file() or "TEST_SETTINGS"),
        "hosts": sorted({p.host for p in pushes}),
        "accounts": sorted({str(p.payload.get("id")) for p in pushes if isinstance(p.payload, dict)}),
        "events": [r.get("evtName") for r in env.collector.records() if r.get("type") == "event"],
        "pushes": len(pushes),
    }


@pytest.fixture
def env(context: Any, page: Any, server: StaticServer, request: pytest.FixtureRequest) -> Generator[Env, None, None]:
    """A fresh context (pytest-playwright's, one per test: CleverTap's storage must not leak between tests)."""
    server.reset()
    environment = make_env(context, page, server)
    yield environment
    # A property of the test's report (written by --junitxml): test_qa_settings.py reads what a run saw.
    request.node.user_properties.append(("clevertap_wire", json.dumps(wire_summary(environment))))
    check_env(environment)
