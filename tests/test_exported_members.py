"""The public surface of ``bridge`` is exactly what ``__all__`` lists, as in httpx."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import bridge

MODULES = [
    "bridge.errors",
    "bridge.settings",
    "bridge.core",
    "bridge.device",
    "bridge.cloud",
    "bridge.build",
    "bridge.boundary",
    "bridge.delivery",
    "bridge.bundle",
]


def test_all_lists_every_public_name_of_the_package() -> None:
    # dir(): cloud mode's names are there before their first use loads cloud mode (PEP 562).
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


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(m for m in sys.modules if m.startswith('bridge'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize("statement", ["import bridge", "import bridge.boundary", "import bridge.device", "from bridge import Settings, map_event"])
def test_the_device_side_loads_nothing_of_cloud_mode(statement: str) -> None:
    loaded = _modules_loaded_by(statement)
    assert "bridge.device" in loaded
    assert {m for m in loaded if m.split(".")[1:2] in (["cloud"], ["build"], ["delivery"], ["bundle"])} == set()


def test_cloud_names_load_cloud_mode_on_first_use() -> None:
    loaded = _modules_loaded_by("import bridge; bridge.transform")
    assert "bridge.cloud" in loaded
    assert "bridge.build" not in loaded


LAYERS = {"core": set(), "device": {"core"}, "cloud": {"core"}, "build": {"core", "device"}}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_subpackage_imports_only_the_layers_below_it(layer: str) -> None:
    package = Path(bridge.__file__).parent
    for path in sorted((package / layer).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                used = node.module.split(".")[0]
                assert used in LAYERS[layer] | {"errors"} or used not in LAYERS, f"{path.name} imports bridge.{node.module}"


def test_the_browser_wheel_needs_no_network_or_http_module() -> None:
    from bridge.build import wheel_stdlib_imports

    imported = wheel_stdlib_imports(Path(bridge.__file__).parent)
    assert {"json", "re", "datetime"} <= imported
    assert not {name for name in imported if name.split(".")[0] in ("urllib", "http", "socket", "email")}
