"""What the browser integration is told: every CleverTap name and rule its JavaScript applies, declared once.

The JavaScript (templates/js/) knows no CleverTap name of its own: the build ships :func:`browser_rules`
in the generated config module (``CONFIG.sdk``), beside the settings, the privacy table and the start
values. A rule changed here changes what the browser does; nothing in the JavaScript repeats it.

Used at build time only (bridge.build); the worker never imports it.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from ..core import Settings
from ..core._types import JSONObject
from ..errors import BuildError
from ._emit import INTEGRATION_KEYS, PRIVACY_KEYS, QUEUES, WEB_PUSH_QUEUE

__all__ = [
    "SDK_GLOBAL",
    "ACCOUNT_QUEUE",
    "STUB_QUEUES",
    "LOGIN_QUEUE",
    "PRIVACY_QUEUE",
    "START_SETTINGS",
    "BUILD_TIME_SETTINGS",
    "SERVER_SETTINGS",
    "browser_rules",
    "setting_names",
]

# The Web SDK's global: the page's calls go to its queues (arrays until the SDK loads and takes them over).
SDK_GLOBAL: Final = "clevertap"
# The queue the account ID is pushed to at start ({id: ...}); never one of QUEUES (Python's calls).
ACCOUNT_QUEUE: Final = "account"
# The queues window.clevertap starts with before the SDK loads: Python's, the account's and web push's.
STUB_QUEUES: Final = (*QUEUES, ACCOUNT_QUEUE, WEB_PUSH_QUEUE)
# Set on that stub: the SDK's own snippet sets it, so that the SDK keeps the page's calls made before it.
STUB_FLAGS: Final[JSONObject] = {"enablePersonalization": True}
# The properties start_values' region and targetDomain are set under, before the SDK loads.
START_PROPERTIES: Final = {"region": "region", "targetDomain": "targetDomain"}
# A method only the loaded SDK has (the stub has none): the SDK is live once it is a function.
LIVE_METHOD: Final = "logout"
# The id of the SDK's <script>: a page that already loads the SDK under it is not given a second copy.
SDK_SCRIPT_ID: Final = "clevertap-integration"

# The login gate. The SDK mishandles an onUserLogin pushed while the previous one is unanswered (the
# second clears the identity and every later request stays blocked), so after a push to LOGIN_QUEUE the
# integration pushes nothing more until the global LOGIN_IN_PROGRESS is not true and LOGIN_ID_METHOD()
# returns an id.
LOGIN_QUEUE: Final = "onUserLogin"
LOGIN_IN_PROGRESS: Final = "isOULInProgress"
LOGIN_ID_METHOD: Final = "getCleverTapID"

# Flow control counts the SDK's data requests as they finish loading (Resource Timing): URLs that
# contain REQUEST_HOST, or the proxy domain (target_domain) followed by REQUEST_PATH.
REQUEST_PATH: Final = "/a?"
REQUEST_HOST: Final = "clevertap-prod.com" + REQUEST_PATH

# Privacy: the queue and the option whose calls decide the opt-out (web push waits for an opt-in), and
# which alone of the privacy calls make an SDK request (flow control counts them).
PRIVACY_QUEUE: Final = "privacy"
OPT_OUT: Final = PRIVACY_KEYS[0]

# RudderStack's names for this destination: the class's `name`, and the display name its per-event and
# load-time filters read (integrations: {"CleverTap": false}); Python reads options under INTEGRATION_KEYS.
INTEGRATION_NAME: Final = "CLEVERTAP"
DISPLAY_NAME: Final = INTEGRATION_KEYS[0]

# The settings a RudderStack destination config may change in the browser are every setting but these:
# the server's (never in a browser file) and those fixed when the bundle is built (the CSP, the service
# worker and the notifications call).
SERVER_SETTINGS: Final = ("passcode", "api_url")
BUILD_TIME_SETTINGS: Final = ("in_app", "web_push")
# The settings start_values reads: a destination config that changes one asks Python for new start values.
START_SETTINGS: Final = ("account_id", "region", "target_domain", "sdk_url")


def setting_names() -> dict[str, str]:
    """Every name a browser setting may carry in a destination config (ours and the dashboard's) -> our name."""
    names: dict[str, str] = {}
    for f in dataclasses.fields(Settings):
        if f.name in SERVER_SETTINGS or f.name in BUILD_TIME_SETTINGS:
            continue
        names[f.name] = f.name
        if f.metadata.get("alias"):
            names[f.metadata["alias"]] = f.name
    return dict(sorted(names.items()))


def browser_rules() -> JSONObject:
    """``CONFIG.sdk``: the CleverTap names and rules the integration applies, as JSON."""
    for queue in (LOGIN_QUEUE, PRIVACY_QUEUE):
        if queue not in QUEUES:
            raise BuildError(f"{queue}: not one of bridge.device.QUEUES {QUEUES}")
    if WEB_PUSH_QUEUE in QUEUES or ACCOUNT_QUEUE in QUEUES:
        raise BuildError(f"{WEB_PUSH_QUEUE} and {ACCOUNT_QUEUE} must not be open to events: their calls are the build's")
    return {
        "global": SDK_GLOBAL,
        "queues": list(QUEUES),
        "queueNames": list(STUB_QUEUES),
        "stubFlags": dict(STUB_FLAGS),
        "accountQueue": ACCOUNT_QUEUE,
        "webPushQueue": WEB_PUSH_QUEUE,
        "startProperties": dict(START_PROPERTIES),
        "liveMethod": LIVE_METHOD,
        "scriptId": SDK_SCRIPT_ID,
        "login": {"queue": LOGIN_QUEUE, "inProgressGlobal": LOGIN_IN_PROGRESS, "idMethod": LOGIN_ID_METHOD},
        "requests": {"host": REQUEST_HOST, "path": REQUEST_PATH},
        "privacy": {"queue": PRIVACY_QUEUE, "optOut": OPT_OUT},
    }
