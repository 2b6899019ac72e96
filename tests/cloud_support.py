"""Helpers shared by the cloud-mode tests: JSON comparison.

The one fake CleverTap server is tests/fake_clevertap.py; ``LoopbackServer`` is re-exported from it
for the tests that import it from here."""

from __future__ import annotations

import json
import math
from typing import Any

from fake_clevertap import LoopbackServer

__all__ = ["json_same", "strip_stat_tags", "assert_json_serialisable", "LoopbackServer"]


def json_same(a: Any, b: Any) -> bool:
    """Structural equality after JSON parsing: key order ignored, array order kept, numbers by value
    (1 == 1.0), but a boolean is never a number (True != 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def strip_stat_tags(value: Any) -> Any:
    """``value`` without any ``statTags`` key, at any depth (RudderStack's framework adds them)."""
    if isinstance(value, dict):
        return {k: strip_stat_tags(v) for k, v in value.items() if k != "statTags"}
    if isinstance(value, list):
        return [strip_stat_tags(v) for v in value]
    return value


def assert_json_serialisable(value: Any) -> None:
    """Strict JSON (no NaN or Infinity) and a lossless round trip."""
    text = json.dumps(value, allow_nan=False)
    assert json_same(json.loads(text), value)
    for number in _numbers(value):
        assert math.isfinite(number)


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []
