"""Device mode: a message becomes the calls to make on the CleverTap Web SDK, in the browser.

    translate(message, settings) -> Translation(calls=[["event", "Charged", {...}]], warnings=[...])

    _emit       the calls for a message (translate, map_event, init_calls, privacy_calls)
    _forms      what the Web SDK accepts: characters, lengths, profile forms (Gender, DOB, ...)
    _limits     how much nesting the Web SDK takes in event data
    _boundary   the worker's JSON-in, JSON-out entry point (imported as ``bridge.boundary``)

It builds on :mod:`bridge.core` only: importing it loads nothing of cloud mode, and the browser
wheel holds the core and this package alone.
"""

from __future__ import annotations

from ._emit import (
    INTEGRATION_KEYS,
    QUEUES,
    WEB_PUSH_QUEUE,
    Translation,
    init_calls,
    map_event,
    privacy_calls,
    start_values,
    translate,
    web_push_calls,
)

__all__ = [
    "Translation",
    "translate",
    "map_event",
    "init_calls",
    "privacy_calls",
    "web_push_calls",
    "start_values",
    "QUEUES",
    "INTEGRATION_KEYS",
    "WEB_PUSH_QUEUE",
]
