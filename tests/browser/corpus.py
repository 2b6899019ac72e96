"""Messages for the Pyodide-vs-CPython parity test: RudderStack-shaped events with the edge cases the rules
and the Web SDK's restrictions care about, plus malformed ones that must fail the
same way in both interpreters."""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["boundary_requests", "base_message"]

SETTINGS = {"account_id": "TEST-ACC-ID", "region": "in1", "track_anonymous": False}
SETTINGS_ANON = {**SETTINGS, "track_anonymous": True}
DEST_CONFIG = {
    "accountId": "TEST-ACC-RS",
    "region": "sg1",
    "trackAnonymous": False,
    "enableObjectIdMapping": False,
    "useNativeSDK": True,
    "connectionMode": "device",
    "blacklistedEvents": [],
}


def base_message(kind: str, **fields: Any) -> dict[str, Any]:
    """A v3-shaped message of type ``kind`` with ``fields`` on top."""
    message: dict[str, Any] = {
        "type": kind,
        "channel": "web",
        "messageId": "0b3e1c2a-0000-4000-8000-000000000001",
        "originalTimestamp": "2026-11-29T19:12:29.294Z",
        "anonymousId": "4ec87159-1f94-45c8-9c6d-e8abd9345680",
        "userId": "user-123",
        "integrations": {"All": True},
        "event": None,
        "properties": None,
        "context": {
            "traits": {},
            "sessionId": 1795979548836,
            "library": {"name": "RudderLabs JavaScript SDK", "version": "3.34.1", "variant": "bundled"},
            "locale": "en-US",
            "page": {"path": "/shop", "title": "Shop", "url": "http://127.0.0.1/shop", "referrer": "$direct"},
            "timezone": "GMT+0000",
        },
    }
    message.update(copy.deepcopy(fields))
    return message


def _identify(traits: dict[str, Any], **fields: Any) -> dict[str, Any]:
    message = base_message("identify", **fields)
    message["context"]["traits"] = traits
    return message


def _deep(levels: int) -> Any:
    value: Any = "leaf"
    for i in range(levels):
        value = {f"level{i}": value, "n": i}
    return value


LONG = "x" * 1100

MESSAGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # (label, message, settings)
    ("identify full", _identify({
        "email": "jane@example.com", "name": "Jane Doe", "phone": "+15550001111", "gender": "F", "plan": "pro",
        "birthday": "1990-05-17", "avatar": "https://example.com/a.png", "employed": True, "married": False,
        "education": "college", "customerType": "gold", "MSG-email": True, "MSG-push": "yes",
        "address": {"city": "London", "zip": "N1"}, "tags": ["a", "b"],
    }), SETTINGS),
    ("identify first/last, unicode", _identify({
        "firstName": "Zoë", "lastName": "Ünïcödé 日本 😀", "gender": "female", "email": "zoe@example.com",
        "key.with:dots$": "it's \"quoted\" \\ back", "long": LONG,
    }), SETTINGS),
    ("identify email only", _identify({"email": "only@example.com", "gender": "MALE"}, userId=""), SETTINGS),
    ("identify anonymous, tracking off", _identify({"plan": "free"}, userId=""), SETTINGS),
    ("identify anonymous, tracking on", _identify({"plan": "free", "phone": "5550001111"}, userId=""), SETTINGS_ANON),
    ("identify odd values", _identify({
        "gender": "other", "employed": "Y", "married": "no", "education": "PhD", "birthday": "not a date",
        "age": "41", "phone": 15550001111, "score": 1.5, "nothing": None, "empty": "",
        "big": 9007199254740991, "neg": -0.25, "nested": {"deep": {"deeper": [1, {"x": None}]}},
    }), SETTINGS),
    ("identify without traits", base_message("identify", context={}), SETTINGS),
    ("track simple", base_message("track", event="Product Viewed", properties={"sku": "SKU-1", "price": 9.99}), SETTINGS),
    ("track no properties", base_message("track", event="Signed Up"), SETTINGS),
    ("track empty properties", base_message("track", event="Empty", properties={}), SETTINGS),
    ("track nested", base_message("track", event="Nested", properties={
        "deep": _deep(5), "list": list(range(120)), "objs": [{"a": 1}, {"b": [1, 2]}],
        "wide": {f"k{i}": {"v": i} for i in range(8)}, "nulls": {"a": None, "b": ""},
    }), SETTINGS),
    ("track many keys", base_message("track", event="Wide", properties={f"key{i}": i for i in range(130)}), SETTINGS),
    ("track unicode and characters", base_message("track", event="has.dots:and$ 'q' \"dq\"", properties={
        "k.e:y$": "v'a\"l\\ue", "emoji": "😀🎉", "cjk": "日本語", "rtl": "עברית", "ctrl": "a\u0000b\u001fc",
        "  padded  ": "  spaced  ", "long": LONG,
    }), SETTINGS),
    ("track long name", base_message("track", event="E" * 1100, properties={"a": 1}), SETTINGS),
    ("track restricted name", base_message("track", event="Stayed", properties={"a": 1}), SETTINGS),
    ("track without event name", base_message("track", properties={"a": 1}), SETTINGS),
    ("track event not a string", base_message("track", event=42, properties={"a": 1}), SETTINGS),
    ("track anonymous, tracking off", base_message("track", event="Anon", userId="", properties={"a": 1}), SETTINGS),
    ("track anonymous, tracking on", base_message("track", event="Anon", userId="", properties={"a": 1}), SETTINGS_ANON),
    ("track properties not an object", base_message("track", event="Odd", properties=["a", "b"]), SETTINGS),
    ("order completed", base_message("track", event="Order Completed", properties={
        "checkout_id": "chk-1", "order_id": "o-1", "revenue": 25.5, "currency": "USD", "coupon": "X",
        "products": [{"product_id": "p1", "price": 19, "quantity": 1, "name": "Tëe"}, {"product_id": "p2", "price": 6.5}],
    }), SETTINGS),
    ("order completed lower case, no products", base_message("track", event="order completed", properties={
        "checkout_id": "chk-2", "revenue": "12.00", "shipping": {"method": "post"},
    }), SETTINGS),
    ("order completed nested products", base_message("track", event="ORDER COMPLETED", properties={
        "checkout_id": "chk-3", "revenue": 3, "products": [{"product_id": "p1", "variant": {"size": "M"}, "tags": ["x"]}],
    }), SETTINGS),
    ("order completed many products", base_message("track", event="Order Completed", properties={
        "checkout_id": "chk-4", "revenue": 60, "products": [{"product_id": f"p{i}", "price": 1} for i in range(60)],
    }), SETTINGS),
    ("page named", base_message("page", name="Cart", category="Shop", properties={"title": "Cart", "url": "http://127.0.0.1/cart"}), SETTINGS),
    ("page unnamed", base_message("page", properties={"path": "/"}), SETTINGS),
    ("page name with characters", base_message("page", name="Ca.r:t$ 'x'", properties={}), SETTINGS),
    ("screen named", base_message("screen", name="Home", properties={"tab": 1}), SETTINGS),
    ("screen unnamed", base_message("screen", properties={}), SETTINGS),
    ("alias", base_message("alias", userId="user-456", previousId="user-123"), SETTINGS),
    ("alias without user id", base_message("alias", userId="", previousId="user-123"), SETTINGS),
    ("group", base_message("group", groupId="g-1", traits={"name": "Org"}), SETTINGS),
    ("unknown type", base_message("bogus"), SETTINGS),
    ("no type", {"event": "x", "userId": "u"}, SETTINGS),
    ("type not a string", base_message("track", type=["track"], event="x"), SETTINGS),
    ("context not an object", base_message("track", event="Ctx", context="nope"), SETTINGS),
]


def boundary_requests() -> list[tuple[str, dict[str, Any]]]:
    """Labelled requests for ``bridge.boundary.handle``: every message with and without the destination
    config, the init and privacy kinds, and malformed requests."""
    out: list[tuple[str, dict[str, Any]]] = []
    for n, (label, message, settings) in enumerate(MESSAGES):
        out.append((label, {"id": n, "kind": "event", "message": message, "settings": settings}))
        out.append((label + " + config", {"id": f"c{n}", "kind": "event", "message": message, "settings": settings, "config": DEST_CONFIG}))
    out += [
        ("init defaults", {"id": "i1", "kind": "init", "settings": SETTINGS, "options": None}),
        ("init CleverTap", {"id": "i2", "kind": "init", "settings": SETTINGS, "options": {"All": True, "CleverTap": {"optOut": True, "useIP": True}}}),
        ("init CLEVERTAP", {"id": "i3", "kind": "init", "settings": SETTINGS, "options": {"CLEVERTAP": {"useIP": True}}}),
        ("init bad option", {"id": "i4", "kind": "init", "settings": SETTINGS, "options": {"CleverTap": {"optOut": "yes"}}}),
        ("privacy optOut", {"id": "p1", "kind": "privacy", "options": {"optOut": True}}),
        ("privacy both", {"id": "p2", "kind": "privacy", "options": {"optOut": False, "useIP": True}}),
        ("privacy empty", {"id": "p3", "kind": "privacy", "options": {}}),
        ("bad settings", {"id": "b1", "kind": "event", "message": MESSAGES[7][1], "settings": {"region": "mars"}}),
        ("unknown kind", {"id": "b2", "kind": "nope"}),
        ("message not an object", {"id": "b3", "kind": "event", "message": [1, 2], "settings": SETTINGS}),
    ]
    return out
