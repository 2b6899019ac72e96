"""JavaScript's ``JSON.parse``, failing where and with the words V8 (Node 20) does.

The value comes back as JSON-parsing JavaScript's re-serialisation would give it (JavaScript numbers);
invalid input raises :class:`bridge.errors.JsSyntaxError`. Checked against Node in
tests/test_jsvalue.py. Both modes read products given as JSON text with it.
"""

from __future__ import annotations

import math

from ..errors import JsSyntaxError
from ._jsvalue import js_number_text
from ._types import JSON, JSONArray, JSONObject

__all__ = ["js_json_parse"]

# V8 names these whole inputs instead of pointing at a character (they are what String() gives
# for undefined, NaN, Infinity and a plain object).
_SPECIAL_SOURCES = frozenset({"[object Object]", "undefined", "Infinity", "NaN"})
_CONTEXT = 10  # V8's kMaxContextCharacters


class _JsonParser:
    """A recursive-descent parser that fails where, and with the words, V8's JsonParser does."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0

    def parse(self) -> JSON:
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

    def value(self) -> JSON:
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

    def number(self) -> int | float | None:
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

    def object(self) -> JSONObject:
        self.i += 1
        result: JSONObject = {}
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

    def array(self) -> JSONArray:
        self.i += 1
        result: JSONArray = []
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


def js_json_parse(text: str) -> JSON:
    """``JSON.parse(text)``: the value as JSON-parsing JavaScript's re-serialisation would give it.

    Integers beyond 2**53 lose precision as JavaScript numbers do, and a number too large for a
    double becomes ``None`` (JavaScript's Infinity prints as null). Invalid input raises
    :class:`JsSyntaxError` with V8's message, e.g. ``Unexpected token 'a', "abc" is not valid JSON``.
    """
    return _JsonParser(text).parse()
