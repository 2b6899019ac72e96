"""The bridge wheel for Pyodide, built with zipfile (``pyodide build`` needs the network).

The wheel holds the core and device mode (``bridge/core``, ``bridge/device`` and the top-level
modules they need), standard library only; cloud mode and the build side stay on the server. The
result is reproducible: fixed timestamps, sorted entries, a RECORD with sha256 digests.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import sys
import zipfile
from pathlib import Path

__all__ = ["SERVER_ONLY", "BUILD_ONLY", "wheel_name", "wheel_modules", "wheel_sources", "wheel_stdlib_imports", "build_wheel"]

# What stays on the server: cloud mode, the build side, and the two names kept for them at the top.
# The command line (cli, __main__) and its streaming delivery (pipeline) are cloud mode too.
SERVER_ONLY = frozenset({"cloud", "build", "delivery", "bundle", "cli", "__main__", "pipeline"})
BUILD_ONLY = SERVER_ONLY  # the name this set had before the subpackages

# 1980-01-01, the earliest time a zip entry can carry: a fixed date makes the bytes reproducible.
_EPOCH = (1980, 1, 1, 0, 0, 0)
DIST_NAME = "bridge"


def wheel_name(version: str) -> str:
    """The wheel's file name, e.g. ``bridge-0.1.0-py3-none-any.whl``."""
    return f"{DIST_NAME}-{version}-py3-none-any.whl"


def _imports(source: str) -> set[str]:
    """Top-level names of absolute imports in ``source`` (relative imports are the package's own)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``, which only the type checker reads."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test).rsplit(".", 1)[-1] == "TYPE_CHECKING":
                pending.extend(child.orelse)
            else:
                pending.append(child)
    return nodes


def _module_name(package_dir: Path, path: Path) -> str:
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _relative_targets(package_dir: Path, path: Path, node: ast.ImportFrom) -> list[str]:
    """The modules a relative import may load: the one it names, and each name as a submodule."""
    package = _module_name(package_dir, path)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    module = f"{base}.{node.module}" if node.module else base
    return [module, *(f"{module}.{alias.name}" for alias in node.names)]


def wheel_modules(package_dir: Path) -> list[Path]:
    """The files of the package that go into the wheel, sorted: the core and device mode.

    A module goes in when it is not server-only (:data:`SERVER_ONLY`, at any depth) and imports
    nothing outside the standard library; the build fails if a kept module imports a module that
    is left out, so device mode can never come to need cloud mode in the browser.
    """
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    kept: list[Path] = []
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir).with_suffix("").parts
        if parts[0] in SERVER_ONLY or "__pycache__" in parts:
            continue
        source = path.read_text(encoding="utf-8")
        outside = sorted(_imports(source) - allowed)
        if outside:
            raise RuntimeError(f"{path.relative_to(package_dir)} imports {', '.join(outside)}: the browser wheel is standard library only")
        kept.append(path)
    names = {_module_name(package_dir, path) for path in kept}
    everything = {_module_name(package_dir, path) for path in package_dir.rglob("*.py")}
    for path in kept:
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                bad = sorted(t for t in _relative_targets(package_dir, path, node) if t in everything and t not in names)
                if bad:
                    raise RuntimeError(f"{path.relative_to(package_dir)} imports {', '.join(bad)}, which stays on the server")
    typed = package_dir / "py.typed"
    return kept + ([typed] if typed.exists() else [])


def wheel_stdlib_imports(package_dir: Path) -> set[str]:
    """The standard-library modules the wheel's modules import (dotted names, as written)."""
    names: set[str] = set()
    for path in wheel_modules(package_dir):
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def wheel_sources(package_dir: Path) -> list[tuple[str, bytes]]:
    """(name in the wheel, bytes) of each module file the wheel holds."""
    return [(f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}", path.read_bytes()) for path in wheel_modules(package_dir)]


def build_wheel(package_dir: Path, version: str, bytecode: dict[str, bytes] | None = None) -> bytes:
    """The wheel's bytes: the stdlib-only modules of ``package_dir`` plus the dist-info files.

    ``bytecode`` (``{"bridge/x.py": pyc}``, unchecked-hash pyc of the runtime's Python) goes in as
    ``bridge/x.pyc`` beside each source, the layout zipimport reads: the worker puts the wheel itself on
    ``sys.path``, the import reads the bytecode, and tracebacks still show the source lines of the
    bridge's own errors (zipimport gives linecache the source beside).
    """
    package = package_dir.name
    dist_info = f"{DIST_NAME}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = wheel_sources(package_dir)
    entries += [(name + "c", pyc) for name, pyc in sorted((bytecode or {}).items())]
    entries.append(
        (
            f"{dist_info}/METADATA",
            (
                "Metadata-Version: 2.1\n"
                f"Name: {DIST_NAME}\n"
                f"Version: {version}\n"
                "Summary: clevertap-bridge mapping rules (standard library only), for Pyodide\n"
                "License: MIT\n"
                "Requires-Python: >=3.11\n"
            ).encode(),
        )
    )
    entries.append(
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: clevertap-bridge build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
    )
    entries.append((f"{dist_info}/top_level.txt", f"{package}\n".encode()))
    entries.sort()
    record_name = f"{dist_info}/RECORD"
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries) + f"{record_name},,\n"
    entries.append((record_name, record.encode()))  # RECORD comes last, as installers expect

    # Stored, not deflated: the HTTP compression then works across the files (with the bytecode, 86 KB
    # brotli instead of 134 KB deflated), and the bundle's .br/.gz copies carry it.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the building machine is
            zf.writestr(info, data)
    return buffer.getvalue()
