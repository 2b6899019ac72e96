"""The README's generated parts stay in step with the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

from bridge.settings import settings_table

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SETTINGS_DOC = ROOT / "docs" / "settings.md"


def test_settings_table_in_the_docs_matches_the_declaration() -> None:
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- settings table:[^\n]*-->\n(.*?)<!-- end of settings table -->", text, re.S)
    assert match, "docs/settings.md lost its settings-table markers"
    assert match.group(1) == settings_table()


def test_readme_is_at_most_150_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 150


def test_readme_names_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
