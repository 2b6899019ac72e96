"""Cloud mode, many messages at once: RudderStack's router step for CleverTap.

Each input ``{message, metadata, destination}`` is transformed as by :func:`bridge.cloud.transform`;
the records are packed, in input order, into batches of at most 1000 records, each sent with the
endpoint and headers of its first event's config. Failed events follow all batches as error entries.
"""

from __future__ import annotations

from typing import Any

from ..core import js_truthy
from ..errors import EventError
from ._upload import envelope, records_of, transform

__all__ = ["MAX_BATCH_RECORDS", "route"]

MAX_BATCH_RECORDS = 1000

# RudderStack's error tags (added by its framework; not part of the transformation contract).
_STAT_TAGS = {
    "errorCategory": "dataValidation",
    "errorType": "instrumentation",
    "destType": "CLEVERTAP",
    "module": "destination",
    "implementation": "native",
    "feature": "router",
}


def _config(destination: Any) -> dict[str, Any]:
    config = destination.get("Config") if isinstance(destination, dict) else None
    return config if isinstance(config, dict) else {}


def _error_entry(item: dict[str, Any], status: int, message: str) -> dict[str, Any]:
    tags = dict(_STAT_TAGS)
    if status >= 500:
        # An uncaught error in the reference: RudderStack files it as a transformation failure.
        tags["errorCategory"] = "transformation"
        del tags["errorType"]
    return {
        "metadata": [item.get("metadata")],
        "batched": False,
        "statusCode": status,
        "error": message,
        "statTags": tags,
        "destination": item.get("destination"),
    }


def _batch_entry(group: list[tuple[dict[str, Any], list[Any]]]) -> dict[str, Any]:
    first = group[0][0]
    config = _config(first.get("destination"))
    # The processor's envelope, less the framework's userId, marked as a batch.
    request = envelope([record for _, records in group for record in records], config)
    del request["userId"]
    request["batched"] = True
    return {
        "batchedRequest": request,
        "metadata": [item.get("metadata") for item, _ in group],
        "batched": False,
        "statusCode": 200,
        "destination": first.get("destination"),
    }


def route(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Router outputs for ``inputs``: batch entries first, then one error entry per failed event.

    An input whose ``message`` already carries a ``statusCode`` is taken as transformed and its
    first record is batched as it is. Never raises: an unexpected failure becomes a 500 entry.
    """
    done: list[tuple[dict[str, Any], list[Any]]] = []
    errors: list[dict[str, Any]] = []
    for raw in inputs if isinstance(inputs, list) else []:
        item = raw if isinstance(raw, dict) else {}
        message = item.get("message")
        try:
            if isinstance(message, dict) and js_truthy(message.get("statusCode")):
                records = records_of(message)[:1] or [None]
            else:
                outputs = transform(message if isinstance(message, dict) else {}, _config(item.get("destination")))
                records = [record for output in outputs for record in records_of(output)]
        except EventError as error:
            errors.append(_error_entry(item, error.status_code, str(error)))
            continue
        except Exception as error:  # route never raises: any other failure is this event's 500
            errors.append(_error_entry(item, 500, str(error) or type(error).__name__))
            continue
        done.append((item, records))
    batches: list[dict[str, Any]] = []
    group: list[tuple[dict[str, Any], list[Any]]] = []
    size = 0
    for item, records in done:
        if group and size + len(records) > MAX_BATCH_RECORDS:
            batches.append(_batch_entry(group))
            group, size = [], 0
        group.append((item, records))
        size += len(records)
    if group:
        batches.append(_batch_entry(group))
    return batches + errors
