"""The worker boundary: one JSON string in, one JSON string out.

The browser worker (Pyodide) calls :func:`handle` for every request; nothing but plain JSON text
crosses the boundary, so there are no PyProxy objects to destroy and nothing received is evaluated.

Requests (``id`` is echoed back verbatim; any JSON value):

    {"id": 1, "kind": "event", "message": {...}, "settings": {...}, "config": {...}}
        -> {"id": 1, "calls": [["event", "Charged", {...}], ...], "warnings": ["..."]}
    {"id": 2, "kind": "init", "settings": {...}, "options": {"CleverTap": {"optOut": true}}}
        -> {"id": 2, "calls": [["privacy", {"optOut": true}], ["privacy", {"useIP": false}]], "warnings": []}
    {"id": 3, "kind": "privacy", "options": {"optOut": true}}
        -> {"id": 3, "calls": [["privacy", {"optOut": true}]], "warnings": []}

``settings`` are the bundle's file settings (never the passcode); ``config`` is the RudderStack
destination config, which wins for the keys it carries. Any failure is an answer, never an
exception: ``{"id": 1, "error": "EventError: ..."}``. A type the destination does not send (group)
adds ``"debug": true``: the browser reports it on a debug line rather than as a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..core import Settings
from ..errors import BadRequest, BridgeError, EventError, UnsupportedMessage
from ._emit import init_calls, privacy_calls, translate

__all__ = ["handle", "KINDS"]


def _settings(request: dict[str, Any]) -> Settings:
    file_settings = request.get("settings", {})
    if file_settings is None:
        file_settings = {}
    if not isinstance(file_settings, dict):
        raise BadRequest(f"settings: {file_settings!r} is not an object")
    settings = Settings.from_config(file_settings, require_account=False)
    config = request.get("config")
    if config is None:
        return settings
    if not isinstance(config, dict):
        raise BadRequest(f"config: {config!r} is not an object")
    return settings.merged(config)


def _event(request: dict[str, Any]) -> dict[str, Any]:
    message = request.get("message")
    if not isinstance(message, dict):
        raise BadRequest(f"message: {message!r} is not an object")
    translation = translate(message, _settings(request))
    return {"calls": translation.calls, "warnings": list(translation.warnings)}


def _options(request: dict[str, Any]) -> dict[str, Any] | None:
    options = request.get("options")
    if options is not None and not isinstance(options, dict):
        raise BadRequest(f"options: {options!r} is not an object")
    return options


def _init(request: dict[str, Any]) -> dict[str, Any]:
    return {"calls": init_calls(_settings(request), _options(request)), "warnings": []}


def _privacy(request: dict[str, Any]) -> dict[str, Any]:
    return {"calls": privacy_calls(_options(request) or {}), "warnings": []}


KINDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "event": _event,
    "init": _init,
    "privacy": _privacy,
}


def _dump(answer: dict[str, Any]) -> str:
    # allow_nan=False: JSON.parse on the other side rejects NaN and Infinity.
    return json.dumps(answer, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def handle(request_json: str) -> str:
    """Answer one request (a JSON string) with a JSON string; never raises.

    >>> handle('{"id": 7, "kind": "privacy", "options": {"optOut": true}}')
    '{"id":7,"calls":[["privacy",{"optOut":true}]],"warnings":[]}'
    >>> handle('not json')
    '{"id":null,"error":"BadRequest: not JSON: Expecting value: line 1 column 1 (char 0)"}'
    """
    request_id: Any = None
    try:
        try:
            request = json.loads(request_json)
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"not JSON: {exc}") from None
        if not isinstance(request, dict):
            raise BadRequest(f"a request is a JSON object, not {type(request).__name__}")
        request_id = request.get("id")
        kind = request.get("kind")
        run = KINDS.get(kind) if isinstance(kind, str) else None
        if run is None:
            raise BadRequest(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
        answer = {"id": request_id, **run(request)}
        return _dump(answer)
    except UnsupportedMessage as exc:
        return _dump({"id": request_id, "error": f"EventError: {exc}", "debug": True})
    except BridgeError as exc:
        # The family's name: the browser side needs to know who must act, not the subclass.
        error = f"{'EventError' if isinstance(exc, EventError) else type(exc).__name__}: {exc}"
    except Exception as exc:  # a bug in the rules must not stop the browser's queue: report it by name
        error = f"InternalError: {type(exc).__name__}: {exc}"
    try:
        return _dump({"id": request_id, "error": error})
    except ValueError:  # an id that cannot be written back (NaN): answer without it
        return _dump({"id": None, "error": error})
