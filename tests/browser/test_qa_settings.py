"""$CLEVERTAP_BRIDGE_TEST_SETTINGS (DESIGN.md: QA runs the browser suite against a bundle built for their
settings): the variable names a settings file; the session bundle is built from it, the source config
carries its account, region and trackAnonymous, and the tests expect what CPython computes for it.

One test runs a few end-to-end tests in a child pytest with such a file (region sg1, anonymous tracking
and useIP on) and reads what their collectors saw from the JUnit report (the ``env`` fixture records a
summary of the wire as a property of each test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from bridge.settings import Settings

from . import conftest
from .conftest import (
    ROOT,
    SETTINGS_ENV,
    collector_hosts,
    data_host,
    session_settings,
    source_config,
)

QA_SETTINGS = {"account_id": "QA-SG1-0001", "region": "sg1", "track_anonymous": True, "use_ip": True, "passcode": "QA-SECRET"}

# Chosen so that the run would fail if the file were ignored: the host and account are checked against the
# effective settings, and After Reset (anonymous) arrives only with track_anonymous on.
SUBSET = [
    "tests/browser/test_standalone.py::test_standalone_snippet_delivers_every_call",
    "tests/browser/test_standalone.py::test_standalone_per_event_integrations_and_reset",
    "tests/browser/test_rudderstack.py::test_rudderstack_sdk_delivers_through_the_bundle[chromium-v3-modern]",
]


def _write_toml(path: Path, settings: dict[str, Any]) -> Path:
    path.write_text("".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items()), encoding="utf-8")
    return path


def _child_env(settings_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env[SETTINGS_ENV] = str(settings_path)
    return env


def test_without_the_variable_the_suite_uses_test_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    assert conftest.settings_file() is None
    assert session_settings() == Settings.from_config(conftest.TEST_SETTINGS)
    monkeypatch.setenv(SETTINGS_ENV, "")
    assert conftest.settings_file() is None


def test_the_variable_sets_the_settings_and_the_source_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = _write_toml(tmp_path / "site.toml", {**QA_SETTINGS, "target_domain": "Analytics.Shop.Test",
                                                "sdk_url": "https://sdk.shop.test/ct.js"})
    monkeypatch.setenv(SETTINGS_ENV, str(path))
    settings = session_settings()
    assert (settings.account_id, settings.region, settings.track_anonymous, settings.use_ip) == ("QA-SG1-0001", "sg1", True, True)
    config = source_config()["source"]["destinations"][0]["config"]
    assert (config["accountId"], config["region"], config["trackAnonymous"]) == ("QA-SG1-0001", "sg1", True)
    assert config["passcode"] != "QA-SECRET"  # the source config is a fixture's, never QA's secret
    assert data_host(settings) == "sg1.analytics.shop.test"
    assert collector_hosts(settings) == ["analytics.shop.test", "sg1.analytics.shop.test"]


@pytest.mark.parametrize(
    ("settings", "host"),
    [
        ({"region": "none"}, "eu1.clevertap-prod.com"),
        ({"region": "us1"}, "us1.clevertap-prod.com"),
        ({"region": "none", "target_domain": "ct.shop.test"}, "ct.shop.test"),
        ({"region": "in1", "target_domain": "ct.shop.test"}, "in1.ct.shop.test"),
    ],
)
def test_data_host_follows_the_sdk(settings: dict[str, Any], host: str) -> None:
    """The CleverTap Web SDK's Account.finalTargetDomain (clevertap.js 2.5.2)."""
    assert data_host(Settings.from_config({"account_id": "A-1", **settings})) == host


def test_a_bad_settings_file_stops_the_run_with_the_settings_error(tmp_path: Path) -> None:
    path = _write_toml(tmp_path / "bad.toml", {"account_id": "QA-1", "region": "mars1"})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "tests/browser/test_lzstring.py"],
        cwd=ROOT, env=_child_env(path), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert f"{SETTINGS_ENV}: {path}: region: 'mars1' is not one of" in done.stderr, done.stderr[-2000:]


@pytest.mark.browser
def test_a_subset_passes_against_a_bundle_built_for_qa_settings(tmp_path: Path) -> None:
    if not (conftest._playwright_chromium_installed() or conftest.find_chromium()):
        pytest.skip("no Chromium: install Debian's chromium (make install-chromium) or set CHROMIUM_PATH")
    path = _write_toml(tmp_path / "qa-site.toml", QA_SETTINGS)
    report = tmp_path / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={report}", *SUBSET],
        cwd=ROOT, env=_child_env(path), capture_output=True, text=True, timeout=300,
    )
    output = f"{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    assert done.returncode == 0, output

    cases = {f"{case.get('classname')}::{case.get('name')}": case for case in ET.parse(report).getroot().iter("testcase")}
    assert len(cases) == len(SUBSET), (sorted(cases), output)
    wires = {}
    for name, case in cases.items():
        assert case.find("skipped") is None and case.find("failure") is None and case.find("error") is None, (name, output)
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        wire = props.get("clevertap_wire")
        assert wire, (name, props)
        wires[name] = json.loads(wire)
    for name, wire in wires.items():
        assert wire["settings"] == str(path.resolve()), (name, wire)
        assert wire["hosts"] == ["sg1.clevertap-prod.com"], (name, wire)  # the collector answered the sg1 host
        assert wire["accounts"] == ["QA-SG1-0001"], (name, wire)
        assert wire["pushes"] >= 3, (name, wire)
    # track_anonymous on: the event sent after reset() (no user id) arrived.
    [reset] = [w for n, w in wires.items() if "test_standalone_per_event_integrations_and_reset[" in n]
    assert reset["events"] == ["Only CleverTap", "Default", "After Reset"], reset
