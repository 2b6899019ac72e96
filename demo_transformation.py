"""The demo's transformation: RudderStack's ``transformEvent(event, metadata)`` contract
(https://www.rudderstack.com/docs/transformations/usage/), run before the mapping, in the visitor's
browser (device mode) and by ``clevertap-bridge send`` (cloud mode). docs/demo.md shows it at work.

- identify: the email never reaches CleverTap in the clear; its SHA-256 goes as ``email_sha256``;
- track "Button Clicked" (the demo's default track): dropped, as noise;
- track "Order Completed": split in two, the order itself (CleverTap's Charged) and an "Order Summary".
"""

import hashlib

DROPPED_EVENTS = {"Button Clicked"}


def transformEvent(event, metadata):
    for traits in (event.get("traits"), (event.get("context") or {}).get("traits")):
        if isinstance(traits, dict) and isinstance(traits.get("email"), str):
            email = traits.pop("email").strip().lower()
            traits["email_sha256"] = hashlib.sha256(email.encode("utf-8")).hexdigest()
    if event.get("type") != "track":
        return event
    if event.get("event") in DROPPED_EVENTS:
        return None
    if event.get("event") == "Order Completed":
        properties = event.get("properties") or {}
        products = properties.get("products")
        summary = dict(event)
        summary["event"] = "Order Summary"
        summary["messageId"] = f"{event.get('messageId')}-summary"
        summary["properties"] = {
            "order_id": properties.get("order_id"),
            "revenue": properties.get("revenue"),
            "currency": properties.get("currency"),
            "items": len(products) if isinstance(products, list) else 0,
        }
        return [event, summary]
    return event
