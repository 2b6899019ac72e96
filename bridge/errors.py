"""The errors of clevertap-bridge, named for who must act.

    BridgeError
     ├── SettingsError   a setting is wrong: whoever configures the bundle or the server fixes it
     ├── EventError      an event cannot be sent: whoever instruments the page fixes it
     │    └── UnsupportedMessage   a type this destination does not send (group): nothing to fix
     └── DeliveryError   CleverTap's REST API refused or failed a request (cloud mode)

Every message is one line that names what was wrong and where.
"""

from __future__ import annotations

__all__ = ["BridgeError", "SettingsError", "EventError", "UnsupportedMessage", "DeliveryError"]


class BridgeError(Exception):
    """Base class of every error this package raises on purpose."""


class SettingsError(BridgeError, ValueError):
    """A setting has a value that is not allowed; the message names the key, the value and what is allowed.

    ``status_code`` is 400, as RudderStack reports a ConfigurationError.
    """

    status_code = 400


class EventError(BridgeError):
    """A message cannot be sent to CleverTap.

    ``status_code`` is the status RudderStack's transformer gives the same failure (400 for bad
    instrumentation, 500 where the reference fails with an uncaught JavaScript error).
    """

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class UnsupportedMessage(EventError):
    """A message of a type the destination does not send (``group``, unknown types).

    It is not sent, like any EventError, but nobody made a mistake: RudderStack hands every
    destination every call. The browser reports it on a debug line, not as a warning.
    """


class DeliveryError(BridgeError):
    """CleverTap answered a request with a failure.

    ``status_code`` is the status to report (as RudderStack's delivery does) and ``retryable``
    says whether sending the same request again may succeed (5xx and 429).
    """

    def __init__(self, message: str, status_code: int, retryable: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable
