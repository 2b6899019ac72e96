"""The public surface of ``bridge`` is exactly what ``__all__`` lists, as in httpx."""

from __future__ import annotations

import importlib

import pytest

import bridge

MODULES = ["bridge.errors", "bridge.settings", "bridge.jsvalue", "bridge.rules", "bridge.device", "bridge.cloud"]


def test_all_lists_every_public_name_of_the_package() -> None:
    # dir(): the cloud-mode names are imported on first use (bridge.__getattr__), not at import.
    public = {name for name in dir(bridge) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(bridge, name)).__name__ == "module"}
    assert set(bridge.__all__) == public - modules
    assert len(bridge.__all__) == len(set(bridge.__all__))


@pytest.mark.parametrize("name", MODULES)
def test_each_module_defines_what_its_all_names(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, f"{name} has an empty __all__"
    missing = [item for item in module.__all__ if not hasattr(module, item)]
    assert missing == []


def test_package_level_names_are_the_module_objects() -> None:
    from bridge import cloud, device

    assert bridge.map_event is device.map_event
    assert bridge.transform is cloud.transform


def test_importing_the_device_side_does_not_load_the_cloud_modules() -> None:
    # The browser imports bridge.boundary only; its wheel leaves the cloud modules out.
    import json
    import subprocess
    import sys

    code = "import json, sys, bridge.boundary; print(json.dumps(sorted(m for m in sys.modules if m.startswith('bridge'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"bridge.cloud", "bridge.upload", "bridge.router", "bridge.deletion", "bridge.delivery"}
    assert {"bridge.boundary", "bridge.device"} <= loaded
