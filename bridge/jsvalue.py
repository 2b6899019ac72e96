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


# V8's DateParser (src/date/dateparser*.h), ported: ES5 ISO strings first, then the legacy forms.
_NONE = 2**31 - 1  # V8's kNone
_LINE_TERMINATORS = "\n\r\u2028\u2029"
# A word runs over characters from "A" up, up to white space (a line terminator does not end it).
_WORD_STOPS = JS_WHITESPACE.replace("\u2028", "").replace("\u2029", "")
_KEYWORDS: tuple[tuple[str, str, int], ...] = tuple(
    [(m, "month", i) for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)]
    + [("am\0", "ampm", 0), ("pm\0", "ampm", 12), ("ut\0", "zone", 0), ("utc", "zone", 0), ("z\0\0", "zone", 0),
       ("gmt", "zone", 0), ("cdt", "zone", -5), ("cst", "zone", -6), ("edt", "zone", -4), ("est", "zone", -5),
       ("mdt", "zone", -6), ("mst", "zone", -7), ("pdt", "zone", -7), ("pst", "zone", -8), ("t\0\0", "tsep", 0)]
)


class _Token:
    """kind: "num", "sym", "kw", "ws", "unknown", "end"; for "kw" ``sub`` is the keyword type."""

    __slots__ = ("kind", "value", "length", "sub")

    def __init__(self, kind: str, value: Any = 0, length: int = 0, sub: str = "") -> None:
        self.kind, self.value, self.length, self.sub = kind, value, length, sub

    def is_sym(self, char: str) -> bool:
        return self.kind == "sym" and self.value == char

    def is_sign(self) -> bool:
        return self.kind == "sym" and self.value in "+-"

    def is_fixed_number(self, length: int) -> bool:
        return self.kind == "num" and self.length == length

    def is_z(self) -> bool:
        return self.kind == "kw" and self.sub == "zone" and self.length == 1 and self.value == 0


class _DateTokens:
    def __init__(self, text: str) -> None:
        self.s, self.i = text, 0
        self.next = self._scan()

    def _scan(self) -> _Token:
        s, n = self.s, len(self.s)
        if self.i >= n:
            return _Token("end")
        start, char = self.i, s[self.i]
        if "0" <= char <= "9":
            while self.i < n and s[self.i] == "0":
                self.i += 1
            value = digits = 0
            while self.i < n and "0" <= s[self.i] <= "9":
                if digits < 9:  # V8 keeps nine significant digits and skips the rest
                    value = value * 10 + ord(s[self.i]) - 48
                digits += 1
                self.i += 1
            return _Token("num", value, self.i - start)
        if char in ":-+.)":
            self.i += 1
            return _Token("sym", char, 1)
        if char >= "A" and char not in _WORD_STOPS:
            prefix = ""
            while self.i < n and s[self.i] >= "A" and s[self.i] not in _WORD_STOPS:
                if len(prefix) < 3:
                    prefix += chr(ord(s[self.i]) | 0x20)
                self.i += 1
            length = self.i - start
            padded = prefix.ljust(3, "\0")
            for word, kind, value in _KEYWORDS:
                if word == padded and (length <= 3 or kind == "month"):
                    return _Token("kw", value, length, kind)
            return _Token("kw", 0, length, "invalid")
        if char in JS_WHITESPACE or char in _LINE_TERMINATORS:
            self.i += 1
            return _Token("ws", 0, 1)
        if char == "(":
            balance = 0
            while True:
                if s[self.i] == ")":
                    balance -= 1
                elif s[self.i] == "(":
                    balance += 1
                self.i += 1
                if not (balance > 0 and self.i < n):
                    break
            return _Token("unknown")
        self.i += 1
        return _Token("unknown")

    def take(self) -> _Token:
        token, self.next = self.next, self._scan()
        return token

    def skip(self, char: str) -> bool:
        if self.next.is_sym(char):
            self.take()
            return True
        return False


class _Day:
    def __init__(self) -> None:
        self.comp: list[int] = []
        self.named_month = _NONE
        self.iso = False

    def add(self, n: int) -> bool:
        if len(self.comp) == 3:
            return False
        self.comp.append(n)
        return True

    def write(self) -> tuple[int, int, int] | None:
        if not self.comp:
            return None
        comp = self.comp + [1] * (3 - len(self.comp))
        year = 0
        if self.named_month == _NONE:
            if self.iso or not 1 <= comp[0] <= 31:
                year, month, day = comp
            else:
                month, day, year = comp
        else:
            month = self.named_month
            if not 1 <= comp[0] <= 31:
                year, day = comp[0], comp[1]
            else:
                day, year = comp[0], comp[1]
        if not self.iso:
            if 0 <= year <= 49:
                year += 2000
            elif 50 <= year <= 99:
                year += 1900
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return year, month, day


class _Time:
    def __init__(self) -> None:
        self.comp: list[int] = []
        self.hour_offset = _NONE

    def empty(self) -> bool:
        return not self.comp

    def add(self, n: int) -> bool:
        if len(self.comp) == 4:
            return False
        self.comp.append(n)
        return True

    def add_final(self, n: int) -> bool:
        if not self.add(n):
            return False
        self.comp += [0] * (4 - len(self.comp))
        return True

    def expecting(self, n: int) -> bool:
        size = len(self.comp)
        return (size == 1 and 0 <= n <= 59) or (size == 2 and 0 <= n <= 59) or (size == 3 and 0 <= n <= 999)

    def write(self) -> tuple[int, int, int, int] | None:
        hour, minute, second, milli = self.comp + [0] * (4 - len(self.comp))
        if self.hour_offset != _NONE:
            if not 0 <= hour <= 12:
                return None
            hour = hour % 12 + self.hour_offset
        if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59 and 0 <= milli <= 999):
            if (hour, minute, second, milli) != (24, 0, 0, 0):
                return None
        return hour, minute, second, milli


class _Zone:
    def __init__(self) -> None:
        self.sign = self.hour = self.minute = _NONE

    def set(self, hours: int) -> None:
        self.sign = -1 if hours < 0 else 1
        self.hour, self.minute = abs(hours), 0

    def expecting(self, n: int) -> bool:
        return self.hour != _NONE and self.minute == _NONE and 0 <= n <= 59

    def utc(self) -> bool:
        return self.hour == 0 and self.minute == 0

    def write(self) -> float:
        """The UTC offset in seconds; NaN for local time."""
        if self.sign == _NONE:
            return math.nan
        hour = 0 if self.hour == _NONE else self.hour
        minute = 0 if self.minute == _NONE else self.minute
        total = hour * 3600 + minute * 60
        return float(-total if self.sign < 0 else total)


def _milliseconds(token: _Token) -> int:
    """V8's ReadMilliseconds: the first three significant digits of the fraction, as milliseconds."""
    number, length = int(token.value), token.length
    if length == 1:
        return number * 100
    if length == 2:
        return number * 10
    length = min(length, 9)
    while length > 3:
        number //= 10
        length -= 1
    return number


_INVALID = _Token("invalid")


def _parse_es5(tokens: _DateTokens, day: _Day, time: _Time, zone: _Zone) -> _Token:
    if tokens.next.is_sign():
        sign = tokens.take()
        if not tokens.next.is_fixed_number(6):
            return sign
        year = tokens.take().value
        if sign.value == "-" and year == 0:
            return sign
        day.add(-year if sign.value == "-" else year)
    elif tokens.next.is_fixed_number(4):
        day.add(tokens.take().value)
    else:
        return tokens.take()
    if tokens.skip("-"):
        if not (tokens.next.is_fixed_number(2) and 1 <= tokens.next.value <= 12):
            return tokens.take()
        day.add(tokens.take().value)
        if tokens.skip("-"):
            if not (tokens.next.is_fixed_number(2) and 1 <= tokens.next.value <= 31):
                return tokens.take()
            day.add(tokens.take().value)
    if not (tokens.next.kind == "kw" and tokens.next.sub == "tsep"):
        if tokens.next.kind != "end":
            return tokens.take()
    else:
        tokens.take()
        if not (tokens.next.is_fixed_number(2) and 0 <= tokens.next.value <= 24):
            return _INVALID
        hour_is_24 = tokens.next.value == 24
        time.add(tokens.take().value)
        if not tokens.skip(":"):
            return _INVALID
        if not (tokens.next.is_fixed_number(2) and 0 <= tokens.next.value <= 59) or (hour_is_24 and tokens.next.value > 0):
            return _INVALID
        time.add(tokens.take().value)
        if tokens.skip(":"):
            if not (tokens.next.is_fixed_number(2) and 0 <= tokens.next.value <= 59) or (hour_is_24 and tokens.next.value > 0):
                return _INVALID
            time.add(tokens.take().value)
            if tokens.skip("."):
                if tokens.next.kind != "num" or (hour_is_24 and tokens.next.value > 0):
                    return _INVALID
                time.add(_milliseconds(tokens.take()))
        if tokens.next.is_z():
            tokens.take()
            zone.set(0)
        elif tokens.next.is_sign():
            zone.sign = 1 if tokens.take().value == "+" else -1
            if tokens.next.is_fixed_number(4):
                hour, minute = divmod(tokens.take().value, 100)
                if not (0 <= hour <= 23 and 0 <= minute <= 59):
                    return _INVALID
                zone.hour, zone.minute = hour, minute
            else:
                if not (tokens.next.is_fixed_number(2) and 0 <= tokens.next.value <= 23):
                    return _INVALID
                zone.hour = tokens.take().value
                if not tokens.skip(":"):
                    return _INVALID
                if not (tokens.next.is_fixed_number(2) and 0 <= tokens.next.value <= 59):
                    return _INVALID
                zone.minute = tokens.take().value
        if tokens.next.kind != "end":
            return _INVALID
    if zone.hour == _NONE and time.empty():
        zone.set(0)  # a date-only form is UTC
    day.iso = True
    return _Token("end")


def _parse_date_parts(text: str) -> tuple[tuple[int, int, int], tuple[int, int, int, int], float] | None:
    tokens = _DateTokens(text)
    day, time, zone = _Day(), _Time(), _Zone()
    token = _parse_es5(tokens, day, time, zone)
    if token.kind == "invalid":
        return None
    has_number = bool(day.comp)
    while token.kind != "end":
        if token.kind == "num":
            has_number = True
            n = token.value
            if tokens.skip(":"):
                if tokens.skip(":"):
                    if not time.empty():
                        return None
                    time.add(n)
                    time.add(0)
                else:
                    if not time.add(n):
                        return None
                    if tokens.next.is_sym("."):
                        tokens.take()
            elif tokens.skip(".") and time.expecting(n):
                time.add(n)
                if tokens.next.kind != "num":
                    return None
                time.add_final(_milliseconds(tokens.take()))
            elif zone.expecting(n):
                zone.minute = n
            elif time.expecting(n):
                time.add_final(n)
                peek = tokens.next
                if not (peek.kind in ("end", "ws") or peek.is_z() or peek.is_sign()):
                    return None
            else:
                if not day.add(n):
                    return None
                tokens.skip("-")
        elif token.kind == "kw":
            if token.sub == "ampm" and not time.empty():
                time.hour_offset = token.value
            elif token.sub == "month":
                day.named_month = token.value
                tokens.skip("-")
            elif token.sub == "zone" and has_number:
                zone.set(token.value)
            else:
                if has_number or tokens.next.kind == "num":
                    return None
        elif token.is_sign() and (zone.utc() or not time.empty()):
            zone.sign = -1 if token.value == "-" else 1
            n = length = 0
            if tokens.next.kind == "num":
                number = tokens.take()
                n, length = number.value, number.length
            has_number = True
            if tokens.next.is_sym(":"):
                zone.hour, zone.minute = n, _NONE
            elif length in (1, 2):
                zone.hour, zone.minute = n, 0
            elif length in (3, 4):
                zone.hour, zone.minute = divmod(n, 100)
            else:
                return None
        elif (token.is_sign() or token.is_sym(")")) and has_number:
            return None
        token = tokens.take()
    ymd, hms, offset = day.write(), time.write(), zone.write()
    if ymd is None or hms is None:
        return None
    return ymd, hms, offset


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, any year (day may overflow the month)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5
    return era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year - 719468 + day - 1


_MAX_TIME_MS = 8.64e15


def js_date_parse(text: str) -> float:
    """``Date.parse(text)`` in milliseconds, NaN when unreadable: a port of V8's date parser, so the
    ES5 ISO forms and the legacy forms ("March 10, 2021", "Wed, 10 Mar 2021 11:59:22 GMT",
    "2021/03/10", "3/10/2021 11:59 PM", ...) read as in Node. ISO date-only strings are UTC,
    everything else without an offset is local time, which is UTC here (as on RudderStack's servers).
    """
    parts = _parse_date_parts(text)
    if parts is None:
        return math.nan
    (year, month, day), (hour, minute, second, milli), offset = parts
    if not -1_000_000 <= year <= 1_000_000:
        return math.nan
    millis = float(_days_from_civil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + milli)
    if not math.isnan(offset):
        millis -= offset * 1000
    if abs(millis) > _MAX_TIME_MS:
        return math.nan
    return millis


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
