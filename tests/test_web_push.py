"""Web push and in-app messages without a browser: the [web_push] settings and their one-line errors, the one
notifications.push call Python computes, the service worker in the bundle, the CSP additions, the demo server.
(tests/browser/test_web_push.py runs them with the real SDK in Chromium.)"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.build import csp_directives, sri
from bridge.build._bundle import _service_worker
from bridge.bundle import SERVICE_WORKER_FILE, BuildError, build_bundle, to_js
from bridge.device import QUEUES, WEB_PUSH_QUEUE, translate, web_push_calls
from bridge.errors import SettingsError
from bridge.settings import DEFAULT_SERVICE_WORKER_PATH, Settings, WebPush, load_settings, settings_table

ROOT = Path(__file__).resolve().parent.parent
SDK_DIR = ROOT / "node_modules" / "clevertap-web-sdk"
SDK_SOURCE = SDK_DIR / "clevertap.js"

FULL = {
    "enabled": True,
    "title_text": "Stay in the loop",
    "body_text": "We send news about your orders.",
    "ok_button_text": "Yes please",
    "reject_button_text": "Not now",
    "ok_button_color": "#1b6e20",
    "ask_again_time_in_seconds": 3600,
    "skip_dialog": False,
    "service_worker_path": "/push/clevertap_sw.js",
    "apns_web_push_id": "web.com.example.shop",
    "apns_web_push_service_url": "https://push.example.com/safari",
}


def embedded_config(js: str) -> dict[str, Any]:
    match = re.search(r"^  var CONFIG = (.*);$", js, re.MULTILINE)
    assert match, "no CONFIG line"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


# ---- settings -----------------------------------------------------------------------------------


def test_web_push_is_off_by_default_with_the_sdks_default_service_worker_path() -> None:
    settings = Settings.from_config({"account_id": "A-1"})
    assert settings.web_push == WebPush()
    assert settings.web_push.enabled is False
    assert settings.web_push.service_worker_path == DEFAULT_SERVICE_WORKER_PATH == "/clevertap_sw.js"
    assert settings.in_app is False


def test_the_toml_table_and_the_python_api_give_the_same_settings(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    lines = [f"{key} = {json.dumps(value)}" for key, value in FULL.items()]
    path.write_text('account_id = "A-1"\nin_app = true\n\n[web_push]\n' + "\n".join(lines) + "\n", encoding="utf-8")
    from_toml = load_settings(path)
    from_api = Settings.from_config({"account_id": "A-1", "in_app": True, "web_push": FULL})
    assert from_toml == from_api == Settings(account_id="A-1", in_app=True, web_push=WebPush(**FULL))  # type: ignore[arg-type]
    assert from_toml.to_config()["web_push"] == FULL
    # to_config round-trips (the integration hands these settings to Python in the worker).
    assert Settings.from_config(from_toml.to_config()) == from_toml


@pytest.mark.parametrize(
    ("web_push", "message"),
    [
        ({"enabled": "yes"}, "web_push.enabled: 'yes' is not a boolean (true or false)"),
        ({"skip_dialog": 1}, "web_push.skip_dialog: 1 is not a boolean (true or false)"),
        ({"ok_button_color": "green"}, "web_push.ok_button_color: 'green' is not a colour written #rrggbb (six hex digits, e.g. '#f28046')"),
        ({"ok_button_color": "#abc"}, "web_push.ok_button_color: '#abc' is not a colour written #rrggbb (six hex digits, e.g. '#f28046')"),
        ({"ask_again_time_in_seconds": -5}, "web_push.ask_again_time_in_seconds: -5 is not a whole number of seconds (0 or more)"),
        ({"ask_again_time_in_seconds": 1.5}, "web_push.ask_again_time_in_seconds: 1.5 is not a whole number of seconds (0 or more)"),
        ({"ask_again_time_in_seconds": True}, "web_push.ask_again_time_in_seconds: True is not a whole number of seconds (0 or more)"),
        (
            {"service_worker_path": "clevertap_sw.js"},
            "web_push.service_worker_path: 'clevertap_sw.js' is not a path on the site's origin ending in .js, such as '/clevertap_sw.js'",
        ),
        (
            {"service_worker_path": "//cdn.example.com/sw.js"},
            "web_push.service_worker_path: '//cdn.example.com/sw.js' is not a path on the site's origin ending in .js, such as '/clevertap_sw.js'",
        ),
        (
            {"service_worker_path": "https://example.com/sw.js"},
            "web_push.service_worker_path: 'https://example.com/sw.js' is not a path on the site's origin ending in .js, such as '/clevertap_sw.js'",
        ),
        (
            {"service_worker_path": "/a/../sw.js"},
            "web_push.service_worker_path: '/a/../sw.js' is not a path on the site's origin ending in .js, such as '/clevertap_sw.js'",
        ),
        (
            {"service_worker_path": "/sw.js?v=1"},
            "web_push.service_worker_path: '/sw.js?v=1' is not a path on the site's origin ending in .js, such as '/clevertap_sw.js'",
        ),
        ({"apns_web_push_id": "com.example"}, "web_push.apns_web_push_id: 'com.example' is not an Apple Website Push ID such as 'web.com.example.shop'"),
        (
            {"apns_web_push_service_url": "http://push.example.com"},
            "web_push.apns_web_push_service_url: 'http://push.example.com' is not an https:// URL",
        ),
        ({"title_text": ""}, "web_push.title_text: '' is not a non-empty string"),
        ({"body_text": 3}, "web_push.body_text: 3 is not a non-empty string"),
        (
            {"title_text": "Hi", "body_text": "News"},
            "web_push.title_text: 'Hi' is set but web_push.ok_button_text, web_push.reject_button_text not: the SDK shows its"
            " soft prompt only with all four texts (set none to use the prompt designed in CleverTap's dashboard)",
        ),
        (
            {"okButtonText": "OK"},
            "web_push.okButtonText: is not a web push setting; they are enabled, title_text, body_text, ok_button_text,"
            " reject_button_text, ok_button_color, ask_again_time_in_seconds, skip_dialog, service_worker_path,"
            " apns_web_push_id, apns_web_push_service_url",
        ),
        (True, "web_push: True is not a table of web push settings"),
    ],
)
def test_bad_web_push_values_raise_one_line_naming_key_value_and_what_is_allowed(web_push: Any, message: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_config({"account_id": "A-1", "web_push": web_push})
    assert str(excinfo.value) == message
    assert "\n" not in message


def test_a_bad_in_app_value_raises_one_line() -> None:
    with pytest.raises(SettingsError, match=r"^in_app: 'yes' is not a boolean \(true or false\)$"):
        Settings.from_config({"account_id": "A-1", "in_app": "yes"})


def test_a_bad_web_push_value_in_a_toml_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('account_id = "A-1"\n[web_push]\nenabled = true\nok_button_color = "red"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    assert str(excinfo.value) == f"{path}: web_push.ok_button_color: 'red' is not a colour written #rrggbb (six hex digits, e.g. '#f28046')"


def test_the_settings_table_has_a_row_for_every_web_push_key() -> None:
    table = settings_table()
    for name in WebPush.__dataclass_fields__:
        assert table.count(f"| `web_push.{name}` |") == 1
    assert table.count("| `in_app` |") == 1


# ---- the notifications.push call ------------------------------------------------------------------


def _sdk_notification_options() -> set[str]:
    """The option names the SDK reads from the object given to clevertap.notifications.push."""
    return set(re.findall(r"notifObj\.([A-Za-z]+)", SDK_SOURCE.read_text(encoding="utf-8")))


def test_web_push_off_makes_no_call() -> None:
    assert web_push_calls(Settings.from_config({"account_id": "A-1"})) == []
    assert web_push_calls({"web_push": {**FULL, "enabled": False}}) == []


def test_the_call_carries_the_sdks_own_option_names_and_only_those_set() -> None:
    calls = web_push_calls(Settings.from_config({"account_id": "A-1", "web_push": FULL}))
    assert calls == [
        [
            "notifications",
            {
                "titleText": "Stay in the loop",
                "bodyText": "We send news about your orders.",
                "okButtonText": "Yes please",
                "rejectButtonText": "Not now",
                "okButtonColor": "#1b6e20",
                "askAgainTimeInSeconds": 3600,
                "skipDialog": False,
                "serviceWorkerPath": "/push/clevertap_sw.js",
                "apnsWebPushId": "web.com.example.shop",
                "apnsWebPushServiceUrl": "https://push.example.com/safari",
            },
        ]
    ]
    assert set(calls[0][1]) <= _sdk_notification_options(), "an option the SDK does not read"
    minimal = web_push_calls({"web_push": {"enabled": True}})
    assert minimal == [["notifications", {"skipDialog": False, "serviceWorkerPath": "/clevertap_sw.js"}]]


def test_events_never_reach_the_notifications_queue() -> None:
    assert WEB_PUSH_QUEUE == "notifications" and WEB_PUSH_QUEUE not in QUEUES
    settings = Settings.from_config({"account_id": "A-1", "track_anonymous": True, "web_push": FULL})
    for message in (
        {"type": "track", "event": "notifications", "userId": "u1", "properties": {"serviceWorkerPath": "/x.js"}},
        {"type": "identify", "userId": "u1", "traits": {"notifications": True}},
        {"type": "page", "name": "notifications", "userId": "u1"},
    ):
        assert all(call[0] in QUEUES for call in translate(message, settings).calls)


# ---- the bundle ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def push_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("push") / "bundle"
    settings = Settings.from_config(
        {"account_id": "A-1", "pyodide_url": "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/", "web_push": FULL}
    )
    return out, build_bundle(settings, out)


def test_with_web_push_the_bundle_ships_the_pinned_sdks_service_worker(push_bundle: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = push_bundle
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]["clevertap-web-sdk"]
    assert json.loads((SDK_DIR / "package.json").read_text(encoding="utf-8"))["version"] == pinned
    data = (out / SERVICE_WORKER_FILE).read_bytes()
    assert data == (SDK_DIR / "sw_webpush.min.js").read_bytes()
    assert manifest["files"][SERVICE_WORKER_FILE] == {"size": len(data), "integrity": sri(data)}
    assert manifest["service_worker"]["path"] == "/push/clevertap_sw.js"
    assert manifest["versions"]["clevertap-web-sdk"] == pinned


def test_the_integration_carries_the_call_and_keeps_its_queue_allow_list(push_bundle: tuple[Path, dict[str, Any]]) -> None:
    out, _ = push_bundle
    for name in ("Clevertap.min.js", "rudderanalytics.js"):
        config = embedded_config((out / name).read_text(encoding="utf-8"))
        assert config["webPush"] == web_push_calls(Settings.from_config({"web_push": FULL}, require_account=False))
        assert config["sdk"]["queues"] == ["event", "profile", "onUserLogin", "privacy"]
        assert config["sdk"]["webPushQueue"] not in config["sdk"]["queues"]
        # Build-time settings: a destination config cannot switch them at run time.
        assert "web_push" not in config["settingNames"] and "in_app" not in config["settingNames"]


def test_without_web_push_there_is_no_service_worker_and_no_call(tmp_path: Path) -> None:
    settings = Settings.from_config({"account_id": "A-1", "pyodide_url": "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/"})
    manifest = build_bundle(settings, tmp_path / "out")
    assert not (tmp_path / "out" / SERVICE_WORKER_FILE).exists()
    assert SERVICE_WORKER_FILE not in manifest["files"] and "service_worker" not in manifest
    assert embedded_config((tmp_path / "out" / "Clevertap.min.js").read_text(encoding="utf-8"))["webPush"] == []


def test_a_service_worker_from_another_sdk_version_fails_the_build(tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "clevertap-web-sdk"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"version": "2.0.0"}', encoding="utf-8")
    with pytest.raises(BuildError, match=r"^.*: missing from clevertap-web-sdk: run `make install-npm`$"):
        _service_worker(tmp_path, "2.0.0")
    (package / "sw_webpush.min.js").write_text("// sw", encoding="utf-8")
    with pytest.raises(BuildError, match=r"clevertap-web-sdk 2\.0\.0 is installed but package\.json pins 2\.5\.2"):
        _service_worker(tmp_path, "2.5.2")
    assert _service_worker(tmp_path, "2.0.0") == b"// sw"


def test_hostile_web_push_texts_are_escaped_in_the_javascript(tmp_path: Path) -> None:
    texts = {"title_text": "</script><script>alert(1)</script>", "body_text": "a\u2028b", "ok_button_text": "&", "reject_button_text": "<!--"}
    settings = Settings.from_config(
        {"account_id": "A-1", "pyodide_url": "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/", "web_push": {"enabled": True, **texts}}
    )
    build_bundle(settings, tmp_path / "out")
    js = (tmp_path / "out" / "Clevertap.min.js").read_text(encoding="utf-8")
    assert "</script>" not in js and "<!--" not in js and "\u2028" not in js
    assert to_js(web_push_calls(settings)) in js


# ---- the CSP ---------------------------------------------------------------------------------------


def test_the_csp_grows_only_with_the_settings_that_need_it() -> None:
    plain = csp_directives(Settings(account_id="A-1"))
    assert plain["worker-src"] == ["'self'", "blob:"]  # blob: the dedicated worker, 'self' the shared one
    assert "'unsafe-inline'" not in plain["script-src"]

    push = csp_directives(Settings.from_config({"account_id": "A-1", "sdk_url": "https://cdn.example.com/ct.js", "web_push": FULL}))
    # The service worker is the site's own; the SDK fetches its soft prompt from CleverTap's CDN.
    assert push["worker-src"] == ["'self'", "blob:"]
    assert set(push["script-src"]) - set(csp_directives(Settings(account_id="A-1", sdk_url="https://cdn.example.com/ct.js"))["script-src"]) == {
        "https://d2r1yp2w7bby2u.cloudfront.net"
    }
    assert push["connect-src"] == plain["connect-src"]
    skip = csp_directives(Settings.from_config({"account_id": "A-1", "sdk_url": "https://cdn.example.com/ct.js", "web_push": {"enabled": True, "skip_dialog": True}}))
    assert "https://d2r1yp2w7bby2u.cloudfront.net" not in skip["script-src"]

    in_app = csp_directives(Settings(account_id="A-1", in_app=True))
    assert set(in_app["script-src"]) - set(plain["script-src"]) == {"'unsafe-inline'"}
    assert in_app["worker-src"] == plain["worker-src"] and in_app["connect-src"] == plain["connect-src"]


# ---- the demo server ---------------------------------------------------------------------------


@pytest.fixture
def served_push(push_bundle: tuple[Path, dict[str, Any]]) -> Iterator[str]:
    from bridge.build import make_server

    server = make_server(push_bundle[0], "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_demo_server_serves_the_worker_at_its_path_as_javascript_with_its_scope_header(
    served_push: str, push_bundle: tuple[Path, dict[str, Any]]
) -> None:
    with urllib.request.urlopen(served_push + "/push/clevertap_sw.js", timeout=10) as response:
        assert response.headers["Content-Type"] == "text/javascript"
        assert response.headers["Service-Worker-Allowed"] == "/"
        assert response.read() == (push_bundle[0] / SERVICE_WORKER_FILE).read_bytes()
    with urllib.request.urlopen(served_push + "/Clevertap.min.js", timeout=10) as response:
        assert response.headers["Service-Worker-Allowed"] is None
