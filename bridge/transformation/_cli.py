"""``clevertap-bridge test-transformation``: run a transformation on fixtures, as rudder-cli tests one.

    clevertap-bridge test-transformation FILE [--input PATH] [--expected PATH] [--settings FILE]
                                              [--mode both|deviceMode|cloudMode] [--browser]

rudder-cli's layout (https://www.rudderstack.com/docs/transformations/manage-transformations-with-rudder-cli/quickstart/):
an input is a JSON file holding one event or an array of them, a folder of such files (each one case), or
JSON lines (one case); the expected output for input ``x.json`` is the array of output events in
``x.json`` of the expected folder (or the file ``--expected`` names, for a single input). With no input,
the four default events (identify, track, page, screen) are the cases. Each case prints its result, a
unified diff on a mismatch, the transformation's log lines, and what each output event becomes on
CleverTap's wire: the device calls and the cloud records. Exit status: 0 all match, 1 a mismatch, a
raise or a file that does not load, 2 a usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ..core import Settings, load_settings
from ..core._types import JSON
from ..errors import BridgeError, SettingsError, TransformationError, UsageError
from ._runtime import SOURCE_TYPES, Transformation

__all__ = ["DEFAULT_EVENTS", "Case", "add_parser", "read_cases", "run", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# rudder-cli's default events (one of each type), with the fields the mapping reads.
_CONTEXT: dict[str, JSON] = {"traits": {"email": "jane@example.com", "name": "Jane Doe"}, "library": {"name": "RudderLabs JavaScript SDK"}}
DEFAULT_EVENTS: dict[str, dict[str, JSON]] = {
    "identify": {"type": "identify", "messageId": "default-identify", "anonymousId": "anon-1", "userId": "user-1",
                 "traits": {"email": "jane@example.com", "name": "Jane Doe", "plan": "pro"}, "context": _CONTEXT},
    "track": {"type": "track", "messageId": "default-track", "anonymousId": "anon-1", "userId": "user-1",
              "event": "Product Viewed", "properties": {"product_id": "p-1", "price": 9.5}, "context": _CONTEXT},
    "page": {"type": "page", "messageId": "default-page", "anonymousId": "anon-1", "userId": "user-1",
             "name": "Home", "properties": {"url": "https://example.com/", "title": "Home"}, "context": _CONTEXT},
    "screen": {"type": "screen", "messageId": "default-screen", "anonymousId": "anon-1", "userId": "user-1",
               "name": "Settings", "properties": {"tab": "privacy"}, "context": _CONTEXT},
}


@dataclasses.dataclass
class Case:
    """One test: its name, input events and expected output events (None: run without comparison)."""

    name: str
    events: list[JSON]
    expected: list[JSON] | None = None


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Register ``test-transformation`` on the command line's subparsers."""
    sub: argparse.ArgumentParser = commands.add_parser(
        "test-transformation", help="run a transformation file on fixtures (rudder-cli's layout) and show what reaches CleverTap"
    )
    sub.add_argument("file", metavar="FILE", help="the transformation (a .py file defining transformEvent or transformBatch)")
    sub.add_argument("--input", metavar="PATH", help="a JSON file (one event or an array), a folder of them, or JSON lines")
    sub.add_argument("--expected", metavar="PATH", help="the folder of expected outputs (x.json for input x.json), or one file")
    sub.add_argument("--settings", metavar="FILE", help="TOML settings: the mapping's, on_transformation_error, transformation_timeout_ms")
    sub.add_argument("--mode", choices=("both", *SOURCE_TYPES), default="both",
                     help="metadata(event)['mode'] to run under; both (default): each must give the expected output")
    sub.add_argument("--browser", action="store_true", help="also run the cases under Pyodide in headless Chromium; fails if any output differs")
    return sub


def _load_json(path: Path) -> JSON:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from None
    try:
        value: JSON = json.loads(text)
        return value
    except ValueError:
        pass
    lines = [line for line in text.splitlines() if line.strip()]
    events: list[JSON] = []
    for number, line in enumerate(lines, 1):
        try:
            events.append(json.loads(line))
        except ValueError as exc:
            raise UsageError(f"{path}:{number}: not JSON (nor JSON lines): {exc}") from None
    return events


def _as_events(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else [value]


def read_cases(input_path: str | None, expected_path: str | None) -> list[Case]:
    """The cases for ``--input`` and ``--expected`` (rudder-cli's layout)."""
    if input_path is None:
        if expected_path is not None:
            raise UsageError("--expected: needs --input (the default events have no expected output)")
        return [Case(f"default {kind}", [event]) for kind, event in DEFAULT_EVENTS.items()]
    source = Path(input_path)
    if source.is_dir():
        files = sorted(source.glob("*.json"))
        if not files:
            raise UsageError(f"--input: {source} holds no .json file")
    elif source.is_file():
        files = [source]
    else:
        raise UsageError(f"--input: {source}: no such file or folder")
    expected_dir = Path(expected_path) if expected_path is not None else None
    if expected_dir is not None and not expected_dir.exists():
        raise UsageError(f"--expected: {expected_dir}: no such file or folder")
    cases = []
    for path in files:
        case = Case(str(path), _as_events(_load_json(path)))
        if expected_dir is not None:
            wanted = expected_dir / path.name if expected_dir.is_dir() else expected_dir
            if wanted.is_file():
                case.expected = _as_events(_load_json(wanted))
        cases.append(case)
    return cases


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _wire(message: JSON, settings: Settings) -> list[str]:
    """What one output event becomes on CleverTap's wire: device calls and cloud records, one line each."""
    from ..cloud import records_of, transform
    from ..cloud._pipeline import cloud_config
    from ..device import translate

    lines = []
    try:
        translation = translate(message, settings)
        lines += [f"    device: {json.dumps(call, ensure_ascii=False)}" for call in translation.calls]
        lines += [f"    device warning: {warning}" for warning in translation.warnings]
        if not translation.calls:
            lines.append("    device: (no call)")
    except BridgeError as exc:
        lines.append(f"    device: not sent: {exc}")
    try:
        outputs = transform(message if isinstance(message, dict) else {}, cloud_config(settings))
        lines += [f"    cloud: {json.dumps(record, ensure_ascii=False)}" for out in outputs for record in records_of(out)]
    except BridgeError as exc:
        lines.append(f"    cloud: not sent: {exc}")
    return lines


@dataclasses.dataclass
class Result:
    """One case's run in one mode: the output events, and the lines to print (errors, logs)."""

    outputs: list[JSON]
    errors: list[str]
    notes: list[str]


def run_case(transformation: Transformation, case: Case, mode: str) -> Result:
    outcomes = transformation.run(case.events, mode)
    outputs: list[JSON] = [message for outcome in outcomes for message in outcome.messages]
    errors = [warning for outcome in outcomes for warning in outcome.warnings]
    notes = [line for outcome in outcomes for line in (*outcome.logs, *outcome.debug)]
    return Result(outputs, errors, notes)


def run(
    file: str,
    cases: Sequence[Case],
    settings: Settings,
    modes: Sequence[str],
    out: TextIO,
    browser: bool = False,
) -> int:
    """Run ``cases`` and print the report to ``out``; returns the exit status."""
    try:
        transformation = Transformation.load(file, settings.on_transformation_error, settings.transformation_timeout_ms)
    except TransformationError as exc:
        print(f"ERROR {exc}", file=out)
        return EXIT_FAILED
    browser_answers: list[JSON] | None = None
    cpython_answers: list[JSON] = []
    if browser:
        from ..device import _boundary
        from ._browser import requests_of, run_in_browser

        try:
            browser_answers = run_in_browser(file, [case.events for case in cases], settings)
        except (RuntimeError, BridgeError) as exc:
            raise UsageError(f"--browser: {exc}") from None
        site = dataclasses.replace(settings, transformation=file)
        # Named as the worker names it (the file name alone), so that the messages compare equal.
        _boundary.preload(Transformation.from_source(transformation.source, Path(file).name, transformation.on_error,
                                                     settings.transformation_timeout_ms), site)
        cpython_answers = [_boundary.handle_batch(requests_of(case.events), site.to_config()) for case in cases]  # type: ignore[misc]
    counts = {"pass": 0, "fail": 0, "error": 0, "ran": 0}
    for index, case in enumerate(cases):
        results = {mode: run_case(transformation, case, mode) for mode in modes}
        first = results[modes[0]]
        status = "error" if any(r.errors for r in results.values()) else "ran"
        diffs: list[str] = []
        if case.expected is not None:
            for mode, result in results.items():
                if result.outputs != case.expected:
                    label = f" ({mode})" if len(modes) > 1 else ""
                    diffs += difflib.unified_diff(
                        _dumps(case.expected).splitlines(), _dumps(result.outputs).splitlines(),
                        f"expected{label}", f"actual{label}", lineterm="",
                    )
            if status != "error":
                status = "fail" if diffs else "pass"
        if browser_answers is not None and browser_answers[index] != cpython_answers[index]:
            # The worker's whole answers (calls, warnings, log lines), not only the events: the device path entire.
            diffs += difflib.unified_diff(
                _dumps(cpython_answers[index]).splitlines(), _dumps(browser_answers[index]).splitlines(),
                "CPython (device answers)", "Pyodide in Chromium", lineterm="",
            )
            status = "fail" if status != "error" else status
        counts[status] += 1
        shown = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "ran": "RAN"}[status]
        comparison = "" if case.expected is not None else " (no expected output)"
        same = "; Pyodide gives the same answers" if browser_answers is not None and browser_answers[index] == cpython_answers[index] else ""
        print(f"{shown} {case.name}: {len(case.events)} event(s) in, {len(first.outputs)} out{comparison}{same}", file=out)
        for line in dict.fromkeys(line for r in results.values() for line in (*r.errors, *r.notes)):
            print(f"  {line}", file=out)
        for line in diffs:
            print(f"  {line}", file=out)
        for number, message in enumerate(first.outputs, 1):
            print(f"  output {number}:", file=out)
            for line in _wire(message, settings):
                print(line, file=out)
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} errors, {counts['ran']} without expected output", file=out)
    return EXIT_FAILED if counts["fail"] or counts["error"] else EXIT_OK


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """The subcommand, from parsed arguments."""
    stream = out if out is not None else sys.stdout
    try:
        settings = load_settings(args.settings) if args.settings else Settings(account_id="TEST-ACC-123")
        if settings.transformation is not None:
            settings = dataclasses.replace(settings, transformation=None)  # FILE is the one under test
        cases = read_cases(args.input, args.expected)
        modes = list(SOURCE_TYPES) if args.mode == "both" else [args.mode]
        return run(args.file, cases, settings, modes, stream, args.browser)
    except (UsageError, SettingsError) as exc:
        print(f"clevertap-bridge test-transformation: {exc}", file=sys.stderr)
        return EXIT_USAGE
