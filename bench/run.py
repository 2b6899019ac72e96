"""``make bench`` (``python -m bench``): the bridge side by side with a plain JavaScript integration, loaded as
a real site is.

Variants, each through the real CleverTap Web SDK from npm:

- ``direct``: the RudderStack SDK v3 and ``bench/direct/Clevertap.min.js``, a small pure-JS integration that
  maps in JavaScript and pushes to ``window.clevertap`` as RudderStack's own device mode does: the limit;
- ``bridge``: the RudderStack SDK v3 and the bundle's ``Clevertap.min.js`` (Python in a Pyodide worker);
- ``standalone``: the bundle's ``rudderanalytics.js``, no RudderStack.

Each run is one visitor: a new persistent Chromium profile loads the page (cold), loads it again (warm, the
HTTP cache and the code caches kept), then makes a burst of tracks. Nothing is routed by Playwright (routing
turns the HTTP cache off): Chromium's ``--host-resolver-rules`` send CleverTap's, RudderStack's and the site's
host names to one local TLS server (``bench.site``), and every other name fails to resolve; a request for any
other host aborts the bench. Figures per load: time from navigation start to the first of the page's calls
on CleverTap's wire (server arrival time minus ``performance.timeOrigin``), main-thread long tasks, bytes the
server sent (gzip); per burst: time until every track is on the wire, how many arrived (each once?), and the
CPU time of the worker's thread per event (``bench.cpu``).

Results: a table on stdout (medians, ratios to ``direct``), ``bench/results.json`` (every run, medians,
ratios, issue 6's targets met or missed by how much) and ``bench/timeline.svg`` (``bench.timeline``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from bridge.bundle import build_bundle
from bridge.settings import Settings
from tests.browser.collector import Collector, WireRequest
from tests.browser.conftest import TEST_SETTINGS, find_chromium, source_config

from .cpu import ThreadTimes, browser_pid, thread_times
from .site import SITE_HOST, BenchServer, Logged, host_resolver_rules, is_bench_host, make_certificate
from .timeline import write_svg

__all__ = ["main", "VARIANTS", "TARGETS", "summarize", "table", "markdown", "readme_block", "update_readme"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE_MODULES = ROOT / "node_modules"
RUDDERSTACK_UMD = NODE_MODULES / "@rudderstack" / "analytics-js" / "dist" / "npm" / "modern" / "bundled" / "umd"
CLEVERTAP_SDK = NODE_MODULES / "clevertap-web-sdk" / "clevertap.min.js"

# transformed: the bridge with the demo's transformation (demo_transformation.py: the email hashed in
# every call), to show what a site's own Python costs beside the bridge without one.
VARIANTS = ("direct", "bridge", "transformed", "standalone")
TRANSFORMATION = ROOT / "demo_transformation.py"
VIEWS = ("cold", "warm")
# Chromium's network emulation (CDP Network.emulateNetworkConditions): latency is the round trip in ms,
# throughputs in bytes per second. "cable": 10 Mbit/s down, 40 ms; "mobile": Lighthouse's slow 4G.
NETWORKS: dict[str, dict[str, float]] = {
    "cable": {"latency": 40, "downloadThroughput": 10e6 / 8, "uploadThroughput": 5e6 / 8},
    "mobile": {"latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 0.75e6 / 8},
}
MEMORY_SETTLE_MS = 1500  # after a load, before reading the browser's memory: the boot's garbage settles
WRITE_KEY = "BENCH_WRITE_KEY"
BURST_EVENT = "Bench Burst"
LOAD_TIMEOUT_S = 120.0
BURST_STALL_S = 30.0  # no new burst event for this long, the page idle: the rest is not coming
BURST_CAP_S = 420.0
BUSY_S = 0.5  # the page takes longer than this to answer: its main thread is still at work
SETTLE_MS = 500  # after the page's calls are on the wire, long tasks may still be running
MB = 1e6


class Escaped(RuntimeError):
    """A request for a host the bench does not serve: it would have left the machine."""


@dataclass
class Site:
    server: BenchServer
    port: int
    spki: str
    bundle_url: str
    direct_url: str
    transformed_url: str

    def page_url(self, variant: str, view: str) -> str:
        if variant == "standalone":
            return f"https://{SITE_HOST}/pages/standalone.html?src={quote(self.bundle_url + 'rudderanalytics.js')}&view={view}"
        dest = {"direct": self.direct_url, "transformed": self.transformed_url}.get(variant, self.bundle_url).rstrip("/")
        return f"https://{SITE_HOST}/pages/rudderstack.html?key={WRITE_KEY}&dest={quote(dest)}&view={view}"


@dataclass
class Visitor:
    """One persistent profile, and what it saw that it should not have."""

    context: Any
    page: Any
    pid: int | None
    escaped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        if self.escaped:
            raise Escaped("requests for hosts the bench does not serve (they would leave the machine): "
                          + ", ".join(sorted(set(self.escaped))[:10]))


# ----------------------------------------------------------------------------------------------
# One page load, one burst


def _of_view(request: WireRequest, view: str) -> bool:
    """Whether a request carries one of this page view's calls (bench.js tags each with the view's name)."""
    payload = request.payload if isinstance(request.payload, dict) else {}
    data, profile = payload.get("evtData"), payload.get("profile")
    return (isinstance(data, dict) and data.get("view") == view) or (isinstance(profile, dict) and profile.get("visit") == view)


def _is_page_event(request: WireRequest, view: str) -> bool:
    return isinstance(request.payload, dict) and "evtName" in request.payload and _of_view(request, view)


def _initial_done(pushes: list[WireRequest], view: str) -> bool:
    names = {p.payload.get("evtName") for p in pushes if isinstance(p.payload, dict) and _is_page_event(p, view)}
    return "Product Viewed" in names and any(isinstance(n, str) and "Page Viewed" in n for n in names)


def _times(server: BenchServer, mark: int) -> tuple[list[Logged], dict[int, float]]:
    log = server.since(mark)
    return log, {id(entry.wire): entry.start for entry in log if entry.wire is not None}


def _category(entry: Logged) -> str:
    path = entry.path
    if entry.wire is not None:
        return "clevertap-wire"
    if entry.host.endswith("rudderstack.com") or path.startswith("/vendor/rudderstack"):
        return "rudderstack"
    if entry.host.endswith("cloudfront.net"):
        return "clevertap-sdk"
    if path.startswith(("/clevertap-bridge/", "/clevertap-bridge-transformed/")):
        name = path.rsplit("/", 1)[-1]
        if "/pyodide/" in path or name.endswith((".whl", ".wasm", ".zip")) or "pyodide" in name or "snapshot" in name:
            return "python"
        return "integration"
    if path.startswith("/direct/"):
        return "integration"
    return "page"


def load_page(site: Site, visitor: Visitor, variant: str, view: str, page: Any = None) -> dict[str, Any]:
    """Navigate to the variant's page (in ``page``, by default the visitor's first tab) and wait until its
    calls are on CleverTap's wire; the load's figures."""
    server = site.server
    server.collector = Collector()
    mark = server.mark()
    page = page or visitor.page
    page.goto(site.page_url(variant, view), wait_until="commit")
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    polls = 0
    while not _initial_done(server.collector.pushes(include_optout=False), view):
        visitor.check()
        polls += 1
        errors = page.evaluate("() => window.__bench ? __bench.errors : []") if polls % 40 == 0 else []
        if errors:
            raise RuntimeError(f"{variant} {view}: the page failed: {errors}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{variant} {view}: the page's calls were not on the wire after {LOAD_TIMEOUT_S:.0f} s; "
                               f"arrived: {json.dumps(server.collector.records())[:500]}")
        page.wait_for_timeout(25)
    page.wait_for_timeout(SETTLE_MS)
    seen = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          return {timeOrigin: performance.timeOrigin, now: performance.now(), longtasks: __bench.longtasks,
                  marks: __bench.marks, errors: __bench.errors, paint: __bench.paint,
                  nav: nav ? {responseEnd: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd} : null};
        }"""
    )
    visitor.check()
    origin = float(seen["timeOrigin"]) / 1000
    log, arrival = _times(server, mark)
    pushes = [p for p in server.collector.pushes(include_optout=False) if id(p) in arrival and _of_view(p, view)]
    events = [p for p in pushes if _is_page_event(p, view)]

    def ms(t: float) -> float:
        return round((t - origin) * 1000, 1)

    longtasks = [(round(s, 1), round(d, 1)) for s, d in seen["longtasks"]]
    requests = [
        {"start": ms(e.start), "end": ms(e.end), "host": e.host, "path": e.path, "status": e.status,
         "bytes": e.body_bytes, "encoding": e.encoding, "category": _category(e)}
        for e in log
    ]
    by_file: dict[str, int] = {}
    for e in log:
        by_file[e.path] = by_file.get(e.path, 0) + e.body_bytes
    document = next((e for e in log if e.path.startswith("/pages/") and e.path.endswith(".html")), None)
    return {
        "first_event_ms": ms(min(arrival[id(p)] for p in pushes)) if pushes else None,
        "all_events_ms": ms(max(arrival[id(p)] for p in events)) if events else None,
        "longtask_ms": round(sum(d for _, d in longtasks), 1),
        "longtask_count": len(longtasks),
        "bytes": sum(e.body_bytes for e in log),
        "bytes_gzip": sum(e.gzip_bytes for e in log),
        # Without the page's own files (its HTML, bench.js, the hero image): what the analytics cost.
        "bytes_analytics": sum(e.body_bytes for e in log if _category(e) != "page"),
        "fcp_ms": _round(seen["paint"]["fcp"]),
        "lcp_ms": _round(seen["paint"]["lcp"]),
        "lcp_element": seen["paint"]["lcpElement"],
        "requests": len(log),
        "not_found": sorted({f"{e.host}{e.path}" for e in log if e.status == 404 and e.path != "/favicon.ico"}),
        "bytes_by_path": dict(sorted(by_file.items(), key=lambda kv: -kv[1])),
        "document_arrival_ms": ms(document.start) if document else None,
        "page_errors": list(seen["errors"]),
        "timeline": {
            "requests": requests,
            "longtasks": longtasks,
            "marks": {k: round(v, 1) for k, v in seen["marks"].items()},
            "nav": seen["nav"],
            "first_event_ms": ms(min(arrival[id(p)] for p in pushes)) if pushes else None,
            "end_ms": round(seen["now"], 1),
        },
    }


def _round(value: Any) -> float | None:
    return round(float(value), 1) if isinstance(value, int | float) else None


def browser_memory(pid: int | None) -> int | None:
    """The proportional set size (PSS, shared pages split between their processes) of the browser process
    and every process under it, in bytes (Linux ``/proc``); None elsewhere."""
    if pid is None:
        return None
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(proc.name))
    total, todo, found = 0, [pid], False
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    found = True
        except OSError:
            continue
    return total if found else None


def _memory(visitor: Visitor, page: Any) -> int | None:
    page.wait_for_timeout(MEMORY_SETTLE_MS)
    return browser_memory(visitor.pid)


def _cpu(before: ThreadTimes | None, after: ThreadTimes | None) -> tuple[float | None, float | None]:
    if before is None or after is None:
        return None, None
    worker = ThreadTimes.delta(before.workers, after.workers) if after.workers else None
    return ThreadTimes.delta(before.main, after.main), worker


def burst(site: Site, visitor: Visitor, count: int) -> dict[str, Any]:
    """``count`` tracks in one task once the page's own calls are out; figures until all are on the wire
    (or none came for BURST_STALL_S)."""
    server = site.server
    server.collector = Collector()
    mark = server.mark()
    page = visitor.page
    before = thread_times(visitor.pid)
    origin = page.evaluate("() => performance.timeOrigin")
    times = page.evaluate("n => __bench.burst(n)", count)
    started = last_change = time.monotonic()
    distinct: set[Any] = set()
    stopped = "complete"
    while len(distinct) < count:
        visitor.check()
        now = time.monotonic()
        if now - last_change > BURST_STALL_S or now - started > BURST_CAP_S:
            stopped = "stalled" if now - last_change > BURST_STALL_S else "cap"
            break
        # A page still busy with the burst (the main thread does not answer within BUSY_S) is not stalled,
        # however long it takes: the stall clock runs only while the page is idle and nothing arrives.
        asked = time.monotonic()
        page.evaluate("() => 0")
        if time.monotonic() - asked > BUSY_S:
            last_change = time.monotonic()
        page.wait_for_timeout(250)
        arrived = {p.payload.get("evtData", {}).get("i") for p in server.collector.pushes()
                   if isinstance(p.payload, dict) and p.payload.get("evtName") == BURST_EVENT}
        if len(arrived) > len(distinct):
            distinct, last_change = arrived, time.monotonic()
    after = thread_times(visitor.pid)
    # The burst's own task began just before its first timestamp: count every task that ends after it.
    longtasks = page.evaluate("start => __bench.longtasks.filter(t => t[0] + t[1] >= start)", times["start"] - origin)
    log, arrival = _times(server, mark)
    pushes = [p for p in server.collector.pushes() if id(p) in arrival and isinstance(p.payload, dict)
              and p.payload.get("evtName") == BURST_EVENT]
    main_s, worker_s = _cpu(before, after)
    got = len({p.payload.get("evtData", {}).get("i") for p in pushes})
    last = max((arrival[id(p)] for p in pushes), default=None)
    return {
        "count": count,
        "arrived": got,
        "duplicates": len(pushes) - got,
        "ms": round(last * 1000 - times["start"], 1) if last is not None else None,
        "complete": got == count,
        # complete; stalled: nothing new for BURST_STALL_S (the rest was dropped); cap: still coming after BURST_CAP_S
        "stopped": stopped if got < count else "complete",
        "calls_ms": round(times["end"] - times["start"], 1),
        "longtask_ms": round(sum(d for _, d in longtasks), 1),
        "main_cpu_ms": round(main_s * 1000, 1) if main_s is not None else None,
        "worker_cpu_ms": round(worker_s * 1000, 1) if worker_s is not None else None,
        "worker_us_per_event": round(worker_s * 1e6 / got, 1) if worker_s is not None and got else None,
        "main_us_per_event": round(main_s * 1e6 / got, 1) if main_s is not None and got else None,
        "bytes": sum(e.body_bytes for e in log),
    }


# ----------------------------------------------------------------------------------------------
# Visitors


def chromium_path(playwright: Any) -> str | None:
    """Playwright's own Chromium when installed, else the lookup of tests/browser/conftest.py; None: the
    default executable (Playwright's)."""
    if Path(playwright.chromium.executable_path).is_file():
        return None
    path = find_chromium()
    if path is None:
        raise SystemExit("bench: no Chromium (install Debian's chromium, `make install-chromium`, or set CHROMIUM_PATH)")
    return path


def throttle(visitor: Visitor, page: Any, network: str | None) -> None:
    """Chromium's network emulation for ``page`` (and the workers it starts), or none."""
    if network is None:
        return
    cdp = visitor.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **NETWORKS[network]})


def new_tab(visitor: Visitor, network: str | None = None) -> Any:
    page = visitor.context.new_page()
    page.on("pageerror", lambda e: visitor.page_errors.append(str(e)))
    throttle(visitor, page, network)
    return page


@contextmanager
def open_visitor(playwright: Any, site: Site, executable: str | None, profile: Path) -> Iterator[Visitor]:
    """A Chromium with its own persistent profile, the resolver rules and the certificate's hash, watched
    for requests that would leave the machine."""
    args = ["--disable-gpu", "--disable-dev-shm-usage", f"--host-resolver-rules={host_resolver_rules(site.port)}",
            f"--ignore-certificate-errors-spki-list={site.spki}"]
    options: dict[str, Any] = {"headless": True, "args": args}
    if executable:
        options["executable_path"] = executable
    context = playwright.chromium.launch_persistent_context(str(profile), **options)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        visitor = Visitor(context, page, browser_pid(profile))

        def on_request(request: Any) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and not is_bench_host(parts.hostname or ""):
                visitor.escaped.append(request.url)

        def on_failed(request: Any) -> None:
            visitor.failed.append(f"{request.url}: {request.failure}")
            if "ERR_NAME_NOT_RESOLVED" in str(request.failure):  # a name the resolver rules do not map
                visitor.escaped.append(request.url)

        context.on("request", on_request)
        context.on("requestfailed", on_failed)
        page.on("pageerror", lambda e: visitor.page_errors.append(str(e)))
        yield visitor
    finally:
        context.close()


def visit(playwright: Any, site: Site, executable: str | None, variant: str, profile: Path, burst_count: int,
          networks: list[str]) -> dict[str, Any]:
    """One visitor: a new profile, a cold load (then the browser's memory with one tab), a warm load (the
    same page again), a same-tab navigation to a second page, the page in a new tab and in a third (then
    the memory with three tabs), a burst; then, for each throttled network, a new profile's cold load and
    same-tab navigation."""
    result: dict[str, Any] = {"variant": variant}
    with open_visitor(playwright, site, executable, profile) as visitor:
        result["cold"] = load_page(site, visitor, variant, "cold")
        memory = {"one_tab": _memory(visitor, visitor.page)}
        result["warm"] = load_page(site, visitor, variant, "warm")
        result["nav"] = load_page(site, visitor, variant, "nav")
        tabs = [new_tab(visitor), new_tab(visitor)]
        result["tab"] = load_page(site, visitor, variant, "tab", tabs[0])
        result["tab3"] = load_page(site, visitor, variant, "tab3", tabs[1])
        memory["three_tabs"] = _memory(visitor, tabs[1])
        result["memory"] = memory
        for tab in tabs:
            tab.close()
        visitor.page.bring_to_front()
        result["burst"] = burst(site, visitor, burst_count) if burst_count else None
        visitor.check()
        result["failed_requests"] = visitor.failed
        result["page_errors"] = visitor.page_errors
    result["net"] = {}
    for network in networks:
        slow = profile.with_name(f"{profile.name}-{network}")
        try:
            with open_visitor(playwright, site, executable, slow) as visitor:
                # Chromium's network emulation reaches a page and its dedicated workers, not a SharedWorker
                # (a target of its own): throttled loads use the dedicated worker, which fetches the same files.
                visitor.context.add_init_script("window.__clevertapBridgeNoSharedWorker = true;")
                throttle(visitor, visitor.page, network)
                result["net"][network] = {view: load_page(site, visitor, variant, view) for view in ("cold", "nav")}
                visitor.check()
                result["failed_requests"] += visitor.failed
                result["page_errors"] += visitor.page_errors
        finally:
            shutil.rmtree(slow, ignore_errors=True)
    return result


# ----------------------------------------------------------------------------------------------
# Summary: medians, ratios to direct, targets


def _get(run: dict[str, Any], path: str) -> Any:
    value: Any = run
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


# (key, label, unit, scale): the figures of the table, in order.
METRICS: list[tuple[str, str, str, float]] = [
    ("cold.first_event_ms", "first event on the wire, cold", "s", 1000),
    ("warm.first_event_ms", "first event on the wire, warm", "s", 1000),
    ("cold.all_events_ms", "track and page events on the wire, cold", "s", 1000),
    ("warm.all_events_ms", "track and page events on the wire, warm", "s", 1000),
    ("nav.first_event_ms", "first event, same-tab navigation to a second page", "s", 1000),
    ("tab.first_event_ms", "first event, the site in a new tab", "s", 1000),
    ("cold.fcp_ms", "first contentful paint, cold", "s", 1000),
    ("cold.lcp_ms", "largest contentful paint (hero image), cold", "s", 1000),
    ("cold.longtask_ms", "main-thread long tasks, cold", "ms", 1),
    ("warm.longtask_ms", "main-thread long tasks, warm", "ms", 1),
    ("cold.bytes", "bytes transferred, cold (brotli)", "MB", MB),
    ("cold.bytes_gzip", "bytes transferred, cold (gzip)", "MB", MB),
    ("cold.bytes_analytics", "of which analytics (not the page's own), brotli", "MB", MB),
    ("warm.bytes", "bytes transferred, warm (brotli)", "MB", MB),
    ("memory.one_tab", "browser memory (PSS), one tab", "MB", MB),
    ("memory.three_tabs", "browser memory (PSS), three tabs", "MB", MB),
    ("net.cable.cold.first_event_ms", "10 Mbit/s, 40 ms: first event, cold", "s", 1000),
    ("net.cable.cold.fcp_ms", "10 Mbit/s, 40 ms: first contentful paint, cold", "s", 1000),
    ("net.cable.cold.lcp_ms", "10 Mbit/s, 40 ms: largest contentful paint, cold", "s", 1000),
    ("net.cable.nav.first_event_ms", "10 Mbit/s, 40 ms: first event, next page", "s", 1000),
    ("net.mobile.cold.first_event_ms", "slow 4G (1.6 Mbit/s, 150 ms): first event, cold", "s", 1000),
    ("net.mobile.cold.lcp_ms", "slow 4G: largest contentful paint, cold", "s", 1000),
    ("net.mobile.nav.first_event_ms", "slow 4G: first event, next page", "s", 1000),
    ("burst.ms", "burst: time until all on the wire", "s", 1000),
    ("burst.arrived", "burst: tracks that arrived", "", 1),
    ("burst.duplicates", "burst: tracks that arrived twice", "", 1),
    ("burst.calls_ms", "burst: the calls themselves (main thread)", "ms", 1),
    ("burst.main_us_per_event", "burst: main-thread CPU per event", "us", 1),
    ("burst.worker_us_per_event", "mapping cost in the worker (CPU per event)", "us", 1),
]


def _median(values: list[Any]) -> float | None:
    numbers = [v for v in values if isinstance(v, int | float)]
    return round(statistics.median(numbers), 1) if numbers else None


@dataclass(frozen=True)
class Target:
    """One target (issue 6 point 3, issue 14 point 5), checked on one variant's medians (and direct's)."""

    id: str
    what: str
    unit: str
    limit: float
    value: Callable[[dict[str, Any], dict[str, Any], int], float | None]
    closes: str = ""
    unmeasured: str = "not measured"  # the verdict when there is no value


def _diff(key: str) -> Callable[[dict[str, Any], dict[str, Any], int], float | None]:
    def value(mine: dict[str, Any], direct: dict[str, Any], _: int) -> float | None:
        a, b = mine.get(key), direct.get(key)
        return round(a - b, 1) if a is not None and b is not None else None
    return value


def _burst_ratio(mine: dict[str, Any], direct: dict[str, Any], count: int) -> float | None:
    a, b = mine.get("burst.ms"), direct.get("burst.ms")
    if a is None or not b or mine.get("burst.arrived") != count:
        return None
    return round(float(a) / float(b), 2)


def _burst_lost(mine: dict[str, Any], direct: dict[str, Any], count: int) -> float | None:
    arrived, dup = mine.get("burst.arrived"), mine.get("burst.duplicates")
    return None if arrived is None else float(count - arrived + (dup or 0))


def _lcp_over(network: str) -> Callable[[dict[str, Any], dict[str, Any], int], float | None]:
    def value(mine: dict[str, Any], direct: dict[str, Any], _: int) -> float | None:
        a, b = mine.get(f"net.{network}.cold.lcp_ms"), direct.get(f"net.{network}.cold.lcp_ms")
        return round((a / b - 1) * 100, 1) if a is not None and b else None
    return value


def _memory_ratio(mine: dict[str, Any], direct: dict[str, Any], _: int) -> float | None:
    """What the bridge adds to the browser's memory with three tabs, in units of what it adds with one (one
    interpreter and one tab's integration): 1.0 is one interpreter for the site, about 3 one per tab."""
    keys = ("memory.three_tabs", "memory.one_tab")
    values = [mine.get(k) for k in keys] + [direct.get(k) for k in keys]
    if any(v is None for v in values):
        return None
    three, one, direct_three, direct_one = (float(v) for v in values)  # type: ignore[arg-type]
    return round((three - direct_three) / (one - direct_one), 2) if one > direct_one else None


TARGETS = [
    Target("first_event_warm", "first event at most 0.1 s after direct's, warm (Chromium; 0.3 s with the fallback)",
           "ms", 100, _diff("warm.first_event_ms"),
           "done: a memory snapshot kept after the first boot, restored on later page views, the stdlib as bytecode; "
           "left: the worker's start and the ~30 MB restore on each page view. Next: one Python for all of a site's "
           "pages and tabs (a SharedWorker with extendedLifetime on Chromium), so that a page view finds it running"),
    Target("first_event_nav", "first event at most 0.1 s after direct's, next page in the same tab", "ms", 100,
           _diff("nav.first_event_ms"), "as for warm"),
    Target("first_event_cold", "first event at most 1.0 s after direct's, cold", "ms", 1000, _diff("cold.first_event_ms"),
           "done: a cut stdlib as bytecode compiled at build time, no package-loader imports at start-up, a device-only "
           "wheel as bytecode, the boot at evaluation; left: Pyodide's own start-up (wasm compile, interpreter init, "
           "~170 modules executed). Next: a smaller Pyodide build, or a snapshot made at build time (about +5 MB brotli)"),
    Target("longtasks_cold", "long tasks at most 50 ms beyond direct's, cold", "ms", 50, _diff("cold.longtask_ms"),
           "less main-thread work per call: the queue persisted in batches, calls applied in batches"),
    Target("longtasks_warm", "long tasks at most 50 ms beyond direct's, warm", "ms", 50, _diff("warm.longtask_ms"),
           "as for cold"),
    Target("burst_complete", "a 2,000-track burst all on the wire, each once (tracks lost or doubled)", "", 0, _burst_lost,
           "a queue bounded in bytes that still delivers from memory what it cannot persist"),
    Target("burst_time", "the burst within 1.1x direct's time (ratio; none if incomplete)", "x", 1.1, _burst_ratio,
           "O(1) queue cost per event and many messages per worker round trip",
           "missed: the burst did not complete"),
    Target("bytes_cold", "a first visit transfers at most 3.5 MB (brotli; the page's own files not counted)", "bytes",
           3.5 * MB, lambda mine, _d, _c: mine.get("cold.bytes_analytics"),
           "done: brotli (pyodide.asm.wasm 2.74 MB instead of 3.53 MB gzip), no cloud-mode modules, a stdlib cut to "
           "what is imported, no pyodide-lock.json; left: pyodide.asm.wasm alone is 2.74 MB brotli and the stdlib's "
           "bytecode 0.92 MB. Next: a smaller Pyodide build (CPython's test modules, sqlite3, lzma, zstd, ctypes, "
           "decimal's docstrings and the CJK codec tables are linked into the wasm: about 1 MB of its 3.5 MB gzip)"),
    Target("lcp_cable", "the site's LCP within 5% of direct's, 10 Mbit/s 40 ms (percent slower)", "%", 5,
           _lcp_over("cable"),
           "Python's files fetched at a lower priority than the page's own (fetchpriority=low, started after the load "
           "event), or from the HTTP cache of an earlier page"),
    Target("memory_three_tabs", "memory with three tabs at most one interpreter's worth above direct's (in units "
           "of the one-tab difference; 1.25 allows each tab's integration)", "x", 1.25, _memory_ratio,
           "one interpreter per site: a SharedWorker shared by the site's tabs (Chromium); the dedicated-worker "
           "fallback keeps one interpreter per tab"),
    Target("mapping", "mapping at most 50 us per event (worker CPU)", "us", 50,
           lambda mine, _d, _c: mine.get("burst.worker_us_per_event"),
           "done: up to 50 messages per call into Python, settings read once a batch; the figure is the worker "
           "thread's whole CPU per event (JSON both ways, Pyodide's glue, the mapping), not the mapping alone. Next: "
           "profile the worker under Pyodide"),
]


def summarize(runs: list[dict[str, Any]], burst_count: int) -> dict[str, Any]:
    """Medians per variant, ratios to direct and the targets, from the runs (failed runs carry ``error``)."""
    medians: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS:
        mine = [r for r in runs if r["variant"] == variant and "error" not in r]
        if mine:
            medians[variant] = {key: _median([_get(r, key) for r in mine]) for key, *_ in METRICS}
            medians[variant]["runs"] = len(mine)
    direct = medians.get("direct", {})
    ratios = {
        variant: {key: (round(m[key] / direct[key], 2) if m.get(key) is not None and direct.get(key) else None)
                  for key, *_ in METRICS}
        for variant, m in medians.items()
    }
    targets = []
    for variant in ("bridge", "standalone"):
        if variant not in medians:
            continue
        for target in TARGETS:
            value = target.value(medians[variant], direct, burst_count)
            met = value is not None and value <= target.limit
            targets.append({
                "id": target.id, "variant": variant, "what": target.what, "unit": target.unit,
                "limit": target.limit, "value": value, "met": met,
                "missed_by": None if met or value is None else round(value - target.limit, 2),
                "what_would_close_it": None if met else target.closes,
                "verdict": "met" if met else (target.unmeasured if value is None else f"missed by {_amount(value - target.limit, target.unit)}"),
            })
    return {"medians": medians, "ratios": ratios, "targets": targets}


def _cell(value: Any, unit: str, scale: float, ratio: Any) -> str:
    if value is None:
        return "-"
    if unit in ("s", "MB"):
        text = f"{value / scale:.2f} {unit}"
    elif unit:
        text = f"{value:.0f} {unit}"
    else:
        text = f"{value:.0f}"
    return text + (f" ({ratio:.1f}x)" if isinstance(ratio, int | float) and unit else "")


def table(summary: dict[str, Any]) -> str:
    medians, ratios = summary["medians"], summary["ratios"]
    variants = [v for v in VARIANTS if v in medians]
    width = 44
    counts = ", ".join(f"{medians[v]['runs']}" for v in variants)
    head = f"median of runs ({counts})"
    lines = [f"{head:<{width}}" + "".join(f"{v:>22}" for v in variants)]
    for key, label, unit, scale in METRICS:
        cells = [_cell(medians[v].get(key), unit, scale, ratios[v].get(key) if v != "direct" else None) for v in variants]
        lines.append(f"{label:<{width}}" + "".join(f"{c:>22}" for c in cells))
    lines.append("")
    lines.append("targets (issues 6 and 14)")
    for t in summary["targets"]:
        value = t["value"]
        verdict = t["verdict"].replace("missed", "MISSED")
        lines.append(f"  {t['variant']:<11}{t['what']:<78}{_amount(value, t['unit']):>10}"
                     f"  (limit {_amount(t['limit'], t['unit'])}): {verdict}")
    return "\n".join(lines)


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "bytes":
        return f"{value / MB:.2f} MB"
    if unit == "ms" and abs(value) >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:g} {unit}".strip()


README_START = "<!-- bench results: written by make bench (bench/run.py) from bench/results.json; do not edit by hand -->"
README_END = "<!-- end of bench results -->"


def markdown(results: dict[str, Any]) -> str:
    """The README's block of results: the medians beside direct's, and the targets met or missed."""
    medians, ratios = results["medians"], results["ratios"]
    variants = [v for v in VARIANTS if v in medians]
    machine = results["machine"]
    lines = [
        f"Last run: {results['generated']}, {results['config']['runs']} runs per variant, burst of "
        f"{results['config']['burst']}, {machine['cpus']} CPUs, load average "
        f"{machine['load_average_before'][0]:.1f} before and {machine['load_average_after'][0]:.1f} after, "
        f"{machine['chromium']}, {results['seconds']:.0f} s.",
        "",
        "| median (ratio to direct) | " + " | ".join(variants) + " |",
        "|---|" + "---|" * len(variants),
    ]
    for key, label, unit, scale in METRICS:
        cells = [_cell(medians[v].get(key), unit, scale, ratios[v].get(key) if v != "direct" else None) for v in variants]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    targets = results["targets"]
    shown = [v for v in ("bridge", "standalone") if any(t["variant"] == v for t in targets)]
    if shown:
        lines += ["", "| target (issues 6 and 14) | " + " | ".join(shown) + " | what would close it |",
                  "|---|" + "---|" * (len(shown) + 1)]
        for target in TARGETS:
            cells, closes = [], ""
            for variant in shown:
                t = next((t for t in targets if t["variant"] == variant and t["id"] == target.id), None)
                if t is None:
                    cells.append("not measured")
                elif t["value"] is None:
                    cells.append(t["verdict"])
                    closes = target.closes if not t["met"] and "missed" in t["verdict"] else closes
                elif t["met"]:
                    cells.append(f"met ({_amount(t['value'], t['unit'])})")
                else:
                    cells.append(f"**missed** by {_amount(t['missed_by'], t['unit'])} ({_amount(t['value'], t['unit'])})")
                    closes = target.closes
            lines.append(f"| {target.what} | " + " | ".join(cells) + f" | {closes} |")
    return "\n".join(lines)


# The README's short form: the rows a reader compares first, and each target's verdict in a word; the
# full table and what would close each miss are docs/benchmark.md's block.
README_ROWS = (
    "cold.first_event_ms", "warm.first_event_ms", "nav.first_event_ms", "tab.first_event_ms",
    "cold.bytes", "cold.bytes_gzip", "net.cable.cold.lcp_ms", "memory.three_tabs", "burst.ms",
)


def readme_block(results: dict[str, Any]) -> str:
    """The README's block: the key medians beside direct's, and each target met or missed by how much."""
    medians, ratios = results["medians"], results["ratios"]
    variants = [v for v in VARIANTS if v in medians]
    labels = {key: (label, unit, scale) for key, label, unit, scale in METRICS}
    lines = [
        f"Last run: {results['generated']}, {results['config']['runs']} runs per variant, "
        f"load average {results['machine']['load_average_before'][0]:.1f} before; every figure, and what "
        "would close each miss: [docs/benchmark.md](docs/benchmark.md).",
        "",
        "| median (ratio to direct) | " + " | ".join(variants) + " |",
        "|---|" + "---|" * len(variants),
    ]
    for key in README_ROWS:
        label, unit, scale = labels[key]
        cells = [_cell(medians[v].get(key), unit, scale, ratios[v].get(key) if v != "direct" else None) for v in variants]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    shown = [v for v in ("bridge", "standalone") if any(t["variant"] == v for t in results["targets"])]
    if shown:
        lines += ["", "| target | " + " | ".join(shown) + " |", "|---|" + "---|" * len(shown)]
        for target in TARGETS:
            cells = []
            for variant in shown:
                t = next((t for t in results["targets"] if t["variant"] == variant and t["id"] == target.id), None)
                if t is None:
                    cells.append("not measured")
                elif t["met"]:
                    cells.append("met")
                elif t["value"] is None:
                    cells.append(t["verdict"])
                else:
                    cells.append(f"**missed** by {_amount(t['missed_by'], t['unit'])}")
            lines.append(f"| {target.what} | " + " | ".join(cells) + " |")
    return "\n".join(lines + _cloud_rows(results.get("cloud")))


def _cloud_rows(cloud: dict[str, Any] | None) -> list[str]:
    """Cloud mode's send in the README: events/s and the share of CleverTap's limit at each concurrency."""
    rows = cloud.get("rows", []) if isinstance(cloud, dict) else []
    if not rows:
        return []
    levels = list(dict.fromkeys(r["concurrency"] for r in rows))
    lines = ["", f"| `send`, {rows[0]['events']:,} events (events/s, share of the limit) | "
             + " | ".join(f"concurrency {c}" for c in levels) + " |", "|---|" + "---|" * len(levels)]
    for latency in dict.fromkeys(r["latency_s"] for r in rows):
        cells = []
        for level in levels:
            r = next((r for r in rows if r["latency_s"] == latency and r["concurrency"] == level), None)
            cells.append("-" if r is None else f"{r['events_per_s']:,} ({r['ratio_to_limit']:.0%})")
        limit = next(r["limit_events_per_s"] for r in rows if r["latency_s"] == latency)
        lines.append(f"| {latency:g} s a request, limit {limit:,}/s | " + " | ".join(cells) + " |")
    return lines


def update_readme(readme: Path, block: str) -> bool:
    """Put ``block`` between the README's bench markers; False (nothing written) when they are missing."""
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    readme.write_text(text[: start + len(README_START)] + "\n" + block + "\n" + text[end:], encoding="utf-8")
    return True


# ----------------------------------------------------------------------------------------------
# The run


def _chromium_version(executable: str | None, playwright: Any) -> str:
    path = executable or playwright.chromium.executable_path
    try:
        return subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "unknown"


def hero_image(width: int = 400, height: int = 240) -> bytes:
    """The content pages' hero image (their largest contentful paint): a PNG of seeded noise, about 290 KB,
    which no HTTP compression shrinks, as a photo's JPEG would not be; made at run time, not kept in git."""
    import random
    import struct
    import zlib

    noise = random.Random(20261206)
    rows = b"".join(b"\x00" + noise.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def start_site(work: Path, bundle: bool = True, transformed: bool = False) -> Site:
    """Build the bundle into ``work`` (unless ``bundle`` is false: ``direct`` alone needs none; with
    ``transformed``, a second one with the demo's transformation) and start the TLS server with everything
    mounted. The bundle's whole folder is served as it is: file names other than Clevertap.min.js and
    rudderanalytics.js are the bundle's own business."""
    settings = Settings.from_config(TEST_SETTINGS)
    bundle_dir = work / "bundle"
    transformed_dir = work / "bundle-transformed"
    transformed_dir.mkdir(parents=True, exist_ok=True)
    if bundle:
        build_bundle(settings, bundle_dir)
        if not (bundle_dir / "Clevertap.min.js").is_file() or not (bundle_dir / "rudderanalytics.js").is_file():
            raise SystemExit(f"bench: the bundle has no Clevertap.min.js or rudderanalytics.js: {sorted(p.name for p in bundle_dir.iterdir())}")
    else:
        bundle_dir.mkdir(parents=True, exist_ok=True)
    if transformed:
        build_bundle(dataclasses.replace(settings, transformation=str(TRANSFORMATION)), transformed_dir)
    for needed in (RUDDERSTACK_UMD / "index.js", CLEVERTAP_SDK):
        if not needed.is_file():
            raise SystemExit(f"bench: {needed} is missing: run `make install-npm`")
    cert, key, spki = make_certificate(work)
    config = source_config(WRITE_KEY, {"accountId": settings.account_id, "region": settings.region,
                                       "trackAnonymous": settings.track_anonymous})
    server = BenchServer(cert=cert, key=key, source_config=config, sdk_file=CLEVERTAP_SDK)
    server.mount("pages", HERE / "pages")
    media = work / "media"
    media.mkdir(exist_ok=True)
    (media / "hero.png").write_bytes(hero_image())
    server.mount("media", media)
    server.mount("vendor/rudderstack", RUDDERSTACK_UMD)
    direct_url = server.mount("direct", HERE / "direct")
    bundle_url = server.mount("clevertap-bridge", bundle_dir)
    transformed_url = server.mount("clevertap-bridge-transformed", transformed_dir)
    port = server.start()
    return Site(server, port, spki, bundle_url, direct_url, transformed_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")), help="visitors per variant (default 3)")
    parser.add_argument("--burst", type=int, default=int(os.environ.get("BENCH_BURST", "2000")), help="tracks in the burst (0: none)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset of " + ", ".join(VARIANTS))
    parser.add_argument("--networks", default=",".join(NETWORKS),
                        help="throttled networks for a cold load and a next page per visitor, comma-separated subset of "
                             + ", ".join(NETWORKS) + " (empty: none)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.json and timeline.svg (default bench/)")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md's block of results as it is")
    parser.add_argument("--report", type=Path, metavar="RESULTS_JSON",
                        help="measure nothing: summarize the runs of an earlier results.json again and write the outputs")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown or not variants or args.runs < 1:
        parser.error(f"--variants: {', '.join(sorted(unknown)) or 'none given'}; --runs must be at least 1")
    networks = [n for n in args.networks.split(",") if n]
    if set(networks) - set(NETWORKS):
        parser.error(f"--networks: {', '.join(sorted(set(networks) - set(NETWORKS)))}: not one of {', '.join(NETWORKS)}")

    if args.report:
        earlier = json.loads(args.report.read_text(encoding="utf-8"))
        return _write(args, earlier, earlier["runs"])

    from playwright.sync_api import sync_playwright

    began = time.monotonic()
    load_before = os.getloadavg()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="clevertap-bench-") as tmp:
        work = Path(tmp)
        site = start_site(work, bundle=variants != ["direct"], transformed="transformed" in variants)
        try:
            with sync_playwright() as playwright:
                executable = chromium_path(playwright)
                version = _chromium_version(executable, playwright)
                for run in range(args.runs):
                    for variant in variants:  # interleaved, so a busy spell of the machine hits every variant
                        profile = work / f"profile-{variant}-{run}"
                        t0 = time.monotonic()
                        try:
                            result = visit(playwright, site, executable, variant, profile, args.burst, networks)
                        except Escaped as exc:
                            print(f"bench: aborted: {exc}", file=sys.stderr)
                            return 3
                        except Exception as exc:  # one failed visitor is reported, the others still run
                            result = {"variant": variant, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
                        finally:
                            shutil.rmtree(profile, ignore_errors=True)
                        result["run"] = run + 1
                        result["seconds"] = round(time.monotonic() - t0, 1)
                        runs.append(result)
                        print(_progress(result), flush=True)
        finally:
            site.server.stop()
    results = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "about": "medians of per-visitor runs; times from navigation start; bytes are response bodies as sent "
                 "(brotli; bytes_gzip: as gzip would have sent them); memory: PSS of the browser's processes; "
                 "see docs/benchmark.md",
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": os.getloadavg(),
                    "python": platform.python_version(), "chromium": version},
        "config": {"runs": args.runs, "burst": args.burst, "variants": variants, "settings": dict(TEST_SETTINGS),
                   "networks": {n: NETWORKS[n] for n in networks},
                   "calls": ["identify", "track Product Viewed", "page Shop/Home"]},
        "seconds": round(time.monotonic() - began, 1),
    }
    return _write(args, results, runs)


def _write(args: argparse.Namespace, results: dict[str, Any], runs: list[dict[str, Any]]) -> int:
    """Summarize ``runs`` into ``results``; print the table; write the JSON, the SVG and the README's block."""
    results = {k: v for k, v in results.items() if k not in ("medians", "ratios", "targets", "runs")}
    results.update(summarize(runs, results["config"]["burst"]))
    results["runs"] = runs
    args.out.mkdir(parents=True, exist_ok=True)
    earlier = args.out / "results.json"
    if "cloud" not in results and earlier.exists():  # bench/cloud.py's figures stay
        results["cloud"] = json.loads(earlier.read_text(encoding="utf-8")).get("cloud")
        if results["cloud"] is None:
            del results["cloud"]
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    write_svg(results, args.out / "timeline.svg")
    readme = not args.no_readme and update_readme(ROOT / "README.md", readme_block(results))
    if not args.no_readme:
        update_readme(ROOT / "docs" / "benchmark.md", markdown(results))
    print()
    print(table(results))
    print(f"\nwrote {args.out / 'results.json'}, {args.out / 'timeline.svg'}" + (" and README.md's results" if readme else "")
          + f" ({results['seconds']:.0f} s)")
    failed = [r for r in runs if "error" in r]
    for r in failed:
        print(f"bench: {r['variant']} run {r['run']} failed: {r['error']}", file=sys.stderr)
    return 1 if failed else 0


def _progress(result: dict[str, Any]) -> str:
    head = f"  {result['variant']:<11} run {result['run']}  ({result['seconds']:.0f} s)"
    if "error" in result:
        return f"{head}  FAILED: {result['error']}"
    b = result.get("burst") or {}
    return (f"{head}  first event cold {result['cold']['first_event_ms']} ms, warm {result['warm']['first_event_ms']} ms;"
            f" next page {result['nav']['first_event_ms']} ms, new tab {result['tab']['first_event_ms']} ms;"
            f" LCP cold {result['cold']['lcp_ms']} ms; bytes cold {result['cold']['bytes'] / MB:.2f} MB br"
            f" ({result['cold']['bytes_gzip'] / MB:.2f} MB gzip); burst {b.get('arrived')}/{b.get('count')}"
            f" in {b.get('ms')} ms, worker {b.get('worker_us_per_event')} us/event")
