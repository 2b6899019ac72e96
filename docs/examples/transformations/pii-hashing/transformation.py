"""PII hashing: the email (in traits and context.traits) becomes its SHA-256, lower-cased and trimmed
first, so one address always hashes alike; the phone is dropped; the IP loses its last octet."""

import hashlib


def _hash(value):
    return hashlib.sha256(value.strip().lower().encode("utf-8")).hexdigest()


def transformEvent(event, metadata):
    for traits in (event.get("traits"), (event.get("context") or {}).get("traits")):
        if isinstance(traits, dict):
            if isinstance(traits.get("email"), str):
                traits["email"] = _hash(traits["email"])
            traits.pop("phone", None)
    context = event.get("context") or {}
    ip = context.get("ip")
    if isinstance(ip, str) and ip.count(".") == 3:
        context["ip"] = ip.rsplit(".", 1)[0] + ".0"
    return event
