"""Reading the input: one JSON message (``send``) or one user id (``delete``) a line.

A line of a failed file gives back what failed, so a fixed failed file can be sent again as it is:
``{"message": {...}, "reason": ...}`` is its message (``"transformed": true`` marks a transformation's
output, which is not transformed again), ``{"userId": "...", "reason": ...}`` its id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..core import JSON

__all__ = ["Incoming", "Read", "read_message", "read_id", "dumps"]


@dataclass(frozen=True)
class Incoming:
    """One non-blank input line not settled yet: its number (from 1) and its bytes."""

    line: int
    raw: bytes


@dataclass(frozen=True)
class Read:
    message: JSON
    transformed: bool = False


def _no_constants(name: str) -> JSON:
    raise ValueError(f"{name} is not JSON")


# Made once: json.loads with an option builds a decoder on every call.
_DECODER = json.JSONDecoder(parse_constant=_no_constants)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def read_message(raw: bytes) -> Read:
    """One input line as a message. Strict JSON (NaN and Infinity are not JSON); ValueError otherwise."""
    value: JSON = _DECODER.decode(raw.decode("utf-8"))
    if isinstance(value, dict) and "reason" in value and "type" not in value and isinstance(value.get("message"), dict):
        return Read(value["message"], value.get("transformed") is True)
    return Read(value)


def read_id(raw: bytes) -> str:
    """One user id: the line's text, or the ``userId`` of a failed-file line."""
    text = raw.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict) and isinstance(value.get("userId"), str) and value["userId"]:
            return str(value["userId"])
    return text


def dumps(value: JSON) -> bytes:
    """Compact JSON as CleverTap is sent it (UTF-8, no NaN)."""
    return _ENCODER.encode(value).encode("utf-8")
