"""The journal across runs: a resumed run numbers its requests after the earlier runs' ones."""

from __future__ import annotations

import os
from pathlib import Path

from bridge.cloud._journal import InputHash, Journal, read_journal


def _journal(path: Path, source: Path, fresh: bool) -> Journal:
    hashed = InputHash()
    hashed.update(source.read_bytes())
    return Journal(path, command="send", input_name=str(source), failed=None, fresh=fresh, source_hash=hashed)


def test_a_request_in_flight_at_a_kill_stays_in_flight_after_a_resumed_run_answers_its_own(tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("".join(f'{{"n":{n}}}\n' for n in range(1, 7)), encoding="utf-8")
    path = tmp_path / "journal"
    first = _journal(path, source, fresh=True)
    assert first.sending(2, [1, 2]) == 0
    first.settle([1, 2], 0)
    assert first.sending(2, [3, 4]) == 1  # on the wire when the run is killed: never answered
    os.close(first._fd)  # a kill: the journal is not closed
    second = _journal(path, source, fresh=False)
    assert second.sending(2, [5, 6]) == 2  # not 0 or 1 again
    second.settle([5, 6], 2)
    second.close()
    resume = read_journal(path, source, "send")
    assert (resume.in_flight_requests, resume.in_flight_records, resume.in_flight_lines) == (1, 2, [3, 4])
    assert [line for line in range(1, 7) if line in resume.settled] == [1, 2, 5, 6]


def test_lines_in_flight_at_two_kills_are_counted_once(tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("".join(f'{{"n":{n}}}\n' for n in range(1, 7)), encoding="utf-8")
    path = tmp_path / "journal"
    first = _journal(path, source, fresh=True)
    first.sending(2, [1, 2])  # killed with lines 1 and 2 on the wire
    os.close(first._fd)
    second = _journal(path, source, fresh=False)
    second.sending(3, [1, 2, 3])  # their resend, and line 3, on the wire at the second kill
    os.close(second._fd)
    resume = read_journal(path, source, "send")
    # Lines 1, 2 and 3 may each have reached CleverTap (1 and 2 possibly twice already): 3 records, not 5.
    assert (resume.in_flight_requests, resume.in_flight_records, resume.in_flight_lines) == (2, 3, [1, 1, 2, 2, 3])
