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

With a ``transformation`` in the settings, each event request's message first goes through the site's
transformation (bridge.transformation; its source is the one file the build put in the wheel), in the
same batch and before the mapping; a request with ``"untransformed": true`` skips it (the page asks this
for an entry whose transformation it had to stop), and ``"echoTransformed": true`` adds the transformed
messages to the answer (``"transformed"``: test-transformation --browser compares them). An event's answer then also carries ``"logs"`` (the
transformation's ``log()`` lines); a filtered event is an error answer with ``"debug": true``; a failed
one is an error (``drop``) or the untransformed event's calls with a warning (``send_untransformed``).
What the transformation raises is always an answer, never an exception. ``progress``, given by the
worker, is called with the JSON list of the request ids about to be transformed, before each call
of the site's code: if that call never returns, the page knows which entries to blame.

``settings`` are the bundle's file settings (never the passcode); ``config`` is the RudderStack
destination config, which wins for the keys it carries. Any failure is an answer, never an
exception: ``{"id": 1, "error": "EventError: ..."}``. A type the destination does not send (group)
adds ``"debug": true``: the browser reports it on a debug line rather than as a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import Settings
from ..errors import BadRequest, BridgeError, EventError, TransformationError, UnsupportedMessage
from ..transformation import SITE_SOURCE, Outcome, Transformation
from ._emit import init_calls, privacy_calls, start_values, translate

__all__ = ["handle", "handle_batch", "transformation_for", "preload", "KINDS"]


class _Shared:
    """What the requests of one batch share: the batch's raw settings and config, read once."""

    def __init__(self, batch: dict[str, Any]) -> None:
        self.raw: dict[str, Any] = {key: batch[key] for key in ("settings", "config") if key in batch}
        self._read: Settings | None = None

    def settings_for(self, request: dict[str, Any]) -> Settings:
        if "settings" in request or "config" in request:  # its own, key by key
            return _read_settings({**self.raw, **{k: request[k] for k in ("settings", "config") if k in request}})
        if self._read is None:
            self._read = _read_settings(self.raw)  # raises for bad settings: nothing is kept then
        return self._read


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


# The site's transformation, compiled once per worker: the wheel holds one source, which never changes.
_LOADED: dict[tuple[str, str, int | None], Transformation] = {}


def _key(settings: Settings) -> tuple[str, str, int | None]:
    return (Path(settings.transformation or "").name, settings.on_transformation_error, settings.transformation_timeout_ms)


def preload(transformation: Transformation, settings: Settings) -> None:
    """Answer for ``settings`` with ``transformation`` rather than the wheel's source: the CPython side of
    ``test-transformation --browser``, which compares these answers with the worker's."""
    _LOADED[_key(settings)] = transformation


def _site_source() -> str:
    """The site's file as the build put it beside the transformation package: through that package's
    loader, which reads a file on disk and a member of the wheel alike (the worker imports the bridge
    straight from the wheel with zipimport, where a plain open() finds nothing)."""
    from .. import transformation

    loader = transformation.__spec__.loader if transformation.__spec__ else None
    get_data = getattr(loader, "get_data", None)
    data = get_data(str(SITE_SOURCE)) if callable(get_data) else SITE_SOURCE.read_bytes()
    return bytes(data).decode("utf-8")


def transformation_for(settings: Settings) -> Transformation | None:
    """The transformation ``settings`` name, from the source the build put in the wheel (or None)."""
    if settings.transformation is None:
        return None
    name = Path(settings.transformation).name
    key = _key(settings)
    if key not in _LOADED:
        try:
            source = _site_source()
        except OSError:
            raise TransformationError(f"{name}: not in this bundle: build it with the settings that name it") from None
        _LOADED[key] = Transformation.from_source(source, name, settings.on_transformation_error, settings.transformation_timeout_ms)
    return _LOADED[key]


Progress = Callable[[str], object]


def _transform_all(requests: list[Any], shared: _Shared, progress: Progress | None) -> dict[int, Outcome]:
    """The transformation's outcome for each event request (by index) whose settings name one."""
    groups: dict[int, tuple[Transformation, list[int]]] = {}
    for index, request in enumerate(requests):
        if not (isinstance(request, dict) and request.get("kind") == "event" and isinstance(request.get("message"), dict)):
            continue
        if request.get("untransformed") is True:
            continue
        try:
            transformation = transformation_for(shared.settings_for(request))
        except BridgeError:
            continue  # the request's own answer says what is wrong
        if transformation is not None:
            groups.setdefault(id(transformation), (transformation, []))[1].append(index)
    outcomes: dict[int, Outcome] = {}
    for transformation, indexes in groups.values():
        calls = [indexes] if transformation.entry == "transformBatch" else [[i] for i in indexes]
        for chunk in calls:
            if progress is not None:
                progress(_dump([_id_of(requests[i]) for i in chunk]))
            results = transformation.run([requests[i]["message"] for i in chunk], "deviceMode")
            outcomes.update(zip(chunk, results, strict=True))
    return outcomes


def _id_of(request: dict[str, Any]) -> Any:
    request_id = request.get("id")
    try:
        _dump(request_id)
    except (TypeError, ValueError):
        return None
    return request_id


def _event(request: dict[str, Any], shared: _Shared, outcome: Outcome | None) -> dict[str, Any]:
    message = request.get("message")
    if not isinstance(message, dict):
        raise BadRequest(f"message: {message!r} is not an object")
    settings = shared.settings_for(request)
    if outcome is None and settings.transformation is not None and request.get("untransformed") is not True:
        transformation_for(settings)  # raises what kept it from running: never map such an event untransformed
        raise BadRequest("the transformation did not run on this event")
    if outcome is None:
        translation = translate(message, settings)
        return {"calls": translation.calls, "warnings": list(translation.warnings)}
    logs: dict[str, Any] = {"logs": outcome.logs} if outcome.logs else {}
    if request.get("echoTransformed") is True:  # test-transformation --browser compares the events too
        logs["transformed"] = outcome.messages
    if outcome.error is not None:
        return {"error": f"EventError: {outcome.warnings[0]}", **logs}
    if not outcome.messages:
        return {"error": f"EventError: {outcome.debug[0]}", "debug": True, **logs}
    calls: list[Any] = []
    warnings = list(outcome.warnings)
    many = len(outcome.messages) > 1
    for number, transformed in enumerate(outcome.messages, 1):
        prefix = f"transformation output {number} of {len(outcome.messages)}: " if many else ""
        try:
            translation = translate(transformed, settings)
        except UnsupportedMessage as exc:
            if not many:
                raise
            warnings.append(f"{prefix}not sent: {exc}")
            continue
        except EventError as exc:
            if not many:
                raise
            warnings.append(f"{prefix}dropped: EventError: {exc}")
            continue
        calls.extend(translation.calls)
        warnings.extend(prefix + warning for warning in translation.warnings)
    return {"calls": calls, "warnings": warnings, **logs}


def _options(request: dict[str, Any]) -> dict[str, Any] | None:
    options = request.get("options")
    if options is not None and not isinstance(options, dict):
        raise BadRequest(f"options: {options!r} is not an object")
    return options


def _init(request: dict[str, Any], shared: _Shared, outcome: Outcome | None) -> dict[str, Any]:
    return {"calls": init_calls(shared.settings_for(request), _options(request)), "warnings": []}


def _privacy(request: dict[str, Any], shared: _Shared, outcome: Outcome | None) -> dict[str, Any]:
    return {"calls": privacy_calls(_options(request) or {}), "warnings": []}


def _start(request: dict[str, Any], shared: _Shared, outcome: Outcome | None) -> dict[str, Any]:
    # The SDK's start-up values when the destination config differs from the file settings: checked
    # once here, so that a config Python refuses never half-starts the SDK.
    values = start_values(shared.settings_for(request))
    values.pop("calls")  # the privacy calls were pushed already, before the account (privacy_table)
    return {"start": values}


KINDS: dict[str, Callable[[dict[str, Any], _Shared, Outcome | None], dict[str, Any]]] = {
    "event": _event,
    "init": _init,
    "privacy": _privacy,
    "start": _start,
}


def _dump(answer: Any, ensure_ascii: bool = False) -> str:
    # allow_nan=False: JSON.parse on the other side rejects NaN and Infinity.
    return json.dumps(answer, ensure_ascii=ensure_ascii, allow_nan=False, separators=(",", ":"))


def handle(request_json: str, progress: Progress | None = None) -> str:
    """Answer one request (a JSON string) with a JSON string; never raises.

    ``progress`` (optional) is called before each call of the site's transformation (see above).

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
        return _batch(request, progress)
    shared = _Shared({})
    answer = _answer(request, shared, _outcome_of([request], shared, progress).get(0))
    try:
        return _dump(answer)
    except ValueError as exc:  # something in it JSON cannot carry (an id NaN)
        return _dump({"id": None, "error": answer.get("error") or f"InternalError: ValueError: {exc}"})


def handle_batch(
    requests: list[Any], settings: Any = None, config: Any = None, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """The answers :func:`handle` gives for ``{"kind": "batch", ...}``, as Python objects (for tests and servers).

    >>> [a.get("calls") or a["error"] for a in handle_batch([{"id": 1, "kind": "privacy", "options": {"useIP": True}}, 7])]
    [[['privacy', {'useIP': True}]], 'BadRequest: a request is a JSON object, not int']
    """
    batch: dict[str, Any] = {"kind": "batch", "requests": requests}
    if settings is not None:
        batch["settings"] = settings
    if config is not None:
        batch["config"] = config
    parsed: list[dict[str, Any]] = json.loads(_batch(batch, progress))["answers"]
    return parsed


def _outcome_of(requests: list[Any], shared: _Shared, progress: Progress | None) -> dict[int, Outcome]:
    try:
        return _transform_all(requests, shared, progress)
    except Exception as exc:  # a bug of the bridge's, not the site's: each event says so, none goes untransformed
        text = f"transformation: InternalError: {type(exc).__name__}: {exc}"
        events = [i for i, r in enumerate(requests) if isinstance(r, dict) and r.get("kind") == "event"]
        return {i: Outcome([], error=text, warnings=[text]) for i in events}


def _batch(batch: dict[str, Any], progress: Progress | None = None) -> str:
    requests = batch.get("requests")
    if not isinstance(requests, list):
        return _dump({"id": batch.get("id") if _plain_id(batch.get("id")) else None,
                      "error": f"BadRequest: requests: {_short(requests)} is not a list"}, ensure_ascii=True)
    shared = _Shared(batch)
    requests = [
        {"id": request.get("id"), "kind": "a nested batch"} if isinstance(request, dict) and request.get("kind") == "batch" else request
        for request in requests
    ]
    outcomes = _outcome_of(requests, shared, progress)
    answers = []
    for index, request in enumerate(requests):
        answer = _answer(request, shared, outcomes.get(index))
        try:
            answers.append(_dump(answer, ensure_ascii=True))
        except ValueError as exc:  # something in it JSON cannot carry (NaN): this answer alone is an error
            error = answer.get("error") or f"InternalError: ValueError: {exc}"
            answers.append(_dump({"id": None, "error": error}, ensure_ascii=True))
    # Each answer is written alone: one that cannot be written cannot spoil the others.
    return '{"answers":[' + ",".join(answers) + "]}"


def _plain_id(value: Any) -> bool:
    return value is None or isinstance(value, (str, int)) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _answer(request: Any, shared: _Shared, outcome: Outcome | None = None) -> dict[str, Any]:
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
        return {"id": request_id, **run(request, shared, outcome)}
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
