"""The public surface of ``bridge`` is exactly what ``__all__`` lists, as in httpx."""

from __future__ import annotations

import importlib

import pytest

import bridge

MODULES = ["bridge.errors", "bridge.settings", "bridge.jsvalue", "bridge.rules", "bridge.device", "bridge.cloud"]


def test_all_lists_every_public_name_of_the_package() -> None:
    public = {name for name in vars(bridge) if not name.startswith("_")}
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
