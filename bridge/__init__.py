"""clevertap-bridge: RudderStack-style analytics calls mapped to CleverTap by one set of rules.

Device mode (:mod:`bridge.device`) gives the CleverTap Web SDK calls for a message; cloud mode
(:mod:`bridge.cloud`) gives the REST requests RudderStack's cloud transformer builds, and
:mod:`bridge.delivery` sends them. Everything imported here is standard library only, so the package
runs unchanged in Pyodide.

The cloud-mode names are imported on first use (PEP 562), so the browser, which imports only
``bridge.boundary``, never loads the cloud modules and its wheel can leave them out.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from .device import Translation, init_calls, map_event, privacy_calls, translate
from .errors import (
    BridgeError,
    DeliveryError,
    EventError,
    SettingsError,
    UnsupportedMessage,
)
from .settings import Settings, load_settings

if _TYPE_CHECKING:
    from .cloud import plan_user_deletion, route, transform

_CLOUD_NAMES = ("transform", "route", "plan_user_deletion")

__all__ = [
    "BridgeError",
    "DeliveryError",
    "EventError",
    "SettingsError",
    "UnsupportedMessage",
    "Settings",
    "load_settings",
    "Translation",
    "translate",
    "map_event",
    "init_calls",
    "privacy_calls",
    "transform",
    "route",
    "plan_user_deletion",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> _Any:
    if name in _CLOUD_NAMES:
        from . import cloud

        value = getattr(cloud, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_CLOUD_NAMES))
