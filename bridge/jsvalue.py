"""JavaScript value semantics that decide CleverTap's output byte for byte.

RudderStack's transformer and the CleverTap Web SDK are JavaScript: which values count as present,
how an object is stringified and how a number is printed follow JavaScript, not Python. These small
functions give the JavaScript answer for JSON-like Python values (dict, list, str, int, float, bool,
None), with :data:`MISSING` standing for ``undefined``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
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
    "js_date_parse",
    "JS_WHITESPACE",
    "JsSyntaxError",
    "js_json_parse",
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


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``""``, ``0``, ``NaN``, ``false``, ``null`` and undefined are false;
    every object and array, even empty, is true."""
    if value is MISSING or value is None or value is False:
        return False
    if isinstance(value, (dict, list, tuple)):
        return True
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def js_typeof(value: Any) -> str:
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


def js_json(value: Any) -> str:
    """``JSON.stringify(value)`` for JSON-like values: compact, keys in insertion order, non-ASCII
    kept, numbers as JavaScript prints them, NaN and infinities as ``null``.

    A dict entry whose value is :data:`MISSING` is left out, as JavaScript leaves out ``undefined``.
    """
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
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


def js_string(value: Any) -> str:
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


def js_number(value: Any) -> float:
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


_ONE_MS = timedelta(milliseconds=1)
_ZERO = re.compile(r"0+")
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ISO = re.compile(
    r"(?P<y>[+-]\d{6}|\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2}))?)?"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
_WORDY = re.compile(
    r"(?:[A-Za-z]+,?\s+)?(?P<mon>[A-Za-z]{3,})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"
    r"(?:\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?)?"
    r"(?:\s*(?:GMT|UTC|Z)?(?P<tz>[+-]\d{2}:?\d{2})?)?"
)


def js_date_parse(text: str) -> float:
    """``Date.parse(text)`` in milliseconds, NaN when unreadable.

    Covers ISO 8601 (date-only as UTC, date-time without offset as local time) and the common
    "March 10, 2021" forms V8 accepts. Local time is UTC here, as on RudderStack's servers.
    """
    text = text.strip()
    if _ZERO.fullmatch(text):
        # V8 reads a lone zero as the year 2000 (reference §6: ts "0" becomes 946684800).
        return 946_684_800_000.0
    iso = _ISO.fullmatch(text)
    if iso:
        parts = iso.groupdict()
        fraction = (parts["f"] or "0")[:3].ljust(3, "0")
        return _epoch_ms(
            int(parts["y"]), int(parts["mo"] or 1), int(parts["d"] or 1),
            int(parts["h"] or 0), int(parts["mi"] or 0), int(parts["s"] or 0), int(fraction), parts["tz"],
        )
    wordy = _WORDY.fullmatch(text)
    if wordy:
        month = _MONTHS.get(wordy["mon"][:3].lower())
        if month is None:
            return math.nan
        return _epoch_ms(
            int(wordy["y"]), month, int(wordy["d"]),
            int(wordy["h"] or 0), int(wordy["mi"] or 0), int(wordy["s"] or 0), 0, wordy["tz"],
        )
    return math.nan


def _epoch_ms(y: int, mo: int, d: int, h: int, mi: int, s: int, ms: int, tz: str | None) -> float:
    if h == 24 and mi == 0 and s == 0 and ms == 0:
        h, extra_day = 0, 86_400_000
    else:
        extra_day = 0
    try:
        moment = datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=timezone.utc)
    except ValueError:
        return math.nan
    offset_ms = 0
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset_ms = sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60_000
    millis = (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // _ONE_MS
    return float(millis + extra_day - offset_ms)


class JsSyntaxError(ValueError):
    """JavaScript's ``SyntaxError`` from ``JSON.parse``, worded as Node 20 (V8 11) words it."""


# V8 names these whole inputs instead of pointing at a character (they are what String() gives
# for undefined, NaN, Infinity and a plain object).
_SPECIAL_SOURCES = frozenset({"[object Object]", "undefined", "Infinity", "NaN"})
_CONTEXT = 10  # V8's kMaxContextCharacters


def js_json_parse(text: str) -> Any:
    """``JSON.parse(text)``: the value as JSON-parsing JavaScript's re-serialisation would give it.

    Integers beyond 2**53 lose precision as JavaScript numbers do, and a number too large for a
    double becomes ``None`` (JavaScript's Infinity prints as null). Invalid input raises
    :class:`JsSyntaxError` with V8's message, e.g. ``Unexpected token 'a', "abc" is not valid JSON``.
    """
    return _JsonParser(text).parse()


class _JsonParser:
    """A recursive-descent parser that fails where, and with the words, V8's JsonParser does."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0

    def parse(self) -> Any:
        value = self.value()
        self.skip_ws()
        if self.i < self.n:
            raise JsSyntaxError(f"Unexpected non-whitespace character after JSON at position {self.i}")
        return value

    def skip_ws(self) -> None:
        while self.i < self.n and self.s[self.i] in " \t\n\r":
            self.i += 1

    def fail(self, template: str) -> None:
        raise JsSyntaxError(f"{template} in JSON at position {self.i}")

    def unexpected(self) -> None:
        """V8's message for the character at the cursor when no specific message applies."""
        pos, s = self.i, self.s
        if pos >= self.n:
            raise JsSyntaxError("Unexpected end of JSON input")
        char = s[pos]
        if char == '"':
            raise JsSyntaxError(f"Unexpected string in JSON at position {pos}")
        if char == "-" or "0" <= char <= "9":
            raise JsSyntaxError(f"Unexpected number in JSON at position {pos}")
        if s in _SPECIAL_SOURCES:
            raise JsSyntaxError(f'"{s}" is not valid JSON')
        if self.n < 2 * _CONTEXT + 1:
            raise JsSyntaxError(f"Unexpected token '{char}', \"{s}\" is not valid JSON")
        if pos < _CONTEXT:
            raise JsSyntaxError(f"Unexpected token '{char}', \"{s[:pos + _CONTEXT]}\"... is not valid JSON")
        if pos < self.n - _CONTEXT:
            snippet = s[pos - _CONTEXT:pos + _CONTEXT]
            raise JsSyntaxError(f"Unexpected token '{char}', ...\"{snippet}\"... is not valid JSON")
        raise JsSyntaxError(f"Unexpected token '{char}', ...\"{s[pos - _CONTEXT:]}\" is not valid JSON")

    def value(self) -> Any:
        self.skip_ws()
        if self.i >= self.n:
            self.unexpected()
        char = self.s[self.i]
        if char == '"':
            return self.string()
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char == "-" or "0" <= char <= "9":
            return self.number()
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if char == literal[0]:
                self.literal(literal)
                return result
        self.unexpected()
        return None  # unreachable: unexpected() always raises

    def literal(self, word: str) -> None:
        for expected in word:
            if self.i >= self.n or self.s[self.i] != expected:
                self.unexpected()
            self.i += 1

    def digits(self) -> bool:
        start = self.i
        while self.i < self.n and "0" <= self.s[self.i] <= "9":
            self.i += 1
        return self.i > start

    def number(self) -> Any:
        start = self.i
        if self.s[self.i] == "-":
            self.i += 1
            if self.i >= self.n or not "0" <= self.s[self.i] <= "9":
                self.fail("No number after minus sign")
        if self.s[self.i] == "0":
            self.i += 1
            if self.i < self.n and "0" <= self.s[self.i] <= "9":
                self.unexpected()
        else:
            self.digits()
        integral = True
        if self.i < self.n and self.s[self.i] == ".":
            integral = False
            self.i += 1
            if not self.digits():
                self.fail("Unterminated fractional number")
        if self.i < self.n and self.s[self.i] in "eE":
            integral = False
            self.i += 1
            if self.i < self.n and self.s[self.i] in "+-":
                self.i += 1
            if not self.digits():
                self.fail("Exponent part is missing a number")
        text = self.s[start:self.i]
        if integral:
            whole = int(text)
            if abs(whole) < 2**53:
                return whole
            number = float(whole)
        else:
            number = float(text)
        if math.isinf(number):
            return None
        if number.is_integer() and abs(number) >= 2**53:
            printed = js_number_text(number)  # what JSON.stringify writes for this double
            return int(printed) if "e" not in printed else float(printed)
        return number

    def string(self) -> str:
        self.i += 1  # the opening quote
        out: list[str] = []
        s, n = self.s, self.n
        while True:
            if self.i >= n:
                self.fail("Unterminated string")
            char = s[self.i]
            if char == '"':
                self.i += 1
                return "".join(out)
            if char < " ":
                self.fail("Bad control character in string literal")
            if char != "\\":
                out.append(char)
                self.i += 1
                continue
            self.i += 1
            if self.i >= n:
                self.unexpected()
            escape = s[self.i]
            if escape == "u":
                code = 0
                for _ in range(4):
                    self.i += 1
                    digit = s[self.i] if self.i < n else ""
                    if not digit or digit not in "0123456789abcdefABCDEF":
                        self.fail("Bad Unicode escape")
                    code = code * 16 + int(digit, 16)
                out.append(chr(code))
            elif escape in _UNESCAPES:
                out.append(_UNESCAPES[escape])
            elif ord(escape) > 0xFF:
                self.unexpected()
            else:
                self.fail("Bad escaped character")
            self.i += 1

    def object(self) -> dict[str, Any]:
        self.i += 1
        result: dict[str, Any] = {}
        self.skip_ws()
        if self.i < self.n and self.s[self.i] == "}":
            self.i += 1
            return result
        expect_key = "Expected property name or '}'"
        while True:
            self.skip_ws()
            if self.i >= self.n or self.s[self.i] != '"':
                self.fail(expect_key)
            key = self.string()
            self.skip_ws()
            if self.i >= self.n or self.s[self.i] != ":":
                if expect_key.startswith("Expected property"):
                    self.fail("Expected ':' after property name")
                self.unexpected()  # V8 words only the first property's missing colon
            self.i += 1
            result[key] = self.value()
            self.skip_ws()
            if self.i < self.n and self.s[self.i] == ",":
                self.i += 1
                expect_key = "Expected double-quoted property name"
                continue
            if self.i < self.n and self.s[self.i] == "}":
                self.i += 1
                return result
            self.fail("Expected ',' or '}' after property value")

    def array(self) -> list[Any]:
        self.i += 1
        result: list[Any] = []
        self.skip_ws()
        if self.i < self.n and self.s[self.i] == "]":
            self.i += 1
            return result
        while True:
            result.append(self.value())
            self.skip_ws()
            if self.i < self.n and self.s[self.i] == ",":
                self.i += 1
                continue
            if self.i < self.n and self.s[self.i] == "]":
                self.i += 1
                return result
            self.fail("Expected ',' or ']' after array element")


_UNESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
