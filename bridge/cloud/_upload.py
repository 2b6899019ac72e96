"""Cloud mode, one message at a time: RudderStack messages to CleverTap upload API requests.

This is the processor step of RudderStack's cloud-mode CleverTap transformer
(RudderStack's cloud transformer). What a message sends is decided once, for both modes, by
:func:`bridge.core.plan`; this module puts the plan in the reference's records, byte for byte. The
differences from device mode are named in :data:`bridge.core.MODE_DIFFERENCES`. :func:`transform`
returns the request envelopes; ``_router`` batches them and ``_delivery`` sends them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeAlias

from ..core import (
    CHARGED,
    JS_WHITESPACE,
    KINDS,
    MISSING,
    PROFILE_FIELD,
    STRINGIFY_EXEMPT,
    CloudConfig,
    Plan,
    Settings,
    custom_attributes,
    get_path,
    integration_options,
    is_usable,
    js_json,
    js_number,
    js_string,
    js_truthy,
    plan,
    read_products,
)
from ..errors import EventError, JsSyntaxError, ReferenceCrash
from ._jsdate import js_date_parse

__all__ = [
    "transform",
    "upload_endpoint",
    "endpoint",
    "request_headers",
    "envelope",
    "records_of",
    "convert_ts",
]

# Token types CleverTap accepts from integrations.<CleverTap>.deviceTokenType (case-sensitive).
_TOKEN_TYPES = ("chrome", "fcm", "gcm", "apns", "wns", "mpns")
_APPLE_FAMILY = ("ios", "watchos", "ipados", "tvos")
# Handlebars' escapeExpression.
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;", "=": "&#x3D;"})


# A destination Config as RudderStack passes it, or one already read.
Config: TypeAlias = CloudConfig | Mapping[str, Any]


def endpoint(config: Config, path: str) -> str:
    """``https://[<region>.]api.clevertap.com/1<path>``; the region is inserted verbatim."""
    region = CloudConfig.from_config(config).region
    if js_truthy(region) and region != "none":
        return f"https://{js_string(region)}.api.clevertap.com/1{path}"
    return f"https://api.clevertap.com/1{path}"


def upload_endpoint(config: Config) -> str:
    """The upload API endpoint for a destination config (events, profiles and tokens alike)."""
    return endpoint(config, "/upload")


def request_headers(config: Config) -> dict[str, Any]:
    """The three headers, values as given; a missing accountId or passcode leaves its key out."""
    read = CloudConfig.from_config(config)
    headers: dict[str, Any] = {}
    for name, value in (("X-CleverTap-Account-Id", read.account_id), ("X-CleverTap-Passcode", read.passcode)):
        if value is not MISSING:
            headers[name] = value
    headers["Content-Type"] = "application/json"
    return headers


def envelope(records: list[Any], config: Config) -> dict[str, Any]:
    """A processor output: RudderStack's REST request envelope carrying ``records``."""
    return {
        "version": "1",
        "type": "REST",
        "method": "POST",
        "endpoint": upload_endpoint(config),
        "headers": request_headers(config),
        "params": {},
        "body": {"JSON": {"d": records}, "JSON_ARRAY": {}, "XML": {}, "FORM": {}},
        "files": {},
        "userId": "",
    }


def records_of(output: Any) -> list[Any]:
    """The records an envelope carries in ``body.JSON.d`` (an empty list when it carries none)."""
    records = get_path(output, "body.JSON.d")
    return records if isinstance(records, list) else []


def _copy(value: Any) -> Any:
    # Outputs never share objects with the caller's message (which is never modified either).
    # Scalars are not passed to a call of their own: this copy is a large part of transform's cost.
    if isinstance(value, dict):
        return {key: _copy(item) if isinstance(item, (dict, list)) else item for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) if isinstance(item, (dict, list)) else item for item in value]
    return value


def transform(message: dict[str, Any], config: Config | Settings) -> list[dict[str, Any]]:
    """The processor outputs for one message: one envelope per record, in order.

    ``config`` is the destination's raw ``Config`` (accountId, passcode, region, trackAnonymous,
    enableObjectIdMapping), used unvalidated as the reference uses it. An identify that qualifies
    for a device token gives two outputs (profile, then token). Raises :class:`EventError` with the
    reference's message and status when the message cannot be sent.
    """
    message = _copy(message) if isinstance(message, dict) else {}
    config = CloudConfig.from_config(config)  # read once; unchecked, as the reference reads it
    kind = message.get("type", MISSING)
    if not js_truthy(kind):
        raise EventError("Message Type is not present. Aborting message.")
    if not isinstance(kind, str):
        # The reference calls message.type.toLowerCase(): a TypeError, reported as a 500.
        raise ReferenceCrash("message.type.toLowerCase is not a function")
    kind = kind.lower()
    if kind not in KINDS:
        raise EventError("Message type not supported")
    planned = plan(message, kind, config, mode="cloud")
    if planned.kind == "identify":
        return [envelope([record], config) for record in _identify_records(planned, message, config)]
    if planned.kind == "alias":
        return [envelope([_alias_record(planned)], config)]
    return [envelope([_event_record(planned, config)], config)]


def convert_ts(ts: Any) -> Any:
    """A truthy ts whose ``Number()`` is NaN or 0 becomes ``floor(Date.parse(ts) / 1000)``
    (NaN when unreadable); anything else is kept as it is, type included."""
    if not js_truthy(ts):
        return ts
    number = js_number(ts)
    if not (math.isnan(number) or number == 0):
        return ts
    # new Date(value) reads the value's string form: an array joins, an object is "[object Object]".
    millis = js_date_parse(js_string(ts))
    if math.isnan(millis):
        return math.nan
    return math.floor(millis / 1000)


def _set_ts(record: dict[str, Any], ts: Any) -> None:
    # undefined disappears in serialisation; NaN prints as null and keeps its key.
    if ts is MISSING:
        return
    record["ts"] = None if isinstance(ts, float) and math.isnan(ts) else ts


def _stringify_values(data: Any) -> Any:
    """Truthy top-level objects and arrays become their JSON text (subscription keys
    exempt). Like the reference it rebuilds the value from its own keys, so a string or an array
    turns into an object keyed by index."""
    if isinstance(data, dict):
        pairs = list(data.items())
    elif isinstance(data, list):
        pairs = [(str(index), item) for index, item in enumerate(data)]
    elif isinstance(data, str):
        pairs = [(str(index), char) for index, char in enumerate(data)]
    else:
        return {}  # Object.keys of a number or boolean is empty
    result: dict[str, Any] = {}
    for key, value in pairs:
        if isinstance(value, (dict, list)) and key not in STRINGIFY_EXEMPT:
            result[key] = js_json(value)
        else:
            result[key] = value
    return result


def _identify_records(planned: Plan, message: dict[str, Any], config: CloudConfig) -> list[dict[str, Any]]:
    """The profile record, and the device-token record for a mobile device with objectId mapping."""
    profile: dict[str, Any] = {}
    for key, value in (planned.data if isinstance(planned.data, dict) else {}).items():
        form = PROFILE_FIELD[key].cloud  # the table's cloud form (Gender's letter)
        sent = value if form is None else form(value)
        if is_usable(sent):
            profile[key] = sent
    profile = _stringify_values(custom_attributes(planned.custom, into=profile))
    if isinstance(planned.overrides, dict):
        profile.update(planned.overrides)  # after stringification: override objects stay objects
    profile = {key: value for key, value in profile.items() if value is not None and value is not MISSING}
    record: dict[str, Any] = {"type": "profile", "profileData": profile}
    _set_ts(record, convert_ts(planned.ts))
    if not config.enable_object_id_mapping:
        found = planned.user_or_anonymous_id
        record["identity"] = None if found is MISSING else found
        return [record]
    anonymous_id = planned.anonymous_id
    found = planned.user_id
    if js_truthy(anonymous_id):
        record["objectId"] = anonymous_id
        if js_truthy(found):
            profile["identity"] = found
    elif js_truthy(found):
        record["identity"] = found
    token = _token_record(message)
    return [record] if token is None else [record, token]


def _token_record(message: dict[str, Any]) -> dict[str, Any] | None:
    """The device-token upload for Android and Apple devices (objectId mapping is on)."""
    os_name = get_path(message, "context.os.name")
    if js_truthy(os_name):
        if not isinstance(os_name, str):
            # The reference lower-cases it unguarded: a TypeError, reported as a 500.
            raise ReferenceCrash("deviceOS.toLowerCase is not a function")
        os_name = os_name.lower()
    anonymous_id = message.get("anonymousId", MISSING)
    token = get_path(message, "context.device.token")
    if not (js_truthy(anonymous_id) and js_truthy(token) and (os_name == "android" or os_name in _APPLE_FAMILY)):
        return None
    options = integration_options(message.get("integrations", MISSING), cloud=True)
    token_type = get_path(options, "deviceTokenType")
    if not (isinstance(token_type, str) and token_type in _TOKEN_TYPES):
        token_type = "fcm" if os_name == "android" else "apns"
    keys = get_path(options, "chromeKeys")
    record = {
        "type": "token",
        "tokenData": {"id": token, "type": token_type, "keys": None if keys is MISSING else keys},
        "objectId": anonymous_id,
    }
    cleaned = _remove_empty(record)
    return cleaned if isinstance(cleaned, dict) else {}


def _remove_empty(value: Any) -> Any:
    """Recursively drop null, undefined, ``{}`` and ``[]`` (None when nothing is left)."""
    if isinstance(value, dict):
        kept = {key: _remove_empty(item) for key, item in value.items()}
        kept = {key: item for key, item in kept.items() if item is not None and item is not MISSING}
        return kept or None
    if isinstance(value, list):
        items = [_remove_empty(item) for item in value]
        items = [item for item in items if item is not None and item is not MISSING]
        return items or None
    return value


def _alias_record(planned: Plan) -> dict[str, Any]:
    """Root userId and previousId only; not cleaned, undefined values simply absent."""
    given = planned.data if isinstance(planned.data, dict) else {}
    profile: dict[str, Any] = {}
    if "userId" in given:
        profile["identity"] = given["userId"]
    record: dict[str, Any] = {"type": "profile", "profileData": profile}
    _set_ts(record, convert_ts(planned.ts))
    if "previousId" in given:
        record["identity"] = given["previousId"]
    return record


def _event_record(planned: Plan, config: CloudConfig) -> dict[str, Any]:
    """Track, page and screen (and Charged) as an event record."""
    record: dict[str, Any]
    # evtData: required, default {} for null or undefined (CleverTapTrack/Page/Screen/Ecom.json).
    data = {} if planned.data is None or planned.data is MISSING else planned.data
    if planned.charged:
        record = {"evtName": CHARGED.name, "evtData": data, "ts": planned.ts}
    else:
        name = planned.name
        if planned.page and isinstance(name, str):
            # Handlebars renders String(value) HTML-escaped; the result is trimmed.
            name = name.translate(_HTML_ESCAPES).strip(JS_WHITESPACE)
        record = {"evtName": name, "evtData": data}
        if is_usable(planned.ts):
            record["ts"] = planned.ts
    record["type"] = "event"
    if js_truthy(record["evtData"]):
        record["evtData"] = _stringify_values(record["evtData"])
        if record["evtName"] == CHARGED.name:
            _parse_items(record["evtData"])
    _set_event_identity(record, planned, config)
    ts = record.get("ts", MISSING)
    if ts is not MISSING:
        record["ts"] = convert_ts(ts)
    record = {key: value for key, value in record.items() if value is not None and value is not MISSING}
    if isinstance(record.get("ts"), float) and math.isnan(record["ts"]):
        record["ts"] = None
    return record


def _parse_items(data: dict[str, Any]) -> None:
    """Charged's Items, stringified with the rest, is parsed back and must be an array whose
    first element is an object (null counts, as typeof null is "object")."""
    items = data.get(CHARGED.items, MISSING)
    if not js_truthy(items):
        return
    try:
        data[CHARGED.items] = read_products(items if isinstance(items, str) else js_string(items))
    except JsSyntaxError as error:
        raise ReferenceCrash(str(error)) from None


def _set_event_identity(record: dict[str, Any], planned: Plan, config: CloudConfig) -> None:
    """ObjectId from anonymousId, else identity; or the generic userId map."""
    if not config.enable_object_id_mapping:
        record["identity"] = planned.user_or_anonymous_id
        return
    anonymous_id = planned.anonymous_id
    if js_truthy(anonymous_id):
        record["objectId"] = anonymous_id
        return
    found = planned.user_id
    if not js_truthy(found):
        raise EventError("Unable to process without anonymousId or userId")
    record["identity"] = found
