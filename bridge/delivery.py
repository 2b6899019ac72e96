"""Kept so ``bridge.delivery`` imports as before: cloud-mode delivery lives in :mod:`bridge.cloud`."""

from __future__ import annotations

from .cloud._delivery import (
    Answer,
    BatchReport,
    HttpRequest,
    HttpResponse,
    PooledTransport,
    RetryPolicy,
    Transport,
    TransportError,
    classify,
    delete_users,
    deliver,
    retry_after_seconds,
    retryable_status,
    send,
    send_request,
    urllib_transport,
)

__all__ = [
    "HttpRequest",
    "HttpResponse",
    "TransportError",
    "Transport",
    "urllib_transport",
    "PooledTransport",
    "Answer",
    "classify",
    "deliver",
    "BatchReport",
    "RetryPolicy",
    "retry_after_seconds",
    "retryable_status",
    "send",
    "send_request",
    "delete_users",
]
