"""JavaScript value semantics that decide CleverTap's output byte for byte.

RudderStack's transformer and the CleverTap Web SDK are JavaScript: which values count as present,
how an object is stringified and how a number is printed follow JavaScript, not Python. These small
functions give the JavaScript answer for JSON-like Python values (dict, list, str, int, float, bool,
None), with :data:`MISSING` standing for ``undefined``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

__all__ = [
    "MISSING",
    "Missing",
    "js_truthy",
    "js_json",
    "js_string",
    "js_number",
    "js_number_text",
    "js_typeof",
    "JS_WHITESPACE",
    "show",
]


class Missing:
    """The type of :data:`MISSING`: JavaScript's ``undefined`` (a key that is not there)."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = Missing()


def js_truthy(value: object) -> bool:
    """JavaScript truthiness: ``""``, ``0``, ``NaN``, ``false``, ``null`` and undefined are false;
    every object and array, even empty, is true."""
    if type(value) is str:  # the common case first (cloud mode's throughput)
        return value != ""
    if value is MISSING or value is None or value is False:
        return False
    if isinstance(value, (dict, list, tuple)):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def js_typeof(value: object) -> str:
    """``typeof value``: null, arrays and objects are all ``"object"``."""
    if value is MISSING:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def js_number_text(number: float) -> str:
    """``String(number)`` (Number.prototype.toString): shortest round-trip digits, JavaScript layout."""
    if isinstance(number, bool):
        return "true" if number else "false"
    if isinstance(number, int):
        if abs(number) < 10**21:
            return str(number)
        number = float(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"  # also -0
    sign = "-" if number < 0 else ""
    digits, exponent = _shortest_digits(abs(number))
    k = len(digits)
    n = exponent + k  # the decimal point sits after n digits
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def _shortest_digits(number: float) -> tuple[str, int]:
    """The shortest digit string and exponent with ``int(digits) * 10**exponent == number`` as a float."""
    text = repr(number)  # Python's repr is the shortest round-trip form too
    mantissa, _, exp = text.partition("e")
    exponent = int(exp) if exp else 0
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    exponent -= len(frac)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    return stripped or "0", exponent


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')


def _quote(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        return _ESCAPES.get(char) or f"\\u{ord(char):04x}"

    return '"' + _NEEDS_ESCAPE.sub(escape, text) + '"'


def js_json(value: object) -> str:
    """``JSON.stringify(value)`` for JSON-like values: compact, keys in insertion order, non-ASCII
    kept, numbers as JavaScript prints them, NaN and infinities as ``null``.

    A dict entry whose value is :data:`MISSING` is left out, as JavaScript leaves out ``undefined``.
    """
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: object, out: list[str]) -> None:
    if value is None or value is MISSING:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, (int, float)):
        finite = not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
        out.append(js_number_text(value) if finite else "null")
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in _js_key_order(value):
            if item is MISSING:
                continue
            if not first:
                out.append(",")
            first = False
            out.append(_quote(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        out.append(_quote(str(value)))


_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def _js_key_order(obj: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """Own keys in JavaScript's order: array-index keys ascending first, then the rest as inserted.

    A message parsed by JavaScript already has its object keys in this order, so JSON.stringify
    writes ``{"2":1,"b":2}`` for the input ``{"b":2,"2":1}``.
    """
    items = list(obj.items())
    index_keys = [(k, v) for k, v in items if isinstance(k, str) and _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1]
    if not index_keys:
        return items
    index_keys.sort(key=lambda kv: int(kv[0]))
    return index_keys + [(k, v) for k, v in items if not (isinstance(k, str) and _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1)]


def js_string(value: object) -> str:
    """``String(value)``: arrays join their items with commas, objects print ``[object Object]``."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return ",".join("" if item is None or item is MISSING else js_string(item) for item in value)
    return "[object Object]"


_NUMERIC = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_PREFIXED = re.compile(r"0([xXoObB])([0-9a-fA-F]+)")
# The characters JavaScript's String.prototype.trim and the regular-expression class \s treat as
# white space (WhiteSpace and LineTerminator of ECMA-262); Python's str.strip() set differs.
_JS_WHITESPACE = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
JS_WHITESPACE: Final = _JS_WHITESPACE


def js_number(value: object) -> float:
    """``Number(value)``; ``NaN`` for what JavaScript cannot read as a number."""
    if value is MISSING:
        return math.nan
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return js_number(js_string(value)) if len(value) <= 1 else math.nan
    if not isinstance(value, str):
        return math.nan
    text = value.strip(_JS_WHITESPACE)
    if text == "":
        return 0.0
    if _NUMERIC.fullmatch(text):
        return float(text.replace("Infinity", "inf"))
    prefixed = _PREFIXED.fullmatch(text)
    if prefixed:
        base = {"x": 16, "o": 8, "b": 2}[prefixed.group(1).lower()]
        try:
            return float(int(prefixed.group(2), base))
        except ValueError:
            return math.nan
    return math.nan


def show(value: object) -> str:
    """A value as an error or warning names it: strings quoted, other values as JSON, long ones shortened."""
    text = repr(value) if isinstance(value, str) else js_json(value)
    return text if len(text) <= 80 else text[:77] + "..."
