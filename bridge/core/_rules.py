"""The lookups the planner makes: paths, identity, the mapped profile, custom attributes, Charged's data.

The tables they read (profile fields, Charged, the source paths) are declared in
:mod:`bridge.core._fields`; :func:`bridge.core.plan` calls these functions once for both modes.
Section numbers refer to RudderStack's cloud transformer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, cast

from ._fields import (
    CHARGED,
    CUSTOM_ATTRIBUTE_EXCLUSIONS,
    FIRST_NAME,
    LAST_NAME,
    PROFILE_FIELDS,
    USER_ID_ONLY,
)
from ._jsvalue import (
    JS_WHITESPACE,
    MISSING,
    Missing,
    js_number,
    js_number_text,
    js_string,
    js_truthy,
)
from ._types import JSON, JSONObject, JSValue

__all__ = [
    "get_path",
    "is_usable",
    "first_usable",
    "user_id_only",
    "mapped_profile",
    "custom_attributes",
    "custom_pairs",
    "set_path",
    "overrides",
    "is_order_completed",
    "charged_event_data",
    "page_name_value",
]

# Keys JavaScript objects never copy as own data (prototype pollution guard in the reference).
_PROTO_KEYS = frozenset({"__proto__", "constructor", "prototype"})


_SPLIT_PATHS: dict[str, list[str]] = {}


def get_path(obj: object, path: str) -> JSValue:
    """The value at a dotted path (``"context.traits.email"``, ``"products.0.id"``), or MISSING.
    ``obj`` is a message: JSON, as read from the page or a file."""
    current: object = obj
    keys = _SPLIT_PATHS.get(path)
    if keys is None:
        keys = path.split(".")
        if len(_SPLIT_PATHS) < 4096:  # the lookup tables' paths; bounded all the same
            _SPLIT_PATHS[path] = keys
    for key in keys:
        if isinstance(current, dict):
            current = current.get(key, MISSING)
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return MISSING
        if current is MISSING:
            return MISSING
    return cast(JSValue, current)  # a message is JSON once read


def is_usable(value: object) -> bool:
    """A mapped value is used when it is truthy, ``false`` or ``0``; ``""``, null and undefined are not."""
    if type(value) is str:
        return value != ""
    if value is MISSING or value is None:
        return False
    if value is False:
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return True
    return js_truthy(value)


def first_usable(message: object, paths: Iterable[str]) -> JSValue:
    """Multi-path lookup: the first usable value among ``paths``, or MISSING."""
    for path in paths:
        value = get_path(message, path)
        if is_usable(value):
            return value
    return MISSING


def user_id_only(message: object) -> JSValue:
    """The generic userId map without the ``anonymousId`` fallback."""
    return first_usable(message, USER_ID_ONLY)


def mapped_profile(message: object) -> JSONObject:
    """The mapped profile fields and a Name built from first and last name, as looked up (each
    mode puts them in its own form: the table's ``cloud`` and ``device`` columns)."""
    profile: JSONObject = {}
    for field in PROFILE_FIELDS:
        value = first_usable(message, field.sources)
        if is_usable(value) and not isinstance(value, Missing):
            profile[field.dest] = value
    if "Name" not in profile:
        first, last = first_usable(message, FIRST_NAME), first_usable(message, LAST_NAME)
        if js_truthy(first) and js_truthy(last):
            profile["Name"] = f"{js_string(first)} {js_string(last)}"
    return profile


def custom_attributes(pairs: Iterable[tuple[str, JSON]], into: JSONObject | None = None) -> JSONObject:
    """Set the custom attributes ``pairs`` (:func:`custom_pairs`, :attr:`Plan.custom`) onto ``into``
    (a new dict by default) and return it: a key with dots is a path that creates nested objects,
    as the set-value package does in RudderStack's transformer; a later pair wins a key both set."""
    target: JSONObject = {} if into is None else into
    for key, value in pairs:
        set_path(target, key, value)
    return target


def custom_pairs(message: object) -> tuple[tuple[str, JSON], ...]:
    """The traits that are custom attributes, as (key, value) in the order they are set:
    ``traits`` first, then ``context.traits``. Set them with :func:`set_path`."""
    pairs: list[tuple[str, JSON]] = []
    for root in ("traits", "context.traits"):
        traits = get_path(message, root)
        if not isinstance(traits, dict):
            continue
        for key, value in traits.items():
            if key in CUSTOM_ATTRIBUTE_EXCLUSIONS or key in _PROTO_KEYS or isinstance(value, Missing):
                continue
            pairs.append((key, value))
    return tuple(pairs)


# The reference copies custom fields with the npm package set-value (4.x), whose path rules these
# follow: "." separates parts, a backslash escapes the next character, a key containing "/" is
# never split, a part that Number() reads as an integer is an array index, and "" sets nothing.
_ARRAY_LIMIT = 2**32 - 1  # JavaScript array indices are below this; larger ones are named properties
_MAX_INDEX = 1_000_000  # past this the padding nulls are not built (the reference builds them)


def _path_parts(key: str) -> list[str | float]:
    """set-value's splitString: the parts of ``key``, integer-like ones as numbers."""
    if "/" in key:
        return [key]
    parts: list[str | float] = []
    part = ""

    def push(text: str) -> None:
        number = js_number(text)
        if text.strip(JS_WHITESPACE) != "" and math.isfinite(number) and number == int(number):
            parts.append(number)
        else:
            parts.append(text)

    index = 0
    while index < len(key):
        char = key[index]
        if char == "\\":
            index += 1
            part += key[index] if index < len(key) else "undefined"  # input[++i] past the end
        elif char == ".":
            push(part)
            part = ""
        else:
            part += char
        index += 1
    if part:
        push(part)
    return parts


def _property(part: str | float) -> str:
    return part if isinstance(part, str) else js_number_text(part)


def _slot(part: str | float) -> int | None:
    """The array index ``part`` names, or None for a named property (which JSON drops)."""
    if isinstance(part, str) or not 0 <= part < _ARRAY_LIMIT:
        return None
    return int(part)


def set_path(target: JSONObject, key: str, value: object) -> None:
    """set-value's ``set(target, key, value)`` on JSON-like data."""
    if key == "":
        return
    parts = _path_parts(key)
    current: Any = target
    for index, part in enumerate(parts):
        if isinstance(part, str) and part in _PROTO_KEYS:
            return  # set-value throws here; the reference's event then fails
        last = index == len(parts) - 1
        wants_array = not last and not isinstance(parts[index + 1], str)
        if isinstance(current, list):
            slot = _slot(part)
            if slot is None or slot > _MAX_INDEX:
                current = {}  # a named property of an array: written, but never serialised
                if last:
                    return
                continue
            while len(current) <= slot:
                current.append(None)
            if last:
                current[slot] = value
                return
            child = current[slot]
            if wants_array and not isinstance(child, list):
                child = current[slot] = []
            elif not isinstance(child, (dict, list)):
                child = current[slot] = {}
            current = child
        else:
            name = _property(part)
            if last:
                current[name] = value
                return
            child = current.get(name)
            if wants_array and not isinstance(child, list):
                child = current[name] = []
            elif not isinstance(child, (dict, list)):
                child = current[name] = {}
            current = child


def overrides(message: object) -> JSONObject | Missing:
    """``traits.overrideFields`` if truthy, else ``context.traits.overrideFields`` if truthy,
    as a dict of keys to assign; MISSING when neither is given."""
    for path in ("traits.overrideFields", "context.traits.overrideFields"):
        value = get_path(message, path)
        if js_truthy(value):
            # Object.assign copies the own enumerable keys: a string's characters, an array's items.
            if isinstance(value, dict):
                return {k: v for k, v in value.items() if k not in _PROTO_KEYS}
            if isinstance(value, (list, str)):
                return {str(i): item for i, item in enumerate(value)}
            return {}
    return MISSING


def is_order_completed(event: object) -> bool:
    """``Order Completed`` in any letter case, not trimmed, becomes CleverTap's Charged."""
    return js_truthy(event) and js_string(event).lower() == CHARGED.trigger


_CHARGED_CONSUMED = frozenset(source for _, source in CHARGED.fields) | CHARGED.not_data


def charged_event_data(properties: object) -> JSONObject:
    """Charged's event data: Charged ID, Amount, Items, then every other property but ``ts``."""
    data: JSONObject = {}
    if not isinstance(properties, dict):
        return data
    for dest, source in CHARGED.fields:
        value = properties.get(source, MISSING)
        if is_usable(value):
            data[dest] = value
    for key, value in properties.items():
        if key not in _CHARGED_CONSUMED and key not in _PROTO_KEYS and value is not MISSING:
            # The reference copies them with the same extractCustomFields as traits: a dotted key
            # is a path there too ({"a.b": 1} gives {"a": {"b": 1}}).
            set_path(data, key, value)
    return data


def page_name_value(message: object) -> JSValue:
    """The value that names a page or screen event, or MISSING."""
    return first_usable(message, ("event", "properties.event", "name", "properties.name"))
