"""The mapping gives the same answers under Pyodide (the bundle's own worker, in Chromium) as under
CPython, for a corpus of edge cases and a seeded random set, compared request by request."""

from __future__ import annotations

import json
import random
from collections.abc import Generator
from typing import Any

import pytest

from .conftest import Env, check_env, make_env, session_settings
from .corpus import SETTINGS, SETTINGS_ANON, base_message, boundary_requests
from .e2e import open_harness

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def booted_worker(browser: Any, server: Any, bundle: str) -> Generator[Env, None, None]:
    """One page whose blob worker (the bundle's clevertap-bridge.worker.js) has booted Pyodide and the wheel."""
    context = browser.new_context(base_url=server.origin)
    page = context.new_page()
    env = make_env(context, page, server, hook=False)
    page.set_default_timeout(120_000)
    # A bundle built with a pyodide_url loads Pyodide from that CDN (make_env serves it from node_modules).
    open_harness(env, "worker.html", bundle=bundle, indexURL=session_settings().pyodide_url)
    page.evaluate("() => harness.booted.then(() => true)")
    yield env
    try:
        check_env(env)
    finally:
        context.close()


def _python(env: Env, texts: list[str]) -> list[str]:
    return list(env.page.evaluate("texts => Promise.all(texts.map(t => harness.python(t)))", texts))


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.randrange(9 if depth < 3 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.randint(-(2**40), 2**40)
    if choice == 3:
        return rng.choice([0.5, -1.25, 3.0, 1e-7, 123456.789])
    if choice in (4, 5):
        alphabet = "abcXYZ .:$'\"\\-_äö日本😀\u0000"
        return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 5, 20])))
    if choice in (6, 7):
        return {_random_key(rng): _random_value(rng, depth + 1) for _ in range(rng.randrange(7))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def _random_key(rng: random.Random) -> str:
    return rng.choice(
        ["email", "name", "firstName", "lastName", "phone", "gender", "birthday", "employed", "married",
         "education", "customerType", "avatar", "MSG-push", "plan", "a.b", "k:e$y", "", "products",
         "checkout_id", "revenue", "title", "城市", "x" * 30]
    )


def _random_messages(count: int, seed: int = 7) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        kind = rng.choice(["identify", "track", "track", "page", "screen", "alias", "group"])
        message = base_message(kind, userId=rng.choice(["user-1", "", None, 12]))
        if kind == "identify":
            message["context"]["traits"] = _random_value(rng, 1) if rng.random() < 0.2 else {
                _random_key(rng): _random_value(rng, 1) for _ in range(rng.randrange(8))
            }
        else:
            message["event"] = rng.choice(["Order Completed", "Product Viewed", "", None, "a.b:c", 5])
            message["name"] = rng.choice(["Home", "", None, "Ca.r:t"])
            message["properties"] = {_random_key(rng): _random_value(rng, 1) for _ in range(rng.randrange(8))}
        settings = rng.choice([SETTINGS, SETTINGS_ANON])
        out.append((f"random #{n}", {"id": f"r{n}", "kind": "event", "message": message, "settings": settings}))
    return out


def _compare(env: Env, requests: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    from bridge.boundary import handle

    texts = [json.dumps(request, ensure_ascii=False) for _, request in requests]
    answers = _python(env, texts)
    assert len(answers) == len(texts)
    mismatches = []
    parsed = []
    for (label, _), text, answer in zip(requests, texts, answers, strict=True):
        want = json.loads(handle(text))
        got = json.loads(answer)
        parsed.append(got)
        if got != want:
            mismatches.append(f"{label}:\n  CPython: {json.dumps(want, ensure_ascii=False)[:1500]}\n  Pyodide: {json.dumps(got, ensure_ascii=False)[:1500]}")
    assert not mismatches, f"{len(mismatches)} of {len(texts)} answers differ:\n" + "\n".join(mismatches[:10])
    return parsed


def test_corpus_same_under_pyodide_and_cpython(booted_worker: Env) -> None:
    requests = boundary_requests()
    answers = _compare(booted_worker, requests)
    # The corpus must exercise every outcome, or the comparison proves little.
    with_calls = [a for a in answers if a.get("calls")]
    with_warnings = [a for a in answers if a.get("warnings")]
    errors = [a for a in answers if "error" in a]
    assert len(with_calls) >= 30 and len(with_warnings) >= 5 and len(errors) >= 8, (len(with_calls), len(with_warnings), len(errors))
    queues = {call[0] for a in with_calls for call in a["calls"]}
    assert queues == {"event", "onUserLogin", "profile", "privacy"}
    assert any(call[1] == "Charged" for a in with_calls for call in a["calls"] if call[0] == "event")


def test_boundary_answers_are_the_device_translation(booted_worker: Env) -> None:
    """The Pyodide answers equal bridge.device.translate on CPython (not only the same glue on both sides)."""
    from bridge.device import translate
    from bridge.errors import EventError
    from bridge.settings import Settings

    requests = [(label, r) for label, r in boundary_requests() if r["kind"] == "event" and isinstance(r.get("message"), dict)]
    requests = [(label, r) for label, r in requests if r["settings"] in (SETTINGS, SETTINGS_ANON)]
    answers = _python(booted_worker, [json.dumps(r, ensure_ascii=False) for _, r in requests])
    checked = 0
    for (label, request), answer in zip(requests, answers, strict=True):
        got = json.loads(answer)
        settings = Settings.from_config(request["settings"], require_account=False)
        if "config" in request:
            settings = settings.merged(request["config"])
        try:
            translation = translate(request["message"], settings)
        except EventError as exc:
            assert got.get("error", "").startswith("EventError: "), (label, got)
            assert got["error"] == f"EventError: {exc}", label
        else:
            assert got.get("calls") == json.loads(json.dumps(translation.calls)), label
            assert got.get("warnings") == list(translation.warnings), label
        checked += 1
    assert checked >= 60


def test_random_messages_same_under_pyodide_and_cpython(booted_worker: Env) -> None:
    answers = _compare(booted_worker, _random_messages(300))
    assert sum(1 for a in answers if a.get("calls")) >= 50
    assert sum(1 for a in answers if "error" in a) >= 20


def test_python_boots_in_a_worker(booted_worker: Env) -> None:
    """DESIGN.md: Pyodide boots in a (blob) worker; the main thread is only a last resort."""
    mode, error = booted_worker.page.evaluate("() => [harness.mode, harness.workerError]")
    assert mode == "worker", f"the bundle's worker did not boot ({error}); Python ran on the {mode}"
