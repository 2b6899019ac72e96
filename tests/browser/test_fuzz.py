"""Fuzz (issue 9): thousands of seeded hostile calls through rudderanalytics (RudderStack SDK v3 and the
bundle's standalone snippet): deep nesting, huge strings, lone surrogates, NaN, BigInt, cyclic objects,
getters that throw, wrong types, logins of different users milliseconds apart (tests/browser/pages/fuzz.js).

Passes when the page has no error, every call that reached the integration is either on CleverTap's wire
once (in order, exactly as Pyodide's calls say) or named in a warning (or, for what device mode does not
send, a debug line) saying why, and valid calls made afterwards all arrive.

    CLEVERTAP_BRIDGE_FUZZ_CALLS=20000 CLEVERTAP_BRIDGE_FUZZ_SEED=7 .venv/bin/python -m pytest tests/browser/test_fuzz.py
    make fuzz
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .collector import expected_records
from .conftest import Env
from .e2e import open_harness, wait_harness_ready

pytestmark = pytest.mark.browser

CALLS = int(os.environ.get("CLEVERTAP_BRIDGE_FUZZ_CALLS", "2000"))
SEED = int(os.environ.get("CLEVERTAP_BRIDGE_FUZZ_SEED", "20261202"))
FUZZ_JS = Path(__file__).resolve().parent / "pages" / "fuzz.js"
FINAL = [f"Fuzz Final {i}" for i in range(20)]


def _open(env: Env, bundle: str, variant: str) -> None:
    if variant == "standalone":
        open_harness(env, "standalone.html", bundle=bundle)
    else:
        # RudderStack's data-plane posts in batches: thousands of single posts through the test's offline guard
        # would starve the page's other requests on a busy machine.
        batch = {"queueOptions": {"batch": {"enabled": True, "maxItems": 100, "flushInterval": 500}}}
        open_harness(env, "v3.html", destSDKBaseURL=bundle, integrations={"All": True}, writeKey="TEST_WRITE_KEY",
                     calls=[], build="modern", loadOptions=batch)
    wait_harness_ready(env)
    env.page.add_script_tag(path=str(FUZZ_JS))


@pytest.mark.parametrize("variant", ["v3", "standalone"])
def test_fuzzed_calls_arrive_once_or_are_named_in_a_warning(env: Env, bundle: str, variant: str, record_property: Any) -> None:
    seed = SEED + (0 if variant == "v3" else 1)
    _open(env, bundle, variant)
    summary = env.page.evaluate("([s, n, g]) => window.fuzz.run(s, n, g)", [seed, CALLS, variant == "v3"])
    # Then valid calls: they must all arrive, whatever came before.
    env.page.evaluate(
        "names => { rudderanalytics.identify('fuzz-final', {email: 'final@example.com'});"
        " names.forEach(n => rudderanalytics.track(n, {ok: true})); }",
        FINAL,
    )
    env.collector.wait_for(
        env.page, lambda c: set(FINAL) <= {r.get("evtName") for r in c.records()}, timeout=600, what="the final valid tracks"
    )
    env.page.wait_for_function("() => window.ClevertapBridge.pending() === 0", timeout=120_000)
    env.page.wait_for_timeout(2000)

    assert not env.page_errors, env.page_errors[:5]
    assert summary["thrown"] == [], f"calls threw into the page's code: {summary['thrown'][:5]}"
    records: list[dict[str, Any]] = env.page.evaluate("() => window.fuzz.records")
    received = [r for r in records if r["kind"] == "received"]
    outcome: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r["kind"] in ("applied", "dropped", "skipped") and r["id"]:
            outcome.setdefault(r["id"], []).append(r)
    # Every entry the queue took has exactly one outcome.
    assert [r["id"] for r in received if len(outcome.get(r["id"], [])) != 1] == []
    warnings = "\n".join(env.warnings())
    debug_lines = "\n".join(text for kind, text in env.console if kind == "debug")
    unnamed = []
    for r in received:
        result = outcome[r["id"]][0]
        if result["kind"] == "dropped" and (result["text"] not in warnings or (r["messageId"] and r["messageId"] not in warnings)):
            unnamed.append(result)
        if result["kind"] == "skipped" and result["text"] not in debug_lines:
            unnamed.append(result)
    assert unnamed == [], f"dropped without a warning naming them: {unnamed[:3]}"
    # What the integration could not even queue (not JSON) is named in a warning too.
    not_json = [r for r in records if r["kind"] == "dropped" and not r["id"]]
    assert all(r["text"] in warnings for r in not_json)
    # Calls the facade itself refused (the standalone snippet) are named in a warning.
    refused_by_facade = [t for t in env.warnings() if t.startswith("[clevertap-bridge] dropped ") and "(messageId" not in t
                         and "cannot be written as JSON" not in t]

    # The wire: exactly the calls the bridge applied, in order, each once.
    applied_calls = [call for r in records if r["kind"] == "applied" for call in json.loads(r["calls"])]
    want = expected_records(applied_calls, use_ip=False)
    for record in want:  # the collector leaves the SDK's tz out of a profile; a trait named tz is sent as it is
        record.get("profile", {}).pop("tz", None)
    got = env.collector.records(include_optout=False)
    if got != want:
        # The collector folds a request with the same rn and d as an earlier one as the SDK's replay of an
        # unanswered request; after a login for a new user the SDK numbers its requests from 1 again, so a
        # call identical to an earlier one (same user, same data) can look like a replay. Such a record is
        # not missing when the unfolded requests carry it as often as the calls say.
        want_count = Counter(json.dumps(w, sort_keys=True) for w in want)
        got_count = Counter(json.dumps(g, sort_keys=True) for g in got)
        raw = Counter(json.dumps(r.record(), sort_keys=True) for r in env.collector.requests if not r.is_internal)
        missing = [m for m in (want_count - got_count).elements() if raw[m] < want_count[m]]
        extra = list((got_count - want_count).elements())
        if missing or extra:
            raise AssertionError(
                f"the wire differs from the applied calls: {len(want)} expected, {len(got)} arrived; "
                f"missing {len(missing)}: {[m[-1500:] for m in missing[:3]]}; extra {len(extra)}: {[e[-1500:] for e in extra[:3]]}"
            )
    kinds = Counter(outcome[r["id"]][0]["kind"] for r in received)
    figures: dict[str, Any] = {
        "variant": variant, "seed": seed, "calls": CALLS, "reached_integration": len(received) + len(not_json),
        "applied": kinds["applied"], "dropped": kinds["dropped"], "skipped": kinds["skipped"], "not_json": len(not_json),
        "refused_by_facade": len(refused_by_facade), "on_wire": len(got),
        "logins": sum(1 for c in applied_calls if c[0] == "onUserLogin"),
    }
    record_property("fuzz", json.dumps(figures))
    print(f"\nfuzz: {figures}")
    if variant == "standalone":
        # Every call the page made reached the integration or was refused by the facade with a warning.
        assert len(summary["made"]) == figures["reached_integration"] - (1 + len(FINAL)) + len(refused_by_facade)
    assert kinds["applied"] > CALLS // 10, "most fuzzed calls were refused: the generator or the bridge is off"
    assert figures["logins"] >= 10, "the fuzz made logins of different users in quick succession"
