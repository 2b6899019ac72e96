"""The cloud part of ``make bench``: ``clevertap-bridge send`` against CleverTap's concurrency limit.

A loopback CleverTap (tests/fake_clevertap.py, in a process of its own) answers each request after
LATENCY seconds and serves at most 15 at once, answering 429 "Too many concurrent requests" beyond,
as CleverTap does for one account. ``send`` runs as its own process on EVENTS events for each
latency and concurrency; the table gives events per second, the ratio to the limit's throughput
(15 requests of 1000 records per LATENCY: 15 x 1000 / LATENCY events/s), the command's peak
memory (max RSS), the 429s CleverTap answered (each one retried), and what arrived lost or twice
(counted on the server's side). The figures go to bench/results.json under "cloud", beside the
browser figures, which are kept.

    python -m bench.cloud [--events 100000] [--latency 0.2 1.0] [--concurrency 1 5 15 8]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LIMIT = 15  # CleverTap's concurrent requests per account
BATCH = 1000  # records per request, the router's batch
SETTINGS = 'account_id = "BENCH-ACC-1"\npasscode = "bench-passcode"\nregion = "in1"\n'
# The sender in a process of its own, reporting its own peak memory on the last line of stderr.
SENDER = ("import resource, sys\nfrom bridge.cli import main\ncode = main(sys.argv[1:])\n"
          "print('maxrss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)\n")


def write_events(path: Path, count: int, users: int = 5000) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for n in range(count):
            message = {"type": "track", "event": "Product Viewed", "userId": f"user-{n % users}",
                       "messageId": f"m-{n}", "timestamp": "2026-12-01T10:00:00.000Z",
                       "properties": {"n": n, "sku": f"sku-{n % 97}", "price": 12.5, "currency": "USD"},
                       "context": {"library": {"name": "analytics.js", "version": "3.0.0"}, "locale": "en-US"}}
            fh.write(json.dumps(message) + "\n")


def one_run(events: Path, count: int, latency: float, concurrency: int, work: Path) -> dict[str, Any]:
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_clevertap.py"), str(latency), str(LIMIT)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    try:
        base_url = server.stdout.readline().strip()
        settings = work / "settings.toml"
        settings.write_text(SETTINGS, encoding="utf-8")
        failed, journal = work / f"failed-{latency}-{concurrency}.jsonl", work / f"journal-{latency}-{concurrency}"
        start = time.perf_counter()
        sender = subprocess.run(
            [sys.executable, "-c", SENDER, "send", str(events), "--settings", str(settings), "--api-url", base_url,
             "--concurrency", str(concurrency), "--failed", str(failed), "--journal", str(journal), "--no-progress"],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds = time.perf_counter() - start
        server.stdin.close()
        stats = json.loads(server.stdout.readline())
    finally:
        server.kill()
        server.wait()
    rss = next((int(line.split()[1]) for line in sender.stderr.splitlines() if line.startswith("maxrss_kib")), 0)
    failed_lines = len(failed.read_text(encoding="utf-8").splitlines()) if failed.exists() else 0
    limit_rate = LIMIT * BATCH / latency if latency else float("inf")
    rate = count / seconds
    return {
        "latency_s": latency, "concurrency": concurrency, "events": count, "seconds": round(seconds, 2),
        "events_per_s": round(rate), "limit_events_per_s": round(limit_rate) if latency else None,
        "ratio_to_limit": round(rate / limit_rate, 3) if latency else None,
        "peak_rss_mib": round(rss / 1024, 1), "responses_429": stats["refused_for_concurrency"],
        "server_peak_concurrent": stats["peak"], "exit_status": sender.returncode, "failed_lines": failed_lines,
        "lost": count - stats["distinct"], "doubled": stats["accepted"] - stats["distinct"],
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (f"{'latency':>8} {'conc.':>5} {'events/s':>9} {'limit':>7} {'ratio':>6} {'peak RSS':>9} {'429s':>5} "
            f"{'lost':>5} {'twice':>5} {'failed':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['latency_s']:>7g}s {r['concurrency']:>5} {r['events_per_s']:>9,} {r['limit_events_per_s']:>7,} "
                     f"{r['ratio_to_limit']:>6.0%} {r['peak_rss_mib']:>6.1f} MiB {r['responses_429']:>5} {r['lost']:>5} "
                     f"{r['doubled']:>5} {r['failed_lines']:>6}")
    return "\n".join(lines)


def merge_results(path: Path, cloud: dict[str, Any]) -> None:
    """Put ``cloud`` under the "cloud" key of results.json, keeping the browser figures."""
    results: dict[str, Any] = {}
    if path.exists():
        results = json.loads(path.read_text(encoding="utf-8"))
    results["cloud"] = cloud
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cloud", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.2, 1.0], help="seconds per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 5, 15, 8])
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    load_before = list(os.getloadavg())
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cloud-") as folder:
        work = Path(folder)
        events = work / "events.jsonl"
        write_events(events, args.events)
        # The same send with answers at once: what this machine's CPU allows, to read the ratios against.
        ceiling = one_run(events, args.events, 0.0, 8, work)
        print(f"ceiling (no latency, concurrency 8): {ceiling['events_per_s']:,} events/s", file=sys.stderr, flush=True)
        for latency in args.latency:
            for concurrency in args.concurrency:
                rows.append(one_run(events, args.events, latency, concurrency, work))
                print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(f"\ncloud mode: clevertap-bridge send, {args.events:,} events, a loopback CleverTap allowing {LIMIT} "
          f"concurrent requests (429 beyond), batches of {BATCH}; limit = {LIMIT} x {BATCH} / latency")
    print(table(rows))
    print(f"this machine's ceiling: {ceiling['events_per_s']:,} events/s with answers at once (concurrency 8, "
          f"peak RSS {ceiling['peak_rss_mib']} MiB); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    merge_results(args.out, {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "about": "clevertap-bridge send against a loopback CleverTap with a fixed latency per request and a cap of "
                 f"{LIMIT} concurrent requests (429 beyond); limit = {LIMIT} x {BATCH} / latency events/s; "
                 "peak RSS of the sending process; lost and doubled counted on the server's side",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_before": load_before, "load_average_after": list(os.getloadavg())},
        "ceiling": ceiling,
        "rows": rows,
    })
    print(f"\nwrote the \"cloud\" figures to {args.out}")
    if args.out == HERE / "results.json":  # the README's block shows these too (bench/run.py writes it)
        from .run import ROOT, readme_block, update_readme

        results = json.loads(args.out.read_text(encoding="utf-8"))
        if "medians" in results:
            update_readme(ROOT / "README.md", readme_block(results))
    return 0 if all(r["lost"] == 0 and r["doubled"] == 0 and r["failed_lines"] == 0 for r in rows + [ceiling]) else 1


if __name__ == "__main__":
    sys.exit(main())
