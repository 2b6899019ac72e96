"""Kept so ``bridge.bundle`` imports as before (build.py, callers): the builder lives in :mod:`bridge.build`."""

from __future__ import annotations

from .build._bundle import (
    PRIVACY_STATES,
    PYODIDE_FILES,
    ROOT,
    SERVICE_WORKER_FILE,
    STDLIB_FILE,
    BuildError,
    JsValue,
    build_bundle,
    privacy_table,
    render_bundle,
    to_js,
)

__all__ = ["BuildError", "JsValue", "to_js", "privacy_table", "PRIVACY_STATES", "PYODIDE_FILES", "SERVICE_WORKER_FILE", "STDLIB_FILE", "build_bundle", "render_bundle", "ROOT"]
