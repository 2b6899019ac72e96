"""The worker's memory snapshot: the first boot keeps one in Cache Storage, the next page view restores it
and answers exactly as CPython does (the snapshot freezes start-up state, so this is where a stale
import-time value would show)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import check_env, make_env, session_settings
from .corpus import boundary_requests
from .e2e import open_harness

pytestmark = pytest.mark.browser

SNAPSHOT_CACHE = "clevertap-bridge-snapshots"  # as in templates/js/worker.js


def _boot(env: Any, bundle: str) -> bool:
    open_harness(env, "worker.html", bundle=bundle, indexURL=session_settings().pyodide_url)
    env.page.evaluate("() => harness.booted.then(() => true)")
    assert env.page.evaluate("() => harness.mode") == "worker"
    restored = env.page.evaluate("() => harness.restored")
    assert restored in (True, "null"), f"the kept snapshot did not load: {restored}"
    return restored is True


def test_a_kept_snapshot_is_restored_on_the_next_page_and_answers_as_cpython(browser: Any, server: Any, bundle: str) -> None:
    from bridge.boundary import handle

    context = browser.new_context(base_url=server.origin)
    page = context.new_page()
    env = make_env(context, page, server, hook=False)
    page.set_default_timeout(120_000)
    try:
        assert _boot(env, bundle) is False  # a new profile has no snapshot
        # The worker keeps its snapshot a few seconds after ready (page.evaluate awaits the promise).
        kept = "() => caches.open(" + json.dumps(SNAPSHOT_CACHE) + ").then(c => c.keys()).then(k => k.length)"
        deadline = time.monotonic() + 120
        while page.evaluate(kept) == 0:
            assert time.monotonic() < deadline, "no snapshot was kept within 120 s of the boot"
            page.wait_for_timeout(500)
        assert _boot(env, bundle) is True
        texts = [json.dumps(request, ensure_ascii=False) for _, request in boundary_requests()]
        answers = page.evaluate("texts => Promise.all(texts.map(t => harness.python(t)))", texts)
        assert [json.loads(a) for a in answers] == [json.loads(handle(t)) for t in texts]
        check_env(env)
    finally:
        context.close()
