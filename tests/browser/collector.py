"""A stand-in for CleverTap's data endpoint, installed as a Playwright route.

The CleverTap Web SDK sends every call as a JSONP ``<script>`` GET to ``https://<region>.clevertap-prod.com/a?...``
with the payload lz-string-compressed in ``d``. The collector decodes and records
each request and answers with the JSONP callback the SDK waits for (``$WZRK_WR.s(guid, session, resume, rn)``), so that every queued request is released in order.

It also turns the calls ``bridge.device`` computes (``["event", name, props]``, ...) into the records the wire
should show, so that tests compare what arrived with what CPython says should arrive.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .lzstring import decompress_from_base64

__all__ = ["Collector", "WireRequest", "expected_records", "is_clevertap_host", "sdk_phone"]

GUID = "__gTESTGUID0000000000000000000001"
SESSION_ID = 1700000001

# The SDK's own requests, not made by the integration.
INTERNAL_EVENTS = frozenset({"wzrk_fetch"})


def is_clevertap_host(host: str, extra_hosts: Iterable[str] = ()) -> bool:
    """Whether ``host`` is one the CleverTap SDK sends data to (any region, the old domain, a proxy)."""
    host = host.lower()
    return host.endswith(".clevertap-prod.com") or host.endswith("wzrkt.com") or host in set(extra_hosts)


@dataclass(frozen=True)
class WireRequest:
    """One request the CleverTap SDK made, with its ``d`` payload decoded."""

    url: str
    host: str
    path: str
    query: dict[str, str]
    payload: Any

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

    def record(self) -> dict[str, Any]:
        """What the tests compare: type, evtName, evtData or profile (without the SDK's ``tz``), useIP, optOut."""
        payload = self.payload if isinstance(self.payload, dict) else {}
        out: dict[str, Any] = {"type": payload.get("type")}
        for key in ("evtName", "evtData"):
            if key in payload:
                out[key] = payload[key]
        if "profile" in payload:
            out["profile"] = {k: v for k, v in payload["profile"].items() if k != "tz"}
        out["useIP"] = self.query.get("useIP")
        if "optOut" in self.query:
            out["optOut"] = self.query["optOut"]
        return out


@dataclass
class Collector:
    """Records CleverTap requests and answers them so that the SDK keeps sending."""

    guid: str = GUID
    session_id: int = SESSION_ID
    answer: bool = True
    answer_delay_ms: int = 0  # run the callback this much later: a slow network, as the SDK sees it
    # What CleverTap's servers add to the answer of the page-load request (``type=page``), as
    # ``[method, *args]`` of ``$WZRK_WR``: e.g. ``["enableWebPush", True, key]`` (web push on for the
    # account, with its VAPID key) or ``["tr", {"inapp_notifs": [...], "webPushConfig": {...}}]``.
    page_answers: list[list[Any]] = field(default_factory=list)
    requests: list[WireRequest] = field(default_factory=list)
    decode_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def install(self, target: Any, extra_hosts: Iterable[str] = ()) -> None:
        """Route CleverTap's hosts on a Playwright ``BrowserContext`` or ``Page`` to this collector."""
        hosts = tuple(h.lower() for h in extra_hosts)
        target.route(lambda url: is_clevertap_host(urlsplit(url).hostname or "", hosts), self._handle)

    def _handle(self, route: Any) -> None:
        _, body = self.respond(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=body)

    def respond(self, url: str) -> tuple[WireRequest, str]:
        """Decode and record the request for ``url``; returns it and the JavaScript to answer with (also used
        by the benchmark's TLS server, which answers CleverTap's hosts without Playwright routing)."""
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        payload: Any = None
        if "d" in query:
            text = decompress_from_base64(query["d"])
            try:
                payload = json.loads(text) if text else None
            except ValueError:
                payload = None
            if payload is None:
                self.decode_errors.append(url)
        request = WireRequest(url=url, host=parts.hostname or "", path=parts.path, query=query, payload=payload)
        with self._lock:
            self.requests.append(request)
        body = ""
        if self.answer and parts.path == "/a":
            # resume is true for a request without a guid (the first one, an onUserLogin), so the SDK
            # releases what it held back; rn pairs the answer with the request.
            resume = "false" if "gc" in query else "true"
            rn = int(query["rn"]) if query.get("rn", "").isdigit() else 0
            body = (
                "(window.$WZRK_WR || window.$CLTP_WR).s("
                f"{json.dumps(self.guid)}, {self.session_id}, {resume}, {rn});"
            )
            if query.get("type") == "page":
                for method, *args in self.page_answers:
                    body += f"(window.$WZRK_WR || window.$CLTP_WR).{method}({', '.join(json.dumps(a) for a in args)});"
            if self.answer_delay_ms:
                body = f"setTimeout(function () {{ {body} }}, {int(self.answer_delay_ms)});"
        return request, body

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

    def records(self, include_optout: bool = True) -> list[dict[str, Any]]:
        """``record()`` of every push (see :meth:`pushes`)."""
        return [r.record() for r in self.pushes(include_optout)]

    def wait_for(self, page: Any, condition: Callable[[Collector], bool], timeout: float = 30.0, what: str = "") -> None:
        """Pump Playwright's event loop until ``condition(self)`` holds; fail with what arrived otherwise."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f}s waiting for {what or 'CleverTap requests'}; "
                    f"arrived: {json.dumps(self.records(), ensure_ascii=False)[:4000]}"
                )
            page.wait_for_timeout(100)

    def wait_for_pushes(self, page: Any, count: int, timeout: float = 30.0, include_optout: bool = True) -> None:
        """Wait until at least ``count`` integration requests arrived."""
        self.wait_for(page, lambda c: len(c.pushes(include_optout)) >= count, timeout, f"{count} CleverTap pushes")


_PHONE = re.compile(r"\+[0-9]+")


def sdk_phone(value: Any) -> Any:
    # The SDK sends a valid "+digits" Phone string (longer than 8 characters) as a number.
    if isinstance(value, str) and _PHONE.fullmatch(value) and len(value) > 8:
        return int(value[1:])
    return value


def expected_records(calls: Iterable[list[Any]], use_ip: bool = False) -> list[dict[str, Any]]:
    """The wire records (as :meth:`WireRequest.record`) that ``bridge.device`` calls should produce, in order.

    ``use_ip`` is the SDK's useIP state before the first call; a ``["privacy", {"useIP": b}]`` call sends
    nothing itself but changes the ``useIP`` parameter of every later request.
    """
    out: list[dict[str, Any]] = []
    state = "true" if use_ip else "false"
    for call in calls:
        queue, *args = call
        if queue == "event":
            rec: dict[str, Any] = {"type": "event", "evtName": args[0]}
            if len(args) > 1:
                rec["evtData"] = args[1]
            rec["useIP"] = state
            out.append(rec)
        elif queue in ("onUserLogin", "profile"):
            site = dict(args[0]["Site"])
            if "Phone" in site:
                site["Phone"] = sdk_phone(site["Phone"])
            out.append({"type": "profile", "profile": site, "useIP": state})
        elif queue == "privacy":
            options = args[0]
            if "useIP" in options:
                state = "true" if options["useIP"] is True else "false"
            if "optOut" in options:
                flag = "true" if options["optOut"] is True else "false"
                out.append({"type": "profile", "profile": {"ct_optout": options["optOut"]}, "useIP": state, "optOut": flag})
        else:
            raise AssertionError(f"unknown CleverTap queue in an expected call: {call!r}")
    return out
