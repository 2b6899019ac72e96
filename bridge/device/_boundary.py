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
    {"id": 4, "kind": "start", "settings": {...}, "config": {...}}
        -> {"id": 4, "start": {"account": "...", "region": "in1", "targetDomain": null, "sdkUrl": "..."}}
           (or {"id": 4, "error": "SettingsError: region: 'eu1' ..."}: the SDK is then not started)

    {"kind": "batch", "settings": {...}, "config": {...}, "requests": [{"id": 1, "kind": "event", "message": {...}}, ...]}
        -> {"answers": [{"id": 1, "calls": [...], "warnings": [...]}, {"id": 2, "error": "EventError: ..."}, ...]}

A batch carries many requests in one round trip; each is answered as :func:`handle` would answer it
alone (one answer per request, in order), inheriting the batch's ``settings`` and ``config`` unless it
has its own, so a bad request never affects the others. A batch is answered in ASCII JSON (``\\u``
escapes), so that no text (not even a lone surrogate) can stop the answer from crossing into JavaScript.

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
from ._emit import init_calls, privacy_calls, start_values, translate

__all__ = ["handle", "handle_batch", "KINDS"]


# Within one batch the requests share the batch's settings and config objects: read them once.
# (The objects live as long as the batch, so their ids cannot be reused meanwhile.)
_SETTINGS_MEMO: dict[tuple[int, int], Settings] = {}
_IN_BATCH: list[bool] = []


def _settings(request: dict[str, Any]) -> Settings:
    if not _IN_BATCH:
        return _read_settings(request)
    key = (id(request.get("settings")), id(request.get("config")))
    if key not in _SETTINGS_MEMO:
        _SETTINGS_MEMO[key] = _read_settings(request)  # raises for bad settings: nothing is memoised then
    return _SETTINGS_MEMO[key]


def _read_settings(request: dict[str, Any]) -> Settings:
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


def _start(request: dict[str, Any]) -> dict[str, Any]:
    # The SDK's start-up values when the destination config differs from the file settings: checked
    # once here, so that a config Python refuses never half-starts the SDK.
    values = start_values(_settings(request))
    values.pop("calls")  # the privacy calls were pushed already, before the account (privacy_table)
    return {"start": values}


KINDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "event": _event,
    "init": _init,
    "privacy": _privacy,
    "start": _start,
}


def _dump(answer: dict[str, Any], ensure_ascii: bool = False) -> str:
    # allow_nan=False: JSON.parse on the other side rejects NaN and Infinity.
    return json.dumps(answer, ensure_ascii=ensure_ascii, allow_nan=False, separators=(",", ":"))


def handle(request_json: str) -> str:
    """Answer one request (a JSON string) with a JSON string; never raises.

    >>> handle('{"id": 7, "kind": "privacy", "options": {"optOut": true}}')
    '{"id":7,"calls":[["privacy",{"optOut":true}]],"warnings":[]}'
    >>> handle('not json')
    '{"id":null,"error":"BadRequest: not JSON: Expecting value: line 1 column 1 (char 0)"}'
    """
    try:
        request = json.loads(request_json)
    except (TypeError, ValueError) as exc:
        return _dump({"id": None, "error": f"BadRequest: not JSON: {exc}"})
    except RecursionError:
        return _dump({"id": None, "error": "BadRequest: not JSON: nested too deeply"})
    if isinstance(request, dict) and request.get("kind") == "batch":
        return _batch(request)
    answer = _answer(request)
    try:
        return _dump(answer)
    except ValueError as exc:  # something in it JSON cannot carry (an id NaN)
        return _dump({"id": None, "error": answer.get("error") or f"InternalError: ValueError: {exc}"})


def handle_batch(requests: list[Any], settings: Any = None, config: Any = None) -> list[dict[str, Any]]:
    """The answers :func:`handle` gives for ``{"kind": "batch", ...}``, as Python objects (for tests and servers).

    >>> [a.get("calls") or a["error"] for a in handle_batch([{"id": 1, "kind": "privacy", "options": {"useIP": True}}, 7])]
    [[['privacy', {'useIP': True}]], 'BadRequest: a request is a JSON object, not int']
    """
    batch: dict[str, Any] = {"kind": "batch", "requests": requests}
    if settings is not None:
        batch["settings"] = settings
    if config is not None:
        batch["config"] = config
    parsed: list[dict[str, Any]] = json.loads(_batch(batch))["answers"]
    return parsed


def _batch(batch: dict[str, Any]) -> str:
    requests = batch.get("requests")
    if not isinstance(requests, list):
        return _dump({"id": batch.get("id") if _plain_id(batch.get("id")) else None,
                      "error": f"BadRequest: requests: {_short(requests)} is not a list"}, ensure_ascii=True)
    shared = {key: batch[key] for key in ("settings", "config") if key in batch}
    answers = []
    _SETTINGS_MEMO.clear()
    _IN_BATCH.append(True)
    try:
        for request in requests:
            if isinstance(request, dict) and request.get("kind") != "batch":
                request = {**shared, **request}
            elif isinstance(request, dict):
                request = {"id": request.get("id"), "kind": "a nested batch"}
            answer = _answer(request)
            try:
                answers.append(_dump(answer, ensure_ascii=True))
            except ValueError as exc:  # something in it JSON cannot carry (NaN): this answer alone is an error
                error = answer.get("error") or f"InternalError: ValueError: {exc}"
                answers.append(_dump({"id": None, "error": error}, ensure_ascii=True))
    finally:
        _IN_BATCH.pop()
        _SETTINGS_MEMO.clear()
    # Each answer is written alone: one that cannot be written cannot spoil the others.
    return '{"answers":[' + ",".join(answers) + "]}"


def _plain_id(value: Any) -> bool:
    return value is None or isinstance(value, (str, int)) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _answer(request: Any) -> dict[str, Any]:
    """One request's answer, as an object; never raises."""
    request_id: Any = None
    try:
        if not isinstance(request, dict):
            raise BadRequest(f"a request is a JSON object, not {type(request).__name__}")
        request_id = request.get("id")
        kind = request.get("kind")
        run = KINDS.get(kind) if isinstance(kind, str) else None
        if run is None:
            raise BadRequest(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
        return {"id": request_id, **run(request)}
    except UnsupportedMessage as exc:
        return {"id": request_id, "error": f"EventError: {exc}", "debug": True}
    except BridgeError as exc:
        # The family's name: the browser side needs to know who must act, not the subclass.
        error = f"{'EventError' if isinstance(exc, EventError) else type(exc).__name__}: {exc}"
    except Exception as exc:  # a bug in the rules must not stop the browser's queue: report it by name
        error = f"InternalError: {type(exc).__name__}: {exc}"
    try:
        _dump({"id": request_id})
    except ValueError:  # an id that cannot be written back (NaN): answer without it
        request_id = None
    return {"id": request_id, "error": error}
