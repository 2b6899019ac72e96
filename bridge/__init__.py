"""clevertap-bridge: RudderStack-style analytics calls mapped to CleverTap by one set of rules.

    bridge.core     settings, JavaScript value semantics, the mapping rules: shared by both modes
    bridge.device   device mode: the CleverTap Web SDK calls for a message (runs in Pyodide)
    bridge.cloud    cloud mode: the REST requests RudderStack's cloud transformer builds, and delivery
    bridge.build    the browser bundle (CPython only: Jinja2)
    bridge.errors   every error class, drawn as a tree

Cloud mode is loaded only when one of its names is first used (``bridge.transform``), so that
``import bridge`` in the browser loads the core and device mode alone.
"""

import importlib as _importlib
import typing as _typing

from .core import Settings, load_settings
from .device import Translation, init_calls, map_event, privacy_calls, translate
from .errors import (
    BridgeError,
    DeliveryError,
    EventError,
    SettingsError,
    UnsupportedMessage,
)

if _typing.TYPE_CHECKING:
    from .cloud import plan_user_deletion, route, transform

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

_CLOUD_NAMES = frozenset({"transform", "route", "plan_user_deletion"})


def __getattr__(name: str) -> _typing.Any:
    # PEP 562: cloud mode's names, imported on first use.
    if name in _CLOUD_NAMES:
        value = getattr(_importlib.import_module(".cloud", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _CLOUD_NAMES)
