"""Smoke test of ``make bench``'s harness (bench/run.py), with the ``direct`` variant only (no Pyodide, so it
is cheap): a visitor's cold and warm loads and a small burst go through the local TLS server under the real
host names, the warm load comes from the HTTP cache, a request for any other host is caught, and the summary
and the picture have their shape. It asserts structure, never speed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> Any:
    # Imported by name, not statically: bench/ imports this folder as tests.browser, which mypy (run on
    # tests/ with browser/ as a top-level package) would see twice. bench/ has its own mypy run.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.run")


def test_direct_visitor_cold_warm_burst_and_the_summary(playwright: Any, tmp_path: Path) -> None:
    run = _bench()
    site = run.start_site(tmp_path, bundle=False)
    try:
        executable = run.chromium_path(playwright)
        with run.open_visitor(playwright, site, executable, tmp_path / "profile") as visitor:
            cold = run.load_page(site, visitor, "direct", "cold")
            warm = run.load_page(site, visitor, "direct", "warm")
            burst = run.burst(site, visitor, 5)
            memory = run.browser_memory(visitor.pid)
            visitor.check()
            # A request for a host the bench does not serve is caught (and never resolved).
            visitor.page.evaluate("() => fetch('https://elsewhere.invalid/x').catch(() => null)")
            visitor.page.wait_for_timeout(300)
            with pytest.raises(run.Escaped, match="elsewhere.invalid"):
                visitor.check()
        # Under the slow profile the hero image alone (288 KB, incompressible) takes its bytes over 1.6 Mbit/s.
        with run.open_visitor(playwright, site, executable, tmp_path / "slow") as slow_visitor:
            run.throttle(slow_visitor, slow_visitor.page, "mobile")
            slow = run.load_page(site, slow_visitor, "direct", "cold")
    finally:
        site.server.stop()

    for load in (cold, warm):
        assert load["first_event_ms"] is not None and load["first_event_ms"] > 0, load
        assert load["all_events_ms"] >= load["first_event_ms"]
        assert load["page_errors"] == [] and load["not_found"] == []
    cold_paths = {r["path"] for r in cold["timeline"]["requests"]}
    warm_paths = {r["path"] for r in warm["timeline"]["requests"]}
    # Cold: the SDKs and the integration came brotli-compressed from the server; warm: from the HTTP cache.
    static = {"/js/clevertap.min.js", "/direct/Clevertap.min.js", "/vendor/rudderstack/index.js"}
    assert static <= cold_paths
    assert not static & warm_paths, warm_paths
    assert all(r["encoding"] == "br" for r in cold["timeline"]["requests"] if r["path"] in static)
    assert warm["bytes"] < cold["bytes"] < cold["bytes_gzip"]
    # The page's own content: the hero image is its largest contentful paint, after the first paint.
    assert cold["lcp_element"] == "img" and 0 < cold["fcp_ms"] <= cold["lcp_ms"]
    assert "/media/hero.png" in cold_paths and cold["bytes_analytics"] < cold["bytes"] - 280_000
    hero = next(r for r in slow["timeline"]["requests"] if r["path"] == "/media/hero.png")
    assert slow["lcp_element"] == "img" and slow["lcp_ms"] >= hero["bytes"] * 8 / 1.6e6 * 1000
    assert memory is not None and memory > 50e6  # the browser's processes, PSS
    assert {"/a"} <= cold_paths and "/sourceConfig/" in cold_paths
    assert burst["arrived"] == 5 and burst["duplicates"] == 0 and burst["complete"]

    results = {"config": {"variants": ["direct"]}, "runs": [{"variant": "direct", "run": 1, "cold": cold, "warm": warm, "burst": burst}]}
    summary = run.summarize(results["runs"], 5)
    assert summary["medians"]["direct"]["cold.first_event_ms"] == cold["first_event_ms"]
    assert summary["ratios"]["direct"]["cold.bytes"] == 1.0
    assert summary["targets"] == []  # targets are for the bridge's variants
    assert "first event on the wire, cold" in run.table(summary)
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{run.README_START}\nold\n{run.README_END}\ntail\n", encoding="utf-8")
    assert run.update_readme(readme, "new block")
    assert readme.read_text(encoding="utf-8") == f"# x\n{run.README_START}\nnew block\n{run.README_END}\ntail\n"
    svg = importlib.import_module("bench.timeline").render_svg(results)
    assert svg.startswith("<svg") and ">direct</text>" in svg and "first visit" in svg
