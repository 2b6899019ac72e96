"""Splitting an event: an Order Completed is sent as it is (CleverTap's Charged) and, for each product,
as one "Product Purchased" event, so that CleverTap can segment on a single product's fields."""

import copy


def transformEvent(event, metadata):
    if event.get("type") != "track" or event.get("event") != "Order Completed":
        return event
    out = [event]
    for product in (event.get("properties") or {}).get("products") or []:
        one = copy.deepcopy(event)
        one["event"] = "Product Purchased"
        one["properties"] = {"order_id": event["properties"].get("order_id"), **product}
        out.append(one)
    return out
