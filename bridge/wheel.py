"""The bridge wheel for Pyodide, built with zipfile (``pyodide build`` needs the network).

The wheel holds the modules of ``bridge/`` that import only the standard library and each
other; build-only modules (the bundle builder and anything importing Jinja2) stay out. The
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

__all__ = ["BUILD_ONLY", "SERVER_ONLY", "BROWSER_ROOTS", "wheel_name", "wheel_modules", "wheel_stdlib_imports", "build_wheel"]

# Modules that serve the build, never the browser.
BUILD_ONLY = frozenset({"bundle", "wheel", "manifest", "serve"})
# Cloud mode's command line (and its streaming delivery): server side only, so not worth the browser's bytes.
SERVER_ONLY = frozenset({"cli", "__main__", "pipeline"})
# What the worker imports (bridge.boundary); the wheel holds these and what they import, nothing more:
# the cloud-mode modules stay out (bridge/__init__.py imports them on first use only).
BROWSER_ROOTS = ("__init__", "boundary")

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


def _relative_imports(tree: ast.AST) -> set[str]:
    """The package's own modules that ``tree`` can import at run time (relative imports, first level).

    Imports under ``if TYPE_CHECKING`` never run, and a module ``__getattr__`` (PEP 562) imports only
    when a name is asked for that the browser never asks for: both are left out of the closure.
    """
    targets: set[str] = set()
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            continue
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            targets.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
        todo.extend(ast.iter_child_nodes(node))
    return targets


def wheel_modules(package_dir: Path, roots: tuple[str, ...] = BROWSER_ROOTS) -> list[Path]:
    """The files of the package that go into the wheel, sorted: ``roots`` and what they import.

    A module can go in when it is not build-only and imports nothing outside the standard library
    and the package itself; a module that needs more is left out, and the build fails if a kept
    module imports a left-out one.
    """
    allowed = set(sys.stdlib_module_names) | {"__future__", package_dir.name}
    kept: list[Path] = []
    dropped: set[str] = set()
    for path in sorted(package_dir.glob("*.py")):
        if path.stem in BUILD_ONLY | SERVER_ONLY or not _imports(path.read_text(encoding="utf-8")) <= allowed:
            dropped.add(path.stem)
        else:
            kept.append(path)
    for path in kept:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 1:
                targets = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
                bad = sorted(t for t in targets if t in dropped)
                if bad:
                    raise RuntimeError(f"{path.name} imports {', '.join(bad)}, which is build-only or not stdlib-only")
    by_name = {path.stem: path for path in kept}
    needed: set[str] = set()
    todo = [name for name in roots if name in by_name]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(t for t in _relative_imports(ast.parse(by_name[name].read_text(encoding="utf-8"))) if t in by_name)
    typed = package_dir / "py.typed"
    return [path for path in kept if path.stem in needed] + ([typed] if typed.exists() else [])


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


def build_wheel(package_dir: Path, version: str) -> bytes:
    """The wheel's bytes: the stdlib-only modules of ``package_dir`` plus the dist-info files."""
    package = package_dir.name
    dist_info = f"{DIST_NAME}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [
        (f"{package}/{path.name}", path.read_bytes()) for path in wheel_modules(package_dir)
    ]
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

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the building machine is
            zf.writestr(info, data, compresslevel=9)
    return buffer.getvalue()
