"""Cloud mode user deletion: the requests RudderStack's regulation API sends CleverTap (docs/cloud-mode.md).

:func:`plan_user_deletion` only plans; :func:`bridge.delivery.delete_users` sends the plan in order
and stops at the first failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict, cast

from ..core import JSON, CloudConfig, Settings, js_truthy
from ..errors import EventError, SettingsError
from ._upload import endpoint

__all__ = ["DELETE_BATCH_SIZE", "PlannedDeletion", "plan_user_deletion"]

DELETE_BATCH_SIZE = 100


class PlannedDeletion(TypedDict):
    """One deletion request: where, with which headers, and the body ``{"identity": [...]}``."""

    endpoint: str
    headers: dict[str, JSON]
    body: dict[str, list[JSON]]


def plan_user_deletion(user_attributes: Sequence[Mapping[str, object]], config: Mapping[str, object] | CloudConfig | Settings) -> list[PlannedDeletion]:
    """The deletion requests ``{"endpoint", "headers", "body": {"identity": [...]}}``, in order.

    Identities are the truthy ``userId`` values of ``user_attributes``, in order, duplicates kept,
    100 to a request; no userId means no request. Raises :class:`EventError` when
    ``user_attributes`` is not a list and :class:`SettingsError` without accountId or passcode.
    """
    if not isinstance(user_attributes, list):
        raise EventError("userAttributes is not an array", 400)
    read = CloudConfig.from_config(config)  # the one place cloud mode refuses a config
    account_id, passcode = read.account_id, read.passcode
    if not js_truthy(account_id) or not js_truthy(passcode):
        raise SettingsError("Project ID and Passcode is required for delete user")
    url = endpoint(read, "/delete/profiles.json")
    headers: dict[str, JSON] = {"X-CleverTap-Account-Id": account_id, "X-CleverTap-Passcode": passcode, "Content-Type": "application/json"}
    ids: list[JSON] = [cast(JSON, item["userId"]) for item in user_attributes if isinstance(item, dict) and js_truthy(item.get("userId"))]
    return [
        {"endpoint": url, "headers": dict(headers), "body": {"identity": ids[start:start + DELETE_BATCH_SIZE]}}
        for start in range(0, len(ids), DELETE_BATCH_SIZE)
    ]
