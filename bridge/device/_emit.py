"""Device mode: a RudderStack-shaped message becomes the calls to make on the CleverTap Web SDK.

    translate(message, settings) -> Translation(calls=[["event", "Charged", {...}]], warnings=[...])

Each call is ``[queue, *args]`` for ``window.clevertap[queue].push(*args)``, with queue one of
``event``, ``profile``, ``onUserLogin``, ``privacy``. What a message sends is decided once, for
both modes, by :func:`bridge.core.plan`; this module only puts the plan in the Web SDK's form.
The SDK drops or rewrites what it does not accept, so values are put in its accepted forms here
(``_forms``, ``_limits``): what this returns is what reaches CleverTap, and every change comes with
a warning that names the field and the value. The differences from cloud mode are named in
:data:`bridge.core.MODE_DIFFERENCES`. A message that cannot be sent raises
:class:`~bridge.errors.EventError` saying why.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from ..core import (
    CHARGED,
    INTEGRATION_KEYS,
    KINDS,
    MISSING,
    NOT_AN_OBJECT,
    PRODUCTS_ERROR,
    PROFILE_FIELD,
    STRINGIFY_EXEMPT,
    JSONArray,
    JSONObject,
    Missing,
    Plan,
    Settings,
    custom_attributes,
    integration_options,
    is_usable,
    js_string,
    js_truthy,
    plan,
    read_products,
)
from ..errors import EventError, JsSyntaxError, SettingsError, UnsupportedMessage
from ._forms import (
    MAX_CHARGED_ITEMS,
    PROFILE_UNSENDABLE_KEYS,
    SYSTEM_EVENTS,
    UNSENDABLE_KEYS,
    Warn,
    clean_key,
    flatten_value,
    join,
    sanitize_key,
    sanitize_tree,
    show,
)
from ._limits import limit_nested

__all__ = [
    "Translation",
    "translate",
    "map_event",
    "init_calls",
    "privacy_calls",
    "web_push_calls",
    "start_values",
    "QUEUES",
    "INTEGRATION_KEYS",
    "WEB_PUSH_QUEUE",
]

QUEUES: Final = ("event", "profile", "onUserLogin", "privacy")
PRIVACY_KEYS: Final = ("optOut", "useIP")
NO_NESTING_IN_PROFILES: Final = "CleverTap profiles take no nested values"
NO_NESTING_IN_CHARGED: Final = "Charged takes nested values only in Items, and its items none"


# The calls of one message: JSON arrays, ``[queue, *args]``. Typed loosely (Any) for the callers that
# index into them; what is inside is built as JSON below.
Calls: TypeAlias = "list[list[Any]]"


def read_settings(settings: Settings | Mapping[str, object]) -> Settings:
    """The settings device mode runs with: :class:`Settings` as they are, or a dict with our names or
    the dashboard's read once (no account needed to map a message). Every entry point below reads
    its settings here."""
    return settings if isinstance(settings, Settings) else Settings.from_config(settings, require_account=False)


@dataclass(frozen=True)
class Translation:
    """The Web SDK calls for one message, and what was changed or left out on the way."""

    calls: Calls
    warnings: list[str]


def translate(message: object, settings: Settings | Mapping[str, object]) -> Translation:
    """The calls that send ``message`` through the CleverTap Web SDK (see the module docstring).

    ``settings`` may be a dict with our names or the dashboard's. Raises EventError when the
    message is not sent.
    """
    config = read_settings(settings)
    if not isinstance(message, Mapping):
        raise EventError(f"message: {show(message)} is not an object")
    kind = message.get("type", MISSING)
    if not js_truthy(kind):
        raise EventError(f"type: missing, which is not supported: device mode sends {', '.join(KINDS)}")
    name = js_string(kind).lower()
    if name not in KINDS:
        raise UnsupportedMessage(f"type: {show(kind)} is not supported: device mode sends {', '.join(KINDS)}")
    warnings: list[str] = []
    try:
        # A copy: the shared rules write dotted trait keys into nested objects, as lodash's set
        # does in the reference, and the caller's message must stay as it was.
        planned = plan(copy.deepcopy(message), name, config, mode="device")
        warnings.extend(planned.warnings)
        calls = _EMITTERS[planned.kind](planned, warnings.append)
    except RecursionError:
        raise EventError("message: nested too deeply to be read") from None
    return Translation(calls=calls, warnings=warnings)


def map_event(message: object, settings: Settings | Mapping[str, object]) -> Calls:
    """Only the calls of :func:`translate`."""
    return translate(message, settings).calls


def init_calls(settings: Settings | Mapping[str, object], integration_options: Mapping[str, object] | None) -> Calls:
    """The privacy calls made before the account is set, from the load options' integrations
    object (``{"CleverTap": {"optOut": true, "useIP": false}}``, also under ``CLEVERTAP``,
    ``Clevertap`` or ``clevertap``, the first found wins) over the settings' opt_out and use_ip.
    A value that is not a boolean is ignored and the setting used."""
    config = read_settings(settings)
    options = _load_options(integration_options)
    opt_out = options.get("optOut")
    use_ip = options.get("useIP")
    return [
        ["privacy", {"optOut": opt_out if isinstance(opt_out, bool) else config.opt_out}],
        ["privacy", {"useIP": use_ip if isinstance(use_ip, bool) else config.use_ip}],
    ]


def start_values(
    settings: Settings | Mapping[str, object],
    config: Mapping[str, object] | None = None,
    integration_options: Mapping[str, object] | None = None,
) -> JSONObject:
    """What the integration starts the Web SDK with, from the file settings and the RudderStack
    destination config (which wins, as in :meth:`Settings.merged`), checked once here:

        {"account": "W9R-486-4W5Z", "region": "in1", "targetDomain": None,
         "sdkUrl": "https://...", "calls": [["privacy", {"optOut": False}], ["privacy", {"useIP": False}]]}

    ``region`` is None for the SDK's default; ``calls`` are :func:`init_calls`, made before the
    account is set. Raises :class:`~bridge.errors.SettingsError` when the merged settings are
    refused (``region: "eu1"``) or name no account, so that nothing half-starts the SDK.
    """
    base = read_settings(settings)
    merged = base.merged(config) if config else base
    if merged.account_id is None:
        raise SettingsError("account_id: missing: a CleverTap project ID is required (dashboard name accountId)")
    return {
        "account": merged.account_id,
        "region": None if merged.region == "none" else merged.region,
        "targetDomain": merged.target_domain,
        "sdkUrl": merged.sdk_url,
        "calls": [*init_calls(merged, integration_options)],
    }


# Not one of QUEUES: events never reach it. Its one call is computed at build time (web_push_calls).
WEB_PUSH_QUEUE: Final = "notifications"


def web_push_calls(settings: Settings | Mapping[str, object]) -> Calls:
    """The one ``clevertap.notifications.push({...})`` call of the ``[web_push]`` settings, or none when
    web push is off: ``[["notifications", {"serviceWorkerPath": "/clevertap_sw.js", "skipDialog": False, ...}]]``.

    Only the SDK's own option names (titleText, bodyText, okButtonText, rejectButtonText, okButtonColor,
    askAgainTimeInSeconds, skipDialog, serviceWorkerPath, apnsWebPushId, apnsWebPushServiceUrl), and only
    those set, so the SDK's defaults apply to the rest. The integration pushes it once the SDK is live and
    the site is not opted out."""
    config = read_settings(settings)
    push = config.web_push
    if not push.enabled:
        return []
    options: JSONObject = {}
    for f in dataclasses.fields(push):
        sdk_name = f.metadata.get("sdk")
        value = getattr(push, f.name)
        if sdk_name and value is not None:
            options[sdk_name] = value
    return [[WEB_PUSH_QUEUE, options]]


def privacy_calls(options: object) -> Calls:
    """The calls for a privacy change at run time (a consent banner): one per boolean given,
    ``{"optOut": true}`` -> ``[["privacy", {"optOut": True}]]``; anything else is ignored."""
    if not isinstance(options, Mapping):
        return []
    return [["privacy", {key: options[key]}] for key in PRIVACY_KEYS if isinstance(options.get(key), bool)]


def _load_options(options: Mapping[str, object] | None) -> Mapping[str, object]:
    if not isinstance(options, Mapping):
        return {}
    given: object = options
    if isinstance(options.get("integrations"), Mapping):  # the whole load options were passed
        given = options["integrations"]
    found = integration_options(given)
    return found if isinstance(found, Mapping) else {}


# ---------------------------------------------------------------------------------------------
# identify and alias: profiles


def _identify(planned: Plan, warn: Warn) -> list[JSONArray]:
    extra = custom_attributes(planned.custom)
    if isinstance(planned.overrides, dict):
        extra.update(planned.overrides)
    # A trait or override of a mapped key's very name replaced the mapped value: messages name the key.
    labels = {key: label for key, label in planned.sources.items() if key not in extra}
    site: JSONObject = {}
    identity = planned.user_id
    if not isinstance(identity, Missing):
        site["Identity"] = identity
    if isinstance(planned.data, dict):
        site.update(planned.data)
    site.update(extra)  # a trait named Identity wins, as in {Identity, ...profile}
    site = _profile_site(site, labels, warn)
    if identity is not MISSING and "Identity" in extra and "Identity" not in site:
        # A trait named Identity that could not be sent does not erase the user id.
        site = {**_profile_site({"Identity": identity}, {"Identity": planned.sources["Identity"]}, warn), **site}
    if planned.login and "Identity" not in site and not js_truthy(site.get("Email")):
        raise EventError("identify: the user id and email are empty once the characters the SDK removes are gone: no one to log in")
    if not site:
        raise EventError("identify: no traits left to send: the SDK drops an empty profile")
    return [["onUserLogin" if planned.login else "profile", {"Site": site}]]


def _alias(planned: Plan, warn: Warn) -> list[JSONArray]:
    user_id = planned.data.get("userId", MISSING) if isinstance(planned.data, dict) else MISSING
    if not is_usable(user_id):
        raise EventError("userId: missing: alias sends the new user id (root userId) as Identity")
    site = _profile_site({"Identity": user_id}, {"Identity": "userId"}, warn)
    if not site:
        raise EventError(f"userId: {show(user_id)} is empty once the characters the SDK removes are gone")
    return [["profile", {"Site": site}]]


def _profile_site(site: Mapping[str, object], labels: Mapping[str, str], warn: Warn) -> JSONObject:
    """``Site`` with keys and values as the Web SDK accepts them (isProfileValid, characters)."""
    out: JSONObject = {}
    for raw_key, value in site.items():
        label = labels.get(raw_key) or str(raw_key)
        key = clean_key(raw_key, out, "", value, warn)
        if key is None:
            continue
        if key in PROFILE_UNSENDABLE_KEYS:
            warn(f"{label}: {show(value)} left out: the SDK unpacks a profile key named {key} into other keys")
            continue
        if value is None or value is MISSING or (isinstance(value, float) and not math.isfinite(value)):
            warn(f"{label}: {show(value)} left out: the SDK removes null profile values")
            continue
        if key in STRINGIFY_EXEMPT and isinstance(value, (dict, list)):
            # Subscription groups take an object, as in cloud mode; kept within the SDK's limits.
            kept = limit_nested({key: sanitize_tree(value, label, warn)}, "", warn)
            if key in kept:
                out[key] = kept[key]
            continue
        row = PROFILE_FIELD.get(key)
        form = row.device if row is not None else None  # the table's device form (isProfileValid)
        if form is not None:
            accepted, reason = form(value)
            if isinstance(accepted, Missing):
                warn(f"{label}: {show(value)} left out: {key} {reason}")
                continue
            if accepted != value or type(accepted) is not type(value):
                warn(f"{label}: {show(value)} sent as {show(accepted)}")
            out[key] = accepted
            continue
        value = sanitize_tree(flatten_value(value, label, NO_NESTING_IN_PROFILES, warn), label, warn)
        if key == "Identity" and value == "":
            warn(f"{label}: left out: an empty Identity identifies no one")
            continue
        out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# track, page, screen: events


def _send_event(planned: Plan, warn: Warn) -> list[JSONArray]:
    if planned.charged:
        # The plan left out what Charged does not carry (its warnings say what).
        if not isinstance(planned.data, dict):
            return [["event", CHARGED.name]]
        return [["event", CHARGED.name, _charged_data(planned.data, warn)]]
    # No HTML escaping of page names: the cloud's &amp; comes from its template engine, not from CleverTap.
    return [_event(_event_name(planned.name, warn), planned.data, warn)]


def _event_name(raw: object, warn: Warn) -> str:
    text = raw if isinstance(raw, str) else js_string(raw)
    if text is not raw:
        warn(f"event: {show(raw)} sent as the text {show(text)}")
    name = sanitize_key(text)
    if name != text:
        warn(f"event: {show(text)} sent as {show(name)}")
    if not name:
        raise EventError(f"event: {show(raw)} is empty once the characters the SDK removes (. : $ ' \" \\ and white space at the ends) are gone")
    if name in UNSENDABLE_KEYS:
        # The SDK counts events in an object keyed by name: "__proto__" would write into Object.prototype.
        raise EventError(f"event: {show(name)} is not a name the SDK can count events under")
    if name in SYSTEM_EVENTS:
        raise EventError(f"event: {show(name)} is a CleverTap system event, which the SDK does not send")
    return name


def _properties(properties: object, warn: Warn) -> JSONObject | None:
    if properties is MISSING or properties is None:
        return None
    if not isinstance(properties, Mapping):
        warn(f"properties: {show(properties)} {NOT_AN_OBJECT}")
        return None
    return dict(properties)


def _event(name: str, properties: object, warn: Warn) -> JSONArray:
    data = _properties(properties, warn)
    if name == CHARGED.name:  # the SDK checks a Charged event by its name, whatever sent it
        return ["event", name] if data is None else ["event", name, _charged_data(data, warn)]
    if data is None:
        return ["event", name]
    tree = sanitize_tree(data, "properties", warn)
    assert isinstance(tree, dict)  # an object stays an object
    return ["event", name, limit_nested(tree, "properties", warn)]


def _charged_data(data: Mapping[str, object], warn: Warn) -> JSONObject:
    """isChargedEventStructureValid: Items a list of flat objects, every other value flat."""
    out: JSONObject = {}
    for raw_key, value in data.items():
        key = clean_key(raw_key, out, "properties", value, warn)
        if key is None:
            continue
        where = join("properties", raw_key)
        if key == CHARGED.items:
            out[key] = _items(value, where, warn)
        else:
            out[key] = sanitize_tree(flatten_value(value, where, NO_NESTING_IN_CHARGED, warn), where, warn)
    return out


def _items(value: object, where: str, warn: Warn) -> JSONArray:
    if not js_truthy(value):
        raise EventError(PRODUCTS_ERROR)  # the SDK drops a Charged whose Items is not a list
    try:
        products = read_products(value)  # JSON text read as cloud mode reads it
    except JsSyntaxError as error:
        raise EventError(f"{where}: JSON text that does not parse ({error}): {PRODUCTS_ERROR}") from None
    if products is not value:
        warn(f"{where}: JSON text read as the list it holds")
    value = products
    if not any(isinstance(item, Mapping) for item in value):
        raise EventError(PRODUCTS_ERROR)  # an empty Items: the SDK would send a Charged of nothing
    items: JSONArray = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            warn(f"{at}: {show(item)} left out: each item must be an object, or the SDK drops the whole Charged")
            continue
        entry: JSONObject = {}
        for raw_key, field in item.items():
            key = clean_key(raw_key, entry, at, field, warn)
            if key is not None:
                entry[key] = sanitize_tree(flatten_value(field, join(at, raw_key), NO_NESTING_IN_CHARGED, warn), join(at, key), warn)
        items.append(entry)
    if len(items) > MAX_CHARGED_ITEMS:
        warn(f"{where}: {len(items)} items: the SDK sends them but reports error 522 above {MAX_CHARGED_ITEMS}")
    return items


_EMITTERS: Final[dict[str, Callable[[Plan, Warn], list[JSONArray]]]] = {
    "identify": _identify,
    "alias": _alias,
    "event": _send_event,
}
