"""Settings: declared once, loaded from a TOML file or from a RudderStack destination config.

Each setting is a field of the frozen dataclass :class:`Settings`; its metadata holds the
RudderStack dashboard name, the allowed values and a one-line description. TOML loading, the
dashboard aliases, the checks and the README table all read that one declaration.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import SettingsError
from ._jsvalue import MISSING, js_truthy

__all__ = ["Settings", "CloudConfig", "WebPush", "load_settings", "REGIONS", "DEFAULT_SDK_URL", "DEFAULT_SERVICE_WORKER_PATH", "settings_table"]

REGIONS = ("none", "in1", "sg1", "us1", "sk1", "aps3", "mec1")
DEFAULT_SDK_URL = "https://d2r1yp2w7bby2u.cloudfront.net/js/clevertap.min.js"

# Keys a RudderStack destination config carries that this project does not use: accepted and
# ignored, so that the dashboard's config can be handed over verbatim.
IGNORED_DASHBOARD_KEYS = frozenset(
    {
        "accountToken",
        "eventFilteringOption",
        "whitelistedEvents",
        "blacklistedEvents",
        "consentManagement",
        "oneTrustCookieCategories",
        "ketchConsentPurposes",
        "useNativeSDK",
        "useNativeSDKToSend",
        "connectionMode",
        "eventDelivery",
        "eventDeliveryTS",
    }
)

# CleverTap project ids look like "W9R-486-4W5Z"; test projects use words ("TEST-ACC-123").
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
_URL = re.compile(r"https?://[^\s\"'<>\\`]+")


def _field(default: Any, alias: str | None, allowed: str, description: str, **extra: Any) -> Any:
    return dataclasses.field(
        default=default,
        metadata={"alias": alias, "allowed": allowed, "description": description, **extra},
    )


def _check_account_id(key: str, value: object) -> str | None:
    # Presence is checked where an account is needed (from_config, the bundle), not here: the
    # mapping rules never read it, so map_event can take settings without one.
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{key}: {value!r} is not a CleverTap project ID: a non-empty string is required")
    value = value.strip()
    if len(value) > 64 or not _ACCOUNT_ID.fullmatch(value):
        raise SettingsError(
            f"{key}: {value!r} is not a CleverTap project ID (letters and digits in groups joined by '-', e.g. 'W9R-486-4W5Z')"
        )
    return str(value)


def _check_optional_text(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{key}: {value!r} is not a string")
    return str(value)


def _check_region(key: str, value: object) -> str:
    if value is None or value == "":
        return "none"
    if not isinstance(value, str) or value not in REGIONS:
        raise SettingsError(f"{key}: {value!r} is not one of {', '.join(REGIONS)}")
    return value


def _check_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{key}: {value!r} is not a boolean (true or false)")
    return value


def _check_url(key: str, value: object) -> str:
    if not isinstance(value, str) or not _URL.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not an http:// or https:// URL")
    return value


def _check_optional_url(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    return _check_url(key, value)


def _check_secret(key: str, value: object) -> str | None:
    # Like _check_optional_text, but the message never repeats the value: it is a credential.
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{key}: a {type(value).__name__} is not a string (value not shown: it is a secret)")
    return str(value)


def _check_optional_base_url(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    url = _check_url(key, value)
    return url if url.endswith("/") else url + "/"


MAX_STORED_BYTES_LIMIT = 4_000_000  # under every browser's localStorage quota (5 MB or 5 M characters)


def _check_stored_bytes(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STORED_BYTES_LIMIT:
        raise SettingsError(f"{key}: {value!r} is not a whole number of bytes from 0 to {MAX_STORED_BYTES_LIMIT}")
    return int(value)


def _check_optional_host(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _HOSTNAME.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not a domain name such as 'analytics.example.com'")
    return value.lower()


# ---- web push: the CleverTap Web SDK's own clevertap.notifications.push options -------------------

DEFAULT_SERVICE_WORKER_PATH = "/clevertap_sw.js"
# A path on the site's own origin (a service worker is always same-origin): no scheme, no "//", no "..".
_SW_PATH = re.compile(r"/(?!/)[A-Za-z0-9._~!$&'()*+,;=:@%/-]*\.js")
# The SDK keeps okButtonColor only when it matches /^#[a-f\d]{6}$/i (else its own orange).
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
# Apple's Website Push ID: reverse-domain, starting with "web." (web.com.example.shop).
_APNS_ID = re.compile(r"web(?:\.[A-Za-z0-9-]+)+")


def _check_optional_nonempty_text(key: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{key}: {value!r} is not a non-empty string")
    return value


def _check_color(key: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not a colour written #rrggbb (six hex digits, e.g. '#f28046')")
    return value


def _check_seconds(key: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"{key}: {value!r} is not a whole number of seconds (0 or more)")
    return value


def _check_sw_path(key: str, value: object) -> str:
    if value is None or value == "":
        return DEFAULT_SERVICE_WORKER_PATH
    if not isinstance(value, str) or not _SW_PATH.fullmatch(value) or "/../" in value + "/" or "/./" in value:
        raise SettingsError(f"{key}: {value!r} is not a path on the site's origin ending in .js, such as '/clevertap_sw.js'")
    return value


def _check_apns_id(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _APNS_ID.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not an Apple Website Push ID such as 'web.com.example.shop'")
    return value


def _check_optional_https_url(key: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.startswith("https://") or not _URL.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not an https:// URL")
    return value


# The four texts of the SDK's soft prompt: it shows that prompt only when all four are given.
PROMPT_TEXTS = ("title_text", "body_text", "ok_button_text", "reject_button_text")


@dataclasses.dataclass(frozen=True)
class WebPush:
    """The ``[web_push]`` table: the options of the one ``clevertap.notifications.push`` call.

    Each key is one of the SDK's own options (``sdk`` in the metadata); unset keys are left out of
    the call, so the SDK's defaults apply.
    """

    enabled: bool = _field(False, None, "true, false", "ask for web push permission and ship the service worker", check=_check_bool)
    title_text: str | None = _field(
        None, None, "a string", "soft prompt title (the four texts: all or none)", check=_check_optional_nonempty_text, sdk="titleText"
    )
    body_text: str | None = _field(None, None, "a string", "soft prompt text", check=_check_optional_nonempty_text, sdk="bodyText")
    ok_button_text: str | None = _field(
        None, None, "a string", "soft prompt accept button", check=_check_optional_nonempty_text, sdk="okButtonText"
    )
    reject_button_text: str | None = _field(
        None, None, "a string", "soft prompt reject button", check=_check_optional_nonempty_text, sdk="rejectButtonText"
    )
    ok_button_color: str | None = _field(
        None, None, "#rrggbb", "accept button colour; none: the SDK's #f28046", check=_check_color, sdk="okButtonColor"
    )
    ask_again_time_in_seconds: int | None = _field(
        None, None, "seconds, 0 or more", "wait before prompting again; none: the SDK's 7 days", check=_check_seconds, sdk="askAgainTimeInSeconds"
    )
    skip_dialog: bool = _field(
        False, None, "true, false", "no soft prompt: go straight to the browser's permission request", check=_check_bool, sdk="skipDialog"
    )
    service_worker_path: str = _field(
        DEFAULT_SERVICE_WORKER_PATH,
        None,
        "a path ending in .js",
        "where the site serves clevertap_sw.js (see docs/device-mode.md, Web push)",
        check=_check_sw_path,
        sdk="serviceWorkerPath",
    )
    apns_web_push_id: str | None = _field(
        None, None, "web.com.example.shop form", "Safari (APNs): the Website Push ID", check=_check_apns_id, sdk="apnsWebPushId"
    )
    apns_web_push_service_url: str | None = _field(
        None, None, "an https URL", "Safari (APNs): the push package service URL", check=_check_optional_https_url, sdk="apnsWebPushServiceUrl"
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check: Callable[[str, object], object] = f.metadata["check"]
            object.__setattr__(self, f.name, check(f"web_push.{f.name}", getattr(self, f.name)))
        given = [name for name in PROMPT_TEXTS if getattr(self, name) is not None]
        if given and len(given) < len(PROMPT_TEXTS):
            missing = ", ".join(f"web_push.{name}" for name in PROMPT_TEXTS if name not in given)
            raise SettingsError(
                f"web_push.{given[0]}: {getattr(self, given[0])!r} is set but {missing} not: the SDK shows its soft prompt"
                " only with all four texts (set none to use the prompt designed in CleverTap's dashboard)"
            )

    @classmethod
    def from_config(cls, config: object, key: str = "web_push") -> WebPush:
        """A ``[web_push]`` table (our names); errors name ``web_push.<key>``."""
        if isinstance(config, WebPush):
            return config
        if config is None:
            return cls()
        if not isinstance(config, Mapping):
            raise SettingsError(f"{key}: {config!r} is not a table of web push settings")
        names = [f.name for f in dataclasses.fields(cls)]
        for name in config:
            if name not in names:
                raise SettingsError(f"{key}.{name}: is not a web push setting; they are {', '.join(names)}")
        return cls(**dict(config))


def _check_web_push(key: str, value: object) -> WebPush:
    return WebPush.from_config(value, key)


@dataclasses.dataclass(frozen=True)
class Settings:
    """One site's CleverTap settings. Build it with :meth:`from_config` or :func:`load_settings`."""

    account_id: str | None = _field(
        None, "accountId", "a CleverTap project ID", "CleverTap project ID (required)", check=_check_account_id
    )
    passcode: str | None = _field(
        None, "passcode", "a string", "cloud mode only; never written into a browser file", check=_check_secret
    )
    region: str = _field(
        "none", "region", ", ".join(REGIONS), "CleverTap region; none means the SDK's default (eu1)", check=_check_region
    )
    track_anonymous: bool = _field(
        False, "trackAnonymous", "true, false", "send track/page/screen for users without a user id", check=_check_bool
    )
    enable_object_id_mapping: bool = _field(
        False,
        "enableObjectIdMapping",
        "true, false",
        "cloud mode: objectId + identity mapping, device tokens",
        check=_check_bool,
    )
    opt_out: bool = _field(
        False, None, "true, false", "privacy default; load options and a runtime call override it", check=_check_bool
    )
    use_ip: bool = _field(
        False, None, "true, false", "privacy default; load options and a runtime call override it", check=_check_bool
    )
    sdk_url: str = _field(
        DEFAULT_SDK_URL, None, "an http(s) URL", "where the CleverTap Web SDK is loaded from", check=_check_url
    )
    pyodide_url: str | None = _field(
        None,
        None,
        "an http(s) URL",
        "CDN folder of the pinned Pyodide version; unset: the copy in the bundle",
        check=_check_optional_base_url,
    )
    target_domain: str | None = _field(
        None, None, "a domain name", "CleverTap's first-party proxy domain, if the site has one", check=_check_optional_host
    )
    max_stored_bytes: int = _field(
        1_000_000,
        None,
        f"0 to {MAX_STORED_BYTES_LIMIT}",
        "bytes of localStorage the browser's queue may use (UTF-16); past it the oldest events are kept in memory only",
        check=_check_stored_bytes,
    )
    # Cloud mode's command line (bridge.cli): another base for the REST API, path prefix kept.
    api_url: str | None = _field(
        None,
        None,
        "an http(s) URL",
        "cloud mode: replaces `https://<region>.api.clevertap.com` (a proxy, a test server)",
        check=_check_optional_url,
    )
    in_app: bool = _field(
        False,
        None,
        "true, false",
        "the site shows CleverTap in-app web messages: the manifest's CSP allows what the SDK renders them with",
        check=_check_bool,
    )
    web_push: WebPush = dataclasses.field(
        default_factory=WebPush,
        metadata={
            "alias": None,
            "allowed": "a table",
            "description": "web push: the `[web_push]` table below",
            "check": _check_web_push,
        },
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check: Callable[[str, object], object] = f.metadata["check"]
            object.__setattr__(self, f.name, check(f.name, getattr(self, f.name)))

    @classmethod
    def from_config(cls, config: Mapping[str, object], require_account: bool = True) -> Settings:
        """Settings from a dict with our names (``account_id``) or the dashboard's (``accountId``).

        A RudderStack destination config can be passed verbatim: the keys it carries that this
        project does not use (``connectionMode``, ``blacklistedEvents``, ...) are ignored.
        Errors name the key as the caller spelled it.
        """
        if isinstance(config, Settings):
            return config
        if not isinstance(config, Mapping):
            raise SettingsError(f"settings: {config!r} is not a table of settings")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        by_alias = {f.metadata["alias"]: f.name for f in fields.values() if f.metadata["alias"]}
        values: dict[str, Any] = {}  # each checked by its field's check
        given_as: dict[str, str] = {}
        for key, value in config.items():
            name = key if key in fields else by_alias.get(key)
            if name is None:
                if key in IGNORED_DASHBOARD_KEYS:
                    continue
                raise SettingsError(f"{key}: is not a setting; the settings are {', '.join(fields)}")
            if name in values and values[name] != value:
                raise SettingsError(
                    f"{key}: {value!r} contradicts {given_as[name]} = {values[name]!r}, the same setting under its other name"
                )
            fields[name].metadata["check"](key, value)  # raises naming the caller's key
            values[name] = value
            given_as[name] = key
        if require_account and values.get("account_id") is None:
            raise SettingsError("account_id: missing: a CleverTap project ID is required (dashboard name accountId)")
        return cls(**values)

    def merged(self, config: Mapping[str, object]) -> Settings:
        """These settings with the keys ``config`` carries taken from it (the RudderStack config wins).

        Keys that are not settings are ignored: RudderStack's destination config grows new keys, and
        one of them must not stop every event. A bad value of a known key still raises.
        """
        known = {key: value for key, value in config.items() if _canonical(key)}
        theirs = Settings.from_config(known, require_account=False)
        given = {_canonical(key) for key in known}
        return dataclasses.replace(self, **{name: getattr(theirs, name) for name in given if name})

    def to_config(self, include_passcode: bool = False) -> dict[str, Any]:
        """The settings as a plain dict with our names; the passcode (and api_url, the command line's
        server address, which no browser needs) only when asked for."""
        out = dataclasses.asdict(self)
        if not include_passcode:
            out.pop("passcode")
            out.pop("api_url")
        return out


def _alias(name: str) -> str:
    alias: str = next(f.metadata["alias"] for f in dataclasses.fields(Settings) if f.name == name)
    return alias


@dataclasses.dataclass(frozen=True)
class CloudConfig:
    """A destination config as RudderStack's cloud transformer reads it, read once per message.

    The keys are the dashboard names :class:`Settings` declares (accountId, passcode, region,
    trackAnonymous, enableObjectIdMapping); the values are taken as given and not checked, as the
    reference takes them (the conformance cases hold cloud mode to that): ``region`` is put in the
    URL verbatim, the two flags are JavaScript-truthy, and an absent accountId or passcode is
    MISSING, which leaves its header out. Only user deletion refuses a config (no account or
    passcode). Build it with :meth:`from_config`, from a raw config or from :class:`Settings`.
    """

    account_id: Any = MISSING
    passcode: Any = MISSING
    region: Any = MISSING
    track_anonymous: bool = False
    enable_object_id_mapping: bool = False

    @classmethod
    def from_config(cls, config: object) -> CloudConfig:
        """From a destination ``Config`` dict (anything else reads as empty), or from Settings."""
        if isinstance(config, CloudConfig):
            return config
        if isinstance(config, Settings):
            return cls(config.account_id, config.passcode, config.region, config.track_anonymous, config.enable_object_id_mapping)
        given: Mapping[str, Any] = config if isinstance(config, dict) else {}

        def raw(name: str) -> Any:
            return given.get(_alias(name), MISSING)

        return cls(
            account_id=raw("account_id"),
            passcode=raw("passcode"),
            region=raw("region"),
            track_anonymous=js_truthy(raw("track_anonymous")),
            enable_object_id_mapping=js_truthy(raw("enable_object_id_mapping")),
        )


def _canonical(key: str) -> str | None:
    for f in dataclasses.fields(Settings):
        if key in (f.name, f.metadata["alias"]):
            return f.name
    return None


def load_settings(path: str | Path) -> Settings:
    """Settings from a TOML file whose top-level keys are the settings (either naming)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SettingsError(f"{path}: no such settings file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Settings.from_config(data)
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from None


def _default_text(f: dataclasses.Field[Any]) -> str:
    if f.name == "account_id":
        return "required"
    if f.default is dataclasses.MISSING:
        return ""
    if f.default is None:
        return "none"
    return repr(f.default).lower() if isinstance(f.default, bool) else f"`{f.default}`"


def settings_table() -> str:
    """The Markdown table of settings for the README, made from the declaration.

    The ``[web_push]`` table's keys follow as ``web_push.<key>`` rows, their dashboard column naming
    the SDK option each one becomes.
    """
    rows = ["| setting | dashboard name | default | allowed | meaning |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(Settings):
        alias = f"`{f.metadata['alias']}`" if f.metadata["alias"] else ""
        rows.append(f"| `{f.name}` | {alias} | {_default_text(f)} | {f.metadata['allowed']} | {f.metadata['description']} |")
        if f.name == "web_push":
            for sub in dataclasses.fields(WebPush):
                sdk = f"(SDK `{sub.metadata['sdk']}`)" if sub.metadata.get("sdk") else ""
                rows.append(
                    f"| `web_push.{sub.name}` | {sdk} | {_default_text(sub)} | {sub.metadata['allowed']} | {sub.metadata['description']} |"
                )
    return "\n".join(rows) + "\n"
