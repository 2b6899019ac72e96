"""How much nesting the CleverTap Web SDK takes in event data, for the device emitter.

Web SDK 2.5.2 sends nested objects and arrays in event properties, but its isObjStructureValid
(``clevertap.js``) removes null and empty values and reports an error past its limits. The device
emitter applies the same limits first, leaving out the excess with a warning each, so the SDK
neither changes nor complains about what it is given. Names in comments are the SDK's own.
"""

from __future__ import annotations

from typing import Final

from ..core import JSON, JSONArray, JSONObject
from ._forms import Warn, join, show

__all__ = ["MAX_DEPTH", "MAX_NESTED_KEYS", "MAX_ARRAY_LENGTH", "MAX_TOTAL_KEYS", "limit_nested"]

# isObjStructureValid(eventObj, logger, 3): the limits on nested event data (errors 541 to 544).
MAX_DEPTH: Final = 3
MAX_NESTED_KEYS: Final = 5
MAX_ARRAY_LENGTH: Final = 100
MAX_TOTAL_KEYS: Final = 100


def _empty(value: object) -> bool:
    # isNullOrEmpty: null, an empty array, an object without keys.
    return value is None or (isinstance(value, (dict, list)) and not value)


def _clean(value: JSON, path: str, warn: Warn) -> JSON:
    """cleanNullEmptyValues without its depth cut-off: nulls and emptied objects and arrays go."""
    if isinstance(value, dict):
        out: JSONObject = {}
        for key, item in value.items():
            item = _clean(item, join(path, key), warn)
            if _empty(item):
                warn(f"{join(path, key)}: {show(item)} left out: the SDK removes null and empty values")
            else:
                out[key] = item
        return out
    if isinstance(value, list):
        kept: JSONArray = []
        for index, item in enumerate(value):
            item = _clean(item, f"{path}[{index}]", warn)
            if _empty(item):
                warn(f"{path}[{index}]: {show(item)} left out: the SDK removes null and empty values")
            else:
                kept.append(item)
        return kept
    return value


def _limit_object(obj: JSONObject, depth: int, path: str, warn: Warn) -> JSONObject:
    out: JSONObject = {}
    nested = 0
    for key, value in obj.items():
        where = join(path, key)
        if isinstance(value, dict):
            if depth + 1 > MAX_DEPTH:
                warn(f"{where}: {show(value)} left out: the SDK takes objects {MAX_DEPTH} levels deep")
                continue
            value = _limit_object(value, depth + 1, where, warn)
        elif isinstance(value, list):
            value = _limit_array(value, depth, where, warn)
        if _empty(value):
            warn(f"{where}: left out: empty once the SDK's limits are applied")
            continue
        if isinstance(value, (dict, list)):
            if nested == MAX_NESTED_KEYS:
                warn(f"{where}: {show(value)} left out: the SDK takes {MAX_NESTED_KEYS} object or array values on each level")
                continue
            nested += 1
        out[key] = value
    return out


def _limit_array(items: JSONArray, depth: int, path: str, warn: Warn) -> JSONArray:
    # validateDepth/validateObjectArrayCount look at the objects directly in an array (one level
    # deeper than the array's key) and at the array's length; arrays inside arrays go unchecked.
    kept = []
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if isinstance(item, dict):
            if depth + 1 > MAX_DEPTH:
                warn(f"{where}: {show(item)} left out: the SDK takes objects {MAX_DEPTH} levels deep")
                continue
            item = _limit_object(item, depth + 1, where, warn)
            if _empty(item):
                warn(f"{where}: left out: empty once the SDK's limits are applied")
                continue
        kept.append(item)
    if len(kept) > MAX_ARRAY_LENGTH:
        warn(f"{path}: items after the first {MAX_ARRAY_LENGTH} left out ({len(kept)} given): the SDK takes arrays of {MAX_ARRAY_LENGTH}")
        kept = kept[:MAX_ARRAY_LENGTH]
    return kept


def _cap_keys(obj: JSONObject, budget: list[int], path: str, warn: Warn) -> JSONObject:
    # countTotalKeys counts every key of an object, of its nested objects and of the objects
    # directly in its arrays; the first keys in that order are kept.
    out: JSONObject = {}
    for key, value in obj.items():
        where = join(path, key)
        if budget[0] == 0:
            warn(f"{where}: {show(value)} left out: the SDK takes {MAX_TOTAL_KEYS} keys in all")
            continue
        budget[0] -= 1
        if isinstance(value, dict):
            value = _cap_keys(value, budget, where, warn)
        elif isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    item = _cap_keys(item, budget, f"{where}[{index}]", warn)
                    if not item:
                        continue
                items.append(item)
            value = items
        if _empty(value):
            budget[0] += 1  # the key is not sent, so it does not count
            warn(f"{where}: left out: empty once the SDK's limits are applied")
            continue
        out[key] = value
    return out


def _count_keys(obj: JSONObject) -> int:
    count = 0
    for value in obj.values():
        count += 1
        if isinstance(value, dict):
            count += _count_keys(value)
        elif isinstance(value, list):
            count += sum(_count_keys(item) for item in value if isinstance(item, dict))
    return count


def limit_nested(data: JSONObject, path: str, warn: Warn) -> JSONObject:
    """Event data the SDK's isObjStructureValid passes unchanged and without an error.

    Nulls and empty objects and arrays are removed; objects deeper than 3 levels, a 6th object or
    array value on one level, array items after the 100th and keys after the 100th in all are
    left out, each with a warning.
    """
    cleaned = _clean(data, path, warn)
    assert isinstance(cleaned, dict)  # an object stays an object
    limited = _limit_object(cleaned, 0, path, warn)
    if _count_keys(limited) > MAX_TOTAL_KEYS:
        limited = _cap_keys(limited, [MAX_TOTAL_KEYS], path, warn)
    return limited
