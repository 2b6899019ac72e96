"""``clevertap-bridge``: cloud mode from the command line (also ``python -m bridge``).

    clevertap-bridge send EVENTS --settings FILE [--api-url URL] [--failed FILE] [--dry-run]
    clevertap-bridge delete --settings FILE [--api-url URL] (USER_ID... | --from FILE)
    clevertap-bridge test-transformation FILE [--input PATH] [--expected PATH] [--settings FILE] [--browser]

The work is :mod:`bridge.pipeline`'s; this module reads the arguments and settings, owns the
terminal (progress bar, Ctrl-C, summary) and the failed file. Exit status: 0 when everything was
delivered, 1 when anything is in the failed file, 2 for a usage or settings error (nothing sent).
The passcode is never printed: dry runs mask it, and no message repeats it.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any

from .cloud import MAX_BATCH_RECORDS, Deleter, RetryPolicy, Tally, Uploader, cloud_config
from .core import Settings, load_settings
from .errors import SettingsError
from .transformation import _cli as transformation_cli

__all__ = ["main", "build_parser"]

PROG = "clevertap-bridge"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# The backoff's ceiling: 0.5 s doubled reaches it at the seventh try, so 8 retries span about 1.5 minutes.
MAX_BACKOFF = 30.0


class UsageError(Exception):
    """A bad argument or setting, found before anything is sent: one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Send RudderStack events to CleverTap, or delete users (cloud mode).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{send,delete,test-transformation}")

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

    send = commands.add_parser("send", help="send a JSON-lines file of RudderStack messages to CleverTap's upload API")
    send.add_argument("events", metavar="EVENTS", help="JSON lines of RudderStack messages, or - for standard input")
    common(send)
    send.add_argument("--batch-size", type=_batch_size, default=MAX_BATCH_RECORDS, metavar="N",
                      help=f"records per request, at most {MAX_BATCH_RECORDS} (default)")

    delete = commands.add_parser("delete", help="delete CleverTap profiles by user id, 100 a request")
    delete.add_argument("user_ids", nargs="*", metavar="USER_ID", help="user ids to delete")
    delete.add_argument("--from", dest="from_file", metavar="FILE", help="a file of user ids, one a line (- for standard input)")
    common(delete)
    transformation_cli.add_parser(commands)  # its code is bridge.transformation's
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


def _default_failed(base: str) -> Path:
    # Never overwrite an earlier run's failures: the first free name wins.
    path = Path(base)
    counter = 1
    while path.exists():
        path = Path(f"{base.removesuffix('.jsonl')}-{counter}.jsonl")
        counter += 1
    return path


class FailedFile:
    """The failed file, opened at the first failure (an explicit path is emptied at the start)."""

    def __init__(self, path: Path, explicit: bool, sources: list[Path]) -> None:
        self.path = path
        self.lines = 0
        self._fh: IO[str] | None = None
        resolved = path.resolve()
        if any(source.resolve() == resolved for source in sources):
            raise UsageError(f"--failed: {path} is the input being read; name another file")
        directory = resolved.parent
        if not directory.is_dir() or not os.access(directory, os.W_OK):
            raise UsageError(f"--failed: cannot write {path}: {directory} is not a writable folder")
        if explicit:
            self._open()

    def _open(self) -> IO[str]:
        if self._fh is None:
            try:
                self._fh = self.path.open("w", encoding="utf-8")
            except OSError as error:
                raise UsageError(f"--failed: cannot write {self.path}: {error.strerror or error}") from None
        return self._fh

    def write(self, entry: dict[str, Any]) -> None:
        self._open().write(json.dumps(entry, ensure_ascii=False, separators=(", ", ": ")) + "\n")
        self.lines += 1

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _dry_run_failure(entry: dict[str, Any]) -> None:
    # A dry run writes no file: each message that would fail is named on stderr instead.
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


def _ids(lines: Iterator[bytes]) -> Iterator[str]:
    # One id a line; a failed-file line ({"userId": ..., "reason": ...}) gives back its id.
    for raw in lines:
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            continue
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError:
                value = None
            if isinstance(value, dict) and isinstance(value.get("userId"), str) and value["userId"]:
                yield value["userId"]
                continue
        yield text


# -- the terminal ---------------------------------------------------------------------------------------

class _CtrlC:
    """The first Ctrl-C asks the run to stop after the request in flight; a second one stops at once."""

    def __init__(self) -> None:
        self.requested = False
        self._installed = False
        self._previous: Any = None

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
    """A rich progress bar on stderr when it is a terminal; rich is imported only then."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task("starting", total=total)
    with progress:
        def update(tally: Tally) -> None:
            done = tally.bytes_read if unit == "bytes" else tally.messages
            progress.update(task, completed=done,
                            description=f"{tally.messages} read, {tally.sent} sent, {tally.failed_lines} failed")
        yield update


def _summary(command: str, tally: Tally, failed: FailedFile | None, dry_run: bool) -> str:
    noun = "messages" if command == "send" else "user ids"
    rows = [
        (f"{noun} read", tally.messages, ""),
        (("records to send" if dry_run else "records sent") if command == "send" else
         ("ids to delete" if dry_run else "ids deleted"), tally.sent,
         "(dry run: nothing sent)" if dry_run else ""),
        ("requests", tally.requests, f"({tally.retries} retries)" if not dry_run else ""),
    ]
    if command == "send":
        rows += [("rejected", tally.rejected, "messages the mapping refused"),
                 ("unprocessed", tally.unprocessed, "records CleverTap skipped")]
    rows += [("failed", tally.failed, "records of requests that failed" if command == "send" else "ids in requests that failed"),
             ("not sent", tally.not_sent, f"{noun} left when the run stopped")]
    width = max(len(name) for name, _, _ in rows)
    lines = [f"{PROG} {command}: " + (f"stopped: {tally.stopped}" if tally.stopped else "done")]
    lines += [f"  {name:<{width}}  {value:>9}  {note}".rstrip() for name, value, note in rows]
    if failed is not None and failed.lines:
        lines.append(f"  {'failed file':<{width}}  {failed.path} ({failed.lines} lines)")
    elif failed is not None:
        lines.append(f"  {'failed file':<{width}}  none: nothing failed")
    return "\n".join(lines)


# -- commands ------------------------------------------------------------------------------------------

def _options(args: argparse.Namespace, stop: _CtrlC, on_failure: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    return {
        "on_failure": on_failure,
        "policy": RetryPolicy(retries=args.retries, backoff=args.backoff, max_backoff=min(MAX_BACKOFF, args.max_wait),
                              jitter=0.5, max_retry_after=args.max_wait),
        "stop": stop,
        "retry_timeouts": args.on_timeout == "retry",
        "timeout": args.timeout,
        "dry_run": sys.stdout if args.dry_run else None,
    }


def _run(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as files:
        return _run_with(args, files)


def _run_with(args: argparse.Namespace, files: contextlib.ExitStack) -> int:
    settings = _settings(args)
    config = cloud_config(settings)
    if args.command == "send":
        lines, total, source = _lines(args.events, files)
        default = f"{args.events}.failed.jsonl" if source is not None else "clevertap-failed.jsonl"
        unit = "bytes"
    else:
        if bool(args.user_ids) == (args.from_file is not None):
            raise UsageError("delete: give user ids or --from FILE (one of the two)")
        if args.from_file is not None:
            raw, _, source = _lines(args.from_file, files)
            ids: Iterator[str] = _ids(raw)
            total, unit = None, "ids"  # the number of ids in a file is not known before reading it
            default = f"{args.from_file}.failed.jsonl" if source is not None else "clevertap-delete-failed.jsonl"
        else:
            ids, total, source, unit = iter(args.user_ids), len(args.user_ids), None, "ids"
            default = "clevertap-delete-failed.jsonl"
    failed: FailedFile | None = None
    if not args.dry_run:
        failed = FailedFile(Path(args.failed) if args.failed else _default_failed(default), bool(args.failed),
                            [source] if source is not None else [])
    sink: Callable[[dict[str, Any]], None] = failed.write if failed is not None else _dry_run_failure
    show = not args.no_progress and not args.dry_run and sys.stderr.isatty()
    with _CtrlC() as stop, _progress_bar(show, total, unit) as bar:
        def progress(tally: Tally) -> None:
            if failed is not None:
                failed.flush()
            if bar is not None:
                bar(tally)

        options = _options(args, stop, sink) | {"progress": progress}
        try:
            if args.command == "send":
                tally = Uploader(config, base_url=settings.api_url, batch_size=args.batch_size, **options).run(lines)
            else:
                tally = Deleter(config, base_url=settings.api_url, **options).run(ids)
        finally:
            if failed is not None:
                failed.close()
    if stop.requested and not tally.stopped:
        tally.stopped = "interrupted after the last request had been answered"
    print(_summary(args.command, tally, failed, args.dry_run), file=sys.stderr)
    return EXIT_FAILED if tally.failed_lines else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 delivered, 1 something failed, 2 usage or settings)."""
    args = build_parser().parse_args(argv)
    if args.command == "test-transformation":
        return transformation_cli.main(args)
    try:
        return _run(args)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # stdout closed early (e.g. `--dry-run | head`): not an error worth a traceback.
        with contextlib.suppress(OSError):
            sys.stdout.close()
        return EXIT_FAILED
