"""clevertap-bridge: RudderStack-style analytics calls mapped to CleverTap by one set of rules.

Device mode (:mod:`bridge.device`) gives the CleverTap Web SDK calls for a message; cloud mode
(:mod:`bridge.cloud`) gives the REST requests RudderStack's cloud transformer builds, and
:mod:`bridge.delivery` sends them. Everything imported here is standard library only, so the package
runs unchanged in Pyodide.
"""


from .cloud import plan_user_deletion, route, transform
from .device import Translation, init_calls, map_event, privacy_calls, translate
from .errors import (
    BridgeError,
    DeliveryError,
    EventError,
    SettingsError,
    UnsupportedMessage,
)
from .settings import Settings, load_settings

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
