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

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

from ..errors import EventError
from ._fields import CHARGED, FIRST_NAME, LAST_NAME, PROFILE_FIELDS, USER_ID_ONLY
from ._jsonparse import js_json_parse
from ._jsvalue import MISSING, Missing, js_string, js_truthy, js_typeof, show
from ._rules import (
    charged_event_data,
    custom_attributes,
    custom_pairs,
    first_usable,
    get_path,
    is_order_completed,
    is_usable,
    mapped_profile,
    overrides,
    page_name_value,
    user_id_only,
)
from ._types import JSON, JSONArray, JSONObject, JSValue

__all__ = [
    "Plan",
    "plan",
    "PlanSettings",
    "KINDS",
    "PAGE_PREFIXES",
    "ANONYMOUS_ERROR",
    "ANONYMOUS_PROFILE_ERROR",
    "NOT_AN_OBJECT",
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
# The event a page or screen call becomes, alone or followed by ": <name>" (RudderStack's
# CleverTapPage.json and CleverTapScreen.json).
PAGE_PREFIXES: Final = {"page": "Web Page Viewed", "screen": "Screen Viewed"}

# RudderStack's words (its cloud transformer's errors), kept in both modes.
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
    or ``Web Page Viewed: Home`` (``page`` is then true).

    ``data`` is what the record carries: an event's properties as given; Charged's data
    (``charged``: Charged ID, Amount, Items, then the other properties; MISSING when the properties
    are not an object); for identify, the mapped profile fields, raw, keyed by CleverTap's names, with
    ``custom`` the custom attributes in order (a dotted key is a path, set with
    :func:`~bridge.core.custom_attributes`) and ``overrides`` the overrideFields; for alias, the root
    ``userId`` and ``previousId`` as given. ``sources`` names the trait each identify value came from
    (``{"DOB": "birthday"}``), for messages about it.

    ``user_id`` is the user id without the anonymousId fallback, ``anonymous_id`` the root anonymousId,
    ``ts`` the record's time as given. ``login`` is true when an identify names its user (a user id, an
    email, or a trait named Identity): device mode logs that user in, and an identify that names no one
    is sent only with track_anonymous there (:data:`MODE_DIFFERENCES` "identity"). ``warnings`` say
    what the plan left out, in words for the page author; each mode reports them as it reports its own.
    """

    kind: Literal["identify", "alias", "event"]
    name: JSValue = MISSING
    charged: bool = False
    page: bool = False
    data: JSValue = MISSING
    custom: tuple[tuple[str, JSON], ...] = ()
    overrides: JSONObject | Missing = MISSING
    user_id: JSValue = MISSING
    anonymous_id: JSValue = MISSING
    ts: JSValue = MISSING
    login: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def user_or_anonymous_id(self) -> JSValue:
        """The generic userId map (RudderStack's GenericFieldMapping.json): the user id, else a usable
        anonymousId; MISSING when there is neither."""
        if self.user_id is not MISSING:
            return self.user_id
        return self.anonymous_id if is_usable(self.anonymous_id) else MISSING


class PlanSettings(Protocol):
    """What the planner reads of the settings: :class:`~bridge.core.Settings` (device mode) and
    :class:`~bridge.core.CloudConfig` (cloud mode) both have it."""

    @property
    def track_anonymous(self) -> bool: ...


# The words of device mode's one refusal of an identify (cloud mode always sends one, identified
# by anonymousId: MODE_DIFFERENCES "identity").
ANONYMOUS_PROFILE_ERROR: Final = "identify: no userId and no email, and track_anonymous is off: the anonymous profile is not sent"
# The events' properties must be an object to be event data.
NOT_AN_OBJECT: Final = "left out: event properties must be an object"


def plan(message: Mapping[str, object], kind: str, settings: PlanSettings, mode: Literal["device", "cloud"] = "device") -> Plan:
    """The plan for ``message`` of type ``kind`` (one of :data:`KINDS`, lower case) under ``settings``,
    for device mode or cloud mode (``mode`` changes only what :data:`MODE_DIFFERENCES` names).

    Raises :class:`EventError` with RudderStack's words when the message is not sent: an anonymous
    event without track_anonymous, a track without an event name, properties that are present but
    empty; in device mode, an identify that names no user without track_anonymous.
    """
    user_id = user_id_only(message)
    anonymous_id = get_path(message, "anonymousId")
    if kind == "identify":
        planned = _identify(message, user_id, anonymous_id)
        if mode == "device" and not planned.login and not settings.track_anonymous:
            raise EventError(ANONYMOUS_PROFILE_ERROR)
        return planned
    if kind == "alias":
        # The root userId and previousId only, as given.
        given: JSONObject = {}
        for key in ("userId", "previousId"):
            value = get_path(message, key)
            if not isinstance(value, Missing):
                given[key] = value
        return Plan("alias", data=given, ts=_traits_ts(message), user_id=user_id, anonymous_id=anonymous_id)
    if not settings.track_anonymous and not js_truthy(user_id):
        raise EventError(ANONYMOUS_ERROR)
    properties = get_path(message, "properties")
    ts = get_path(message, "properties.ts")
    if is_order_completed(get_path(message, "event")):  # track, page and screen alike
        data, warnings = _charged(properties)
        return Plan("event", CHARGED.name, charged=True, data=data, warnings=warnings, user_id=user_id, anonymous_id=anonymous_id, ts=ts)
    if kind == "track":
        name = get_path(message, "event")
        if not is_usable(name):
            raise EventError(MISSING_EVENT_ERROR)
    else:
        value = page_name_value(message)
        name = PAGE_PREFIXES[kind] if value is MISSING else f"{PAGE_PREFIXES[kind]}: {js_string(value)}"
    if properties is not MISSING and properties is not None and not is_usable(properties):
        raise EventError(MISSING_PROPERTIES_ERROR)  # properties "" (null and undefined mean none)
    return Plan("event", name, page=kind != "track", data=properties, user_id=user_id, anonymous_id=anonymous_id, ts=ts)


def _charged(properties: JSValue) -> tuple[JSValue, tuple[str, ...]]:
    """Charged's data, and what of the properties it leaves out."""
    if properties is MISSING or properties is None:
        return MISSING, ()
    if not isinstance(properties, dict):
        return MISSING, (f"properties: {show(properties)} {NOT_AN_OBJECT}",)
    warnings = [
        f"properties.{source}: {show(properties[source])} left out: {dest} is not sent empty"
        for dest, source in CHARGED.fields
        if source in properties and not is_usable(properties[source])
    ]
    warnings += [
        f"properties.{key}: {show(properties[key])} left out: Charged does not carry {key} as event data"
        for key in sorted(CHARGED.not_data)
        if key in properties
    ]
    return charged_event_data(properties), tuple(warnings)


def _identify(message: Mapping[str, object], user_id: JSValue, anonymous_id: JSValue) -> Plan:
    data = mapped_profile(message)
    custom = custom_pairs(message)
    override = overrides(message)
    warnings: list[str] = []
    if "Name" not in data:
        for paths in (FIRST_NAME, LAST_NAME):
            part = first_usable(message, paths)
            if part is not MISSING:
                warnings.append(f"{_source(message, paths)}: {show(part)} left out: Name is built only from both a first and a last name")
    sources = {row.dest: _source(message, row.sources) for row in PROFILE_FIELDS if row.dest in data}
    sources["Identity"] = _source(message, USER_ID_ONLY)
    # Who the profile is: the user id, or a trait or override named Identity or (truthy) Email,
    # which win over the mapped values as they do on the wire.
    # (Only the pairs that can set those keys, copied: set_path writes into nested values.)
    named = custom_attributes((key, copy.deepcopy(value)) for key, value in custom if key.startswith(_WHO) or "\\" in key)
    if isinstance(override, dict):
        named.update(override)
    identity = named.get("Identity", MISSING)
    login = (
        user_id is not MISSING
        or (identity is not MISSING and identity is not None)
        or js_truthy(named.get("Email", data.get("Email", MISSING)))
    )
    return Plan(
        "identify",
        data=data,
        custom=custom,
        overrides=override,
        user_id=user_id,
        anonymous_id=anonymous_id,
        ts=_traits_ts(message),
        login=login,
        sources=sources,
        warnings=tuple(warnings),
    )


_WHO: Final = ("Identity", "Email")


def _source(message: Mapping[str, object], paths: tuple[str, ...]) -> str:
    # Messages name the trait a value came from (birthday), not only CleverTap's key (DOB).
    for path in paths:
        if is_usable(get_path(message, path)):
            return path.rsplit(".", 1)[-1]
    return ""


def _traits_ts(message: Mapping[str, object]) -> JSValue:
    # traits.ts || context.traits.ts
    ts = get_path(message, "traits.ts")
    return ts if js_truthy(ts) else get_path(message, "context.traits.ts")


def read_products(value: object) -> JSONArray:
    """Charged's Items as the list it is, by the reference's rule in both modes: JSON text
    is read with JSON.parse (:class:`~bridge.errors.JsSyntaxError` when it is not JSON, e.g.
    ``'[{"a": NaN}]'``), and the list must start with an object (null counts: typeof null is
    "object"). Raises :class:`EventError` (:data:`PRODUCTS_ERROR`) otherwise."""
    if isinstance(value, str):
        value = js_json_parse(value)
    if not isinstance(value, list) or js_typeof(value[0] if value else MISSING) != "object":
        raise EventError(PRODUCTS_ERROR)
    return value


def integration_options(integrations: object, cloud: bool = False) -> JSValue:
    """This destination's entry in an ``integrations`` object: the first of :data:`INTEGRATION_KEYS`
    that holds an object (device mode), or the first truthy one in the transformer's order (cloud
    mode); MISSING when there is none."""
    if not isinstance(integrations, Mapping):
        return MISSING
    if cloud:
        for key in _CLOUD_INTEGRATION_ORDER:
            found = get_path(integrations, key)
            if js_truthy(found):
                return found
        return MISSING
    for key in INTEGRATION_KEYS:
        found = get_path(integrations, key)
        if isinstance(found, dict):
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
        "ts from properties.ts or traits.ts, converted to seconds",
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
    "event properties that are not an object": (
        "left out with a warning: the SDK takes event data as an object only",
        "rebuilt as an object keyed by index ([1] is sent as {\"0\": 1}), as the transformer's Object.keys does",
        "each mode sends what its reader takes: the Web SDK drops the whole call, the REST API takes the object",
    ),
    "integration key order": (
        "CleverTap, CLEVERTAP, Clevertap, clevertap: the first object wins (privacy load options)",
        "clevertap, Clevertap, CleverTap, CLEVERTAP: the first truthy wins (deviceTokenType, chromeKeys)",
        "each mode follows the reader it replaces: RudderStack's browser integration, the cloud transformer",
    ),
    "device tokens": (
        "never sent: the Web SDK registers its own push subscription",
        "a token record for Android and Apple devices with enableObjectIdMapping",
        "only a server sees the mobile app's token in the message",
    ),
    "error wording": (
        "names the field and what to do (type: missing, ...)",
        "the reference's exact words and status (Message Type is not present. Aborting message.)",
        "RudderStack's callers match on the reference's messages; a page author needs the field",
    ),
}
