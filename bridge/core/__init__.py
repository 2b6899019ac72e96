"""The core both modes share: settings, JavaScript value semantics and the mapping rules.

    _settings   Settings, declared once (dashboard aliases, checks, README table)
    _fields     the tables: each profile field (sources, cloud form, device form) and Charged, once
    _plan       the planner: a message and the settings -> what is sent, for both modes, and the
                one table of what the two modes still do differently (MODE_DIFFERENCES)
    _rules      the lookups the planner makes: paths, identity, custom attributes, Charged's data
    _sdkforms   what the Web SDK accepts: text rules and the profile forms the table names
    _jsvalue    how JavaScript reads values (truthiness, String(), Number(), JSON.stringify)
    _jsonparse  JSON.parse as V8 does it (products given as JSON text, in both modes)
    _types      the JSON type aliases

Standard library only, nothing of the browser, of HTTP or of Jinja2: it runs in Pyodide as on the
server. Device mode (:mod:`bridge.device`) and cloud mode (:mod:`bridge.cloud`) build on it and on
nothing of each other.
"""

from __future__ import annotations

from ._fields import (
    CHARGED,
    CUSTOM_ATTRIBUTE_EXCLUSIONS,
    EMAIL_ONLY,
    FIRST_NAME,
    LAST_NAME,
    PROFILE_FIELD,
    PROFILE_FIELDS,
    STRINGIFY_EXEMPT,
    USER_ID,
    USER_ID_ONLY,
    Charged,
    ProfileField,
    gender_letter,
)
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
    show,
)
from ._plan import (
    ANONYMOUS_ERROR,
    ANONYMOUS_PROFILE_ERROR,
    INTEGRATION_KEYS,
    KINDS,
    MISSING_EVENT_ERROR,
    MISSING_PROPERTIES_ERROR,
    MODE_DIFFERENCES,
    NOT_AN_OBJECT,
    PAGE_PREFIXES,
    PRODUCTS_ERROR,
    Plan,
    PlanSettings,
    integration_options,
    plan,
    read_products,
)
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
    set_path,
    user_id_only,
)
from ._sdkforms import (
    KEY_CHARS,
    MAX_LENGTH,
    VALUE_CHARS,
    Form,
    age_form,
    dob_form,
    education_form,
    gender_form,
    phone_form,
    sanitize_key,
    sanitize_value,
    utf16_length,
    yes_no_form,
)
from ._settings import DEFAULT_SDK_URL, REGIONS, CloudConfig, Settings, WebPush, load_settings, settings_table
from ._types import JSON, JSONArray, JSONObject, JSValue

__all__ = [
    # settings
    "Settings",
    "WebPush",
    "CloudConfig",
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
    "show",
    "js_json_parse",
    # JSON types
    "JSON",
    "JSONObject",
    "JSONArray",
    "JSValue",
    # the rules
    "get_path",
    "is_usable",
    "first_usable",
    "USER_ID",
    "USER_ID_ONLY",
    "EMAIL_ONLY",
    "FIRST_NAME",
    "LAST_NAME",
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
    "CHARGED",
    "Charged",
    "PROFILE_FIELD",
    "gender_letter",
    "charged_event_data",
    "page_name_value",
    "STRINGIFY_EXEMPT",
    # what the Web SDK accepts (the device forms of the table)
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
    # the planner
    "Plan",
    "PlanSettings",
    "plan",
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
