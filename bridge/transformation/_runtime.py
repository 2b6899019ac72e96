"""The site's transformation file: loaded and checked once, then run on events (standard library only).

RudderStack's contract (https://www.rudderstack.com/docs/transformations/usage/): the file defines
exactly one of ``transformEvent(event, metadata)`` and ``transformBatch(events, metadata)``.
:meth:`Transformation.run` gives, for each input event in order, an :class:`Outcome`: the messages
that go on to the mapping, and the warnings, debug lines and ``log()`` lines the call produced.
docs/transformations.md is the user's side of the same contract.
"""

from __future__ import annotations

import ast
import builtins
import contextvars
import copy
import dataclasses
import inspect
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ..core._types import JSONObject
from ..errors import TransformationError
from ._deadline import Timeout, call_with_deadline, one_line_loops

__all__ = [
    "Transformation",
    "Outcome",
    "ENTRY_POINTS",
    "ON_ERROR",
    "NOT_IN_BROWSER",
    "DEFAULT_TIMEOUT_MS",
    "DESTINATION_TYPE",
    "SOURCE_TYPES",
    "check_imports",
    "SITE_SOURCE",
]

# Where the build puts the site's file inside the browser wheel (bridge.build): not a module, so that
# nothing imports or byte-compiles it; the boundary reads it once (bridge.device._boundary).
SITE_SOURCE = Path(__file__).resolve().parent / "site_transformation.txt"

ENTRY_POINTS = ("transformEvent", "transformBatch")
ON_ERROR = ("drop", "send_untransformed")
# RudderStack's own limit is 4 s a call; one event gets 1 s here, since it holds the browser's queue.
DEFAULT_TIMEOUT_MS = {"transformEvent": 1000, "transformBatch": 4000}
DESTINATION_TYPE = "CLEVERTAP"
# metadata(event)["sourceType"]: RudderStack names a source by its definition; device-mode events come
# from a JavaScript SDK, cloud mode's from files of messages, as its HTTP API source takes them.
SOURCE_TYPES = {"deviceMode": "Javascript", "cloudMode": "HTTP"}

# Standard-library modules a transformation may not import, because the browser (Pyodide, in a worker,
# with the standard library cut to what is imported) does not have them or they cannot work there:
# no network in device mode, no processes, no terminal or GUI. The same list holds in cloud mode, so a
# file that passes here runs in both.
NOT_IN_BROWSER = {
    "asyncio": "an event loop (a transformation is called synchronously)",
    "concurrent": "threads or processes",
    "ctypes": "native libraries",
    "curses": "a terminal",
    "dbm": "a database file",
    "ensurepip": "pip",
    "ftplib": "the network",
    "http": "the network",
    "idlelib": "IDLE",
    "imaplib": "the network",
    "lzma": "lzma (Pyodide leaves it out)",
    "multiprocessing": "processes",
    "poplib": "the network",
    "readline": "a terminal",
    "smtplib": "the network",
    "socket": "the network",
    "socketserver": "the network",
    "sqlite3": "sqlite3 (Pyodide leaves it out)",
    "ssl": "the network",
    "subprocess": "processes",
    "threading": "threads",
    "tkinter": "a GUI",
    "turtle": "a GUI",
    "urllib.request": "the network",
    "venv": "virtual environments",
    "webbrowser": "a browser to open",
    "xmlrpc": "the network",
}

_LOGS: contextvars.ContextVar[tuple[str, list[str]] | None] = contextvars.ContextVar("transformation_log", default=None)


@dataclasses.dataclass
class Outcome:
    """What became of one input event.

    ``messages`` go on to the mapping, in order (none: the event was filtered, or failed under
    ``drop``). ``error`` says why, when it failed and is not sent (cloud mode's failed file writes it
    as ``transformation: <error>``); ``warnings`` and ``debug`` are lines for the console or the run's output, as are ``logs``
    (the transformation's own ``log()`` lines).
    """

    messages: list[JSONObject]
    error: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    debug: list[str] = dataclasses.field(default_factory=list)
    logs: list[str] = dataclasses.field(default_factory=list)


def _log(*values: object) -> None:
    """The transformation's ``log(*values)``: one line, prefixed with the messageId being transformed."""
    current = _LOGS.get()
    text = " ".join(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr) for value in values)
    if current is None:  # called at import time, outside any event
        print(f"transformation log: {text}", file=sys.stderr)
        return
    label, lines = current
    lines.append(f"transformation log ({label}): {text}")


def check_imports(tree: ast.AST, filename: str) -> tuple[str, ...]:
    """The modules ``tree`` imports (dotted, as written); raises :class:`TransformationError` for one
    the browser will not have, naming ``FILE:LINE``."""
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            raise TransformationError(f"{filename}:{node.lineno}: a relative import: a transformation is one file and imports the standard library only")
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for name in names:
            parts = name.split(".")
            if parts[0] not in allowed:
                raise TransformationError(
                    f"{filename}:{node.lineno}: imports {name}, which is not in Python's standard library: the browser has nothing else"
                )
            for i in range(len(parts), 0, -1):
                reason = NOT_IN_BROWSER.get(".".join(parts[:i]))
                if reason:
                    raise TransformationError(f"{filename}:{node.lineno}: imports {name}: a transformation runs in the browser, which has no {reason}")
            found.append(name)
    return tuple(sorted(set(found)))


def _frame_in(tb: TracebackType | None, filename: str, lines: dict[int, int] | None = None) -> str:
    """``FILE:LINE in FUNCTION`` of the last traceback frame inside the transformation file; ``lines``
    maps a line to the one reported instead."""
    where = ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename:
            where = f"{filename}:{(lines or {}).get(tb.tb_lineno, tb.tb_lineno)} in {code.co_name}"
        tb = tb.tb_next
    return where


def _outermost_loops(tree: ast.AST) -> dict[int, int]:
    """Each line inside a loop -> the line of the outermost loop holding it (within one function).

    A time-out names that loop: where in the loop the deadline struck is chance, the loop is not."""
    found: dict[int, int] = {}
    for node in ast.walk(tree):  # breadth first: outer loops come before the loops inside them
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if found.get(line, 0) < node.lineno:
                    found.pop(line, None)  # a loop outside a def does not swallow the def's own loops
        if isinstance(node, (ast.While, ast.For, ast.AsyncFor)):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                found.setdefault(line, node.lineno)
    return found


def _describe(value: object) -> str:
    """``an int (5)``: the type with its article, and the value cut short."""
    text = repr(value)
    kind = type(value).__name__
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} ({text if len(text) <= 60 else text[:57] + '...'})"


def _copy(event: object) -> Any:
    """A deep copy of an input event, so that a transformation that edits it and then raises leaves the
    original to send untransformed."""
    try:
        return json.loads(json.dumps(event, allow_nan=False))
    except (TypeError, ValueError):
        return copy.deepcopy(event)


class _Refused(Exception):
    """What the transformation returned cannot be used: the message says what came back."""


@dataclasses.dataclass(frozen=True)
class Transformation:
    """One checked transformation file, ready to run. Build it with :meth:`load` or :meth:`from_source`."""

    filename: str
    source: str
    entry: str
    function: Callable[..., Any]
    on_error: str = "drop"
    timeout_ms: int = 1000
    imports: tuple[str, ...] = ()
    loop_lines: frozenset[int] = frozenset()
    loops: dict[int, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_source(cls, source: str, filename: str, on_error: str = "drop", timeout_ms: int | None = None) -> Transformation:
        """Compile and check ``source``; every problem is a :class:`TransformationError` ``FILE:LINE: what``."""
        if on_error not in ON_ERROR:
            raise TransformationError(f"on_transformation_error: {on_error!r} is not one of {', '.join(ON_ERROR)}")
        try:
            tree = ast.parse(source, filename)
            code = compile(tree, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise TransformationError(f"{filename}:{exc.lineno or 1}: SyntaxError: {exc.msg}") from None
        except ValueError as exc:  # a NUL byte
            raise TransformationError(f"{filename}:1: {exc}") from None
        imports = check_imports(tree, filename)
        defined = {
            node.name: node
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in ENTRY_POINTS
        }
        if not defined:
            raise TransformationError(f"{filename}:1: defines neither transformEvent(event, metadata) nor transformBatch(events, metadata)")
        if len(defined) > 1:
            event, batch = defined["transformEvent"], defined["transformBatch"]
            raise TransformationError(
                f"{filename}:{max(event.lineno, batch.lineno)}: defines both transformEvent (line {event.lineno}) "
                f"and transformBatch (line {batch.lineno}): keep one"
            )
        [(entry, node)] = defined.items()
        if isinstance(node, ast.AsyncFunctionDef):
            raise TransformationError(f"{filename}:{node.lineno}: {entry} is async: it must be a plain def")
        loop_lines = one_line_loops(tree)
        limit = timeout_ms if timeout_ms is not None else DEFAULT_TIMEOUT_MS[entry]
        namespace: dict[str, Any] = {
            "__name__": "transformation",
            "__file__": filename,
            "__builtins__": {**builtins.__dict__, "log": _log},
        }
        try:
            call_with_deadline(exec, (code, namespace), limit / 1000, filename, loop_lines)
        except Timeout:
            raise TransformationError(f"{filename}:1: its module-level code ran past {limit} ms") from None
        except Exception as exc:
            where = _frame_in(exc.__traceback__, filename) or f"{filename}:1"
            line = where.split(" in ")[0]
            raise TransformationError(f"{line}: raised while loading: {type(exc).__name__}: {exc}") from None
        function = namespace.get(entry)
        if not callable(function):
            raise TransformationError(f"{filename}:{node.lineno}: {entry} is replaced by a {type(function).__name__} after its def")
        try:
            inspect.signature(function).bind(None, None)
        except TypeError:
            noun = "event" if entry == "transformEvent" else "events"
            raise TransformationError(f"{filename}:{node.lineno}: {entry} must take two arguments ({noun}, metadata)") from None
        return cls(filename, source, entry, function, on_error, limit, imports, loop_lines, _outermost_loops(tree))

    @classmethod
    def load(cls, path: str | Path, on_error: str = "drop", timeout_ms: int | None = None, name: str | None = None) -> Transformation:
        """:meth:`from_source` of a file; ``name`` is how messages name it (the path by default)."""
        path = Path(path)
        shown = name or str(path)
        try:
            source = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise TransformationError(f"{shown}: no such transformation file") from None
        except UnicodeDecodeError as exc:
            raise TransformationError(f"{shown}:1: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise TransformationError(f"{shown}: cannot be read: {exc.strerror}") from None
        return cls.from_source(source, shown, on_error, timeout_ms)

    @classmethod
    def from_settings(cls, settings: Any) -> Transformation | None:
        """The transformation a :class:`bridge.core.Settings` names, or None."""
        if settings.transformation is None:
            return None
        return cls.load(settings.transformation, settings.on_transformation_error, settings.transformation_timeout_ms)

    # -- running ---------------------------------------------------------------------------------------

    def metadata(self, mode: str) -> Callable[[object], JSONObject]:
        """The ``metadata`` function handed to the transformation for ``mode`` (deviceMode or cloudMode)."""

        def metadata(event: object) -> JSONObject:
            given = event if isinstance(event, dict) else {}
            out: JSONObject = {
                "messageId": given.get("messageId"),
                "sourceType": SOURCE_TYPES[mode],
                "destinationType": DESTINATION_TYPE,
                "mode": mode,
            }
            for key, field in (("eventName", "event"), ("eventType", "type")):
                if isinstance(given.get(field), str):
                    out[key] = given[field]
            return out

        return metadata

    def run(self, events: Sequence[object], mode: str) -> list[Outcome]:
        """One :class:`Outcome` per event, in order; never raises for what the transformation does.

        An event that is not a dict is passed on untouched: the mapping refuses it with its own error.
        """
        if mode not in SOURCE_TYPES:
            raise ValueError(f"mode: {mode!r} is not one of {', '.join(SOURCE_TYPES)}")
        if self.entry == "transformEvent":
            return [self._one(event, mode) if isinstance(event, dict) else Outcome([event]) for event in events]  # type: ignore[list-item]
        return self._batch(events, mode)

    def _call(self, args: tuple[Any, ...], label: str, logs: list[str]) -> Any:
        token = _LOGS.set((label, logs))
        try:
            return call_with_deadline(self.function, args, self.timeout_ms / 1000, self.filename, self.loop_lines)
        finally:
            _LOGS.reset(token)

    def _one(self, event: JSONObject, mode: str) -> Outcome:
        label = f"messageId {event.get('messageId')!r}"
        logs: list[str] = []
        try:
            returned = self._call((_copy(event), self.metadata(mode)), label, logs)
            messages = self._messages(returned)
        except BaseException as exc:  # noqa: B036  what the site's code raises is an outcome (KeyboardInterrupt aside)
            if isinstance(exc, KeyboardInterrupt):
                raise
            outcome = self._failed([event], [label], exc)[0]
            outcome.logs[:0] = logs
            return outcome
        if not messages:
            return Outcome([], debug=[f"transformation: {label}: dropped by transformEvent (it returned None)"], logs=logs)
        return Outcome(messages, logs=logs)

    def _messages(self, returned: object) -> list[JSONObject]:
        """The events a return value stands for, as JSON objects; raises _Refused for anything else."""
        name = self.entry
        if returned is None and name == "transformEvent":
            return []
        if isinstance(returned, dict) and name == "transformEvent":
            items: list[object] = [returned]
        elif isinstance(returned, (list, tuple)):
            items = list(returned)
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise _Refused(f"{self.filename}: {name} returned a list holding {_describe(item)} at index {index}: each element must be a dict")
        else:
            wanted = "a dict, None or a list of dicts" if name == "transformEvent" else "a list of dicts"
            raise _Refused(f"{self.filename}: {name} returned {_describe(returned)}: it must return {wanted}")
        try:
            # JSON both ways: what reaches the mapping is what a message can be, and shares nothing.
            copied: list[JSONObject] = json.loads(json.dumps(items, allow_nan=False))
        except (TypeError, ValueError, RecursionError) as exc:
            raise _Refused(f"{self.filename}: {name} returned an event JSON cannot carry: {exc}") from None
        return copied

    def _failed(self, events: Sequence[JSONObject], labels: Sequence[str], exc: BaseException) -> list[Outcome]:
        if isinstance(exc, _Refused):
            reason = str(exc)
        else:
            where = _frame_in(exc.__traceback__, self.filename, self.loops if isinstance(exc, Timeout) else None)
            what = f"stopped after {self.timeout_ms} ms" if isinstance(exc, Timeout) else f"{type(exc).__name__}: {exc}"
            reason = f"{what} (at {where})" if where else what
        outcomes = []
        for event, label in zip(events, labels, strict=True):
            if self.on_error == "send_untransformed":
                warning = f"transformation: {label}: {reason}; sent untransformed (on_transformation_error = send_untransformed)"
                outcomes.append(Outcome([event], warnings=[warning]))
            else:
                warning = f"transformation: {label}: {reason}; dropped (on_transformation_error = drop)"
                outcomes.append(Outcome([], error=reason, warnings=[warning]))
        return outcomes

    def _batch(self, events: Sequence[object], mode: str) -> list[Outcome]:
        """transformBatch over the dict events; outputs go back to their input by messageId.

        An output whose messageId names no input follows the input of the output before it (or the
        first input), so the returned order is kept; an input no output names is filtered.
        """
        indexes = [i for i, event in enumerate(events) if isinstance(event, dict)]
        outcomes = [Outcome([event]) for event in events]  # type: ignore[list-item]  # non-dicts pass on
        if not indexes:
            return outcomes
        inputs: list[JSONObject] = [events[i] for i in indexes]  # type: ignore[misc]
        ids = [event.get("messageId") for event in inputs]
        labels = [f"messageId {mid!r}" for mid in ids]
        shown = ", ".join(repr(mid) for mid in ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        logs: list[str] = []
        try:
            returned = self._call(([_copy(e) for e in inputs], self.metadata(mode)), f"batch of messageIds {shown}", logs)
            messages = self._messages(returned)
        except BaseException as exc:  # noqa: B036  as in _one
            if isinstance(exc, KeyboardInterrupt):
                raise
            for i, outcome in zip(indexes, self._failed(inputs, labels, exc), strict=True):
                outcomes[i] = outcome
            outcomes[indexes[0]].logs[:0] = logs
            return outcomes
        position = {mid: k for k, mid in reversed(list(enumerate(ids))) if isinstance(mid, (str, int))}
        grouped: list[list[JSONObject]] = [[] for _ in inputs]
        current = 0
        for message in messages:
            mid = message.get("messageId")
            current = position.get(mid, current) if isinstance(mid, (str, int)) else current
            grouped[current].append(message)
        for k, i in enumerate(indexes):
            outcomes[i] = Outcome(grouped[k])
            if not grouped[k]:
                outcomes[i].debug.append(f"transformation: {labels[k]}: dropped by transformBatch (no output carries its messageId)")
        outcomes[indexes[0]].logs[:0] = logs
        return outcomes

