"""The errors of clevertap-bridge, named for who must act. Every one of them is defined here.

    BridgeError                       raised on purpose by this package
     ├── SettingsError (ValueError)   400  a setting is wrong: whoever configures the bundle or server
     ├── EventError                   400  an event cannot be sent: whoever instruments the page
     │    ├── UnsupportedMessage      400  a type this destination does not send (group): nobody
     │    └── ReferenceCrash          500  cloud mode: the reference transformer itself crashes here
     ├── DeliveryError                4xx/5xx  CleverTap's REST API refused or failed a request
     ├── TransportError                    no HTTP answer at all (refused, DNS, timeout): retried
     ├── BadRequest                        the worker got a malformed request: a bug in the JavaScript
     ├── UsageError                        the command line: a bad argument or setting, found before anything is sent
     │    └── JournalError                 a journal that does not belong to this input (or cannot be read)
     └── BuildError                        the bundle cannot be built from this checkout

    JsSyntaxError (ValueError)        JavaScript's SyntaxError from JSON.parse, worded as V8 words
                                      it; the rules turn it into an EventError, it never escapes

Every message is one line that names what was wrong and where. ``status_code`` is the status
RudderStack reports for the same failure, where there is one.
"""

from __future__ import annotations

__all__ = [
    "BridgeError",
    "SettingsError",
    "EventError",
    "UnsupportedMessage",
    "ReferenceCrash",
    "DeliveryError",
    "TransportError",
    "BadRequest",
    "UsageError",
    "JournalError",
    "BuildError",
    "JsSyntaxError",
]


class BridgeError(Exception):
    """Base class of every error this package raises on purpose."""


class SettingsError(BridgeError, ValueError):
    """A setting has a value that is not allowed; the message names the key, the value and what is allowed.

    ``status_code`` is 400, as RudderStack reports a ConfigurationError.
    """

    status_code = 400


class EventError(BridgeError):
    """A message cannot be sent to CleverTap: the page's instrumentation must change.

    ``status_code`` is the status RudderStack's transformer gives the same failure (400).
    """

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class UnsupportedMessage(EventError):
    """A message of a type the destination does not send (``group``, unknown types).

    It is not sent, like any EventError, but nobody made a mistake: RudderStack hands every
    destination every call. The browser reports it on a debug line, not as a warning.
    """


class ReferenceCrash(EventError):
    """Cloud mode: RudderStack's transformer fails on this message with an uncaught JavaScript
    error (a TypeError, a JSON.parse SyntaxError), which RudderStack reports as a 500 with the
    JavaScript message. Kept for fidelity; the page's data is odd, but the crash is the reference's.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, 500)


class DeliveryError(BridgeError):
    """CleverTap answered a request with a failure.

    ``status_code`` is the status to report (as RudderStack's delivery does) and ``retryable``
    says whether sending the same request again may succeed (5xx and 429).
    """

    def __init__(self, message: str, status_code: int, retryable: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable


class TransportError(BridgeError):
    """No HTTP answer at all (connection refused, DNS, timeout, a dropped connection): worth retrying.

    ``timed_out`` is true when the request was sent and no answer came in time: CleverTap may then
    have processed it, which a caller that must not send twice needs to know.
    """

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


class BadRequest(BridgeError):
    """A worker request is malformed (not the event): a bug in the JavaScript side."""


class UsageError(BridgeError):
    """A bad argument or setting, found before anything is sent: one line, exit status 2."""


class JournalError(UsageError):
    """A ``--journal`` that cannot be used for this run: written for other input, or unreadable.

    Resuming with it would skip lines of the wrong input, so nothing is sent.
    """


class BuildError(BridgeError):
    """The bundle cannot be built from this checkout (a missing file); the message says what to run."""


class JsSyntaxError(ValueError):
    """JavaScript's ``SyntaxError`` from ``JSON.parse``, worded as Node 20 (V8 11) words it."""
