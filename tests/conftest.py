"""What the whole test suite shares: its options, and the settings several test files use.

``--conformance-dir DIR`` (or ``$CLEVERTAP_CONFORMANCE_DIR``) names a folder of RudderStack's own
cloud-mode cases to run as well (tests marked ``peer``). Without it those tests are deselected, not
skipped: the project's own table, tests/cases/cloud_cases.json, covers every behaviour they test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

# The settings the benchmarks map with (tests/test_bench*.py and the Pyodide benchmark), so that their
# figures compare like with like.
BENCH_SETTINGS: dict[str, Any] = {"accountId": "BENCH-ACC-1", "trackAnonymous": True}
# A destination Config as RudderStack's dashboard gives it to cloud mode (the tests' default).
DASHBOARD_CONFIG: dict[str, Any] = {"accountId": "ACC", "passcode": "PASS", "trackAnonymous": True}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--conformance-dir",
        default=os.environ.get("CLEVERTAP_CONFORMANCE_DIR") or None,
        help="a folder of RudderStack's cloud-mode CleverTap cases to run as well (default: $CLEVERTAP_CONFORMANCE_DIR)",
    )


def conformance_dir(config: pytest.Config) -> Path | None:
    """The peer cases' folder given on the command line or in the environment, or None."""
    given = config.getoption("--conformance-dir")
    return Path(given) if given else None


def pytest_report_header(config: pytest.Config) -> str:
    folder = conformance_dir(config)
    if folder is None:
        return "conformance: the project's cloud cases; peer cases not given (--conformance-dir)"
    return f"conformance: the project's cloud cases and the peer cases in {folder}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    folder = conformance_dir(config)
    if folder is not None and not folder.is_dir():
        raise pytest.UsageError(f"--conformance-dir: {folder} is not a folder")
    if folder is not None:
        return
    peer = [item for item in items if item.get_closest_marker("peer")]
    if peer:
        config.hook.pytest_deselected(items=peer)
        items[:] = [item for item in items if not item.get_closest_marker("peer")]
