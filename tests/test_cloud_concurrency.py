"""``send`` at CleverTap's concurrency limit, and killed: exactly once, per-user order, resume after kill -9.

Everything runs against tests/fake_clevertap.py on 127.0.0.1, with latency, a cap on concurrent
requests (429 beyond it, as CleverTap answers) and faults. What CleverTap processed is checked on the
server's side; what failed, in the failed file.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fake_clevertap import FakeCleverTap
from test_cli import (
    CONFIG,
    FAST,
    PASSCODE,
    expected,
    failed_lines,
    key,
    run,
    settings_file,
    summary_value,
    write_events,
)

from bridge.cloud import Expansion, Options, Uploader
from bridge.cloud._delivery import Window
from bridge.cloud._journal import read_journal
from bridge.core import JSONObject
from bridge.delivery import HttpRequest, HttpResponse, RetryPolicy, deliver

ROOT = Path(__file__).resolve().parents[1]


def user_events(count: int, users: int, bad_every: int = 0) -> list[dict[str, Any]]:
    """Tracks numbered per user (``properties.seq``), so a user's order can be checked on the server;
    every ``bad_every``-th has a name CleverTap skips."""
    events = []
    for n in range(count):
        name = "Bad!Event" if bad_every and n % bad_every == bad_every - 1 else "Viewed"
        events.append({"type": "track", "event": name, "userId": f"u{n % users}", "properties": {"n": n, "seq": n // users}})
    return events


def per_user_sequences(records: list[Any]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for record in records:
        seen.setdefault(record["identity"], []).append(record["evtData"]["seq"])
    return seen


def test_exactly_once_and_per_user_order_at_concurrency_15_against_a_cap_of_4_with_faults(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = user_events(3000, users=37, bad_every=101)
    events = write_events(tmp_path / "events.jsonl", messages)
    faults = {3: "503", 9: "drop", 14: "partial", 20: "500"}
    with FakeCleverTap(lambda k: faults.get(k, "ok"), latency=0.02, cap=4) as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                           "--batch-size", "50", "--concurrency", "15", *FAST)
    assert code == 1  # the skipped records are in the failed file
    assert server.peak <= 4 and server.refused_for_concurrency > 0
    records, refused = expected(messages)
    assert not refused
    # Every record arrived once, or is in the failed file once: nothing lost, nothing twice.
    failed = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    failed_keys = Counter(key(expected([entry["message"]])[0][0]) for entry in failed)
    assert Counter(key(r) for r in server.accepted) + failed_keys == Counter(key(r) for r in records)
    assert max(failed_keys.values()) == 1 and len(failed) == len(server.unprocessed)
    assert all("!" in entry["message"]["event"] or entry["code"] == 555 for entry in failed)
    # One user's records arrive in the order they were read (the skipped ones aside).
    for user, sequence in per_user_sequences(server.accepted).items():
        assert sequence == sorted(sequence), user
    assert summary_value(err, "records sent") == len(server.accepted)
    assert "refused" in err and "for concurrency (429), the window narrowed to" in err


def test_concurrency_is_between_1_and_15(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = write_events(tmp_path / "events.jsonl", user_events(1, 1))
    for bad in ("0", "16"):
        with pytest.raises(SystemExit):
            run(capsys, "send", events, "--settings", settings_file(tmp_path), "--concurrency", bad)
        assert "is not between 1 and 15" in capsys.readouterr().err


def test_the_expand_step_splits_drops_and_fails_lines() -> None:
    lines = [json.dumps({"type": "track", "event": name, "userId": "u1"}).encode() + b"\n"
             for name in ("split", "drop", "fail", "keep")]

    def expand(messages: Sequence[JSONObject]) -> list[Expansion]:
        out = []
        for message in messages:
            name = message["event"]
            if name == "split":
                out.append(Expansion([{**message, "event": "A"}, {**message, "event": "B!"}], warnings=["split in two"]))
            elif name == "drop":
                out.append(Expansion([]))
            elif name == "fail":
                out.append(Expansion(error="no such field"))
            else:
                out.append(Expansion([message]))
        return out

    with FakeCleverTap() as server:
        failures: list[JSONObject] = []
        tally = Uploader(CONFIG, Options(base_url=server.base_url, expand=expand, on_failure=failures.extend,
                                         concurrency=3)).run(lines)
    assert [record["evtName"] for record in server.accepted] == ["A", "keep"]
    assert [record["evtName"] for record in server.unprocessed] == ["B!"]
    assert (tally.filtered, tally.rejected, tally.warnings, tally.sent, tally.unprocessed) == (1, 1, 1, 2, 1)
    assert sorted((f["line"], str(f["reason"])[:14], f.get("transformed")) for f in failures) == [
        (1, "Event Name is ", True), (3, "transformation", None)]
    fail = next(f for f in failures if f["line"] == 3)
    assert fail["reason"] == "transformation: no such field" and fail["message"] == json.loads(lines[2])


def test_standard_input_has_no_journal_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"type": "track", "event": "E", "userId": "u"}\n')))
    code, _, err = run(capsys, "send", "-", "--settings", settings_file(tmp_path), "--journal", "j", *FAST)
    assert code == 2 and "standard input cannot be resumed" in err


def test_a_journal_for_other_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = write_events(tmp_path / "events.jsonl", user_events(30, 3))
    with FakeCleverTap() as server:
        args: list[str | Path] = ["send", events, "--settings", settings_file(tmp_path, api_url=server.base_url), *FAST]
        code, _, err = run(capsys, *args)
        assert code == 0 and "at most the requests then in flight, 1000 records, can reach CleverTap twice" in err
        code, _, err = run(capsys, *args)  # the same input: everything is settled, nothing is sent again
        assert code == 0 and summary_value(err, "skipped") == 30 and len(server.accepted) == 30
        write_events(events, user_events(31, 4))
        code, _, err = run(capsys, *args)
    assert code == 2 and "was written for other input" in err and len(server.accepted) == 30


# -- kill -9 and resume --------------------------------------------------------------------------------------

def _send(events: Path, settings: Path, failed: Path, base_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", "send", str(events), "--settings", str(settings), "--api-url", base_url,
         "--failed", str(failed), "--batch-size", "100", "--concurrency", "8", *FAST],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_at_random_points_then_resume_loses_nothing_and_doubles_only_what_was_in_flight(
        tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    messages = user_events(20_000, users=500, bad_every=997)
    events = write_events(tmp_path / "events.jsonl", messages)
    failed = tmp_path / "failed.jsonl"
    journal = tmp_path / "failed.jsonl.journal"
    records = [json.loads(json.dumps(r)) for r in expected(messages)[0]]
    possibly_twice: Counter[str] = Counter()
    kills = 0
    with FakeCleverTap(latency=0.01) as server:
        settings = settings_file(tmp_path)
        for attempt in range(6):
            process = _send(events, settings, failed, server.base_url)
            if attempt < 2:
                time.sleep(rng.uniform(0.5, 1.2))  # start-up (~0.4 s), then some way into the run
                if process.poll() is None:
                    os.kill(process.pid, signal.SIGKILL)
                    kills += 1
                process.wait(30)
                assert process.stderr is not None
                process.stderr.close()
                if not journal.exists():
                    continue  # killed while starting: nothing was sent
                state = read_journal(journal, events, "send")
                # What was on the wire when the kill came: the only records that may arrive twice.
                lines = set(state.in_flight_lines)
                possibly_twice += Counter(key(records[line - 1]) for line in lines)
                assert state.in_flight_records <= 8 * 100
                continue
            _, err = process.communicate(timeout=120)
            assert process.returncode in (0, 1), err  # 1 when this run wrote the failed file's lines
            break
    assert kills >= 1
    assert PASSCODE not in err
    accepted = Counter(key(r) for r in server.accepted)
    wanted = Counter(key(r) for r in records if "!" not in r["evtName"])
    assert not wanted - accepted, "records lost"
    doubled = accepted - wanted
    assert not doubled - possibly_twice, "doubled outside the requests in flight at a kill"
    # The failed file: exactly the records CleverTap skips, once each, whole lines.
    entries = failed_lines(failed)
    assert sorted(entry["line"] for entry in entries) == [n + 1 for n, m in enumerate(messages) if "!" in m["event"]]
    assert failed.read_bytes().endswith(b"\n")
    assert "skipped" in err


# -- the window, the journal's edges ---------------------------------------------------------------------------

def test_the_window_narrows_below_what_was_in_flight_and_widens_after_successes() -> None:
    window = Window(15)
    for _ in range(10):
        assert window.enter(lambda: False)
    assert window.leave("concurrency") is True  # 10 were in flight: CleverTap allows fewer
    assert window.size == 9 and window.narrowed == 1
    for _ in range(9):
        window.leave("success")
    assert window.size == 10 and window.widened == 1
    one = Window(1)
    assert one.enter(lambda: False) and one.leave("concurrency") is False  # cannot narrow: a real try used


def test_a_429_that_narrows_the_window_does_not_use_up_a_retry() -> None:
    answers = iter([HttpResponse(429, b'{"status": "fail", "error": "Too many concurrent requests"}')] * 2
                   + [HttpResponse(200, b'{"status": "success"}')])
    window = Window(8)
    outcome = deliver(HttpRequest("http://127.0.0.1:9/1/upload", {}, b"{}"), lambda request: next(answers),
                      RetryPolicy(retries=1), lambda seconds: None, gate=window)
    assert outcome.answer is not None and outcome.answer.delivered
    # The first 429 narrowed 8 to 1 (one was in flight) and was free; the second used the one retry.
    assert (outcome.attempts, outcome.narrowed, window.smallest, window.size) == (3, 1, 1, 2)


def test_a_resume_sends_only_unsettled_lines_names_what_may_be_twice_and_repairs_torn_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = user_events(40, 4, bad_every=10)  # lines 10, 20, 30 and 40 are skipped by CleverTap
    events = write_events(tmp_path / "events.jsonl", messages)
    failed, journal = tmp_path / "failed.jsonl", tmp_path / "failed.jsonl.journal"
    # As a run killed after settling lines 1-37 leaves them: a request for 38-40 on the wire, both files torn.
    data = events.read_bytes()
    prefix = b"".join(data.splitlines(keepends=True)[:37])
    journal.write_text("\n".join(json.dumps(entry) for entry in [
        {"journal": 1, "command": "send", "input": str(events), "failed": str(failed)},
        {"done": 0, "s": [1] * 37, "p": [len(prefix), hashlib.sha256(prefix).hexdigest()]},
        {"send": 1, "records": 3, "lines": [38, 1, 1]},
    ]) + '\n{"done": 1, "s"')
    failed.write_text("".join(json.dumps({"message": messages[n - 1], "reason": "skipped", "line": n}) + "\n"
                              for n in (10, 20, 30)) + '{"message": {"ty')
    with FakeCleverTap() as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path, api_url=server.base_url),
                           "--failed", failed, *FAST)
    assert code == 1 and summary_value(err, "skipped") == 37
    assert sorted(r["evtData"]["n"] for r in server.accepted) == [37, 38]  # lines 38 and 39; 40 is skipped
    assert "maybe twice    3 records of 1 request in flight when the earlier run stopped" in err
    assert [e["line"] for e in failed_lines(failed)] == [10, 20, 30, 40]
    assert failed.read_bytes().endswith(b"\n") and journal.read_bytes().endswith(b"\n")
    assert read_journal(journal, events, "send").settled.below == 40


def test_delete_at_concurrency_4_deletes_each_id_once_and_resumes_from_its_journal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"user-{n}\n" for n in range(950)), encoding="utf-8")
    with FakeCleverTap(lambda k: "503" if k == 2 else "ok", latency=0.01, cap=3) as server:
        args: list[str | Path] = ["delete", "--from", ids, "--settings", settings_file(tmp_path, api_url=server.base_url),
                                  "--concurrency", "4", *FAST]
        code, _, err = run(capsys, *args)
        assert code == 0 and summary_value(err, "ids deleted") == 950
        assert Counter(server.deleted) == Counter(f"user-{n}" for n in range(950))
        assert max(size for path, fault, size in server.log) == 100 and server.peak <= 3
        code, _, err = run(capsys, *args)
    assert code == 0 and summary_value(err, "skipped") == 950 and len(server.deleted) == 950
