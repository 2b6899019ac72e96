"""Kept so ``bridge.settings`` imports as before: the settings live in :mod:`bridge.core`."""

from __future__ import annotations

from .core._settings import (
    DEFAULT_SDK_URL,
    DEFAULT_SERVICE_WORKER_PATH,
    REGIONS,
    Settings,
    WebPush,
    load_settings,
    settings_table,
)

__all__ = ["Settings", "WebPush", "load_settings", "REGIONS", "DEFAULT_SDK_URL", "DEFAULT_SERVICE_WORKER_PATH", "settings_table"]
