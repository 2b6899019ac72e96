"""The worker's entry point, imported by that name (``pyodide.pyimport("bridge.boundary")``).

It lives in :mod:`bridge.device` (``_boundary``); importing it loads nothing of cloud mode.
"""

from __future__ import annotations

from .device._boundary import KINDS, handle, handle_batch

__all__ = ["handle", "handle_batch", "KINDS"]
