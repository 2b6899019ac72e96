"""A time limit on the site's own Python, enforced from inside Python (works in CPython and Pyodide).

A trace function is installed only around the user's call (and restored after), and it is attached
only to frames of the transformation file: standard-library and bridge code run untraced. In those
frames each line event compares a monotonic clock with the deadline. A loop written on one line
(``while True: pass``) raises no line event after the first, so code objects holding such a loop are
traced per opcode instead (about 6x the cost of line tracing, paid only there).

Measured on CPython 3.11 (a one-million-step ``for`` loop in the file, the worst case: nothing but
traced lines): 0.09 s untraced, 0.26 s line-traced, 1.6 s opcode-traced on an idle core (figures:
tests/test_bench_transformation.py). A typical transformation runs a few dozen lines per event, a few
microseconds of tracing.

What this cannot stop: time spent inside one C call (``re`` on a pathological pattern,
``sum(range(10**12))``): no Python line runs meanwhile. The browser stops those by terminating the
worker (see docs/transformations.md); cloud mode has no such backstop yet. A transformation that
catches ``BaseException`` around its own loop also escapes it, since CPython removes a trace function
that raised.
"""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

__all__ = ["Timeout", "one_line_loops", "call_with_deadline"]


class Timeout(BaseException):
    """Raised inside the user's code at the deadline.

    A BaseException, so that ``except Exception:`` in the transformation does not swallow it.
    """


def one_line_loops(tree: ast.AST) -> frozenset[int]:
    """Line numbers of loops that start and end on one line (they raise no line event per pass)."""
    kinds = (ast.While, ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return frozenset(
        node.lineno for node in ast.walk(tree) if isinstance(node, kinds) and node.lineno == getattr(node, "end_lineno", None)
    )


def _lines_of(code: CodeType) -> set[int]:
    return {line for _, _, line in code.co_lines() if line is not None}


def call_with_deadline(
    function: Callable[..., Any], args: tuple[Any, ...], seconds: float, filename: str, loop_lines: frozenset[int]
) -> Any:
    """``function(*args)``, raising :class:`Timeout` inside it once ``seconds`` have passed.

    Only frames whose code comes from ``filename`` are traced; those holding a line of ``loop_lines``
    are traced per opcode.
    """
    deadline = time.monotonic() + seconds
    clock = time.monotonic
    per_opcode: dict[CodeType, bool] = {}

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if clock() > deadline:
            raise Timeout
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename != filename:
            return None
        if clock() > deadline:  # a generator resumed from C (sum(g)) re-enters here on each step
            raise Timeout
        opcodes = per_opcode.get(code)
        if opcodes is None:
            opcodes = per_opcode[code] = bool(loop_lines and loop_lines & _lines_of(code))
        if opcodes:
            frame.f_trace_opcodes = True
        return local

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        return function(*args)
    finally:
        sys.settrace(previous)
