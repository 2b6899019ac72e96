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

__all__ = ["Settings", "load_settings", "REGIONS", "DEFAULT_SDK_URL", "settings_table"]

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


def _check_account_id(key: str, value: Any) -> str | None:
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


def _check_optional_text(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingsError(f"{key}: {value!r} is not a string")
    return str(value)


def _check_region(key: str, value: Any) -> str:
    if value is None or value == "":
        return "none"
    if not isinstance(value, str) or value not in REGIONS:
        raise SettingsError(f"{key}: {value!r} is not one of {', '.join(REGIONS)}")
    return value


def _check_bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingsError(f"{key}: {value!r} is not a boolean (true or false)")
    return value


def _check_url(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _URL.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not an http:// or https:// URL")
    return value


def _check_optional_base_url(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    url = _check_url(key, value)
    return url if url.endswith("/") else url + "/"


def _check_optional_host(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _HOSTNAME.fullmatch(value):
        raise SettingsError(f"{key}: {value!r} is not a domain name such as 'analytics.example.com'")
    return value.lower()


@dataclasses.dataclass(frozen=True)
class Settings:
    """One site's CleverTap settings. Build it with :meth:`from_config` or :func:`load_settings`."""

    account_id: str | None = _field(
        None, "accountId", "a CleverTap project ID", "CleverTap project ID (required)", check=_check_account_id
    )
    passcode: str | None = _field(
        None, "passcode", "a string", "cloud mode only; never written into a browser file", check=_check_optional_text
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

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check: Callable[[str, Any], Any] = f.metadata["check"]
            object.__setattr__(self, f.name, check(f.name, getattr(self, f.name)))

    @classmethod
    def from_config(cls, config: Mapping[str, Any], require_account: bool = True) -> Settings:
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
        values: dict[str, Any] = {}
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

    def merged(self, config: Mapping[str, Any]) -> Settings:
        """These settings with the keys ``config`` carries taken from it (the RudderStack config wins).

        Keys that are not settings are ignored: RudderStack's destination config grows new keys, and
        one of them must not stop every event. A bad value of a known key still raises.
        """
        known = {key: value for key, value in config.items() if _canonical(key)}
        theirs = Settings.from_config(known, require_account=False)
        given = {_canonical(key) for key in known}
        return dataclasses.replace(self, **{name: getattr(theirs, name) for name in given if name})

    def to_config(self, include_passcode: bool = False) -> dict[str, Any]:
        """The settings as a plain dict with our names; the passcode only when asked for."""
        out = dataclasses.asdict(self)
        if not include_passcode:
            out.pop("passcode")
        return out


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


def settings_table() -> str:
    """The Markdown table of settings for the README, made from the declaration."""
    rows = ["| setting | dashboard name | default | allowed | meaning |", "|---|---|---|---|---|"]
    for f in dataclasses.fields(Settings):
        default = "required" if f.name == "account_id" else ("none" if f.default is None else repr(f.default).lower() if isinstance(f.default, bool) else f"`{f.default}`")
        alias = f"`{f.metadata['alias']}`" if f.metadata["alias"] else ""
        rows.append(f"| `{f.name}` | {alias} | {default} | {f.metadata['allowed']} | {f.metadata['description']} |")
    return "\n".join(rows) + "\n"
