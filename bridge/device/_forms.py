"""What the CleverTap Web SDK accepts, as data and small functions, for the device emitter.

The text rules and the profile forms are the field table's (:mod:`bridge.core`); what is here
walks keys and nested values. The Web SDK (npm ``clevertap-web-sdk`` 2.5.2, ``clevertap.js``) silently drops or rewrites what it
does not accept (the Web SDK's source). The device emitter puts every value in an accepted
form first, so the SDK has nothing left to change; each function here returns the accepted form and
says, through ``warn``, what it changed or left out. Names in comments are the SDK's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container
from typing import Final

from ..core import (
    JSON,
    KEY_CHARS,
    MAX_LENGTH,
    MISSING,
    PROFILE_FIELDS,
    VALUE_CHARS,
    Form,
    JSONObject,
    age_form,
    dob_form,
    education_form,
    gender_form,
    js_json,
    js_string,
    phone_form,
    sanitize_key,
    sanitize_value,
    show,
    utf16_length,
    yes_no_form,
)

__all__ = [
    "MAX_LENGTH",
    "SYSTEM_EVENTS",
    "MAX_CHARGED_ITEMS",
    "KEY_CHARS",
    "VALUE_CHARS",
    "sanitize_key",
    "sanitize_value",
    "utf16_length",
    "show",
    "Warn",
    "PROFILE_FORMS",
    "gender_form",
    "yes_no_form",
    "education_form",
    "dob_form",
    "phone_form",
    "age_form",
    "UNSENDABLE_KEYS",
    "PROFILE_UNSENDABLE_KEYS",
    "join",
    "clean_key",
    "sanitize_tree",
    "flatten_value",
]

Warn = Callable[[str], None]

# SYSTEM_EVENTS: event.push drops these names (error 513).
SYSTEM_EVENTS: Final = frozenset(
    {"Stayed", "UTM Visited", "App Launched", "Notification Sent", "Notification Viewed", "Notification Clicked"}
)
# isChargedEventStructureValid: more Items are sent, with error 522.
MAX_CHARGED_ITEMS: Final = 50

# isProfileValid checks these keys of Site, whatever their source: the device column of the table.
PROFILE_FORMS: Final[dict[str, Form]] = {row.dest: row.device for row in PROFILE_FIELDS if row.device is not None}


# ---------------------------------------------------------------------------------------------
# Characters, and objects where CleverTap takes none.

def _is_bad_number(value: object) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


# A JavaScript object cannot hold "__proto__" as data (assigning it sets the prototype), and an own
# "hasOwnProperty" key makes the SDK's obj.hasOwnProperty(key) throw, losing the whole call.
UNSENDABLE_KEYS: Final = frozenset({"__proto__", "hasOwnProperty"})
# addToLocalProfileMap moves the members of a profile's "_custom" onto the profile and deletes it.
PROFILE_UNSENDABLE_KEYS: Final = frozenset({"_custom"})


def join(path: str, key: object) -> str:
    """The name a warning gives ``key`` inside ``path``."""
    return f"{path}.{key}" if path else str(key)


def clean_key(raw_key: object, taken: Container[str], path: str, value: object, warn: Warn) -> str | None:
    """The key as the SDK leaves it, or None (with a warning) when it cannot be sent: it becomes
    empty, it becomes a key already ``taken``, or it is one of :data:`UNSENDABLE_KEYS`."""
    key = sanitize_key(raw_key if isinstance(raw_key, str) else js_string(raw_key))
    where = join(path, raw_key)
    if key == "" or key in UNSENDABLE_KEYS:
        warn(f"{where}: {show(value)} left out: the key {show(raw_key)} is not one the SDK can send")
        return None
    if key in taken:
        warn(f"{where}: {show(value)} left out: the key becomes {show(key)}, which an earlier key already is")
        return None
    if key != raw_key:
        warn(f"{where}: key {show(raw_key)} sent as {show(key)}")
    return key


def sanitize_tree(value: object, path: str, warn: Warn) -> JSON:
    """``value`` with every key and string as the SDK leaves them (removeUnsupportedChars).

    Keys go through :func:`clean_key`. NaN and infinities become null, as JSON
    has no other way to carry them.
    """
    if isinstance(value, str):
        clean = sanitize_value(value)
        if clean != value:
            warn(f"{path}: {show(value)} sent as {show(clean)}")
        return clean
    if _is_bad_number(value):
        warn(f"{path}: {js_string(value)} sent as null: JSON has no such number")
        return None
    if isinstance(value, dict):
        out: JSONObject = {}
        for raw_key, item in value.items():
            if item is MISSING:
                continue
            key = clean_key(raw_key, out, path, item, warn)
            if key is not None:
                out[key] = sanitize_tree(item, join(path, key), warn)
        return out
    if isinstance(value, (list, tuple)):
        return [sanitize_tree(item, f"{path}[{index}]", warn) for index, item in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = js_string(value)
    warn(f"{path}: a {type(value).__name__} sent as the text {show(text)}")
    return sanitize_value(text)


def flatten_value(value: object, path: str, why: str, warn: Warn) -> object:
    """An object or array becomes its compact JSON text, then the character rule applies, so
    ``{"city": "London"}`` is sent as ``{city:London}``; other values are returned as they are."""
    if isinstance(value, (dict, list, tuple)):
        text = sanitize_value(js_json(value))
        warn(f"{path}: {show(value)} sent as the text {show(text)}: {why}")
        return text
    return value
