"""bench/timeline.svg: a load timeline per variant, cold and warm, drawn from bench/results.json (plain SVG
text, no plotting library).

Each row is the median run of a variant (by its first event): the requests the server answered, one lane per
kind (the page, RudderStack, the integration file, the CleverTap SDK, Python, CleverTap's wire), the page's
main-thread long tasks, and a line at the first event on CleverTap's wire. One time axis per view, so the
rows compare at a glance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["write_svg", "render_svg", "median_run"]

LANES = [
    ("page", "page", "#9e9e9e"),
    ("rudderstack", "RudderStack", "#1e88e5"),
    ("integration", "integration JS", "#43a047"),
    ("clevertap-sdk", "CleverTap SDK", "#fb8c00"),
    ("python", "Python files (boot: light)", "#8e24aa"),
    ("clevertap-wire", "CleverTap wire", "#212121"),
]
LONGTASK_COLOR = "#e53935"
LANE_H = 9
LEFT = 170
PLOT_W = 860
RIGHT = 250
WIDTH = LEFT + PLOT_W + RIGHT


def median_run(runs: list[dict[str, Any]], variant: str, view: str) -> dict[str, Any] | None:
    """The run of ``variant`` whose first event (in ``view``) is the median one."""
    mine = [r for r in runs if r.get("variant") == variant and "error" not in r
            and isinstance(r.get(view, {}).get("first_event_ms"), int | float)]
    if not mine:
        return None
    mine.sort(key=lambda r: r[view]["first_event_ms"])
    return mine[(len(mine) - 1) // 2]


def _step(span_ms: float) -> float:
    for step in (100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000):
        if span_ms / step <= 12:
            return step
    return 120000


def render_svg(results: dict[str, Any]) -> str:
    runs = results.get("runs", [])
    variants = [v for v in results.get("config", {}).get("variants", []) if any(r.get("variant") == v for r in runs)]
    row_h = LANE_H * (len(LANES) + 1) + 22
    parts: list[str] = []
    y = 64
    for view in ("cold", "warm"):
        rows = [(v, median_run(runs, v, view)) for v in variants]
        ends = [max(r[view]["timeline"]["end_ms"], r[view]["first_event_ms"] or 0) for _, r in rows if r]
        span = max(ends, default=1000.0)
        step = _step(span)
        span = (int(span // step) + 1) * step

        def x(ms: float, span: float = span) -> float:
            return LEFT + max(0.0, min(ms, span)) / span * PLOT_W

        title = "first visit (cold: new profile)" if view == "cold" else "next page view (warm: same profile, HTTP cache kept)"
        parts.append(f"<text x='{LEFT}' y='{y}' class='h'>{escape(title)}</text>")
        y += 10
        top = y
        for variant, run in rows:
            parts.append(f"<text x='8' y='{y + 14}' class='v'>{escape(variant)}</text>")
            if run is None:
                parts.append(f"<text x='{LEFT}' y='{y + 14}' class='s'>no successful run</text>")
                y += row_h
                continue
            load = run[view]
            timeline = load["timeline"]
            parts.append(f"<rect x='{LEFT}' y='{y}' width='{PLOT_W}' height='{row_h - 12}' class='bg'/>")
            ready = timeline.get("marks", {}).get("pythonReady")
            python = [r["start"] for r in timeline["requests"] if r["category"] == "python"]
            if python and isinstance(ready, int | float):
                # Python's boot, from its first file asked for to ready: downloads, then CPU.
                lane_y = y + 2 + [k for k, *_ in LANES].index("python") * LANE_H
                parts.append(f"<rect x='{x(min(python)):.1f}' y='{lane_y}' width='{max(x(ready) - x(min(python)), 1.5):.1f}' "
                             f"height='{LANE_H - 2}' fill='#e1bee7'><title>Python boot {min(python):.0f}-{ready:.0f} ms</title></rect>")
            for lane, (key, _label, color) in enumerate(LANES):
                lane_y = y + 2 + lane * LANE_H
                for req in timeline["requests"]:
                    if req["category"] != key or req["start"] > span:
                        continue
                    x0 = x(req["start"])
                    w = max(x(req["end"]) - x0, 1.5)
                    tip = f"{req['host']}{req['path']} {req['bytes']} B, {req['start']:.0f}-{req['end']:.0f} ms"
                    parts.append(f"<rect x='{x0:.1f}' y='{lane_y}' width='{w:.1f}' height='{LANE_H - 2}' fill='{color}'>"
                                 f"<title>{escape(tip)}</title></rect>")
            lt_y = y + 2 + len(LANES) * LANE_H
            for start, duration in timeline["longtasks"]:
                if start > span:
                    continue
                parts.append(f"<rect x='{x(start):.1f}' y='{lt_y}' width='{max(x(start + duration) - x(start), 1.5):.1f}' "
                             f"height='{LANE_H - 2}' fill='{LONGTASK_COLOR}'><title>long task {duration:.0f} ms</title></rect>")
            if isinstance(ready, int | float):
                parts.append(f"<line x1='{x(ready):.1f}' x2='{x(ready):.1f}' y1='{y}' y2='{y + row_h - 12}' class='py'>"
                             f"<title>Python ready {ready:.0f} ms</title></line>")
            first = load.get("first_event_ms")
            if isinstance(first, int | float):
                parts.append(f"<line x1='{x(first):.1f}' x2='{x(first):.1f}' y1='{y - 2}' y2='{y + row_h - 10}' class='fe'/>")
            summary = (f"first event {first / 1000:.2f} s · {load['bytes'] / 1e6:.2f} MB" if isinstance(first, int | float)
                       else f"{load['bytes'] / 1e6:.2f} MB")
            parts.append(f"<text x='{LEFT + PLOT_W + 8}' y='{y + 14}' class='s'>{escape(summary)}</text>")
            parts.append(f"<text x='{LEFT + PLOT_W + 8}' y='{y + 28}' class='s'>long tasks {load['longtask_ms']:.0f} ms"
                         f" · run {run.get('run')}</text>")
            y += row_h
        # The axis of this view.
        tick = 0.0
        while tick <= span:
            parts.append(f"<line x1='{x(tick):.1f}' x2='{x(tick):.1f}' y1='{top}' y2='{y - 8}' class='grid'/>")
            parts.append(f"<text x='{x(tick):.1f}' y='{y + 4}' class='t'>{tick / 1000:g} s</text>")
            tick += step
        y += 34
    legend = []
    lx = float(LEFT)
    for _key, label, color in [*LANES, ("longtask", "main-thread long task", LONGTASK_COLOR)]:
        legend.append(f"<rect x='{lx}' y='30' width='12' height='8' fill='{color}'/>"
                      f"<text x='{lx + 16}' y='38' class='s'>{escape(label)}</text>")
        lx += 24 + 6.0 * len(label)
    legend.append(f"<line x1='{lx}' x2='{lx}' y1='26' y2='42' class='fe'/><text x='{lx + 6}' y='38' class='s'>first event on CleverTap's wire</text>")
    legend.append(f"<line x1='{lx + 185}' x2='{lx + 185}' y1='26' y2='42' class='py'/><text x='{lx + 191}' y='38' class='s'>Python ready</text>")
    height = y
    when = escape(str(results.get("generated", "")))
    head = (f"<text x='8' y='18' class='h'>clevertap-bridge: load timeline of the median run per variant "
            f"(make bench, {when}; lanes are requests as the server answered them)</text>")
    style = ("<style>text{font-family:sans-serif;font-size:11px;fill:#222}.h{font-size:13px;font-weight:bold}"
             ".v{font-size:13px;font-weight:bold}.s{font-size:11px}.t{font-size:10px;text-anchor:middle;fill:#555}"
             ".bg{fill:#f7f7f7}.grid{stroke:#ddd;stroke-width:1}.fe{stroke:#d50000;stroke-width:2}"
             ".py{stroke:#8e24aa;stroke-width:1.5;stroke-dasharray:4 3}</style>")
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' viewBox='0 0 {WIDTH} {height}'>"
            f"<rect width='100%' height='100%' fill='white'/>{style}{head}{''.join(legend)}{''.join(parts)}</svg>\n")


def write_svg(results: dict[str, Any], path: Path) -> None:
    path.write_text(render_svg(results), encoding="utf-8")
