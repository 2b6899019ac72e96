"""``clevertap-bridge send`` / ``delete`` against a fault-injecting CleverTap on 127.0.0.1.

Every test checks on the server's side what was processed, and on the command's side the exit
status, the summary and the failed file: every accepted record arrives once, and the failed file
holds exactly what failed. Backoff is made tiny with the command's own options (--backoff,
--max-wait), so no test waits on real backoff; the only real waits are the timeouts of the "slow"
fault, kept to a few.
"""

from __future__ import annotations

import _thread
import io
import json
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from cloud_events import message
from fake_clevertap import FakeCleverTap, every_nth

from bridge.cli import main
from bridge.cloud import Options, transform
from bridge.cloud._pipeline import Uploader, match_unprocessed
from bridge.core import JSON
from bridge.delivery import HttpRequest, HttpResponse, RetryPolicy, retry_after_seconds
from bridge.errors import EventError

ROOT = Path(__file__).resolve().parents[1]
PASSCODE = "S3CRET-PASSCODE-xyz"
CONFIG = {"accountId": "TEST-ACC-1", "passcode": PASSCODE, "region": "in1", "trackAnonymous": False,
          "enableObjectIdMapping": False}
FAST = ["--backoff", "0", "--max-wait", "0.01", "--timeout", "5"]  # no normal answer takes 5 s on loopback


def settings_file(tmp_path: Path, passcode: str | None = PASSCODE, **extra: str) -> Path:
    lines = ['account_id = "TEST-ACC-1"', 'region = "in1"']
    if passcode is not None:
        lines.append(f'passcode = "{passcode}"')
    lines += [f'{key} = "{value}"' for key, value in extra.items()]
    path = tmp_path / "settings.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def clean(count: int) -> list[dict[str, Any]]:
    """``count`` messages of the mix that the mapping and the server both take whole."""
    found = []
    for n in range(2, 10 * count + 10):
        item = message(n)
        if "!" not in json.dumps(item) and n not in expected([item])[1] and expected([item])[1] == {}:
            found.append(item)
        if len(found) == count:
            return found
    raise AssertionError("not enough clean messages")


def write_events(path: Path, messages: list[Any], extra_lines: dict[int, str] | None = None) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for index, item in enumerate(messages):
            if extra_lines and index in extra_lines:
                fh.write(extra_lines[index] + "\n")
            fh.write(json.dumps(item) + "\n")
    return path


def expected(messages: list[dict[str, Any]]) -> tuple[list[Any], dict[int, int]]:
    """The records the messages give (as JSON values) and the status of each refused message, by index."""
    records, refused = [], {}
    for index, item in enumerate(messages):
        try:
            outputs = transform(item, CONFIG)
        except EventError as error:
            refused[index] = error.status_code
            continue
        records += [json.loads(json.dumps(o["body"]["JSON"]["d"][0])) for o in outputs]
    return records, refused


def key(record: Any) -> str:
    return json.dumps(record, sort_keys=True)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    # One request at a time unless a test asks for more: these tests count and order requests.
    argv = [str(a) for a in args] + ([] if "--concurrency" in args else ["--concurrency", "1"])
    code = main(argv)
    out, err = capsys.readouterr()
    assert PASSCODE not in out and PASSCODE not in err  # never printed, whatever happened
    return code, out, err


def failed_lines(path: Path) -> list[dict[str, Any]]:
    """The failed file's entries in input order (it is written in the order lines settle)."""
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return sorted(entries, key=lambda entry: entry.get("line") or 0)


def summary_value(err: str, name: str) -> int:
    for line in err.splitlines():
        if line.strip().startswith(name + "  "):
            return int(line.strip()[len(name):].split()[0])
    raise AssertionError(f"{name!r} not in the summary:\n{err}")


# -- the done-when run, at a tenth of the size ------------------------------------------------------------

def test_a_mixed_run_with_one_request_in_five_failing_delivers_every_record_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = [message(n) for n in range(10_000)]
    events = write_events(tmp_path / "events.jsonl", messages)
    records, refused = expected(messages)
    base = every_nth({1: "500", 5: "503", 9: "429", 13: "drop", 17: "partial"}, 20)

    def faults(k: int) -> str:
        return "slow" if k in (12, 61) else base(k)

    failed = tmp_path / "failed.jsonl"
    with FakeCleverTap(faults) as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                           "--failed", failed, "--batch-size", "100", *FAST, "--timeout", "2")
    assert code == 1
    # Server side: each record once, whether CleverTap took it or skipped it.
    taken = Counter(key(r) for r in server.accepted + server.unprocessed)
    assert taken == Counter(key(r) for r in records)
    assert max(taken.values()) == 1
    assert {fault for _, fault, _ in server.log} == {"ok", "500", "503", "429", "drop", "partial", "slow"}
    assert len(server.unprocessed) > len(records) // 1000  # the "!" names and the simulated skips
    # Failed file: exactly the refused messages and the owners of the skipped records, each once.
    lines = failed_lines(failed)
    skipped = {key(r) for r in server.unprocessed}
    owners = {index for index, item in enumerate(messages) if index not in refused
              and any(key(json.loads(json.dumps(o["body"]["JSON"]["d"][0]))) in skipped for o in transform(item, CONFIG))}
    assert sorted(entry["line"] for entry in lines) == sorted(index + 1 for index in set(refused) | owners)
    for entry in lines:
        index = entry["line"] - 1
        assert entry["message"] == messages[index]
        if index in refused:
            assert entry["status"] == refused[index] and entry["reason"]
        else:
            assert entry["code"] in (509, 555) and "Skipped record number" in entry["reason"]
    assert summary_value(err, "messages read") == 10_000
    assert summary_value(err, "records sent") == len(server.accepted)
    assert summary_value(err, "rejected") == len(refused)
    assert summary_value(err, "unprocessed") == len(server.unprocessed)
    assert summary_value(err, "failed") == 0 and summary_value(err, "not sent") == 0
    assert f"{failed} ({len(lines)} lines)" in err


# -- exit statuses and settings ---------------------------------------------------------------------------

def test_everything_delivered_exits_0_and_writes_no_failed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = clean(6)
    events = write_events(tmp_path / "events.jsonl", messages)
    with FakeCleverTap() as server:
        code, out, err = run(capsys, "send", events, "--settings", settings_file(tmp_path, api_url=server.base_url + "/proxy"))
    assert code == 0 and out == ""
    assert [key(r) for r in server.accepted] == [key(r) for r in expected(messages)[0]]
    assert [path for path, _, _ in server.log] == ["/proxy/1/upload"]  # api_url from the settings, prefix kept
    assert server.headers[0]["x-clevertap-passcode"] == PASSCODE and server.headers[0]["x-clevertap-account-id"] == "TEST-ACC-1"
    assert not (tmp_path / "events.jsonl.failed.jsonl").exists()
    assert "none: nothing failed" in err and summary_value(err, "records sent") == 6


@pytest.mark.parametrize(
    ("settings", "extra", "error"),
    [
        ({"passcode": None}, [], "settings.toml: passcode: missing: cloud mode needs the CleverTap account's passcode"),
        ({}, ["--api-url", "ftp://x"], "--api-url: 'ftp://x' is not an http:// or https:// URL"),
        ({"api_url": "javascript:x"}, [], "settings.toml: api_url: 'javascript:x' is not an http:// or https:// URL"),
        ({"region": "eu9"}, [], "settings.toml: region: 'eu9' is not one of none, in1, sg1, us1, sk1, aps3, mec1"),
        ({}, ["--settings", "missing.toml"], "missing.toml: no such settings file"),
    ],
)
def test_settings_errors_exit_2_with_one_line_and_send_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any],
                                                              extra: list[str], error: str) -> None:
    events = write_events(tmp_path / "events.jsonl", [message(0)])
    passcode = settings.pop("passcode", PASSCODE)
    path = settings_file(tmp_path, passcode, **settings)
    if "region" in settings:
        path.write_text(path.read_text().replace('region = "in1"\n', ""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with FakeCleverTap() as server:
        args: list[str | Path] = ["send", events, "--settings", path, "--api-url", server.base_url, *extra]
        code, out, err = run(capsys, *args)
    assert (code, out, server.requests) == (2, "", 0)
    assert err.splitlines() == [f"clevertap-bridge: {str(tmp_path) + '/' if error.startswith('settings') else ''}{error}"]
    assert not (tmp_path / "events.jsonl.failed.jsonl").exists()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_file(tmp_path)
    code, _, err = run(capsys, "send", tmp_path / "nope.jsonl", "--settings", settings)
    assert code == 2 and err.strip().endswith("nope.jsonl: cannot read: No such file or directory")
    events = write_events(tmp_path / "events.jsonl", [message(0)])
    code, _, err = run(capsys, "send", events, "--settings", settings, "--failed", events)
    assert code == 2 and "is the input being read" in err
    with pytest.raises(SystemExit) as caught:
        main(["send", str(events), "--settings", str(settings), "--batch-size", "1001"])
    assert caught.value.code == 2
    code, _, err = run(capsys, "delete", "--settings", settings)
    assert code == 2 and "give user ids or --from FILE" in err


def test_4xx_is_not_retried_and_its_batch_goes_to_the_failed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = [message(n) for n in range(1, 7)]
    events = write_events(tmp_path / "events.jsonl", messages)
    with FakeCleverTap(every_nth({0: "400"}, 1000)) as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                           "--batch-size", "3", *FAST)
    assert code == 1
    assert [fault for _, fault, _ in server.log] == ["400", "ok"]  # not retried; the next batch goes on
    lines = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    assert [entry["message"] for entry in lines] == messages[:3]
    assert {(entry["status"], entry["code"], entry["reason"]) for entry in lines} == {(400, 400, "HTTP 400 after 1 try: Bad request")}
    assert len(server.accepted) == 3 and summary_value(err, "failed") == 3


def test_401_stops_the_run_and_nothing_after_it_is_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = [message(n) for n in range(1, 11)]
    events = write_events(tmp_path / "events.jsonl", messages)
    with FakeCleverTap(lambda k: "401") as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                           "--batch-size", "2", *FAST)
    assert code == 1 and server.requests == 1
    lines = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    assert [entry["message"] for entry in lines] == messages
    assert lines[0]["status"] == 401 and lines[2]["reason"].startswith("not sent: CleverTap refused the account's credentials")
    assert "stopped: CleverTap refused the account's credentials (HTTP 401)" in err
    # Read ahead of the refused request: a line the mapping refuses is rejected, every other one not sent.
    assert summary_value(err, "not sent") + summary_value(err, "rejected") == 8


def test_bounded_retries_then_the_last_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = write_events(tmp_path / "events.jsonl", [message(2)])
    with FakeCleverTap(lambda k: "503") as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                           "--retries", "3", *FAST)
    assert code == 1 and server.requests == 4 and server.accepted == []
    [entry] = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    assert (entry["status"], entry["reason"]) == (503, "HTTP 503 after 4 tries: Internal error, please retry")
    assert summary_value(err, "requests") == 4 and "(3 retries)" in err


def test_429_with_an_http_date_and_dropped_connections_are_retried(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = clean(4)
    events = write_events(tmp_path / "events.jsonl", messages)
    faults = ["429", "drop", "429", "ok"]
    with FakeCleverTap(lambda k: faults[k], retry_after_date=True) as server:
        code, _, _ = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url, *FAST)
    assert code == 0 and [key(r) for r in server.accepted] == [key(r) for r in expected(messages)[0]]


def test_retry_after_is_honoured_as_seconds_or_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None) is None
    policy = RetryPolicy(backoff=0.5, max_backoff=8, jitter=1.0, max_retry_after=20)
    answer = HttpResponse(429, b"{}", {"retry-after": "12"})
    assert policy.delay(0, answer) == 12.0  # jitter never shortens what the server asked for
    assert RetryPolicy(max_retry_after=5).delay(0, HttpResponse(429, b"", {"retry-after": "3600"})) == 5.0
    waits = [RetryPolicy(backoff=1, max_backoff=8, jitter=0.5).delay(3, None) for _ in range(200)]
    assert all(4.0 <= w <= 8.0 for w in waits) and len(set(waits)) > 1


# -- timeouts: the documented choice ---------------------------------------------------------------------------

def test_a_timed_out_request_is_retried_so_it_may_arrive_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The server processed the batch but answered too late: retrying (the default) delivers it twice.
    events = write_events(tmp_path / "events.jsonl", [message(2)])
    with FakeCleverTap(lambda k: "slow-processed" if k == 0 else "ok") as server:
        code, _, _ = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                         *FAST, "--timeout", "1")
    assert code == 0 and len(server.accepted) == 2 and server.accepted[0] == server.accepted[1]


def test_on_timeout_fail_sends_at_most_once_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = write_events(tmp_path / "events.jsonl", [message(2)])
    with FakeCleverTap(lambda k: "slow-processed") as server:
        code, _, _ = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                         *FAST, "--timeout", "0.5", "--on-timeout", "fail")
    assert code == 1 and len(server.accepted) == 1 and server.requests == 1
    [entry] = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    assert entry["reason"].startswith("timed out (") and entry["reason"].endswith("not resent: CleverTap may have processed it")


# -- input: bad lines, stdin, feeding the failed file back, streaming -------------------------------------------

def test_a_bad_json_line_is_a_rejected_message_with_its_line_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = [message(2), message(3)]
    events = write_events(tmp_path / "events.jsonl", messages, {1: '{"type": "track", oops', 0: ""})
    with FakeCleverTap() as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url, *FAST)
    assert code == 1 and len(server.accepted) == 2
    [entry] = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    assert entry["line"] == 3 and entry["message"] == '{"type": "track", oops' and entry["status"] == 400
    assert entry["reason"].startswith("not a JSON message: ")
    assert summary_value(err, "messages read") == 3 and summary_value(err, "rejected") == 1


def test_stdin_and_the_failed_file_fed_back(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    messages = clean(6)
    data = "".join(json.dumps(m) + "\n" for m in messages).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    monkeypatch.chdir(tmp_path)
    settings = settings_file(tmp_path)
    with FakeCleverTap(lambda k: "400" if k == 0 else "ok") as server:
        code, _, err = run(capsys, "send", "-", "--settings", settings, "--api-url", server.base_url, "--batch-size", "4", *FAST)
        assert code == 1 and len(server.accepted) == 2  # the first batch was refused
        first = tmp_path / "clevertap-failed.jsonl"
        assert len(failed_lines(first)) == 4
        # The failed file, fed back as it is, sends its messages; the first default name is not overwritten.
        code, _, err = run(capsys, "send", first, "--settings", settings, "--api-url", server.base_url, *FAST)
    assert code == 0 and "nothing failed" in err
    assert Counter(key(r) for r in server.accepted) == Counter(key(r) for r in expected(messages)[0])


def test_input_is_read_lazily_one_batch_ahead() -> None:
    consumed = 0
    seen_at_first_request: list[int] = []

    def lines() -> Iterator[bytes]:
        nonlocal consumed
        for n in range(5000):
            consumed += 1
            yield (json.dumps({"type": "track", "event": "E", "userId": f"u{n}"}) + "\n").encode()

    def transport(request: HttpRequest) -> HttpResponse:
        seen_at_first_request.append(consumed)
        return HttpResponse(200, b'{"status": "success", "processed": 1000, "unprocessed": []}')

    tally = Uploader(CONFIG, Options(transport=transport)).run(lines())
    # The lane holds the batch on the wire, one waiting and one being filled: never more is read.
    assert all(seen <= (index + 3) * 1000 + 1 for index, seen in enumerate(seen_at_first_request))
    assert (tally.sent, tally.requests) == (5000, 5)


def test_unprocessed_entries_are_matched_by_number_then_by_the_echoed_record() -> None:
    records = [json.dumps({"n": i}).encode() for i in range(4)]
    entries = [
        {"code": 509, "error": "x. Skipped record number : 2", "record": {"n": 1}},
        {"code": 510, "error": "y. Skipped record number : 1", "record": {"n": 3}},  # the echo wins over a wrong number
        {"code": 511, "error": "no number", "record": {"n": 99}},
        "not an entry",
    ]
    matched, unmatched = match_unprocessed(cast(list[JSON], entries), records)
    assert {index: entry["code"] for index, entry in matched.items()} == {1: 509, 3: 510}
    assert unmatched == [entries[2], "not an entry"]


def test_a_partial_answer_resends_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = [message(1), message(2), {"type": "track", "userId": "u", "event": "Oops!"}]
    events = write_events(tmp_path / "events.jsonl", messages)
    with FakeCleverTap(lambda k: "partial") as server:
        code, _, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url, *FAST)
    assert code == 1 and server.requests == 1 and len(server.accepted) == 1
    lines = failed_lines(tmp_path / "events.jsonl.failed.jsonl")
    assert [(e["line"], e["code"]) for e in lines] == [(1, 555), (3, 509)]
    assert lines[1]["reason"].endswith("Skipped record number : 3") and lines[1]["message"] == messages[2]
    assert summary_value(err, "unprocessed") == 2 and summary_value(err, "records sent") == 1


# -- dry run and the terminal -----------------------------------------------------------------------------------

def test_dry_run_prints_the_requests_with_the_passcode_masked_and_sends_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    messages = [message(n) for n in range(1, 6)] + [{"type": "group", "userId": "u"}]
    events = write_events(tmp_path / "events.jsonl", messages)
    with FakeCleverTap() as server:
        code, out, err = run(capsys, "send", events, "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                             "--dry-run", "--batch-size", "3")
    assert server.requests == 0 and code == 1  # the group message would fail
    printed = [json.loads(line) for line in out.splitlines()]
    assert [p["url"] for p in printed] == [server.base_url + "/1/upload"] * 2
    assert printed[0]["headers"]["X-CleverTap-Passcode"] == "********"
    assert [r for p in printed for r in p["body"]["d"]] == expected(messages[:5])[0]
    assert "line 6: would fail: Message type not supported (status 400)" in err
    assert not (tmp_path / "events.jsonl.failed.jsonl").exists()


def test_the_progress_bar_needs_a_terminal_and_rich_is_imported_only_then(tmp_path: Path) -> None:
    events = write_events(tmp_path / "events.jsonl", [message(2)])
    code = (
        "import sys\nfrom bridge.cli import main\n"
        f"status = main(['send', {str(events)!r}, '--settings', {str(settings_file(tmp_path))!r}, '--dry-run'])\n"
        "print('rich' in sys.modules, status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "False 0"


def test_the_progress_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    events = write_events(tmp_path / "events.jsonl", clean(29))
    with FakeCleverTap() as server:
        code = main(["send", str(events), "--settings", str(settings_file(tmp_path)), "--api-url", server.base_url])
    assert code == 0 and len(server.accepted) == 29
    assert "\x1b[" in terminal.getvalue() and "records sent" in terminal.getvalue()  # rich drew, then the summary


# -- delete -----------------------------------------------------------------------------------------------------

def test_delete_sends_batches_of_100_with_retries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [f"user{i}" for i in range(250)]
    with FakeCleverTap(lambda k: "503" if k == 1 else "ok") as server:
        code, _, err = run(capsys, "delete", "--settings", settings_file(tmp_path), "--api-url", server.base_url, *ids, *FAST)
    assert code == 0 and server.deleted == ids
    assert [(path, size) for path, _, size in server.log] == [("/1/delete/profiles.json", n) for n in (100, 100, 100, 50)]
    assert summary_value(err, "ids deleted") == 250 and "(1 retries)" in err


def test_delete_from_a_file_and_its_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = [f"user{i}" for i in range(120)]
    source = tmp_path / "ids.txt"
    source.write_text("\n".join(ids[:60]) + "\n\n" + "\n".join(ids[60:]) + "\n", encoding="utf-8")
    with FakeCleverTap(lambda k: "400" if k == 1 else "ok") as server:
        code, _, _ = run(capsys, "delete", "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                         "--from", source, *FAST)
        assert code == 1 and server.deleted == ids[:100]
        failed = tmp_path / "ids.txt.failed.jsonl"
        lines = failed_lines(failed)
        assert [entry["userId"] for entry in lines] == ids[100:] and {entry["status"] for entry in lines} == {400}
        code, _, _ = run(capsys, "delete", "--settings", settings_file(tmp_path), "--api-url", server.base_url,
                         "--from", failed, "--failed", tmp_path / "again.jsonl", *FAST)
    assert code == 0 and server.deleted == ids


# -- Ctrl-C ---------------------------------------------------------------------------------------------------

def test_ctrl_c_stops_after_the_request_in_flight_and_loses_nothing(tmp_path: Path) -> None:
    messages = clean(2000)
    events = write_events(tmp_path / "events.jsonl", messages)
    failed = tmp_path / "failed.jsonl"
    records, refused = expected(messages)
    with FakeCleverTap(lambda k: "hold" if k == 1 else "ok") as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "bridge", "send", str(events), "--settings", str(settings_file(tmp_path)),
             "--api-url", server.base_url, "--failed", str(failed), "--batch-size", "100", "--concurrency", "1",
             # a timeout long enough that the held answer never times out on a busy machine
             *FAST[:-2], "--timeout", "60"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert server.held.wait(60), "the second request never arrived"
            process.send_signal(signal.SIGINT)
            # Release the held answer only once the command said it is stopping: it must still take it.
            assert process.stderr is not None
            said = [process.stderr.readline() for _ in range(2)]
            assert "stopping after the request in flight" in said[-1]
            server.release.set()
            out, rest = process.communicate(timeout=60)
            err = "".join(said) + rest
        finally:
            process.kill()
    assert process.returncode == 1, err
    assert PASSCODE not in out + err
    assert "stopping after the request in flight" in err and "stopped: interrupted" in err
    assert [fault for _, fault, _ in server.log] == ["ok", "hold"] and len(server.accepted) == 200, (server.log, err)
    assert [key(r) for r in server.accepted] == [key(r) for r in records[:200]] and not refused
    lines = failed_lines(failed)
    # Lines 1-200 were sent, and every later line is in the failed file as not sent: nothing lost, nothing twice.
    assert [e["line"] for e in lines] == list(range(201, 2001))
    assert {e["reason"] for e in lines} == {"not sent: interrupted"} and [e["message"] for e in lines] == messages[200:]
    assert summary_value(err, "not sent") == 1800 and summary_value(err, "records sent") == 200


# -- stopping, at the pipeline's level -----------------------------------------------------------------------

def track_lines(count: int) -> list[bytes]:
    return [json.dumps({"type": "track", "event": "E", "userId": f"u{n}"}).encode() + b"\n" for n in range(count)]


def test_a_stop_between_tries_fails_the_batch_as_not_sent() -> None:
    stop = False
    failures: list[dict[str, Any]] = []

    def transport(request: HttpRequest) -> HttpResponse:
        nonlocal stop
        stop = True  # Ctrl-C while this request is on the wire
        return HttpResponse(503, b'{"status": "fail", "error": "busy"}')

    tally = Uploader(CONFIG, Options(transport=transport, on_failure=failures.extend, stop=lambda: stop, batch_size=2,
                                     policy=RetryPolicy(retries=5, backoff=0))).run(track_lines(5))
    assert (tally.requests, tally.retries, tally.sent, tally.not_sent, tally.stopped) == (1, 0, 0, 5, "interrupted")
    assert sorted(f["line"] for f in failures) == [1, 2, 3, 4, 5]
    failures.sort(key=lambda f: f["line"])
    assert failures[0]["reason"] == "not sent: interrupted (HTTP 503 after 1 try: busy)" and failures[0]["status"] == 503
    assert {f["reason"] for f in failures[2:]} == {"not sent: interrupted"}


def test_a_second_ctrl_c_stops_at_once_and_names_the_batch_on_the_wire() -> None:
    failures: list[dict[str, Any]] = []
    answered = 0
    release = threading.Event()

    def transport(request: HttpRequest) -> HttpResponse:
        nonlocal answered
        if answered == 0:
            answered += 1
            return HttpResponse(200, b'{"status": "success"}')
        _thread.interrupt_main()  # the second Ctrl-C arrives while this request is on the wire
        release.wait(5)
        return HttpResponse(200, b'{"status": "success"}')

    tally = Uploader(CONFIG, Options(transport=transport, on_failure=failures.extend, batch_size=2)).run(track_lines(7))
    release.set()
    assert tally.sent == 2 and tally.stopped == f"aborted; input after line {tally.last_line} was not read"
    by_line = {f["line"]: f["reason"] for f in failures}
    assert len(by_line) == len(failures) and set(by_line) == set(range(3, tally.last_line + 1))
    assert by_line[3] == by_line[4] == "interrupted while in flight: CleverTap may have processed it"
    assert {by_line[line] for line in range(5, tally.last_line + 1)} <= {"not sent: interrupted"}


def test_the_command_line_stays_out_of_the_browser_wheel() -> None:
    from bridge.build import wheel_modules

    names = {path.relative_to(ROOT / "bridge").as_posix() for path in wheel_modules(ROOT / "bridge")}
    assert {"cli.py", "__main__.py", "cloud/_pipeline.py"}.isdisjoint(names)
    assert not {name for name in names if name.startswith("cloud/")}
    assert {"settings.py", "core/_settings.py", "device/_emit.py"} <= names  # the browser gets core and device mode


def test_a_2xx_that_says_fail_is_not_a_deletion() -> None:
    from bridge.cloud._pipeline import Deleter

    failures: list[dict[str, Any]] = []
    answers = iter([HttpResponse(200, b'{"status": "success"}'), HttpResponse(200, b'{"status": "fail", "error": "no", "code": 7}')])
    tally = Deleter(CONFIG, Options(transport=lambda request: next(answers), on_failure=failures.extend,
                                    batch_size=100)).run([f"u{i}" for i in range(150)])
    assert (tally.sent, tally.failed, tally.requests) == (100, 50, 2)
    assert failures[0] == {"userId": "u100", "reason": "CleverTap answered fail: no", "status": 200, "code": 7, "line": 101}
