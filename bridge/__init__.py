"""clevertap-bridge: RudderStack-style analytics calls mapped to CleverTap by one set of rules."""

from __future__ import annotations

from .errors import BridgeError, DeliveryError, EventError, SettingsError
from .settings import Settings, load_settings

__all__ = ["BridgeError", "DeliveryError", "EventError", "SettingsError", "Settings", "load_settings"]
__version__ = "0.1.0"
