"""JavaScript's ``Date.parse``: a port of V8's date parser (src/date/dateparser*.h).

V8 first tries the ES5 ISO format, then its legacy parser, which reads forms such as
"March 10, 2021", "Wed, 10 Mar 2021 11:59:22 GMT", "2021/03/10" or "3/10/2021 11:59 PM". The port
keeps V8's tokenizer and its day, time and time-zone composers, so the same strings are accepted
and give the same instant (checked against Node 20 in tests/test_jsvalue.py). Only cloud mode needs
it (ts); device mode reads birthdays in documented forms only (bridge.device).
"""

from __future__ import annotations

import math
from typing import Any

from ..core import JS_WHITESPACE

__all__ = ["js_date_parse"]

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
