"""Settings: both namings, the checks and their one-line messages, TOML loading, the merge rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.errors import SettingsError
from bridge.settings import (
    DEFAULT_SDK_URL,
    REGIONS,
    Settings,
    load_settings,
    settings_table,
)


def test_defaults_follow_the_design_table() -> None:
    settings = Settings.from_config({"account_id": "W9R-486-4W5Z"})
    assert settings.to_config() == {
        "account_id": "W9R-486-4W5Z",
        "region": "none",
        "track_anonymous": False,
        "enable_object_id_mapping": False,
        "opt_out": False,
        "use_ip": False,
        "sdk_url": DEFAULT_SDK_URL,
        "pyodide_url": None,
        "target_domain": None,
        "max_stored_bytes": 1_000_000,
        "in_app": False,
        "transformation": None,
        "on_transformation_error": "drop",
        "transformation_timeout_ms": None,
        "web_push": {
            "enabled": False,
            "title_text": None,
            "body_text": None,
            "ok_button_text": None,
            "reject_button_text": None,
            "ok_button_color": None,
            "ask_again_time_in_seconds": None,
            "skip_dialog": False,
            "service_worker_path": "/clevertap_sw.js",
            "apns_web_push_id": None,
            "apns_web_push_service_url": None,
        },
    }


def test_dashboard_names_are_accepted_and_rudderstack_only_keys_ignored() -> None:
    config = {
        "accountId": "TEST-ACC-ID",
        "passcode": "TEST-PASSCODE",
        "region": "in1",
        "trackAnonymous": True,
        "enableObjectIdMapping": True,
        "useNativeSDK": True,
        "connectionMode": "device",
        "eventFilteringOption": "disable",
        "blacklistedEvents": [],
        "whitelistedEvents": [],
        "oneTrustCookieCategories": [],
        "consentManagement": [],
    }
    settings = Settings.from_config(config)
    assert (settings.account_id, settings.passcode, settings.region) == ("TEST-ACC-ID", "TEST-PASSCODE", "in1")
    assert settings.track_anonymous is True and settings.enable_object_id_mapping is True


def test_passcode_is_left_out_of_to_config_unless_asked_for() -> None:
    settings = Settings.from_config({"accountId": "A-1", "passcode": "secret"})
    assert "passcode" not in settings.to_config()
    assert settings.to_config(include_passcode=True)["passcode"] == "secret"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"accountId": "A-1", "region": "eu2"}, "region: 'eu2' is not one of none, in1, sg1, us1, sk1, aps3, mec1"),
        ({"account_id": "A-1", "region": "IN1"}, "region: 'IN1' is not one of none, in1, sg1, us1, sk1, aps3, mec1"),
        ({"region": "in1"}, "account_id: missing: a CleverTap project ID is required (dashboard name accountId)"),
        (
            {"accountId": "bad id!"},
            "accountId: 'bad id!' is not a CleverTap project ID (letters and digits in groups joined by '-', e.g. 'W9R-486-4W5Z')",
        ),
        ({"accountId": "A-1", "trackAnonymous": "yes"}, "trackAnonymous: 'yes' is not a boolean (true or false)"),
        ({"accountId": "A-1", "use_ip": 1}, "use_ip: 1 is not a boolean (true or false)"),
        ({"accountId": "A-1", "sdk_url": "javascript:alert(1)"}, "sdk_url: 'javascript:alert(1)' is not an http:// or https:// URL"),
        (
            {"accountId": "A-1", "target_domain": "a b"},
            "target_domain: 'a b' is not a domain name such as 'analytics.example.com'",
        ),
        ({"accountId": "A-1", "max_stored_bytes": True}, "max_stored_bytes: True is not a whole number of bytes from 0 to 4000000"),
        ({"accountId": "A-1", "max_stored_bytes": -1}, "max_stored_bytes: -1 is not a whole number of bytes from 0 to 4000000"),
        ({"accountId": "A-1", "max_stored_bytes": 1e6}, "max_stored_bytes: 1000000.0 is not a whole number of bytes from 0 to 4000000"),
        (
            {"accountId": "A-1", "acount_id": "x"},
            "acount_id: is not a setting; the settings are account_id, passcode, region, track_anonymous, "
            "enable_object_id_mapping, opt_out, use_ip, sdk_url, pyodide_url, target_domain, max_stored_bytes, api_url, in_app, transformation, on_transformation_error, transformation_timeout_ms, web_push",
        ),
        ({"accountId": "A-1", "api_url": "ftp://proxy"}, "api_url: 'ftp://proxy' is not an http:// or https:// URL"),
        ({"accountId": "A-1", "passcode": 12345}, "passcode: a int is not a string (value not shown: it is a secret)"),
        (
            {"accountId": "A-1", "account_id": "B-2"},
            "account_id: 'B-2' contradicts accountId = 'A-1', the same setting under its other name",
        ),
    ],
)
def test_bad_values_raise_one_line_naming_key_value_and_what_is_allowed(config: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_config(config)
    assert str(excinfo.value) == message
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize("region", REGIONS)
def test_every_documented_region_is_accepted(region: str) -> None:
    assert Settings.from_config({"accountId": "A-1", "region": region}).region == region


def test_empty_region_means_none_and_pyodide_url_gets_a_trailing_slash() -> None:
    settings = Settings.from_config(
        {"accountId": "A-1", "region": "", "pyodide_url": "https://cdn.jsdelivr.net/pyodide/v314.0.7/full"}
    )
    assert settings.region == "none"
    assert settings.pyodide_url == "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/"


def test_mapping_settings_may_omit_the_account() -> None:
    assert Settings.from_config({"trackAnonymous": True}, require_account=False).account_id is None


def test_merged_takes_only_the_keys_the_rudderstack_config_carries() -> None:
    ours = Settings.from_config({"account_id": "A-1", "region": "in1", "use_ip": True, "track_anonymous": True})
    merged = ours.merged({"accountId": "B-2", "trackAnonymous": False, "connectionMode": "device"})
    assert (merged.account_id, merged.track_anonymous) == ("B-2", False)
    assert (merged.region, merged.use_ip) == ("in1", True)


def test_merged_ignores_keys_a_newer_rudderstack_config_may_carry() -> None:
    ours = Settings.from_config({"account_id": "A-1"})
    merged = ours.merged({"region": "sg1", "someFutureDashboardKey": {"x": 1}})
    assert (merged.account_id, merged.region) == ("A-1", "sg1")


def test_merged_rejects_a_bad_rudderstack_value_naming_its_key() -> None:
    ours = Settings.from_config({"account_id": "A-1"})
    with pytest.raises(SettingsError, match=r"^region: 'moon' is not one of"):
        ours.merged({"region": "moon"})


def test_load_settings_reads_toml_with_either_naming(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('accountId = "TEST-ACC-123"\nregion = "sg1"\nuse_ip = true\n', encoding="utf-8")
    settings = load_settings(path)
    assert (settings.account_id, settings.region, settings.use_ip) == ("TEST-ACC-123", "sg1", True)


def test_load_settings_prefixes_errors_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('account_id = "A-1"\nregion = "eu2"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    assert str(excinfo.value) == f"{path}: region: 'eu2' is not one of none, in1, sg1, us1, sk1, aps3, mec1"


def test_load_settings_reports_missing_files_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such settings file"):
        load_settings(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("account_id = \n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(bad)


def test_settings_table_lists_every_setting_once() -> None:
    table = settings_table()
    for name in Settings.__dataclass_fields__:
        assert table.count(f"| `{name}` |") == 1


def test_api_url_is_a_cloud_setting_kept_out_of_browser_config() -> None:
    settings = Settings.from_config({"accountId": "A-1", "passcode": "p", "api_url": "http://127.0.0.1:9/ct"})
    assert settings.api_url == "http://127.0.0.1:9/ct"
    assert "api_url" not in settings.to_config()
    assert settings.to_config(include_passcode=True)["api_url"] == "http://127.0.0.1:9/ct"
    assert Settings.from_config({"accountId": "A-1", "api_url": ""}).api_url is None
