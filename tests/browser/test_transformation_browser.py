"""Transformations under Pyodide in Chromium: test-transformation --browser runs the documented fixtures in
the bundle's own worker and compares every answer (calls, warnings, log lines, transformed events) with CPython's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "transformations"


def cli(*args: str) -> tuple[int, list[str]]:
    """The command line in its own process (Playwright's sync API cannot start inside pytest-playwright's loop)."""
    done = subprocess.run([sys.executable, "-m", "bridge", "test-transformation", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout.splitlines()


@pytest.mark.parametrize("example", ["pii-hashing", "allow-list", "split"])
def test_the_documented_fixtures_give_the_same_answers_in_pyodide(example: str) -> None:
    folder = EXAMPLES / example
    status, out = cli(str(folder / "transformation.py"), "--input", str(folder / "input"), "--expected", str(folder / "expected"), "--browser")
    assert status == 0, out
    assert out[0].endswith("; Pyodide gives the same answers")


def test_forever_loops_are_stopped_by_python_s_own_deadline_in_pyodide_too(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(
        "def transformEvent(event, metadata):\n"
        "    if event['type'] == 'page':\n"
        "        while True: pass\n"
        "    if event['type'] == 'screen':\n"
        "        n = 0\n"
        "        while True:\n"
        "            n += 1\n"
        "    return event\n"
    )
    (tmp_path / "s.toml").write_text('account_id = "TEST-ACC-123"\ntransformation_timeout_ms = 200\n')
    status, lines = cli(str(tmp_path / "t.py"), "--settings", str(tmp_path / "s.toml"), "--browser", "--mode", "deviceMode")
    out = [line for line in lines if not line.startswith("    ")]
    assert status == 1  # the two loops are raises
    assert [line.split(":")[0] for line in out if line.endswith("Pyodide gives the same answers")] == [
        "RAN default identify", "RAN default track", "ERROR default page", "ERROR default screen",
    ]


def test_a_difference_between_cpython_and_pyodide_fails(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text("import sys\n\ndef transformEvent(event, metadata):\n    event['platform'] = sys.platform\n    return event\n")
    (tmp_path / "in.json").write_text('{"type": "track", "event": "A", "userId": "u1", "messageId": "m1"}')
    status, out = cli(str(tmp_path / "t.py"), "--input", str(tmp_path / "in.json"), "--browser")
    assert status == 1
    assert "  --- CPython (device answers)" in out and "  +++ Pyodide in Chromium" in out
    assert '  -        "platform": "linux",' in out and '  +        "platform": "emscripten",' in out


# -- end to end: the real RudderStack and CleverTap SDKs, the transformation in the bundle's worker --------

SITE = """\
import hashlib

def transformEvent(event, metadata):
    name = event.get("event")
    if event.get("type") == "identify":
        traits = event.get("context", {}).get("traits", {})
        if "email" in traits:
            traits["email"] = hashlib.sha256(traits["email"].encode()).hexdigest()
        traits["plan"] = "gold"
        return event
    if name == "Ignored":
        return None
    if name == "Split":
        return [dict(event, event="Split A"), dict(event, event="Split B")]
    if name == "Boom":
        raise ValueError("boom")
    if name == "Loop":
        while True:
            pass
    if name == "Hang":
        sum(range(10**13))  # one call into C: Python's own deadline cannot stop it, the page must
    return event
"""
CALLS = [
    ["identify", "tf-user", {"email": "tf@example.com"}],
    ["track", "Ignored", {"n": 1}],
    ["track", "Split", {"n": 2}],
    ["track", "Boom", {"n": 3}],
    ["track", "Loop", {"n": 4}],
    ["track", "After", {"n": 5}],
]


def _site_bundle(server: Any, work: Path, policy: str) -> str:
    from .conftest import TEST_SETTINGS, build_bundle

    (work / "site.py").write_text(SITE)
    settings = {**TEST_SETTINGS, "transformation": "site.py", "on_transformation_error": policy, "transformation_timeout_ms": 300}
    return build_bundle(server, work, settings, prefix=f"bundle-tf-{policy}")


@pytest.fixture(scope="module")
def site_bundles(server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # Built before any test's env, whose routes hook the bundles mounted by then.
    return {policy: _site_bundle(server, tmp_path_factory.mktemp(f"tf-{policy}"), policy) for policy in ("drop", "send_untransformed")}


@pytest.mark.parametrize("policy", ["drop", "send_untransformed"])
def test_the_transformation_runs_in_the_worker_before_the_mapping(policy: str, site_bundles: dict[str, str], env: Any) -> None:
    """A drop, a fan-out, a raise and a forever loop under each policy, and changed identify traits: the
    applied calls and the wire are what CPython answers for the same messages; the event after the loop
    arrives once; nothing on the page throws."""
    import json

    from bridge.core import Settings
    from bridge.device import _boundary
    from bridge.transformation import Transformation

    from .conftest import TEST_SETTINGS
    from .e2e import (
        assert_wire,
        bridge_log,
        cpython_init_calls,
        expected_wire,
        open_harness,
        run_calls,
        wait_bridge_idle,
        wait_harness_ready,
    )

    bundle = site_bundles[policy]
    open_harness(env, "v3.html", destSDKBaseURL=bundle, integrations={"All": True}, writeKey="TEST_WRITE_KEY", calls=[], build="modern")
    wait_harness_ready(env)
    run_calls(env, CALLS)
    messages = [r["message"] for r in env.wait_for_received(len(CALLS))]
    wait_bridge_idle(env)

    settings = Settings.from_config({**TEST_SETTINGS, "transformation": "site.py", "on_transformation_error": policy,
                                     "transformation_timeout_ms": 300})
    _boundary.preload(Transformation.from_source(SITE, "site.py", policy, 300), settings)
    answers = _boundary.handle_batch([{"id": i, "kind": "event", "message": m} for i, m in enumerate(messages)], settings.to_config())
    want = [call for answer in answers for call in answer.get("calls", [])]
    names = [call[1] for call in want if call[0] == "event"]
    if policy == "drop":
        assert names == ["Split A", "Split B", "After"]
    else:
        assert names == ["Split A", "Split B", "Boom", "Loop", "After"]
    login = next(call for call in want if call[0] == "onUserLogin")
    assert login[1]["Site"]["plan"] == "gold" and login[1]["Site"]["Email"] != "tf@example.com"

    assert [c for r in bridge_log(env, "applied") for c in r["calls"]] == json.loads(json.dumps(want))
    assert_wire(env, expected_wire(cpython_init_calls(settings, None), want))
    dropped = [r["text"] for r in bridge_log(env, "dropped")]
    if policy == "drop":
        assert dropped == [
            f"EventError: transformation: messageId {messages[3]['messageId']!r}: ValueError: boom (at site.py:16 in transformEvent);"
            " dropped (on_transformation_error = drop)",
            f"EventError: transformation: messageId {messages[4]['messageId']!r}: stopped after 300 ms (at site.py:18 in transformEvent);"
            " dropped (on_transformation_error = drop)",
        ]
    else:
        assert dropped == []


@pytest.mark.parametrize("policy", ["drop", "send_untransformed"])
def test_a_transformation_stuck_in_c_code_is_stopped_by_the_page(policy: str, site_bundles: dict[str, str], env: Any) -> None:
    """The page stops the worker 1 s after the limit, handles that entry by the policy (never retried as
    it was), starts Python again, and the events around it arrive once; nothing throws on the page."""
    from .e2e import bridge_log, open_harness, run_calls, wait_bridge_idle, wait_harness_ready

    open_harness(env, "v3.html", destSDKBaseURL=site_bundles[policy], integrations={"All": True}, writeKey="TEST_WRITE_KEY",
                 calls=[], build="modern")
    wait_harness_ready(env)
    run_calls(env, [["identify", "tf-user", {}], ["track", "Before", {"n": 1}], ["track", "Hang", {"n": 2}], ["track", "After", {"n": 3}]])
    messages = [r["message"] for r in env.wait_for_received(4)][1:]
    wait_bridge_idle(env, timeout=120)
    applied = [call[1] for r in bridge_log(env, "applied") for call in r["calls"] if call[0] == "event"]
    assert applied == (["Before", "After"] if policy == "drop" else ["Before", "Hang", "After"])
    assert [r["text"] for r in bridge_log(env, "restart")] == ["a transformation ran past 1300 ms"]
    text = "transformation: a transformation ran past 1300 ms (the worker was stopped)"
    kind = "dropped" if policy == "drop" else "warning"
    assert [r["entry"]["message"]["messageId"] for r in bridge_log(env, kind) if r["text"] == text] == [messages[1]["messageId"]]
    env.collector.wait_for_pushes(env.page, len(applied))
    env.page.wait_for_timeout(1500)  # nothing may come twice
    assert [r["evtName"] for r in env.collector.records() if r.get("type") == "event"] == applied
