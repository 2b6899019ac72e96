"""The demo's transformation (demo_transformation.py) on CPython, called as RudderStack's contract calls it:
the email hashed, the demo's default track dropped, Order Completed split in two, everything else as it came."""

from __future__ import annotations

import copy
import hashlib
import runpy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
transform_event = runpy.run_path(str(ROOT / "demo_transformation.py"))["transformEvent"]


def metadata(event: dict[str, Any]) -> dict[str, Any]:
    return {"messageId": event.get("messageId"), "destinationType": "CLEVERTAP", "mode": "deviceMode"}


def message(**fields: Any) -> dict[str, Any]:
    return {"messageId": "m-1", "anonymousId": "a-1", "userId": "user-123", **fields}


def test_identify_sends_the_email_as_its_sha256() -> None:
    event = message(
        type="identify",
        traits={"email": " Jane@Example.com", "name": "Jane Doe"},
        context={"traits": {"email": "jane@example.com", "plan": "pro"}},
    )
    digest = hashlib.sha256(b"jane@example.com").hexdigest()
    assert transform_event(copy.deepcopy(event), metadata) == message(
        type="identify",
        traits={"name": "Jane Doe", "email_sha256": digest},
        context={"traits": {"plan": "pro", "email_sha256": digest}},
    )


def test_the_demos_default_track_is_dropped() -> None:
    assert transform_event(message(type="track", event="Button Clicked", properties={"label": "Buy"}), metadata) is None


def test_order_completed_is_split_into_the_order_and_a_summary() -> None:
    products = [{"product_id": "p1", "price": 21.25, "quantity": 2}]
    event = message(
        type="track",
        event="Order Completed",
        properties={"checkout_id": "chk-1", "order_id": "ord-1", "revenue": 42.5, "currency": "USD", "products": products},
    )
    assert transform_event(copy.deepcopy(event), metadata) == [
        event,
        message(
            messageId="m-1-summary",
            type="track",
            event="Order Summary",
            properties={"order_id": "ord-1", "revenue": 42.5, "currency": "USD", "items": 1},
        ),
    ]


def test_other_calls_pass_unchanged() -> None:
    for event in (
        message(type="track", event="Product Viewed", properties={"sku": "s-1"}),
        message(type="page", name="Cart", properties={"path": "/cart"}),
        message(type="screen", name="Settings"),
        message(type="alias", previousId="user-0"),
        message(type="identify", context={"traits": {"email": 42}}),  # not a string: left to the mapping
    ):
        assert transform_event(copy.deepcopy(event), metadata) == event
