"""Web push and in-app web messages with the real CleverTap Web SDK in Chromium, on loopback.

The collector answers the SDK's page-load request as CleverTap's servers do for an account with web push on
(``$WZRK_WR.enableWebPush(true, <VAPID key>)`` and a ``webPushConfig``) or with an in-app message
(``$WZRK_WR.tr({inapp_notifs: [...]})``). Web push pages are opened at http://localhost: the SDK sets up web
push on http:// only for that host name (Chromium also counts 127.0.0.1 as a secure context, the SDK does not).

The service worker (the SDK package's sw_webpush.min.js, in the bundle as clevertap_sw.js) imports
localforage from CleverTap's CDN: the tests serve the npm package localforage there. The soft prompt's own
script (wzrk_dialog.min.js) is not in any package: pages/wzrk_dialog_standin.js stands in for CleverTap's
CDN (see its header); everything around it is the SDK's own code.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bridge.bundle import SERVICE_WORKER_FILE
from bridge.device import web_push_calls
from bridge.settings import Settings

from .conftest import NODE_MODULES, PAGES, TEST_SETTINGS, Env, build_bundle, session_settings
from .e2e import bridge_log, wait_bridge_idle

pytestmark = pytest.mark.browser

# A P-256 public key (uncompressed point), as CleverTap's servers hand the SDK its VAPID key.
VAPID_KEY = "BCPRVhMFmPty4xfnTMdg9tzYtrPK9DT5CfmFqDxB0pSU1woUMT51AmrOkhoysl4cWQ1bh0q-0SC5QbV9cXNhMb4"
DIALOG_URL = "https://d2r1yp2w7bby2u.cloudfront.net/js/wzrk_dialog.min.js"
LOCALFORAGE_URL = "https://d2r1yp2w7bby2u.cloudfront.net/js/localforage.min.js"
SW_PATH = "/ct-push-sw.js"  # not the SDK's default: the test shows the configured path is the one used
WEB_PUSH = {
    "enabled": True,
    "title_text": "Order updates",
    "body_text": "Hear when your order ships.",
    "ok_button_text": "Sure",
    "reject_button_text": "Maybe later",
    "ok_button_color": "#1b6e20",
    "service_worker_path": SW_PATH,
}
# Web push on for the account, with the SDK's own ("old") soft prompt, which shows the configured texts.
PUSH_ANSWERS: list[list[Any]] = [["enableWebPush", True, VAPID_KEY], ["tr", {"webPushConfig": {"showBox": True, "boxType": "old"}}]]

# In every frame (the SDK's in-app iframes inherit the page's CSP and report there): into the top page's list.
CSP_RECORDER = """
(function () {
  var sink = window;
  try {
    if (window.top !== window && window.top.__cspViolations) sink = window.top;
  } catch (e) { /* another origin */ }
  if (sink === window) window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    sink.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + (sink === window ? "" : " (in a frame)"));
  });
})();
"""
# Records each PushManager.subscribe call the SDK makes and how it ended (the real method still runs).
SUBSCRIBE_RECORDER = """
window.__subscribe = [];
if (window.PushManager) {
  var original = PushManager.prototype.subscribe;
  PushManager.prototype.subscribe = function (options) {
    var record = {
      userVisibleOnly: !!(options && options.userVisibleOnly),
      key: options && options.applicationServerKey ? Array.from(new Uint8Array(options.applicationServerKey)) : null
    };
    window.__subscribe.push(record);
    return original.apply(this, arguments).then(function (s) {
      record.outcome = "subscribed " + s.endpoint;
      return s;
    }, function (e) {
      record.outcome = e.name + ": " + e.message;
      throw e;
    });
  };
}
"""
REGISTRATIONS = """() => navigator.serviceWorker.getRegistrations().then(rs => rs.map(r => {
  const w = r.active || r.waiting || r.installing;
  return {scope: r.scope, script: w ? w.scriptURL : null};
}))"""


def _write_settings(path: Path, extra: str) -> Path:
    base = "".join(f"{key} = {json.dumps(value)}\n" for key, value in TEST_SETTINGS.items())
    path.write_text(base + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def push_bundle(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A bundle with [web_push] on, at /bundle-push/; its clevertap_sw.js served at SW_PATH, as a site would."""
    work = tmp_path_factory.mktemp("push")
    table = "\n[web_push]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in WEB_PUSH.items())
    build_bundle(server, work, _write_settings(work / "push.toml", table), prefix="bundle-push")
    out = work / "out"
    server.mount(SW_PATH, out / SERVICE_WORKER_FILE)  # a mount may name one file
    yield out


@pytest.fixture(scope="module")
def in_app_bundle(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle with in_app = true, at /bundle-inapp/."""
    work = tmp_path_factory.mktemp("inapp")
    build_bundle(server, work, _write_settings(work / "inapp.toml", "in_app = true\n"), prefix="bundle-inapp")
    return work / "out"


def _serve_cdn(env: Env, dialog_requests: list[str]) -> None:
    """CleverTap's CDN files the SDK and its service worker load (routes added after the guard win over it)."""
    localforage = (NODE_MODULES / "localforage" / "dist" / "localforage.min.js").read_bytes()
    dialog = (PAGES / "wzrk_dialog_standin.js").read_bytes()

    def serve_dialog(route: Any) -> None:
        dialog_requests.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body=dialog)

    env.context.route(DIALOG_URL, serve_dialog)
    env.context.route(LOCALFORAGE_URL, lambda route: route.fulfill(status=200, content_type="text/javascript", body=localforage))


def _localhost(env: Env, path: str) -> str:
    return f"http://localhost:{env.server.port}{path}"


def _open_standalone(env: Env, bundle_prefix: str, **options: Any) -> None:
    options["bundle"] = _localhost(env, f"/{bundle_prefix}")
    env.page.goto(_localhost(env, f"/pages/standalone.html?o={quote(json.dumps(options))}"))


def _wait_push_config_processed(env: Env) -> None:
    """Wait until the SDK has taken the collector's web push answer (it stores this flag then)."""
    env.page.wait_for_function("() => window.localStorage.getItem('WZRK_WEB_PUSH_CONFIG_RECEIVED') !== null")


def _no_web_push_happened(env: Env, dialog_requests: list[str]) -> None:
    assert not [r for r in bridge_log(env) if r.get("kind") == "web-push"]
    assert dialog_requests == []
    assert env.page.evaluate("() => !!document.getElementById('wzrk-alert-js') || !!document.getElementById('wzrk_wrapper')") is False
    assert env.page.evaluate(REGISTRATIONS) == []
    assert env.page.evaluate("() => window.__subscribe.length") == 0
    assert not [line for line in env.server.requests if SW_PATH in line or SERVICE_WORKER_FILE in line]


def test_the_soft_prompt_shows_the_configured_texts_and_accepting_registers_the_worker_and_subscribes(
    env: Env, push_bundle: Path
) -> None:
    env.remove_received_hook()  # the demo page checks the SRI hash of rudderanalytics.js
    env.context.add_init_script(CSP_RECORDER)
    env.context.add_init_script(SUBSCRIBE_RECORDER)
    dialog_requests: list[str] = []
    _serve_cdn(env, dialog_requests)
    env.collector.page_answers = PUSH_ANSWERS
    manifest = json.loads((push_bundle / "manifest.json").read_text(encoding="utf-8"))

    # The bundle's demo page, under the manifest's CSP.
    env.page.goto(_localhost(env, "/bundle-push/index.html"))
    csp = env.page.evaluate("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert csp == manifest["csp"]["header"]
    env.page.wait_for_selector("#wzrk_wrapper")

    # The one call Python computed at build time, pushed once; the SDK hands the configured texts to its prompt.
    settings = Settings.from_config({**TEST_SETTINGS, "web_push": WEB_PUSH})
    pushed = [r["calls"] for r in bridge_log(env) if r.get("kind") == "web-push"]
    assert pushed == [web_push_calls(settings)]
    assert env.page.evaluate("() => window.__wizAlertCalls.length") == 1
    prompt = env.page.evaluate("() => window.__wizAlertCalls[0]")
    assert {k: prompt[k] for k in ("title", "body", "confirmButtonText", "rejectButtonText", "confirmButtonColor")} == {
        "title": "Order updates",
        "body": "Hear when your order ships.",
        "confirmButtonText": "Sure",
        "rejectButtonText": "Maybe later",
        "confirmButtonColor": "#1b6e20",
    }
    assert env.page.inner_text("#wzrk-title") == "Order updates"
    assert env.page.inner_text("#wzrk-body") == "Hear when your order ships."
    assert env.page.inner_text("#wzrk-confirm") == "Sure"
    assert env.page.inner_text("#wzrk-cancel") == "Maybe later"
    assert dialog_requests == [DIALOG_URL]
    # Nothing is registered before the user accepts.
    assert env.page.evaluate(REGISTRATIONS) == []
    env.page.wait_for_function("() => document.getElementById('web-push-prompt').textContent.startsWith('shown')")

    env.context.grant_permissions(["notifications"], origin=_localhost(env, ""))
    env.page.click("#wzrk-confirm")

    # The SDK registers the service worker at the configured path (served by the test server) and subscribes.
    env.page.wait_for_function("() => window.__subscribe.length > 0 && window.__subscribe[0].outcome")
    registrations = env.page.evaluate(REGISTRATIONS)
    assert registrations == [{"scope": _localhost(env, "/"), "script": _localhost(env, SW_PATH)}]
    assert f"GET {SW_PATH}" in env.server.requests
    attempt = env.page.evaluate("() => window.__subscribe")
    assert len(attempt) == 1
    assert attempt[0]["userVisibleOnly"] is True
    padded = VAPID_KEY + "=" * (-len(VAPID_KEY) % 4)
    assert bytes(attempt[0]["key"]) == base64.urlsafe_b64decode(padded)
    # No push service is reachable from here: the attempt ends in the browser's error, not in a subscription.
    assert attempt[0]["outcome"].startswith(("AbortError: ", "NotAllowedError: ", "subscribed ")), attempt
    # The demo page shows the registration.
    env.page.wait_for_function(
        "path => document.getElementById('web-push-registration').textContent.includes(path)", arg=SW_PATH
    )
    assert env.page.evaluate("() => window.__cspViolations") == []
    assert not [text for text in env.warnings() if "Content Security Policy" in text or "Refused to" in text]


# The prompt designed in CleverTap's dashboard (webPushConfig boxType "new"): the SDK draws it itself, with the
# dashboard's texts, and on "accept" uses the serviceWorkerPath of the bridge's call.
DASHBOARD_PROMPT = {
    "showBox": True,
    "boxType": "new",
    "showBellIcon": False,
    "isPreview": False,
    "boxConfig": {
        "content": {
            "title": "Dashboard title",
            "description": "Dashboard description",
            "icon": {"type": "default"},
            "buttons": {"primaryButtonText": "Allow", "secondaryButtonText": "No thanks"},
            "popupFrequency": 7,
        },
        "style": {
            "overlay": {"enabled": False},
            "card": {"color": "#ffffff", "borderRadius": 8, "borderEnabled": False, "position": "Top Right"},
            "text": {"titleColor": "#111111", "descriptionColor": "#333333"},
            "buttons": {
                "primaryButton": {"buttonColor": "#1b6e20", "textColor": "#ffffff", "borderRadius": 4, "borderEnabled": False},
                "secondaryButton": {"buttonColor": "#eeeeee", "textColor": "#111111", "borderRadius": 4, "borderEnabled": False},
            },
        },
    },
}


def test_the_dashboards_prompt_drawn_by_the_sdk_registers_the_configured_worker_under_the_csp(env: Env, push_bundle: Path) -> None:
    env.remove_received_hook()
    env.context.add_init_script(CSP_RECORDER)
    env.context.add_init_script(SUBSCRIBE_RECORDER)
    dialog_requests: list[str] = []
    _serve_cdn(env, dialog_requests)
    env.collector.page_answers = [["enableWebPush", True, VAPID_KEY], ["tr", {"webPushConfig": DASHBOARD_PROMPT}]]

    env.page.goto(_localhost(env, "/bundle-push/index.html"))
    env.page.wait_for_selector("#pnWrapper #pnCard")
    assert env.page.inner_text("#pnWrapper #title") == "Dashboard title"
    assert env.page.inner_text("#pnWrapper #description") == "Dashboard description"
    assert dialog_requests == []  # the SDK's own drawing: no script from CleverTap's CDN
    assert env.page.evaluate(REGISTRATIONS) == []

    env.context.grant_permissions(["notifications"], origin=_localhost(env, ""))
    env.page.click("#pnWrapper #primaryButton")
    env.page.wait_for_function("() => window.__subscribe.length > 0 && window.__subscribe[0].outcome")
    assert env.page.evaluate(REGISTRATIONS) == [{"scope": _localhost(env, "/"), "script": _localhost(env, SW_PATH)}]
    assert env.page.evaluate("() => window.__subscribe[0].userVisibleOnly") is True
    assert env.page.evaluate("() => window.__cspViolations") == []


def test_with_the_rudderstack_sdk_the_integration_makes_the_call_and_the_sdk_prompts(env: Env, push_bundle: Path) -> None:
    dialog_requests: list[str] = []
    _serve_cdn(env, dialog_requests)
    env.collector.page_answers = PUSH_ANSWERS
    options = {"destSDKBaseURL": _localhost(env, "/bundle-push"), "integrations": {"All": True}}
    env.page.goto(_localhost(env, f"/pages/v3.html?o={quote(json.dumps(options))}"))
    env.page.wait_for_selector("#wzrk_wrapper")
    assert env.page.inner_text("#wzrk-title") == "Order updates"
    assert [r["calls"] for r in bridge_log(env) if r.get("kind") == "web-push"] == [
        web_push_calls(Settings.from_config({**TEST_SETTINGS, "web_push": WEB_PUSH}))
    ]


def test_web_push_off_nothing_happens_even_when_the_account_has_it_on(env: Env, bundle: str) -> None:
    if session_settings().web_push.enabled:
        pytest.skip("the session bundle (QA's settings) has web push on")
    env.context.add_init_script(SUBSCRIBE_RECORDER)
    env.context.grant_permissions(["notifications"], origin=_localhost(env, ""))
    dialog_requests: list[str] = []
    _serve_cdn(env, dialog_requests)
    env.collector.page_answers = PUSH_ANSWERS
    bundle_dir = Path(env.server.mounts["bundle"])
    assert not (bundle_dir / SERVICE_WORKER_FILE).exists()
    assert SERVICE_WORKER_FILE not in json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))["files"]

    _open_standalone(env, "bundle", calls=[["track", "Viewed", {}]])
    wait_bridge_idle(env)
    _wait_push_config_processed(env)
    _no_web_push_happened(env, dialog_requests)


@pytest.mark.parametrize(
    "how",
    ["load option", "setPrivacy before load"],
)
def test_opted_out_there_is_no_prompt_until_the_site_opts_in(env: Env, push_bundle: Path, how: str) -> None:
    env.context.add_init_script(SUBSCRIBE_RECORDER)
    dialog_requests: list[str] = []
    _serve_cdn(env, dialog_requests)
    env.collector.page_answers = PUSH_ANSWERS
    if how == "load option":
        _open_standalone(env, "bundle-push", integrations={"All": True, "CleverTap": {"optOut": True}})
    else:
        _open_standalone(env, "bundle-push", stubCalls=[["setPrivacy", {"optOut": True}]])
    wait_bridge_idle(env)
    _wait_push_config_processed(env)
    env.page.wait_for_function("() => window.ClevertapBridge.isLive()")
    _no_web_push_happened(env, dialog_requests)

    # Opting in later lets the one call go, and the SDK prompts.
    env.page.evaluate("() => window.rudderanalytics.setPrivacy({optOut: false})")
    env.page.wait_for_selector("#wzrk_wrapper")
    assert [r["calls"][0][0] for r in bridge_log(env) if r.get("kind") == "web-push"] == ["notifications"]
    assert dialog_requests == [DIALOG_URL]


# ---- in-app web messages ---------------------------------------------------------------------------

CAMPAIGN_ID = "1700000123"
IN_APP = {
    "wzrk_id": f"{CAMPAIGN_ID}_20240101",
    "wzrk_pivot": "wzrk_default",
    "display": {"wtarget_type": 0, "layout": 0, "theme": "light", "onClick": "", "wmc": 5, "wmp": 5},
    "msgContent": {"type": 2, "title": "Spring sale", "description": "Everything 20% off today.", "imageUrl": ""},
}


def _in_app_page(env: Env, prefix: str) -> None:
    env.remove_received_hook()
    env.context.add_init_script(CSP_RECORDER)
    env.collector.page_answers = [["tr", {"inapp_notifs": [IN_APP]}]]
    env.page.goto(f"{env.origin}/{prefix}/index.html")
    env.page.wait_for_selector("#wizParDiv0 iframe#wiz-iframe")
    frame = env.page.frame_locator("#wiz-iframe")
    assert frame.locator(".wzrkPPtitle").inner_text() == "Spring sale"
    assert frame.locator(".wzrkPPdscr").inner_text() == "Everything 20% off today."
    frame.locator("a.wzrkClose").click()


def test_an_in_app_message_renders_and_closes_under_the_manifests_csp(env: Env, in_app_bundle: Path) -> None:
    manifest = json.loads((in_app_bundle / "manifest.json").read_text(encoding="utf-8"))
    assert "'unsafe-inline'" in manifest["csp"]["directives"]["script-src"]
    _in_app_page(env, "bundle-inapp")
    assert env.page.evaluate("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content") == manifest["csp"]["header"]
    # The SDK's own close button (an inline handler in the srcdoc iframe, which inherits the page's CSP) works.
    env.page.wait_for_selector("#wizParDiv0", state="detached")
    # And the SDK reported the impression to CleverTap, as it does for a message it has shown.
    env.collector.wait_for(
        env.page,
        lambda c: any(
            isinstance(r.payload, dict)
            and r.payload.get("evtName") == "Notification Viewed"
            and r.payload.get("evtData", {}).get("wzrk_id") == IN_APP["wzrk_id"]
            for r in c.requests
        ),
        what="the Notification Viewed event of the in-app message",
    )
    assert env.page.evaluate("() => window.__cspViolations") == []
    assert not [text for text in env.warnings() if "Content Security Policy" in text or "Refused to" in text]


def test_without_in_app_the_csp_blocks_the_messages_inline_code(env: Env, bundle: str) -> None:
    """The counterpart: the CSP of a bundle without in_app stops the SDK's close button, so the addition is needed."""
    if session_settings().in_app:
        pytest.skip("the session bundle (QA's settings) has in_app on")
    _in_app_page(env, "bundle")
    env.page.wait_for_function("() => window.__cspViolations.length > 0")
    violations = env.page.evaluate("() => window.__cspViolations")
    assert any(v.startswith("script-src") and v.endswith("(in a frame)") for v in violations), violations
    assert env.page.locator("#wizParDiv0").count() == 1  # the close button did nothing
