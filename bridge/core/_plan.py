"""The planner: one message and the settings become what is to be sent, decided once for both modes.

    plan(message, kind, settings) -> Plan(kind="event", name="Charged", data={...}, ...)

Every decision about the message itself is made here: which user it is, whether an anonymous
event is sent, whether it is Charged (``Order Completed`` in any letter case), how a page or screen
event is named, which profile fields and custom attributes it carries, how products are read. Device
mode (:mod:`bridge.device`) and cloud mode (:mod:`bridge.cloud`) only put a :class:`Plan` in the
form their wire takes; what they still do differently is named in :data:`MODE_DIFFERENCES`, each
with its reason, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from ..errors import EventError
from ._fields import CHARGED
from ._jsonparse import js_json_parse
from ._jsvalue import MISSING, js_string, js_truthy, js_typeof
from ._rules import (
    charged_event_data,
    custom_pairs,
    get_path,
    is_order_completed,
    is_usable,
    mapped_profile,
    overrides,
    page_name_value,
    user_id_only,
)

__all__ = [
    "Plan",
    "plan",
    "PlanSettings",
    "KINDS",
    "PAGE_PREFIXES",
    "ANONYMOUS_ERROR",
    "MISSING_EVENT_ERROR",
    "MISSING_PROPERTIES_ERROR",
    "PRODUCTS_ERROR",
    "read_products",
    "INTEGRATION_KEYS",
    "integration_options",
    "MODE_DIFFERENCES",
]

# The message types this destination sends (RudderStack hands it every call; group is not one).
KINDS: Final = ("identify", "track", "page", "screen", "alias")
# §8.7: the event a page or screen call becomes, alone or followed by ": <name>".
PAGE_PREFIXES: Final = {"page": "Web Page Viewed", "screen": "Screen Viewed"}

# The reference's words (reference/cloud-mode.md), kept in both modes.
ANONYMOUS_ERROR: Final = "userId, not present cannot track anonymous user"
MISSING_EVENT_ERROR: Final = 'Missing required value from "event"'
MISSING_PROPERTIES_ERROR: Final = 'Missing required value from "properties"'
PRODUCTS_ERROR: Final = "Products property value must be an array of objects"

# The spellings of this destination's key in an ``integrations`` object, in the order RudderStack's
# browser integration tries them ("CleverTap", its display name, first). Cloud mode tries the
# same four in the transformer's order (MODE_DIFFERENCES["integration key order"]).
INTEGRATION_KEYS: Final = ("CleverTap", "CLEVERTAP", "Clevertap", "clevertap")
_CLOUD_INTEGRATION_ORDER: Final = ("clevertap", "Clevertap", "CleverTap", "CLEVERTAP")


@dataclass(frozen=True)
class Plan:
    """What one message sends, before either wire's form is applied.

    ``kind`` is ``identify`` (a profile), ``alias`` (the new user id) or ``event`` (track, page and
    screen). ``name`` is the event's name: ``Charged``, the track event as given (any JSON value),
    or ``Web Page Viewed: Home`` (``page`` is then true). ``data`` is the event's properties as
    given, or Charged's data (``charged``); for identify, the mapped profile fields, raw, keyed by
    CleverTap's names, with ``custom`` the custom attributes in order (a dotted key is a path) and
    ``overrides`` the overrideFields. ``user_id`` is the user id without the anonymousId fallback;
    ``ts`` the record's time as given. ``warnings`` say what was left out on the way.
    """

    kind: str
    name: Any = MISSING
    charged: bool = False
    page: bool = False
    data: Any = MISSING
    properties: Any = MISSING
    custom: tuple[tuple[str, Any], ...] = ()
    overrides: Any = MISSING
    user_id: Any = MISSING
    anonymous_id: Any = MISSING
    ts: Any = MISSING
    warnings: tuple[str, ...] = field(default=())


class PlanSettings(Protocol):
    """What the planner reads of the settings: :class:`~bridge.core.Settings` (device mode) and
    :class:`~bridge.core.CloudConfig` (cloud mode) both have it."""

    @property
    def track_anonymous(self) -> bool: ...


def plan(message: Mapping[str, Any], kind: str, settings: PlanSettings) -> Plan:
    """The plan for ``message`` of type ``kind`` (one of :data:`KINDS`, lower case) under ``settings``.

    Raises :class:`EventError` with the reference's words when the message is not sent: an
    anonymous event without track_anonymous, a track without an event name, properties that are
    present but empty.
    """
    ids = {"user_id": user_id_only(message), "anonymous_id": message.get("anonymousId", MISSING)}
    if kind == "identify":
        return _identify(message, ids)
    if kind == "alias":
        # The root userId and previousId only, as given (§9).
        given = {key: message[key] for key in ("userId", "previousId") if key in message}
        return Plan("alias", data=given, ts=_traits_ts(message), **ids)
    if not settings.track_anonymous and not js_truthy(ids["user_id"]):
        raise EventError(ANONYMOUS_ERROR)
    properties = message.get("properties", MISSING)
    ts = get_path(message, "properties.ts")
    if is_order_completed(message.get("event", MISSING)):  # track, page and screen alike (§8.3)
        return Plan("event", CHARGED.name, charged=True, data=charged_event_data(properties), properties=properties, ts=ts, **ids)
    if kind == "track":
        name = message.get("event", MISSING)
        if not is_usable(name):
            raise EventError(MISSING_EVENT_ERROR)
    else:
        value = page_name_value(message)
        name = PAGE_PREFIXES[kind] if value is MISSING else f"{PAGE_PREFIXES[kind]}: {js_string(value)}"
    if properties is not MISSING and properties is not None and not is_usable(properties):
        raise EventError(MISSING_PROPERTIES_ERROR)  # properties "" (null and undefined mean none)
    return Plan("event", name, page=kind != "track", data=properties, properties=properties, ts=ts, **ids)


def _identify(message: Mapping[str, Any], ids: dict[str, Any]) -> Plan:
    return Plan(
        "identify",
        data=mapped_profile(message, convert=False),
        custom=custom_pairs(message),
        overrides=overrides(message),
        ts=_traits_ts(message),
        **ids,
    )


def _traits_ts(message: Mapping[str, Any]) -> Any:
    # traits.ts || context.traits.ts (§7.9)
    ts = get_path(message, "traits.ts")
    return ts if js_truthy(ts) else get_path(message, "context.traits.ts")


def read_products(value: Any) -> list[Any]:
    """Charged's Items as the list it is, by the reference's rule (§8.5) in both modes: JSON text
    is read with JSON.parse (:class:`~bridge.errors.JsSyntaxError` when it is not JSON, e.g.
    ``'[{"a": NaN}]'``), and the list must start with an object (null counts: typeof null is
    "object"). Raises :class:`EventError` (:data:`PRODUCTS_ERROR`) otherwise."""
    if isinstance(value, str):
        value = js_json_parse(value)
    if not isinstance(value, list) or js_typeof(value[0] if value else MISSING) != "object":
        raise EventError(PRODUCTS_ERROR)
    return value


def integration_options(integrations: Any, cloud: bool = False) -> Any:
    """This destination's entry in an ``integrations`` object: the first of :data:`INTEGRATION_KEYS`
    that holds an object (device mode), or the first truthy one in the transformer's order (cloud
    mode); MISSING when there is none."""
    if not isinstance(integrations, Mapping):
        return MISSING
    if cloud:
        for key in _CLOUD_INTEGRATION_ORDER:
            found = integrations.get(key, MISSING)
            if js_truthy(found):
                return found
        return MISSING
    for key in INTEGRATION_KEYS:
        found = integrations.get(key)
        if isinstance(found, Mapping):
            return found
    return MISSING


# What device mode and cloud mode still do differently, and why. Everything else is the plan.
# topic: (device mode, cloud mode, why)
MODE_DIFFERENCES: Final[dict[str, tuple[str, str, str]]] = {
    "value forms": (
        "profile and event values in the forms the Web SDK accepts (Gender M/F/O, DOB $D_, Phone +digits, "
        "characters, lengths, nesting), each change with a warning",
        "values as the reference sends them (Gender letter from exact words only; objects as JSON text)",
        "the Web SDK silently drops or rewrites what it does not accept; the REST API takes the reference's "
        "output and the conformance cases hold it byte for byte",
    ),
    "page and screen names": (
        "the planned name, with the characters the SDK removes removed",
        "the planned name HTML-escaped, then trimmed",
        "the reference renders the name with a Handlebars template, which escapes; CleverTap does not",
    ),
    "identity": (
        "Identity is the user id only; identify without user id or email needs track_anonymous",
        "identity falls back to anonymousId, or objectId with enableObjectIdMapping; identify is always sent",
        "the Web SDK keeps its own anonymous id per browser; the REST API needs a key on every record",
    ),
    "alias": (
        "a profile with Identity = userId, which must be present",
        "profileData.identity = userId and identity = previousId, as given",
        "the Web SDK has no previousId: it merges by logging the new identity in",
    ),
    "time": (
        "not sent: the SDK stamps each event itself (Charged leaves properties.ts out with a warning)",
        "ts from properties.ts or traits.ts, converted to seconds (§6)",
        "the browser's clock is the event's time; the server must carry the message's",
    ),
    "Charged without products": (
        "Items that is not a list (0, false, '') is an error: the SDK drops the whole Charged",
        "a falsy Items is sent as it is",
        "isChargedEventStructureValid rejects it; the reference only reads truthy Items",
    ),
    "products that are not JSON": (
        "not sent, EventError naming the JSON error",
        "not sent, status 500 with V8's SyntaxError (ReferenceCrash)",
        "the reference's JSON.parse throws uncaught; the page's data is at fault in both",
    ),
    "integration key order": (
        "CleverTap, CLEVERTAP, Clevertap, clevertap: the first object wins (privacy load options)",
        "clevertap, Clevertap, CleverTap, CLEVERTAP: the first truthy wins (deviceTokenType, chromeKeys)",
        "each mode follows the reader it replaces: RudderStack's browser integration, the cloud transformer",
    ),
    "device tokens": (
        "never sent: the Web SDK registers its own push subscription",
        "a token record for Android and Apple devices with enableObjectIdMapping (§12)",
        "only a server sees the mobile app's token in the message",
    ),
    "error wording": (
        "names the field and what to do (type: missing, ...)",
        "the reference's exact words and status (Message Type is not present. Aborting message.)",
        "RudderStack's callers match on the reference's messages; a page author needs the field",
    ),
}
