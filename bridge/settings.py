"""Kept so ``bridge.settings`` imports as before: the settings live in :mod:`bridge.core`."""

from __future__ import annotations

from .core._settings import (
    DEFAULT_SDK_URL,
    REGIONS,
    Settings,
    load_settings,
    settings_table,
)

__all__ = ["Settings", "load_settings", "REGIONS", "DEFAULT_SDK_URL", "settings_table"]
