"""The core both modes share: settings, JavaScript value semantics and the mapping rules.

    _settings   Settings, declared once (dashboard aliases, checks, README table)
    _jsvalue    how JavaScript reads values (truthiness, String(), Number(), JSON.stringify)
    _jsonparse  JSON.parse as V8 does it (products given as JSON text, in both modes)
    _rules      lookups, identity, the profile-field table, custom attributes, Charged

Standard library only, nothing of the browser, of HTTP or of Jinja2: it runs in Pyodide as on the
server. Device mode (:mod:`bridge.device`) and cloud mode (:mod:`bridge.cloud`) build on it and on
nothing of each other.
"""

from __future__ import annotations

from ._jsonparse import js_json_parse
from ._jsvalue import (
    JS_WHITESPACE,
    MISSING,
    Missing,
    js_json,
    js_number,
    js_number_text,
    js_string,
    js_truthy,
    js_typeof,
)
from ._plan import (
    ANONYMOUS_ERROR,
    INTEGRATION_KEYS,
    KINDS,
    MISSING_EVENT_ERROR,
    MISSING_PROPERTIES_ERROR,
    MODE_DIFFERENCES,
    PAGE_PREFIXES,
    PRODUCTS_ERROR,
    Plan,
    integration_options,
    plan,
    read_products,
)
from ._rules import (
    CHARGED_FIELDS,
    CUSTOM_ATTRIBUTE_EXCLUSIONS,
    EMAIL_ONLY,
    FIRST_NAME,
    LAST_NAME,
    PROFILE_FIELDS,
    STRINGIFY_EXEMPT,
    USER_ID,
    USER_ID_ONLY,
    ProfileField,
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
    set_path,
    user_id,
    user_id_only,
)
from ._settings import DEFAULT_SDK_URL, REGIONS, Settings, load_settings, settings_table

__all__ = [
    # settings
    "Settings",
    "load_settings",
    "settings_table",
    "REGIONS",
    "DEFAULT_SDK_URL",
    # JavaScript values
    "MISSING",
    "Missing",
    "JS_WHITESPACE",
    "js_truthy",
    "js_json",
    "js_string",
    "js_number",
    "js_number_text",
    "js_typeof",
    "js_json_parse",
    # the rules
    "get_path",
    "is_usable",
    "first_usable",
    "USER_ID",
    "USER_ID_ONLY",
    "EMAIL_ONLY",
    "FIRST_NAME",
    "LAST_NAME",
    "user_id",
    "user_id_only",
    "ProfileField",
    "PROFILE_FIELDS",
    "CUSTOM_ATTRIBUTE_EXCLUSIONS",
    "mapped_profile",
    "custom_attributes",
    "custom_pairs",
    "set_path",
    "overrides",
    "is_order_completed",
    "CHARGED_FIELDS",
    "charged_event_data",
    "page_name_value",
    "STRINGIFY_EXEMPT",
    # the planner
    "Plan",
    "plan",
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
