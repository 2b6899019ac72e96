"""An allow-list filter: only the track events named here reach CleverTap; identify, page and screen
always do. Everything else is dropped (returned None: counted as filtered, not as an error)."""

ALLOWED_EVENTS = {"Order Completed", "Product Viewed", "Signed Up"}


def transformEvent(event, metadata):
    if event.get("type") == "track" and event.get("event") not in ALLOWED_EVENTS:
        log("filtered", event.get("event"))
        return None
    return event
