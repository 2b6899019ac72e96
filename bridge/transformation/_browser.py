"""``test-transformation --browser``: the same cases under Pyodide, in the bundle's own worker in headless Chromium.

A bundle is built for the transformation into a temporary folder and served on loopback; a page of
that origin starts the bundle's worker (as Clevertap.min.js does: a module worker), and each case goes
to it as one batch of event requests, exactly as the page's queue sends them. Every request that would
leave loopback is refused. The answers (calls, warnings, log lines) are returned per case for the
command line to compare with CPython's answers to the same batch (bridge.boundary.handle_batch).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core import Settings
from ..core._types import JSON

__all__ = ["requests_of", "run_in_browser", "find_chromium"]

_PAGE = """<!doctype html><meta charset="utf-8"><title>test-transformation</title>
<script>
window.ask = function (workerFile, batches) {
  return new Promise(function (resolve, reject) {
    var worker = new Worker(workerFile, {type: "module"});
    var answers = [];
    worker.onerror = function (e) { reject(new Error("the worker failed: " + e.message)); };
    worker.onmessage = function (event) {
      var data = event.data || {};
      if (data.type === "failed") { reject(new Error("Python did not start: " + data.error)); }
      else if (data.type === "crashed") { reject(new Error("Python crashed: " + data.error)); }
      else if (data.type === "ready" || data.type === "response") {
        if (data.type === "response") { answers.push(data.response); }
        if (answers.length === batches.length) { worker.terminate(); resolve(answers); }
        else { worker.postMessage({type: "request", id: answers.length, request: batches[answers.length]}); }
      }
    };
    worker.postMessage({type: "boot", baseUrl: new URL(".", location.href).href});
  });
};
</script>
"""


def requests_of(events: Sequence[JSON]) -> list[dict[str, JSON]]:
    """A case's events as the worker's event requests (ids 1, 2, ...), each answered with its transformed events too."""
    return [{"id": number, "kind": "event", "message": event, "echoTransformed": True} for number, event in enumerate(events, 1)]


def find_chromium() -> str | None:
    """A Chromium binary: CHROMIUM_PATH, Debian's /usr/bin/chromium, or chromium on PATH."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def run_in_browser(source_file: str, cases: Sequence[Sequence[JSON]], settings: Settings) -> list[JSON]:
    """The worker's answer to each case's batch, parsed; raises RuntimeError saying what is missing."""
    import json

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError("needs Playwright (pip install -e '.[test]', as make install does)") from None
    chromium = find_chromium()
    from ..build import build_bundle, make_server

    work = Path(tempfile.mkdtemp(prefix="test-transformation-"))
    try:
        site = dataclasses.replace(settings, transformation=source_file, account_id=settings.account_id or "TEST-ACC-123")
        manifest = build_bundle(site, work / "bundle")
        (work / "bundle" / "test-transformation.html").write_text(_PAGE, encoding="utf-8")
        server = make_server(work / "bundle", "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        config = site.to_config()
        batches = [json.dumps({"kind": "batch", "settings": config, "requests": requests_of(events)}) for events in cases]
        try:
            with sync_playwright() as playwright:
                launch: dict[str, Any] = {"headless": True}
                if chromium is not None:
                    launch["executable_path"] = chromium
                try:
                    browser = playwright.chromium.launch(**launch)
                except Exception as exc:  # Playwright's own error names what is missing
                    raise RuntimeError(f"cannot start Chromium ({str(exc).splitlines()[0]}): install it or set CHROMIUM_PATH") from None
                try:
                    page = browser.new_page()
                    escaped: list[str] = []

                    def loopback_only(route: Any) -> None:
                        if route.request.url.startswith(origin + "/"):
                            route.continue_()
                        else:
                            escaped.append(route.request.url)
                            route.abort()

                    page.route("**/*", loopback_only)
                    page.set_default_timeout(120_000)
                    page.goto(f"{origin}/test-transformation.html")
                    texts = page.evaluate("([file, batches]) => window.ask(file, batches)", [manifest["names"]["worker"], batches])
                    if escaped:
                        raise RuntimeError(f"the page asked for {escaped[0]}, outside loopback")
                finally:
                    browser.close()
        finally:
            server.shutdown()
            server.server_close()
        return [json.loads(text)["answers"] for text in texts]
    finally:
        shutil.rmtree(work, ignore_errors=True)
