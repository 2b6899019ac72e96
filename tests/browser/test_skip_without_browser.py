"""Without any Chromium, the tests that need a browser are skipped with a reason, not errored."""

from __future__ import annotations

from typing import Any

import pytest

from . import conftest


class _Item:
    def __init__(self, fixturenames: list[str]) -> None:
        self.fixturenames = fixturenames
        self.markers: list[Any] = []

    def add_marker(self, marker: Any) -> None:
        self.markers.append(marker)


def test_browser_tests_are_skipped_when_no_chromium_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "_playwright_chromium_installed", lambda: False)
    monkeypatch.setattr(conftest, "find_chromium", lambda: None)
    uses_page, uses_env, plain = _Item(["page"]), _Item(["env", "bundle"]), _Item(["tmp_path"])
    conftest.pytest_collection_modifyitems(None, [uses_page, uses_env, plain])  # type: ignore[arg-type, list-item]
    for item in (uses_page, uses_env):
        assert [m.name for m in item.markers] == ["skip"]
        assert "no Chromium" in item.markers[0].kwargs["reason"]
    assert plain.markers == []


def test_chromium_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHROMIUM_PATH", str(fake))
    assert conftest.find_chromium() == str(fake)
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "missing"))
    assert conftest.find_chromium() != str(tmp_path / "missing")
