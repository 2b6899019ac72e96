"""The CleverTap stand-in (bridge.build.CleverTapStandIn, also the demo server's) installed as a Playwright route.

The CleverTap Web SDK sends every call as a JSONP ``<script>`` GET to ``https://<region>.clevertap-prod.com/a?...``
with the payload lz-string-compressed in ``d``. The stand-in decodes and records each request and answers with
the JSONP callback the SDK waits for (``$WZRK_WR.s(guid, session, resume, rn)``), so that every queued request
is released in order.

It also turns the calls ``bridge.device`` computes (``["event", name, props]``, ...) into the records the wire
should show, so that tests compare what arrived with what CPython says should arrive.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bridge.build import CleverTapStandIn, WireRequest, is_clevertap_host

__all__ = ["Collector", "WireRequest", "expected_records", "is_clevertap_host", "sdk_phone"]


class Collector(CleverTapStandIn):
    """Records CleverTap requests and answers them so that the SDK keeps sending."""

    if TYPE_CHECKING:  # the tests read decoded payloads and records as they please
        requests: list[Any]
        page_answers: list[list[Any]]

        def pushes(self, include_optout: bool = True) -> list[Any]: ...
        def replays(self) -> list[Any]: ...
        def records(self, include_optout: bool = True) -> list[dict[str, Any]]: ...

    def install(self, target: Any, extra_hosts: Iterable[str] = ()) -> None:
        """Route CleverTap's hosts on a Playwright ``BrowserContext`` or ``Page`` to this collector."""
        hosts = tuple(h.lower() for h in extra_hosts)
        target.route(lambda url: is_clevertap_host(urlsplit(url).hostname or "", hosts), self._handle)

    def _handle(self, route: Any) -> None:
        _, body = self.respond(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=body)

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
