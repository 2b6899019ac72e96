"""The type aliases both modes share: JSON values as they cross the worker boundary and the wire.

``JSON`` is any value ``json.loads`` returns; ``JSONObject`` a JSON object; ``JSValue`` a JSON value or
JavaScript's ``undefined`` (:data:`~bridge.core.MISSING`, a key that is not there), which is what a
lookup in a message gives. A RudderStack message is a ``JSONObject`` once it has been read; code that
receives one from outside (the page, a file) takes ``object`` and narrows with ``isinstance`` rather
than trusting it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from ._jsvalue import Missing

__all__ = ["JSON", "JSONObject", "JSONArray", "JSValue"]

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
JSONObject: TypeAlias = "dict[str, JSON]"
JSONArray: TypeAlias = "list[JSON]"
JSValue: TypeAlias = "JSON | Missing"
