"""A stand-in for CleverTap's web data endpoint: it answers the Web SDK as CleverTap does and decodes
what the SDK sent. The demo server (``build.py --serve``) and the browser tests' collector both use it.

The CleverTap Web SDK sends every call as a JSONP ``<script>`` GET to
``https://<region>.clevertap-prod.com/a?t=96&type=push&d=...``, the payload JSON compressed with
lz-string's ``compressToBase64`` in ``d``. Until a request is answered, the SDK holds back the ones after
it (after an onUserLogin, everything): the answer is JavaScript calling
``$WZRK_WR.s(guid, session, resume, rn)``, which gives the SDK its CleverTap ID and releases the
queue. See docs/demo.md and the SDK's own source, ``src/modules/api.js``
(https://github.com/CleverTap/clevertap-web-sdk).

No answer ever carries anything of the request but its request number: event data is decoded here,
never sent back to be evaluated.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from ..core._types import JSON, JSONObject
from ._lzstring import decompress_from_base64

__all__ = ["CleverTapStandIn", "WireRequest", "decode_payload", "is_clevertap_host", "GUID", "SESSION_ID"]

GUID = "__gTESTGUID0000000000000000000001"
SESSION_ID = 1700000001

# The SDK's own events, not made by the integration.
INTERNAL_EVENTS = frozenset({"wzrk_fetch"})


def is_clevertap_host(host: str, extra_hosts: Iterable[str] = ()) -> bool:
    """Whether ``host`` is one the CleverTap SDK sends data to (any region, the old domain, a proxy)."""
    host = host.lower()
    return host.endswith(".clevertap-prod.com") or host.endswith("wzrkt.com") or host in set(extra_hosts)


def decode_payload(d: str) -> JSON | None:
    """The JSON value of a request's ``d`` parameter, or None when it does not decode."""
    text = decompress_from_base64(d)
    if not text:
        return None
    try:
        value: JSON = json.loads(text)
    except ValueError:
        return None
    return value


@dataclass(frozen=True)
class WireRequest:
    """One request the CleverTap SDK made, with its ``d`` payload decoded."""

    url: str
    host: str
    path: str
    query: dict[str, str]
    payload: JSON

    @property
    def kind(self) -> str:
        """The ``type`` query parameter: push, page, ping or data."""
        return self.query.get("type", "")

    @property
    def is_internal(self) -> bool:
        """The SDK's own traffic: page loads, pings and its wzrk_fetch event."""
        if self.path != "/a" or self.kind != "push":
            return True
        return isinstance(self.payload, dict) and self.payload.get("evtName") in INTERNAL_EVENTS

    @property
    def is_optout_push(self) -> bool:
        """The profile push ``{ct_optout: bool}`` a privacy ``optOut`` produces."""
        profile = self.payload.get("profile") if isinstance(self.payload, dict) else None
        return isinstance(profile, dict) and set(profile) - {"tz"} == {"ct_optout"}

    def record(self) -> JSONObject:
        """What reached CleverTap, in short: type, evtName, evtData or profile (without the SDK's ``tz``),
        and the query's useIP and optOut. The tests compare these; the demo panel shows them."""
        payload = self.payload if isinstance(self.payload, dict) else {}
        out: JSONObject = {"type": payload.get("type")}
        for key in ("evtName", "evtData"):
            if key in payload:
                out[key] = payload[key]
        profile = payload.get("profile")
        if isinstance(profile, dict):
            out["profile"] = {k: v for k, v in profile.items() if k != "tz"}
        out["useIP"] = self.query.get("useIP")
        if "optOut" in self.query:
            out["optOut"] = self.query["optOut"]
        return out


@dataclass
class CleverTapStandIn:
    """Records CleverTap requests and answers them so that the SDK keeps sending."""

    guid: str = GUID
    session_id: int = SESSION_ID
    answer: bool = True
    answer_delay_ms: int = 0  # run the callback this much later: a slow network, as the SDK sees it
    # What CleverTap's servers add to the answer of the page-load request (``type=page``), as
    # ``[method, *args]`` of ``$WZRK_WR``: e.g. ``["enableWebPush", True, key]`` (web push on for the
    # account, with its VAPID key) or ``["tr", {"inapp_notifs": [...], "webPushConfig": {...}}]``.
    page_answers: list[list[JSON]] = field(default_factory=list)
    requests: list[WireRequest] = field(default_factory=list)
    decode_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def respond(self, url: str) -> tuple[WireRequest, str]:
        """Decode and record the request for ``url``; returns it and the JavaScript to answer with."""
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        payload: JSON = None
        if "d" in query:
            payload = decode_payload(query["d"])
            if payload is None:
                with self._lock:
                    self.decode_errors.append(url)
        request = WireRequest(url=url, host=parts.hostname or "", path=parts.path, query=query, payload=payload)
        with self._lock:
            self.requests.append(request)
        return request, self.answer_for(query) if parts.path == "/a" else ""

    def answer_for(self, query: dict[str, str]) -> str:
        """The JSONP body for a data request with this query: the SDK's handshake.

        ``resume`` is true for a request without a guid (``gc``: the first one, or an onUserLogin), so
        that the SDK releases what it held back; ``rn`` pairs the answer with the request.
        """
        if not self.answer:
            return ""
        resume = "false" if "gc" in query else "true"
        rn = int(query["rn"]) if query.get("rn", "").isdigit() else 0
        api = "(window.$WZRK_WR || window.$CLTP_WR)"
        body = f"{api}.s({json.dumps(self.guid)}, {int(self.session_id)}, {resume}, {rn});"
        if query.get("type") == "page":
            for method, *args in self.page_answers:
                body += f"{api}.{method}({', '.join(json.dumps(a) for a in args)});"
        if self.answer_delay_ms:
            body = f"setTimeout(function () {{ {body} }}, {int(self.answer_delay_ms)});"
        return body

    def replays(self) -> list[WireRequest]:
        """Requests the SDK sent again from its localStorage backup (``WZRK_L``): the same ``rn`` and ``d`` as
        an earlier request. Its 3-second backup timer (and an onUserLogin answer) re-fires every request
        whose answer has not arrived yet, so a slow answer means a second copy of the same request."""
        seen: set[tuple[str, str]] = set()
        out = []
        with self._lock:
            requests = list(self.requests)
        for r in requests:
            key = (r.query.get("rn", ""), r.query.get("d", ""))
            if key in seen:
                out.append(r)
            seen.add(key)
        return out

    def pushes(self, include_optout: bool = True) -> list[WireRequest]:
        """The integration's requests in arrival order: ``type=push``, without the SDK's own events and
        without the SDK's replays of a request already received (see :meth:`replays`); a call pushed
        twice is a new request (a new ``rn``) and is kept."""
        replayed = {id(r) for r in self.replays()}
        with self._lock:
            out = [r for r in self.requests if not r.is_internal and id(r) not in replayed]
        if not include_optout:
            out = [r for r in out if not r.is_optout_push]
        return out

    def records(self, include_optout: bool = True) -> list[JSONObject]:
        """``record()`` of every push (see :meth:`pushes`)."""
        return [r.record() for r in self.pushes(include_optout)]

    def wire(self, since: int = 0) -> JSONObject:
        """Every request from number ``since`` on, decoded, for the demo panel:
        ``{"next": n, "requests": [{"n", "host", "path", "type", "sdk", "replay", "record", "payload"}, ...]}``.
        ``since`` below 0 answers only ``next`` (a page that has just loaded starts there); ``sdk`` marks the
        SDK's own traffic, ``replay`` a copy of an earlier request."""
        replayed = {id(r) for r in self.replays()}
        with self._lock:
            requests = list(self.requests)
        start = len(requests) if since < 0 else min(since, len(requests))
        out: list[JSON] = []
        for n in range(start, len(requests)):
            r = requests[n]
            out.append(
                {
                    "n": n,
                    "host": r.host,
                    "path": r.path,
                    "type": r.kind,
                    "sdk": r.is_internal,
                    "replay": id(r) in replayed,
                    "record": r.record(),
                    "payload": r.payload,
                }
            )
        return {"next": len(requests), "requests": out}
