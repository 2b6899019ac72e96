"""What CleverTap's Web SDK accepts as text and as profile values, for the field table.

The Web SDK (npm ``clevertap-web-sdk`` 2.5.2, ``clevertap.js``) silently drops or rewrites what it
does not accept (the Web SDK's source): keys and strings lose some characters and are cut
at 1024 characters (removeUnsupportedChars), and isProfileValid checks Gender, Employed, Married,
Education, DOB, Phone and Age. The functions here give the accepted form; the profile table
(:mod:`bridge.core._fields`) names which form each field takes. Names in comments are the SDK's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from ._jsvalue import JS_WHITESPACE, MISSING, js_number
from ._types import JSValue

__all__ = [
    "MAX_LENGTH",
    "KEY_CHARS",
    "VALUE_CHARS",
    "utf16_length",
    "sanitize_key",
    "sanitize_value",
    "Form",
    "gender_form",
    "yes_no_form",
    "education_form",
    "dob_form",
    "phone_form",
    "age_form",
]

# removeUnsupportedChars: keys and string values are cut at 1024 characters (UTF-16 code units).
MAX_LENGTH: Final = 1024
_WS = "[" + re.escape(JS_WHITESPACE) + "]"
# unsupportedKeyCharRegex and unsupportedValueCharRegex, global flag; Python's \Z is JavaScript's $.
KEY_CHARS: Final = re.compile(rf"^{_WS}+|[.:$'\"\\]|{_WS}+\Z")
VALUE_CHARS: Final = re.compile(rf"^{_WS}+|['\"\\]|{_WS}+\Z")


def utf16_length(text: str) -> int:
    """JavaScript's ``text.length``: characters outside the Basic Multilingual Plane count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _cut(text: str) -> str:
    if utf16_length(text) <= MAX_LENGTH:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_LENGTH:
            # Never split a surrogate pair: the SDK would then send half a character.
            return text[:index]
    return text


def _settle(text: str, pattern: re.Pattern[str]) -> str:
    # One pass of the SDK can leave white space at an end (". x" becomes " x"), which a second pass
    # would remove; repeating until nothing changes gives a text the SDK leaves as it is.
    while True:
        cleaned = _cut(pattern.sub("", text))
        if cleaned == text:
            return text
        text = cleaned


def sanitize_key(key: str) -> str:
    """A key or event name as the SDK leaves it: no ``. : $ ' " \\``, no white space at the ends,
    at most 1024 characters."""
    return _settle(key, KEY_CHARS)


def sanitize_value(value: str) -> str:
    """A string value as the SDK leaves it: no ``' " \\``, no white space at the ends, at most 1024
    characters."""
    return _settle(value, VALUE_CHARS)


# ---------------------------------------------------------------------------------------------
# Profile forms (isProfileValid). Each takes the value and returns the accepted form, or MISSING
# with the reason; a non-string Gender, Employed, Married or Education makes the SDK throw inside
# its try/catch and lose the whole onUserLogin, so these always return strings.

Form = Callable[[object], "tuple[JSValue, str]"]


def _text(value: object) -> str | None:
    return sanitize_value(value).lower() if isinstance(value, str) else None


def gender_form(value: object) -> tuple[JSValue, str]:
    """Gender as ``M`` or ``F``; any other text is ``O`` (others). The SDK's own check rejects
    ``FEMALE`` and accepts any text containing a word such as ``m``."""
    text = _text(value)
    if text in ("m", "male"):
        return "M", ""
    if text in ("f", "female"):
        return "F", ""
    if text:
        return "O", ""
    return MISSING, "must be a text such as male or female"


_YES = frozenset({"y", "yes", "true"})
_NO = frozenset({"n", "no", "false"})


def yes_no_form(value: object) -> tuple[JSValue, str]:
    """Employed and Married as ``Y`` or ``N``, from booleans and yes/no/true/false text."""
    if isinstance(value, bool):
        return ("Y" if value else "N"), ""
    text = _text(value)
    if text in _YES:
        return "Y", ""
    if text in _NO:
        return "N", ""
    return MISSING, "must be Y or N (or a boolean, yes, no, true, false)"


_EDUCATION = {"school": "School", "college": "College", "graduate": "Graduate"}


def education_form(value: object) -> tuple[JSValue, str]:
    """Education as ``School``, ``College`` or ``Graduate``, matched in any letter case."""
    text = _text(value)
    if text is not None and text in _EDUCATION:
        return _EDUCATION[text], ""
    return MISSING, "must be School, College or Graduate"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# ISO 8601 as JavaScript and CleverTap write it: a date, optionally a time (a Date serialised by JSON
# is "1990-05-17T00:00:00.000Z"). Only these forms are read: a guess would send a wrong birthday.
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?"
)
_YYYYMMDD = re.compile(r"(?:\$D_)?(\d{4})(\d{2})(\d{2})")


def _wzrk_date(year: int, month: int, day: int) -> JSValue:
    try:
        datetime(year, month, day)
    except ValueError:
        return MISSING
    return f"$D_{year:04d}{month:02d}{day:02d}"


def _from_epoch_ms(number: float) -> JSValue:
    if not math.isfinite(number):
        return MISSING
    try:
        moment = _EPOCH + timedelta(milliseconds=number)
    except OverflowError:
        return MISSING
    return _wzrk_date(moment.year, moment.month, moment.day)


def dob_form(value: object) -> tuple[JSValue, str]:
    """DOB as ``$D_YYYYMMDD``, the one text form the SDK accepts (it rejects ISO dates).

    Only the forms CleverTap documents, and nothing guessed: an ISO date or date-time (the date
    as written: a birthday is a calendar date, not an instant), ``YYYYMMDD`` or ``$D_YYYYMMDD``
    text, or a number of epoch milliseconds (UTC), which is what a JavaScript Date holds.
    """
    reason = "must be a date: YYYY-MM-DD, an ISO date-time, YYYYMMDD or epoch milliseconds"
    if isinstance(value, bool):
        return MISSING, reason
    if isinstance(value, (int, float)):
        from_number = _from_epoch_ms(float(value))
        return (from_number, "") if from_number is not MISSING else (MISSING, reason)
    if not isinstance(value, str):
        return MISSING, reason
    text = value.strip(JS_WHITESPACE)
    match = _YYYYMMDD.fullmatch(text) or _ISO_DATE.fullmatch(text)
    found = _wzrk_date(int(match[1]), int(match[2]), int(match[3])) if match else MISSING
    return (found, "") if found is not MISSING else (MISSING, reason)


_PHONE_NOISE = re.compile(r"[\s\-.()" + re.escape(JS_WHITESPACE) + "]")
_PHONE = re.compile(r"\+\d+")


def phone_form(value: object) -> tuple[JSValue, str]:
    """Phone as ``+`` and digits, longer than 8 characters (the SDK then sends it as a number).

    Spaces, dashes, dots and parentheses are removed; a whole number gets a ``+`` in front.
    Without a ``+`` there is no country code to be sure of, so the value is left out.
    """
    reason = "must be + and the country code and number, e.g. +14155551234"
    if isinstance(value, bool):
        return MISSING, reason
    if isinstance(value, float) and value.is_integer() and value >= 0:
        value = int(value)
    if isinstance(value, int):
        value = f"+{value}"
    if not isinstance(value, str):
        return MISSING, reason
    text = _PHONE_NOISE.sub("", value)
    # isConvertibleToNumber: 400 digits would be Infinity, which the SDK rejects.
    if _PHONE.fullmatch(text) and len(text) > 8 and math.isfinite(float(text[1:])):
        return text, ""
    return MISSING, reason


_PARSE_FLOAT_START = re.compile(r"[+-]?(?:\d|\.\d|Infinity)")


def age_form(value: object) -> tuple[JSValue, str]:
    """Age as a number: the SDK turns numeric text into a number and drops anything else."""
    reason = "must be a number"
    if isinstance(value, bool):
        return MISSING, reason
    if isinstance(value, (int, float)):
        return (value, "") if math.isfinite(value) else (MISSING, reason)
    if isinstance(value, str):
        # isConvertibleToNumber: !isNaN(parseFloat(n)) && isFinite(n)
        number = js_number(value)
        if math.isfinite(number) and _PARSE_FLOAT_START.match(value.lstrip(JS_WHITESPACE)):
            return (int(number) if number.is_integer() else number), ""
    return MISSING, reason
