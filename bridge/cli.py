"""``clevertap-bridge``: cloud mode from the command line (also ``python -m bridge``).

    clevertap-bridge send EVENTS --settings FILE [--concurrency N] [--failed FILE] [--journal FILE] [--dry-run]
    clevertap-bridge delete --settings FILE [--concurrency N] (USER_ID... | --from FILE)

The work is :mod:`bridge.cloud._pipeline`'s; this module reads the arguments and settings, opens the
failed file and the journal, and owns the terminal (progress bar, Ctrl-C, summary). Exit status: 0
when everything was delivered, 1 when anything is in the failed file, 2 for a usage or settings
error (nothing sent). The passcode is never printed: dry runs mask it, and no message repeats it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType

from .cloud import MAX_BATCH_RECORDS, Deleter, Options, RetryPolicy, Tally, Uploader, cloud_config
from .cloud._deletion import DELETE_BATCH_SIZE
from .cloud._failed import FailedFile, default_failed, lines_in
from .cloud._journal import InputHash, Journal, Resume, read_journal
from .cloud._pipeline import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, Expand
from .cloud._summary import summary
from .core import JSONObject, Settings, load_settings
from .errors import SettingsError, UsageError

__all__ = ["main", "build_parser"]

PROG = "clevertap-bridge"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# The backoff's ceiling: 0.5 s doubled reaches it at the seventh try, so 8 retries span about 1.5 minutes.
MAX_BACKOFF = 30.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Send RudderStack events to CleverTap, or delete users (cloud mode).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{send,delete}")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--settings", required=True, metavar="FILE", help="the TOML settings (account_id, passcode, region, ...)")
        sub.add_argument("--api-url", metavar="URL", help="base URL instead of https://<region>.api.clevertap.com (path prefix kept)")
        sub.add_argument("--failed", metavar="FILE", help="where what could not be delivered is written (JSON lines)")
        sub.add_argument("--dry-run", action="store_true", help="print the requests (passcode masked) and send nothing")
        sub.add_argument("--retries", type=_count, default=8, metavar="N", help="tries after the first for one request (default 8)")
        sub.add_argument("--backoff", type=_seconds, default=0.5, metavar="S", help="first wait between tries, doubled each time (default 0.5)")
        sub.add_argument("--max-wait", type=_seconds, default=300.0, metavar="S",
                         help=f"longest wait between tries: a Retry-After is honoured up to it (default 300); "
                              f"the backoff alone stops growing at {MAX_BACKOFF:g}")
        sub.add_argument("--timeout", type=_seconds, default=30.0, metavar="S", help="seconds to wait for an answer (default 30)")
        sub.add_argument("--on-timeout", choices=("retry", "fail"), default="retry",
                         help="a request that timed out may have been processed: send it again (default; at least once) "
                              "or put its messages in the failed file (at most once)")
        sub.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
        sub.add_argument("--concurrency", type=_concurrency, default=DEFAULT_CONCURRENCY, metavar="N",
                         help=f"requests in flight at once, 1 to {MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY}): "
                              f"CleverTap allows {MAX_CONCURRENCY} concurrent requests per account, and "
                              f"{DEFAULT_CONCURRENCY} gets about {DEFAULT_CONCURRENCY} times the throughput of one "
                              "while leaving room for the account's other senders; a user's records keep their order")
        sub.add_argument("--journal", metavar="FILE",
                         help="where settled input lines are recorded, so that a killed run resumes where it was "
                              "(default: beside the failed file, <failed>.journal, or <input>.journal without --failed); "
                              "a file input only, since "
                              "standard input cannot be resumed")

    send = commands.add_parser("send", help="send a JSON-lines file of RudderStack messages to CleverTap's upload API")
    send.add_argument("events", metavar="EVENTS", help="JSON lines of RudderStack messages, or - for standard input")
    common(send)
    send.add_argument("--batch-size", type=_batch_size, default=MAX_BATCH_RECORDS, metavar="N",
                      help=f"records per request, at most {MAX_BATCH_RECORDS} (default)")

    delete = commands.add_parser("delete", help="delete CleverTap profiles by user id, 100 a request")
    delete.add_argument("user_ids", nargs="*", metavar="USER_ID", help="user ids to delete")
    delete.add_argument("--from", dest="from_file", metavar="FILE", help="a file of user ids, one a line (- for standard input)")
    common(delete)
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not 0 or more")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    return value


def _concurrency(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 1 and {MAX_CONCURRENCY} (CleverTap's limit per account)")
    return value


def _batch_size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_BATCH_RECORDS:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 1 and {MAX_BATCH_RECORDS}")
    return value


# -- settings and files -------------------------------------------------------------------------------

def _settings(args: argparse.Namespace) -> Settings:
    try:
        settings = load_settings(args.settings)
    except SettingsError as error:
        raise UsageError(str(error)) from None
    if settings.passcode is None:
        raise UsageError(f"{args.settings}: passcode: missing: cloud mode needs the CleverTap account's passcode")
    if args.api_url is not None:
        try:
            settings = dataclasses.replace(settings, api_url=args.api_url)
        except SettingsError as error:
            raise UsageError(f"--api-url: {str(error).removeprefix('api_url: ')}") from None
    return settings


def _dry_run_failure(entries: Sequence[JSONObject]) -> None:
    # A dry run writes no file: each message that would fail is named on stderr instead.
    for entry in entries:
        where = f"line {entry['line']}" if "line" in entry else f"user {entry.get('userId')!r}"
        status = entry.get("status", entry.get("code"))
        print(f"{PROG}: {where}: would fail: {entry['reason']}" + (f" (status {status})" if status is not None else ""),
              file=sys.stderr)


def _lines(path: str, files: contextlib.ExitStack) -> tuple[Iterator[bytes], int | None, Path | None]:
    """The input's lines as bytes (read lazily), its size when it is a regular file, and its path."""
    if path == "-":
        return iter(sys.stdin.buffer), None, None
    try:
        fh = files.enter_context(open(path, "rb"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror or error}") from None
    size = os.fstat(fh.fileno()).st_size
    return iter(fh), size, Path(path)


# -- the terminal ---------------------------------------------------------------------------------------

class _CtrlC:
    """The first Ctrl-C asks the run to stop after the request in flight; a second one stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._installed = False
        self._previous: Callable[[int, FrameType | None], object] | int | signal.Handlers | None = None

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(f"\n{PROG}: stopping after the request in flight (Ctrl-C again to stop at once)", file=sys.stderr, flush=True)

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:  # the previous handler may be None (set outside Python): restore the default then
            signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.default_int_handler)


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int | None, unit: str) -> Iterator[Callable[[Tally], None] | None]:
    """A rich progress bar on stderr when it is a terminal; rich is imported only then.

    rich is the ``progress`` extra: without it the run goes on with no bar (the summary says the rest).
    """
    if not enabled:
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
    except ImportError:
        yield None
        return

    progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task("starting", total=total)
    with progress:
        def update(tally: Tally) -> None:
            done = tally.bytes_read if unit == "bytes" else tally.messages
            progress.update(task, completed=done,
                            description=f"{tally.messages} read, {tally.sent} sent, {tally.failed_lines} failed")
        yield update


# -- commands ------------------------------------------------------------------------------------------

def _options(args: argparse.Namespace, stop: _CtrlC, on_failure: Callable[[Sequence[JSONObject]], None],
             settings: Settings) -> Options:
    return Options(
        on_failure=on_failure,
        policy=RetryPolicy(retries=args.retries, backoff=args.backoff, max_backoff=min(MAX_BACKOFF, args.max_wait),
                           jitter=0.5, max_retry_after=args.max_wait),
        stop=stop,
        retry_timeouts=args.on_timeout == "retry",
        timeout=args.timeout,
        concurrency=args.concurrency,
        batch_size=getattr(args, "batch_size", DELETE_BATCH_SIZE),
        dry_run=sys.stdout if args.dry_run else None,
        base_url=settings.api_url,
    )


def _run(args: argparse.Namespace, expand: Expand | None = None) -> int:
    with contextlib.ExitStack() as files:
        return _run_with(args, files, expand)


def _journal_for(args: argparse.Namespace, source: Path | None, failed_default: str,
                 files: contextlib.ExitStack) -> tuple[Path | None, Resume | None]:
    """The journal's path and, when it exists, what the earlier run settled (refused for other input)."""
    if source is None:
        if args.journal is not None:
            raise UsageError("--journal: standard input cannot be resumed; give the input as a file")
        return None, None
    # Beside the failed file: <failed>.journal when it is named, else <input>.journal.
    default = f"{args.failed}.journal" if args.failed else f"{failed_default}.journal"
    path = Path(args.journal) if args.journal is not None else Path(default)
    if path.resolve() == source.resolve():
        raise UsageError(f"--journal: {path} is the input being read; name another file")
    if not path.exists() or path.stat().st_size == 0:
        return path, None
    return path, read_journal(path, source, args.command)


def _run_with(args: argparse.Namespace, files: contextlib.ExitStack, expand: Expand | None) -> int:
    settings = _settings(args)
    config = cloud_config(settings)
    if args.command == "send":
        lines, total, source = _lines(args.events, files)
        base = args.events if source is not None else "clevertap"
        default = f"{base}.failed.jsonl" if source is not None else "clevertap-failed.jsonl"
        unit = "bytes"
    else:
        if bool(args.user_ids) == (args.from_file is not None):
            raise UsageError("delete: give user ids or --from FILE (one of the two)")
        if args.from_file is not None:
            lines, _, source = _lines(args.from_file, files)
            base = args.from_file if source is not None else "clevertap-delete"
            total, unit = None, "ids"  # the number of ids in a file is not known before reading it
        else:
            lines = iter([(user_id + "\n").encode("utf-8") for user_id in args.user_ids])
            total, source, unit, base = len(args.user_ids), None, "ids", "clevertap-delete"
        default = f"{base}.failed.jsonl" if args.from_file is not None and source is not None else \
            "clevertap-delete-failed.jsonl"
    journal_path: Path | None = None
    resume: Resume | None = None
    if not args.dry_run and source is not None:
        journal_path, resume = _journal_for(args, source, base, files)
    elif args.journal is not None and source is None:
        raise UsageError("--journal: standard input cannot be resumed; give the input as a file")
    failed: FailedFile | None = None
    if not args.dry_run:
        if resume is not None and resume.failed is not None:
            if args.failed is not None and Path(args.failed).resolve() != Path(resume.failed).resolve():
                raise UsageError(f"--failed: the journal {journal_path} resumes a run whose failed file is "
                                 f"{resume.failed}; give that one or name another journal")
            failed = FailedFile(Path(resume.failed), True, [source] if source is not None else [], append=True)
            for line in lines_in(failed.path):  # written, so settled, even if the journal had not said so yet
                resume.settled.add(line)
        else:
            failed = FailedFile(Path(args.failed) if args.failed else default_failed(default), bool(args.failed),
                                [source] if source is not None else [])
    source_hash = InputHash()
    journal: Journal | None = None
    if journal_path is not None:
        journal = Journal(journal_path, command=args.command, input_name=str(source),
                          failed=str(failed.path) if failed is not None else None, fresh=resume is None,
                          source_hash=source_hash)
        files.callback(journal.close)
    sink: Callable[[Sequence[JSONObject]], None] = failed.write if failed is not None else _dry_run_failure
    show = not args.no_progress and not args.dry_run and sys.stderr.isatty()
    if source is None and not args.dry_run and args.command == "send":
        print(f"{PROG}: standard input cannot be resumed: no journal is kept, a killed run sends everything again",
              file=sys.stderr)
    with _CtrlC() as stop, _progress_bar(show, total, unit) as bar:
        def progress(tally: Tally) -> None:
            if bar is not None:
                bar(tally)

        options = dataclasses.replace(_options(args, stop, sink, settings), progress=progress, journal=journal,
                                      resume=resume, source_hash=source_hash, expand=expand)
        try:
            if args.command == "send":
                tally = Uploader(config, options).run(lines)
            else:
                tally = Deleter(config, options).run(lines)
        except SettingsError as error:
            raise UsageError(str(error)) from None
        finally:
            if failed is not None:
                failed.close()
    if stop.requested and not tally.stopped:
        tally.stopped = "interrupted after the last request had been answered"
    print(summary(PROG, args.command, tally, str(failed.path) if failed is not None else None,
                  failed.lines if failed is not None else 0, args.dry_run), file=sys.stderr)
    return EXIT_FAILED if tally.failed_lines else EXIT_OK


def main(argv: list[str] | None = None, *, expand: Expand | None = None) -> int:
    """Run the command line; returns the exit status (0 delivered, 1 something failed, 2 usage or settings).

    ``expand`` is the transformation step run on each message before the mapping (see
    :data:`bridge.cloud.Expand`)."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args, expand)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # stdout closed early (e.g. `--dry-run | head`): not an error worth a traceback.
        with contextlib.suppress(OSError):
            sys.stdout.close()
        return EXIT_FAILED
