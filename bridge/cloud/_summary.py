"""What a ``send`` or ``delete`` run did (:class:`Tally`), and the summary the command prints from it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Tally", "summary"]


@dataclass
class Tally:
    """What a run did. ``messages`` counts non-blank lines read (``skipped`` of them settled by an
    earlier run); ``records``, ``sent``, ``unprocessed`` and ``failed`` count records (ids for
    ``delete``); ``rejected``, ``filtered`` and ``not_sent`` count messages; ``failed_lines`` the
    lines of the failed file. The window fields say how CleverTap's concurrency limit was met."""

    messages: int = 0
    skipped: int = 0
    records: int = 0
    sent: int = 0
    requests: int = 0
    retries: int = 0
    rejected: int = 0
    filtered: int = 0
    warnings: int = 0
    unprocessed: int = 0
    failed: int = 0
    not_sent: int = 0
    failed_lines: int = 0
    bytes_read: int = 0
    last_line: int = 0
    stopped: str = ""
    concurrency: int = 1
    window_narrowed: int = 0
    window_widened: int = 0
    window_smallest: int = 1
    window_size: int = 1
    journal: str = ""
    maybe_twice_records: int = 0
    maybe_twice_requests: int = 0
    in_flight_limit: int = 0


def summary(prog: str, command: str, tally: Tally, failed_path: str | None, failed_lines: int, dry_run: bool) -> str:
    """The lines printed at the end of a run (on standard error)."""
    noun = "messages" if command == "send" else "user ids"
    rows: list[tuple[str, int, str]] = [(f"{noun} read", tally.messages, "")]
    if tally.skipped:
        rows.append(("skipped", tally.skipped, "settled by an earlier run (journal)"))
    rows += [
        (("records to send" if dry_run else "records sent") if command == "send" else
         ("ids to delete" if dry_run else "ids deleted"), tally.sent,
         "(dry run: nothing sent)" if dry_run else ""),
        ("requests", tally.requests, f"({tally.retries} retries)" if not dry_run else ""),
    ]
    if command == "send":
        rows += [("rejected", tally.rejected, "messages the mapping refused"),
                 ("unprocessed", tally.unprocessed, "records CleverTap skipped")]
        if tally.filtered:
            rows.append(("filtered", tally.filtered, "messages the transformation dropped"))
        if tally.warnings:
            rows.append(("warnings", tally.warnings, "from the transformation"))
    rows += [("failed", tally.failed, "records of requests that failed" if command == "send" else "ids in requests that failed"),
             ("not sent", tally.not_sent, f"{noun} left when the run stopped")]
    width = max(len(name) for name, _, _ in rows + [("failed file", 0, "")])
    lines = [f"{prog} {command}: " + (f"stopped: {tally.stopped}" if tally.stopped else "done")]
    lines += [f"  {name:<{width}}  {value:>9}  {note}".rstrip() for name, value, note in rows]
    if not dry_run:
        window = f"{tally.concurrency} concurrent requests at most"
        if tally.window_narrowed:
            window += (f"; CleverTap refused {tally.window_narrowed} for concurrency (429), the window narrowed to "
                       f"{tally.window_smallest} and widened {tally.window_widened} times, ending at {tally.window_size}")
        lines.append(f"  {'window':<{width}}  {window}")
    if failed_path is not None and failed_lines:
        lines.append(f"  {'failed file':<{width}}  {failed_path} ({failed_lines} lines)")
    elif failed_path is not None:
        lines.append(f"  {'failed file':<{width}}  none: nothing failed")
    if tally.journal:
        lines.append(f"  {'journal':<{width}}  {tally.journal} (run again after a kill: at most the requests then in "
                     f"flight, {tally.in_flight_limit} records, can reach CleverTap twice)")
    if tally.maybe_twice_requests:
        requests = f"{tally.maybe_twice_requests} request{'s' if tally.maybe_twice_requests != 1 else ''}"
        lines.append(f"  {'maybe twice':<{width}}  {tally.maybe_twice_records} records of {requests} in flight when the "
                     "earlier run stopped: CleverTap may have them twice")
    return "\n".join(lines)
