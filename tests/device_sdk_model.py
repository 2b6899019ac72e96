"""A Python model of what the CleverTap Web SDK 2.5.2 does with a pushed call, written from
node_modules/clevertap-web-sdk/clevertap.js independently of bridge.device._forms and bridge.core._sdkforms (its own regexes and
limits), so that the device emitter's output can be checked to be a fixed point of it.

``sdk_process(call)`` returns ``Outcome(sent, errors)``: ``sent`` is the data the SDK would send
(None when it drops the call) and ``errors`` the codes and texts it would report or log. Only the
data-shaping parts are modelled: no storage, guid, Charged ID de-duplication, ``tz`` or system fields.
Function names in comments are the SDK's.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Outcome", "sdk_process", "fixed_point_problems"]

# ECMAScript WhiteSpace + LineTerminator: what \s matches in a JavaScript regular expression.
_JS_S = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_KEY_REGEX = re.compile(rf"^{_JS_S}+|\.|:|\$|'|\"|\\|{_JS_S}+\Z")  # unsupportedKeyCharRegex
_VALUE_REGEX = re.compile(rf"^{_JS_S}+|'|\"|\\|{_JS_S}+\Z")  # unsupportedValueCharRegex
_SYSTEM_EVENTS = ("Stayed", "UTM Visited", "App Launched", "Notification Sent", "Notification Viewed", "Notification Clicked")
_GENDER = re.compile(r"\b(?:[mM](?:ale)?|[fF](?:emale)?|[oO](?:thers)?|[uU](?:nknown)?)\b", re.ASCII)
_RESTRICTED_ROOT = ("Name", "Email", "Education", "Married", "DOB", "Gender", "Phone", "Age", "FBID", "GPID", "Birthday", "Identity")


class _ThrowsTypeError(Exception):
    """Where the SDK's JavaScript would throw a TypeError."""


@dataclass
class Outcome:
    """What the SDK sends for one call, and the errors it reports on the way."""

    sent: Any
    errors: list[str] = field(default_factory=list)


def _units(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _length(text: str) -> int:
    return len(_units(text)) // 2


def _substring_1024(text: str) -> str:
    return _units(text)[:2048].decode("utf-16-le", "surrogatepass")


def _sanitize(text: str, regex: re.Pattern[str]) -> str:
    return regex.sub("", text)


def _remove_unsupported_chars(o: Any, errors: list[str]) -> Any:
    """removeUnsupportedChars: keys and strings, recursively, on the object itself (for...in with
    delete then assign, so a later key that sanitises to the same name overwrites)."""
    if isinstance(o, dict):
        if "hasOwnProperty" in o:
            raise _ThrowsTypeError("o.hasOwnProperty is not a function")
        for key in list(o.keys()):
            if key not in o:  # deleted earlier in the loop: for...in skips it
                continue
            value = _remove_unsupported_chars(o[key], errors)
            new_key = _sanitize(key, _KEY_REGEX)
            if _length(new_key) > 1024:
                new_key = _substring_1024(new_key)
                errors.append("520")
            del o[key]
            if new_key != "__proto__":  # assigning __proto__ sets the prototype: the data is gone
                o[new_key] = value
        return o
    if isinstance(o, list):
        for index, item in enumerate(o):
            o[index] = _remove_unsupported_chars(item, errors)
        return o
    if isinstance(o, str):
        value = _sanitize(o, _VALUE_REGEX)
        if _length(value) > 1024:
            value = _substring_1024(value)
            errors.append("521")
        return value
    return o


def _is_null_or_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and len(value) == 0)


def _clean_null_empty(obj: Any, errors: list[str], depth: int = 0, max_depth: int = 3) -> Any:
    """cleanNullEmptyValues; returns None for JavaScript's undefined."""
    if depth > max_depth:
        return obj
    if isinstance(obj, list):
        out = []
        for item in obj:
            if _is_null_or_empty(item):
                errors.append("545")
                continue
            cleaned = _clean_null_empty(item, errors, depth + 1, max_depth) if isinstance(item, (dict, list)) else item
            if not _is_null_or_empty(cleaned):
                out.append(cleaned)
            else:
                errors.append("545")
        return out or None
    if isinstance(obj, dict):
        if "hasOwnProperty" in obj:
            raise _ThrowsTypeError("obj.hasOwnProperty is not a function")
        result: dict[str, Any] = {}
        for key, value in obj.items():
            if isinstance(value, (dict, list)):
                value = _clean_null_empty(value, errors, depth + 1, max_depth)
            if not _is_null_or_empty(value):
                if key != "__proto__":
                    result[key] = value
            else:
                errors.append("545")
        return result or None
    return obj


def _count_object_array_keys(obj: Any) -> int:
    return sum(1 for value in obj.values() if isinstance(value, (dict, list))) if isinstance(obj, dict) else 0


def _is_obj_structure_valid(event_obj: Any, errors: list[str], max_depth: int = 3) -> tuple[bool, Any]:
    """isObjStructureValid: (isValid, processedObj)."""
    if not isinstance(event_obj, dict):
        return False, None
    cleaned = _clean_null_empty(event_obj, errors, 0, max_depth)
    if _is_null_or_empty(cleaned):
        return False, None

    def validate_depth(obj: Any, depth: int = 0) -> bool:
        if depth > max_depth:
            return False
        if isinstance(obj, dict):
            for value in obj.values():
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, dict) and not validate_depth(item, depth + 1):
                            return False
                elif isinstance(value, dict) and not validate_depth(value, depth + 1):
                    return False
        return True

    if not validate_depth(cleaned):
        errors.append("541")
        return False, cleaned
    if _count_object_array_keys(cleaned) > 5:
        errors.append("543")
        return False, cleaned

    def validate_counts(obj: Any, depth: int = 0) -> bool:
        if not isinstance(obj, dict) or depth > max_depth:
            return True
        for value in obj.values():
            if isinstance(value, list):
                if len(value) > 100:
                    errors.append("543")
                    return False
                for item in value:
                    if isinstance(item, dict):
                        if _count_object_array_keys(item) > 5:
                            errors.append("542")
                            return False
                        if not validate_counts(item, depth + 1):
                            return False
            elif isinstance(value, dict):
                if _count_object_array_keys(value) > 5:
                    errors.append("543")
                    return False
                if not validate_counts(value, depth + 1):
                    return False
        return True

    def count_total(obj: Any, depth: int = 0) -> int:
        if not isinstance(obj, dict) or depth > max_depth:
            return 0
        count = 0
        for value in obj.values():
            count += 1
            if isinstance(value, list):
                count += sum(count_total(item, depth + 1) for item in value if isinstance(item, dict))
            elif isinstance(value, dict):
                count += count_total(value, depth + 1)
        return count

    if not validate_counts(cleaned):
        return False, cleaned
    if count_total(cleaned) > 100:
        errors.append("544")
        return False, cleaned
    return True, cleaned


def _is_event_structure_flat(obj: Any) -> bool:
    return isinstance(obj, dict) and not any(isinstance(value, (dict, list)) for value in obj.values())


def _is_charged_valid(charged: Any, errors: list[str]) -> bool:
    """isChargedEventStructureValid, without the Charged ID de-duplication (it needs storage)."""
    if not isinstance(charged, dict):
        return False
    for key, value in charged.items():
        if key == "Items":
            if not isinstance(value, list):
                return False
            if len(value) > 50:
                errors.append("522")
            for item in value:
                if not _is_event_structure_flat(item):
                    return False
        elif isinstance(value, (dict, list)):
            return False
    return True


_STR_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def _js_number(value: Any) -> float:
    """Number(value) for the values that reach it here (numbers and strings)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = re.sub(rf"^{_JS_S}+|{_JS_S}+\Z", "", value)
        if text == "":
            return 0.0
        if _STR_DECIMAL.fullmatch(text):
            return float(text.replace("Infinity", "inf"))
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
            return float(int(text, 16))
        if re.fullmatch(r"0[oO][0-7]+", text):
            return float(int(text[2:], 8))
        if re.fullmatch(r"0[bB][01]+", text):
            return float(int(text[2:], 2))
    return math.nan


def _parse_float_is_nan(value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return math.isnan(value)
    text = value if isinstance(value, str) else ("true" if value is True else "false" if value is False else "x")
    return re.match(rf"{_JS_S}*[+-]?(?:Infinity|\d|\.\d)", text) is None


def _is_convertible_to_number(value: Any) -> bool:
    return not _parse_float_is_nan(value) and math.isfinite(_js_number(value))


def _js_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_profile_valid(profile: dict[str, Any], errors: list[str]) -> bool:
    """isProfileValid: deletes what it rejects; the last key decides the answer."""
    valid = False
    for key in list(profile.keys()):
        valid = True
        value = profile[key]
        if value is None:
            del profile[key]
            continue
        if key in ("Gender", "Employed", "Married", "Education") and not isinstance(value, str):
            raise _ThrowsTypeError("profileVal.match is not a function")
        if key == "Gender" and not _GENDER.search(value):
            valid = False
            errors.append("Gender")
        if key in ("Employed", "Married") and value not in ("Y", "N"):
            valid = False
            errors.append(key)
        if key == "Education" and value not in ("School", "College", "Graduate"):
            valid = False
            errors.append(key)
        if key == "Age":
            if _is_convertible_to_number(value):
                profile["Age"] = _js_number(value)
            else:
                valid = False
                errors.append(key)
        if key == "DOB":
            text = _js_string(value)
            if not text.startswith("$D_") or _length(text) != 11:
                valid = False
                errors.append(key)
        if key == "Phone" and isinstance(value, (str, dict, list)) and len(value) > 0:
            if isinstance(value, str) and _length(value) > 8 and value[0] == "+":
                rest = value[1:]
                if _is_convertible_to_number(rest):
                    profile["Phone"] = _js_number(rest)
                else:
                    valid = False
                    errors.append(key)
            else:
                valid = False
                errors.append(key)
        if not valid:
            del profile[key]
    return valid


def _add_to_local_profile_map(profile: dict[str, Any]) -> None:
    """addToLocalProfileMap: the members of ``_custom`` move onto the profile (a string's
    characters, by index), and ``_custom`` goes."""
    if profile.get("_custom") is not None:
        custom = profile["_custom"]
        if isinstance(custom, dict):
            profile.update(custom)
        elif isinstance(custom, (str, list)):
            profile.update({str(index): item for index, item in enumerate(custom)})
        del profile["_custom"]


def _event(args: list[Any]) -> Outcome:
    # _processEventArray2, for one event and its data.
    errors: list[str] = []
    name = args[0]
    if not isinstance(name, str):
        return Outcome(None, ["event name not a string"])
    if _length(name) > 1024:
        name = _substring_1024(name)
        errors.append("510")
    if name in _SYSTEM_EVENTS:
        return Outcome(None, errors + ["513"])
    data: dict[str, Any] = {"type": "event", "evtName": _sanitize(name, _KEY_REGEX)}
    if len(args) > 1:
        event_obj = args[1]
        if not isinstance(event_obj, dict):
            errors.append("data not an object: read as the next event name")
        elif name == "Charged":
            if not _is_charged_valid(event_obj, errors):
                return Outcome(None, errors + ["511"])
            data["evtData"] = event_obj
        else:
            _, processed = _is_obj_structure_valid(event_obj, errors, 3)
            data["evtData"] = processed if processed is not None else event_obj
    if len(args) > 2:
        errors.append("more arguments: read as further events")
    data = _remove_unsupported_chars(data, errors)  # processEvent -> addSystemDataToObject
    return Outcome(data, errors)


def _profile(args: list[Any]) -> Outcome:
    # _processProfileArray2 with a Site object.
    errors: list[str] = []
    outer = args[0] if args else None
    if len(args) != 1 or not isinstance(outer, dict) or outer.get("Site") is None:
        return Outcome(None, ["profile call not {Site}"])
    site = outer["Site"]
    if not isinstance(site, dict) or not site:
        return Outcome(None, ["Empty profile object provided"])
    _, processed = _is_obj_structure_valid(site, errors, 3)
    if processed is not None:
        site = processed
    final: dict[str, Any] = {}
    for key, value in site.items():  # _filterRestrictedKeys
        if key in _RESTRICTED_ROOT and isinstance(value, (dict, list)):
            errors.append("513 restricted profile property")
        else:
            final[key] = value
    if not _is_profile_valid(final, errors):
        return Outcome(None, errors + ["profile invalid: not sent"])
    if not final:
        return Outcome(None, errors)
    _add_to_local_profile_map(final)
    data = _remove_unsupported_chars({"type": "profile", "profile": final}, errors)
    return Outcome(data, errors)


def _on_user_login(args: list[Any]) -> Outcome:
    # _processLoginArray2 (only the last pushed object) and _processOUL inside its try/catch.
    errors: list[str] = []
    outer = args[-1] if args else None
    if len(args) != 1 or not isinstance(outer, dict) or not isinstance(outer.get("Site"), dict) or not outer["Site"]:
        return Outcome(None, ["Profile object is in incorrect format"])
    site = outer["Site"]
    try:
        if not _is_profile_valid(site, errors):
            return Outcome(None, errors + ["profile invalid: not sent"])
        if not site:
            return Outcome(None, errors)
        _add_to_local_profile_map(site)
        data = _remove_unsupported_chars({"type": "profile", "profile": site}, errors)
    except _ThrowsTypeError as exc:
        return Outcome(None, errors + [f"swallowed: {exc}"])
    return Outcome(data, errors)


def _privacy(args: list[Any]) -> Outcome:
    merged: dict[str, Any] = {}
    for item in args:
        if not isinstance(item, dict):
            return Outcome(None, ["privacy item not an object"])
        merged.update(item)
    errors = [f"privacy key {key!r} not used" for key in merged if key not in ("optOut", "useIP")]
    errors += [f"privacy {key} not a boolean" for key, value in merged.items() if not isinstance(value, bool)]
    return Outcome(merged, errors)


def sdk_process(call: list[Any]) -> Outcome:
    """What the SDK does with ``window.clevertap[call[0]].push(*call[1:])`` (on a deep copy)."""
    queue, args = call[0], copy.deepcopy(list(call[1:]))
    try:
        if queue == "event":
            return _event(args)
        if queue == "profile":
            return _profile(args)
        if queue == "onUserLogin":
            return _on_user_login(args)
        if queue == "privacy":
            return _privacy(args)
    except _ThrowsTypeError as exc:
        return Outcome(None, [f"TypeError: {exc}"])
    return Outcome(None, [f"queue {queue!r} is not one the integration may use"])


def _expected(call: list[Any]) -> Any:
    """What the SDK should send for ``call`` if it changes nothing but its own encodings."""
    queue, args = call[0], call[1:]
    if queue == "event":
        data: dict[str, Any] = {"type": "event", "evtName": args[0]}
        if len(args) > 1:
            data["evtData"] = args[1]
        return data
    if queue in ("profile", "onUserLogin"):
        site = dict(args[0]["Site"])
        if isinstance(site.get("Phone"), str):
            site["Phone"] = _js_number(site["Phone"][1:])  # the SDK's own encoding of a valid Phone
        return {"type": "profile", "profile": site}
    return {key: value for item in args for key, value in item.items()}


# Error codes the emitter leaves on purpose: more than 50 Items are sent (with 522); a profile
# with more than 100 keys is sent by the SDK (544 is reported only for profile.push).
_TOLERATED = {"event": {"522"}, "profile": {"544"}, "onUserLogin": set(), "privacy": set()}


def fixed_point_problems(call: list[Any]) -> list[str]:
    """Why the SDK would change, drop or complain about ``call``; empty when it is a fixed point."""
    outcome = sdk_process(call)
    problems = [error for error in outcome.errors if error not in _TOLERATED.get(call[0], set())]
    if outcome.sent is None:
        problems.append("dropped")
    elif outcome.sent != _expected(call):
        problems.append(f"changed: {outcome.sent!r} != {_expected(call)!r}")
    return problems
