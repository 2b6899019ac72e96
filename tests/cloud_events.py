"""The event mix of the cloud-mode command's tests and benchmark: identify, track, page, screen,
alias and Order Completed in turn, with a few messages the mapping refuses and a few event names
CleverTap skips (a ``!`` in the name, which tests/fake_clevertap.py treats as CleverTap does)."""

from __future__ import annotations

from typing import Any

__all__ = ["message", "MIX"]

MIX = ("identify", "track", "page", "screen", "alias", "track Order Completed (Charged)")


def message(n: int) -> dict[str, Any]:
    """The n-th message of a mixed stream; each carries n, so each record is unique."""
    kind = n % 6
    user = f"user{n}"
    if n % 50 == 7:
        return {"type": "group", "userId": user, "groupId": "g"}  # the mapping refuses it
    if n % 50 == 23:
        return {"type": "track", "userId": user, "properties": {"n": n}}  # no event: refused
    if n % 50 == 41:
        return {"type": "track", "anonymousId": "a", "event": "Anonymous", "properties": {"n": n}}  # no user id
    if kind == 0:
        return {"type": "identify", "userId": user, "traits": {"email": f"{user}@example.com", "plan": "pro", "n": n}}
    if kind == 1:
        name = "Bad!Name" if n % 97 == 1 else "Product Viewed"  # CleverTap skips it (partial answer)
        return {"type": "track", "userId": user, "event": name, "properties": {"sku": f"s{n}", "price": 9.5, "n": n}}
    if kind == 2:
        return {"type": "page", "userId": user, "name": "Home", "properties": {"url": f"https://example.com/{n}"}}
    if kind == 3:
        return {"type": "screen", "userId": user, "name": "Main", "properties": {"n": n}}
    if kind == 4:
        return {"type": "alias", "userId": user, "previousId": f"old{n}"}
    return {"type": "track", "userId": user, "event": "Order Completed",
            "properties": {"checkout_id": f"c{n}", "revenue": 20, "products": [{"sku": "a", "price": 10}, {"sku": "b"}]}}


def as_sent(item: dict[str, Any], n: int) -> dict[str, Any]:
    """The message with what RudderStack's JS SDK adds around every call (context, ids, times)."""
    return {
        **item,
        "messageId": f"6c1c3b1e-{n:08d}-4f7a-9d3c-2f8e5b7a1c0d",
        "anonymousId": item.get("anonymousId", f"anon-{n % 977}"),
        "channel": "web",
        "originalTimestamp": "2026-03-01T10:15:30.123Z",
        "sentAt": "2026-03-01T10:15:31.001Z",
        "context": {
            "library": {"name": "RudderLabs JavaScript SDK", "version": "3.11.0"},
            "locale": "en-GB",
            "page": {"path": "/shop", "url": "https://example.com/shop", "title": "Shop", "referrer": "$direct"},
            "screen": {"width": 1920, "height": 1080, "density": 2},
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "os": {"name": "", "version": ""},
            "traits": {"email": f"user{n}@example.com"} if item.get("type") == "identify" else {},
        },
        "integrations": {"All": True},
    }
