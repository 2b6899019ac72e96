"""Cloud mode: RudderStack messages to CleverTap's REST API, as RudderStack's cloud transformer does.

    transform(message, config)            -> processor outputs (request envelopes), or EventError
    route(inputs)                          -> router outputs: batches of up to 1000 records, then errors
    plan_user_deletion(attributes, config) -> the deletion requests, 100 identities each

Behaviour, including every error message, follows RudderStack's cloud transformer
(https://www.rudderstack.com/docs/destinations/streaming-destinations/clevertap/, docs/cloud-mode.md);
the case table tests/cases/cloud_cases.json is the contract. Sending the requests is ``_delivery``'s job (also importable
as :mod:`bridge.delivery`).

    _upload     one message: the processor step (transform)
    _router     many messages: batches of 1000 records, then the errors (route)
    _deletion   the user-deletion requests (plan_user_deletion)
    _delivery   sending: the one retry loop and response classifier (send, delete_users, deliver, classify)
    _pipeline   the command line's streaming delivery (Uploader, Deleter, Options, the Expand hook)
    _input      reading input lines;  _lanes  batching into per-user lanes
    _journal    the resumable record of settled lines;  _failed  the failed file;  _summary  the tally
    _jsdate     V8's Date.parse, which only cloud mode's ts conversion needs

Example::

    >>> from bridge.cloud import transform
    >>> [out] = transform({"type": "track", "event": "Signed Up", "userId": "u1"},
    ...                   {"accountId": "ACC", "passcode": "PASS", "region": "in1"})
    >>> out["endpoint"], out["body"]["JSON"]["d"]
    ('https://in1.api.clevertap.com/1/upload', [{'evtName': 'Signed Up', 'evtData': {}, 'type': 'event', 'identity': 'u1'}])
"""

from __future__ import annotations

from ._deletion import DELETE_BATCH_SIZE, plan_user_deletion
from ._delivery import RetryPolicy, delete_users, send
from ._pipeline import Deleter, Expand, Expansion, Options, Tally, Uploader, cloud_config
from ._router import MAX_BATCH_RECORDS, route
from ._upload import (
    convert_ts,
    endpoint,
    envelope,
    records_of,
    request_headers,
    transform,
    upload_endpoint,
)

__all__ = [
    "transform",
    "route",
    "plan_user_deletion",
    "MAX_BATCH_RECORDS",
    "DELETE_BATCH_SIZE",
    "send",
    "delete_users",
    "RetryPolicy",
    "Uploader",
    "Options",
    "Expand",
    "Expansion",
    "Deleter",
    "Tally",
    "cloud_config",
    "endpoint",
    "upload_endpoint",
    "request_headers",
    "envelope",
    "records_of",
    "convert_ts",
]
