"""bridge.core's JavaScript values (and cloud mode's Date.parse): JavaScript value semantics, by table and against Node itself.

The tables pin the cases RudderStack's cloud transformer names; the differential tests feed the same inputs
to Node (TZ=UTC, as RudderStack's servers run) and to Python and compare the answers. They skip
only when no ``node`` is on PATH.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
from typing import Any

import pytest

from bridge.cloud._jsdate import js_date_parse
from bridge.core import (
    MISSING,
    js_json,
    js_json_parse,
    js_number,
    js_number_text,
    js_string,
    js_truthy,
    js_typeof,
)
from bridge.errors import JsSyntaxError

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not on PATH")


def node(script: str, payload: Any) -> Any:
    """Run ``script`` in Node with ``input`` (parsed JSON of payload) and return its JSON answer."""
    assert NODE is not None
    program = "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n" + script
    done = subprocess.run([NODE, "-e", program], input=json.dumps(payload), capture_output=True, text=True,
                          env={**os.environ, "TZ": "UTC"}, timeout=60, check=True)
    return json.loads(done.stdout)


# Tables --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "truthy"),
    [(MISSING, False), (None, False), (False, False), (0, False), (0.0, False), ("", False), (math.nan, False),
     (True, True), (1, True), (-1.5, True), ("0", True), (" ", True), ({}, True), ([], True)],
)
def test_js_truthy(value: Any, truthy: bool) -> None:
    assert js_truthy(value) is truthy


@pytest.mark.parametrize(
    ("value", "kind"),
    [(MISSING, "undefined"), (None, "object"), ([], "object"), ({}, "object"), (True, "boolean"), (1, "number"),
     (1.5, "number"), ("s", "string")],
)
def test_js_typeof(value: Any, kind: str) -> None:
    assert js_typeof(value) == kind


@pytest.mark.parametrize(
    ("number", "text"),
    [(2.0, "2"), (-0.0, "0"), (1e16, "10000000000000000"), (1e21, "1e+21"), (0.00001, "0.00001"), (1.5e-7, "1.5e-7"),
     (1e-7, "1e-7"), (123.456, "123.456"), (10**21, "1e+21"), (-1234.5, "-1234.5"), (math.inf, "Infinity"),
     (math.nan, "NaN"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308")],
)
def test_js_number_text(number: float, text: str) -> None:
    assert js_number_text(number) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [({"a": [1, 2.0, None, True], "é": "ü\n\"\\"}, '{"a":[1,2,null,true],"é":"ü\\n\\"\\\\"}'),
     ({"x": MISSING, "y": 1}, '{"y":1}'), ([math.nan, math.inf], "[null,null]"), ({"b": 1, "10": 2, "2": 3}, '{"2":3,"10":2,"b":1}'),
     ("\u2028\x01", '"\u2028\\u0001"'), ({}, "{}"), ([], "[]")],
)
def test_js_json(value: Any, text: str) -> None:
    assert js_json(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "null"), (MISSING, "undefined"), (True, "true"), (0, "0"), (2.0, "2"), (["a", ["b", None], 1], "a,b,,1"),
     ({"k": 1}, "[object Object]"), ([{"k": 1}], "[object Object]"), ([], "")],
)
def test_js_string(value: Any, text: str) -> None:
    assert js_string(value) == text


@pytest.mark.parametrize(
    ("value", "number"),
    [("", 0.0), ("  12  ", 12.0), ("1e3", 1000.0), ("0x1F", 31.0), ("0b101", 5.0), ("0o17", 15.0), ("-Infinity", -math.inf),
     (".5", 0.5), ("5.", 5.0), (None, 0.0), (True, 1.0), ([7], 7.0), ([], 0.0), ("abc", math.nan), ("1,2", math.nan),
     ({}, math.nan), ([1, 2], math.nan), (MISSING, math.nan), ("-0x10", math.nan)],
)
def test_js_number(value: Any, number: float) -> None:
    got = js_number(value)
    assert (math.isnan(got) and math.isnan(number)) or got == number


@pytest.mark.parametrize(
    ("text", "millis"),
    [("2021-03-10T11:59:22.080Z", 1615377562080), ("2021-03-10 11:59:22", 1615377562000), ("March 10, 2021", 1615334400000),
     ("0", 946684800000), ("2021-03-10", 1615334400000), ("2021-03-10T11:59:22+05:30", 1615357762000),
     ("Wed, 10 Mar 2021 11:59:22 GMT", 1615377562000), ("2021/03/10", 1615334400000), ("2021-02-30", 1614643200000),
     ("Wed Mar 10 2021 11:59:22 GMT+0000 (Coordinated Universal Time)", 1615377562000), ("3/10/2021 11:59 PM", 1615420740000)],
)
def test_js_date_parse(text: str, millis: int) -> None:
    assert js_date_parse(text) == millis


def test_js_date_parse_unreadable_is_nan() -> None:
    assert math.isnan(js_date_parse("notadate"))
    assert math.isnan(js_date_parse("2021-13-40"))


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "Unexpected token 'a', \"abc\" is not valid JSON"), ("", "Unexpected end of JSON input"),
     ("{", "Expected property name or '}' in JSON at position 1"), ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
     ("12abc", "Unexpected non-whitespace character after JSON at position 2"), ("NaN", '"NaN" is not valid JSON'),
     ("[object Object]", '"[object Object]" is not valid JSON'),
     ("this is not json at all", "Unexpected token 'h', \"this is not\"... is not valid JSON"),
     ("[1,2,3,4,5,6,7,8,9,10,11,12,13,x]", "Unexpected token 'x', ...\",11,12,13,x]\" is not valid JSON")],
)
def test_js_json_parse_errors(text: str, message: str) -> None:
    with pytest.raises(JsSyntaxError) as caught:
        js_json_parse(text)
    assert str(caught.value) == message


def test_js_json_parse_values_are_javascript_numbers() -> None:
    assert js_json_parse('[{"a":1},null,"x",1.5,-0,true]') == [{"a": 1}, None, "x", 1.5, 0, True]
    assert js_json_parse("12345678901234567890") == 12345678901234567000  # the double, as JavaScript prints it
    assert js_json_parse("1e400") is None  # Infinity prints as null
    assert js_json_parse('"\\u00e9\\n"') == "é\n"


# Against Node --------------------------------------------------------------------------------------

def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 3 and roll < 0.2:
        return {rng.choice(["a", "b", "2", "10", "é", "key", "0", "x y", "01"]): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 3 and roll < 0.35:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rng.choice([
        None, True, False, 0, -0.0, rng.randint(-2**53 + 1, 2**53 - 1), rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-10, 25),
        rng.choice(["", "x", "é", "\u2028", "\x07", "\"q\"", "\\", "😀", "<a&b>"]), float(rng.randint(0, 100)),
    ])


@needs_node
def test_js_json_and_js_string_match_node() -> None:
    rng = random.Random(20260)
    values = [_random_value(rng) for _ in range(400)]
    answers = node("console.log(JSON.stringify(input.map(v => [JSON.stringify(v), String(v)])))", values)
    # Node parsed the same JSON text, so integer-like keys were reordered there as in any JS message.
    for value, (expected_json, expected_string) in zip(values, answers, strict=True):
        assert js_json(value) == expected_json
        assert js_string(value) == expected_string


NUMBER_AND_DATE_STRINGS = [
    "", " ", "12", " 12 ", "1e3", "1E-3", "-1.5", "+2", ".5", "5.", "0x1F", "0X1f", "0b11", "0o7", "Infinity", "-Infinity",
    "+Infinity", "infinity", "1_000", "1,5", "abc", "0", "00", "007", "1e", "--1", "\u00a012\u3000",
    "2021-03-10T11:59:22.080Z", "2021-03-10 11:59:22", "2021-03-10", "2021-03", "2021", "March 10, 2021", "Mar 10 2021",
    "2021-03-10T11:59:22+05:30", "2021-03-10T11:59:22.123456Z", "2021-03-10T24:00:00Z", "notadate", "2021-02-30",
    "Wed, 10 Mar 2021 11:59:22 GMT", "10 March 2021", "2021/03/10",
]


@needs_node
def test_js_number_matches_node() -> None:
    answers = node("console.log(JSON.stringify(input.map(s => String(Number(s)))))", NUMBER_AND_DATE_STRINGS)
    for text, expected in zip(NUMBER_AND_DATE_STRINGS, answers, strict=True):
        assert js_number_text(js_number(text)) == expected, text


DATE_SEEDS = [
    "2021-03-10T11:59:22.080Z", "2021-03-10 11:59:22", "March 10, 2021", "Wed, 10 Mar 2021 11:59:22 GMT",
    "Wed Mar 10 2021 11:59:22 GMT+0530 (India Standard Time)", "2021/03/10", "03/10/2021 11:59 PM", "10 Mar 2021 10:00 am",
    "2021-03-10T11:59:22+05:30", "+002021-03-10T00:00:00.5Z", "-000001-01-01T00:00:00Z", "Thu, 01 Jan 1970 00:00:00 PST",
    "2021-02-30", "2021-03-10T24:00:00Z", "Mar 10", "10-Mar-2021", "20210310", "2021-03-10T11:59:22.123456789Z",
    "11:59:22 2021/03/10", "2021 March 10 11:59:22.5 UTC+2", "Dec 25, 1995 13:30 GMT-0800", "(c) 2021-03-10", "1/2/3", "50-1-1",
]


def _date_mutations(rng: random.Random, count: int) -> list[str]:
    junk = list("0123456789 :-+./,()TZtzAPMampmJanFebUTCGMTPSTWed\u00a0x")
    out = list(DATE_SEEDS)
    for _ in range(count):
        text = list(rng.choice(DATE_SEEDS))
        for _ in range(rng.randint(1, 3)):
            position, action = rng.randrange(len(text) + 1), rng.random()
            if action < 0.4 and text:
                del text[min(position, len(text) - 1)]
            elif action < 0.85:
                text.insert(position, rng.choice(junk))
            else:
                text = text[:position]
        out.append("".join(text))
    return out


@needs_node
def test_js_date_parse_matches_node() -> None:
    texts = NUMBER_AND_DATE_STRINGS + _date_mutations(random.Random(11), 3000)
    answers = node("console.log(JSON.stringify(input.map(s => String(Date.parse(s)))))", texts)
    mismatches = [(text, expected, js_number_text(js_date_parse(text))) for text, expected in zip(texts, answers, strict=True)
                  if js_number_text(js_date_parse(text)) != expected]
    assert mismatches == []


def _mutations(rng: random.Random) -> list[str]:
    seeds = ['[{"a":1},{"b":[1,2,{"c":"d"}]}]', '{"name":"x","n":-1.5e3,"t":true,"f":false,"z":null}', '"\\u00e9\\n\\t"', "123", "[]", "{}"]
    junk = list('{}[]:,"\\-+.eE0123456789 \ttrufalsn\u00e9x')
    out: list[str] = []
    for _ in range(600):
        text = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(text) + 1)
            action = rng.random()
            if action < 0.4 and text:
                del text[min(position, len(text) - 1)]
            elif action < 0.8:
                text.insert(position, rng.choice(junk))
            else:
                text = text[:position]
        out.append("".join(text))
    return out + ["x" * 30, "[1, 2, 3, 4, 5, 6, 7, 8, 9, x, 11, 12, 13]", '"\\u12G4"', '"a\x01"', "[1e400]", "[12345678901234567890]"]


@needs_node
def test_js_json_parse_matches_node() -> None:
    texts = _mutations(random.Random(7))
    script = ("console.log(JSON.stringify(input.map(s => { try { return {ok: JSON.stringify(JSON.parse(s))} }"
              " catch (e) { return {error: e.message} } })))")
    for text, expected in zip(texts, node(script, texts), strict=True):
        try:
            got = {"ok": js_json(js_json_parse(text))}
        except JsSyntaxError as error:
            got = {"error": str(error)}
        assert got == expected, text
