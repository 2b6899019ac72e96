"""The field tables: each profile field, and Charged, declared once for both modes.

One row per CleverTap profile key says where its value comes from and what form each mode sends it
in, side by side; a newcomer finds the whole rule for a field in its row::

    ProfileField("Gender", traits("gender"), cloud=gender_letter, device=gender_form)

``sources`` are tried in order and the first usable value wins (RudderStack's cloud transformer).
``cloud`` converts a mapped value as the reference does (None: sent as it is). ``device`` is the
Web SDK's accepted form (:mod:`bridge.core._sdkforms`), applied to the key whatever its source (a
mapped trait, a custom trait of that name, an override), because the SDK checks the key. A row with
no sources (Age) only names a device form. The custom-attribute exclusions are derived from the
table, never kept as a second list. Charged is declared once below (:data:`CHARGED`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from ._jsvalue import MISSING
from ._sdkforms import Form, age_form, dob_form, education_form, gender_form, phone_form, yes_no_form
from ._types import JSValue

__all__ = [
    "USER_ID_ONLY",
    "USER_ID",
    "EMAIL_ONLY",
    "FIRST_NAME",
    "LAST_NAME",
    "STRINGIFY_EXEMPT",
    "gender_letter",
    "ProfileField",
    "PROFILE_FIELDS",
    "PROFILE_FIELD",
    "CUSTOM_ATTRIBUTE_EXCLUSIONS",
    "Charged",
    "CHARGED",
]

# RudderStack's generic field maps (GenericFieldMapping.json), tried in this order.
USER_ID_ONLY = ("userId", "traits.userId", "traits.id", "context.traits.userId", "context.traits.id")
USER_ID = USER_ID_ONLY + ("anonymousId",)
EMAIL_ONLY = ("traits.email", "context.traits.email", "properties.email")
FIRST_NAME = tuple(f"{root}.{key}" for root in ("traits", "context.traits") for key in ("firstName", "firstname", "first_name"))
LAST_NAME = tuple(f"{root}.{key}" for root in ("traits", "context.traits") for key in ("lastName", "lastname", "last_name"))

# CleverTap's subscription-group keys take an object, so they are never stringified.
STRINGIFY_EXEMPT = frozenset({"category-unsubscribe", "category-resubscribe"})


def gender_letter(value: object) -> JSValue:
    """Cloud mode's Gender: an exact, case-sensitive match; anything else leaves Gender out."""
    if value in ("f", "F", "Female", "female", "FEMALE"):
        return "F"
    if value in ("m", "M", "Male", "male", "MALE"):
        return "M"
    return MISSING


@dataclass(frozen=True)
class ProfileField:
    """One CleverTap profile key: where it is looked up, and its form in each mode."""

    dest: str
    sources: tuple[str, ...]
    cloud: Callable[[object], JSValue] | None = None
    device: Form | None = None

    @property
    def trait_keys(self) -> frozenset[str]:
        """The trait names this row consumes, which are therefore not custom attributes."""
        return frozenset(path.rsplit(".", 1)[-1] for path in self.sources)


def traits(key: str) -> tuple[str, str]:
    """``traits.<key>`` then ``context.traits.<key>``."""
    return (f"traits.{key}", f"context.traits.{key}")


# In RudderStack's order (CleverTapIdentify.json); Age last, the Web SDK's own check.
PROFILE_FIELDS: Final[tuple[ProfileField, ...]] = (
    #            CleverTap key    sources                      cloud form            device form
    ProfileField("Email",         EMAIL_ONLY),
    ProfileField("Name",          traits("name")),  # else "<first> <last>" when both are given
    ProfileField("Phone",         traits("phone"),                                   device=phone_form),
    ProfileField("Gender",        traits("gender"),            cloud=gender_letter,  device=gender_form),
    ProfileField("Employed",      traits("employed"),                                device=yes_no_form),
    ProfileField("DOB",           traits("birthday"),                                device=dob_form),
    ProfileField("Education",     traits("education"),                               device=education_form),
    ProfileField("Married",       traits("married"),                                 device=yes_no_form),
    ProfileField("Customer Type", traits("customerType")),
    ProfileField("Photo",         traits("avatar")),
    ProfileField("Age",           (),                                                device=age_form),
)  # fmt: skip
PROFILE_FIELD: Final[dict[str, ProfileField]] = {row.dest: row for row in PROFILE_FIELDS}

# Everything the table consumes, the name parts, and the identity and bookkeeping keys.
CUSTOM_ATTRIBUTE_EXCLUSIONS: frozenset[str] = frozenset().union(
    *(row.trait_keys for row in PROFILE_FIELDS),
    (path.rsplit(".", 1)[-1] for path in FIRST_NAME + LAST_NAME),
    ("anonymousId", "userId", "id", "ts", "overrideFields"),
)


@dataclass(frozen=True)
class Charged:
    """CleverTap's Charged event, declared once.

    A track, page or screen whose event is ``trigger`` in any letter case (not trimmed) becomes
    ``name``; its data is ``fields`` (CleverTap key from property) then every other property but
    ``not_data``. ``items`` must be a list that starts with an object, or JSON text of one
    (:func:`bridge.core.read_products`); both modes check it on any event named ``name``.
    """

    name: str = "Charged"
    trigger: str = "order completed"
    fields: tuple[tuple[str, str], ...] = (("Charged ID", "checkout_id"), ("Amount", "revenue"), ("Items", "products"))
    items: str = "Items"
    not_data: frozenset[str] = field(default=frozenset({"ts"}))  # the event's time, never event data


CHARGED: Final = Charged()
