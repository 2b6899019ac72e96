"""A cut-down ``python_stdlib.zip`` for the browser: the modules Pyodide and the bridge can import.

Pyodide's own zip holds the whole standard library (2.5 MB, every visitor downloads it). The browser
needs only what Pyodide's start-up imports, what the wheel imports, and what those import in turn:
:func:`cut_stdlib` follows ``import`` statements through the zip's own sources from a list of roots and
keeps the closure. Imports at module level are followed (an import inside a function runs only when it
is called: what start-up and the bridge call is measured and named in PYODIDE_ROOTS). The result is
reproducible: the same entries in the same order, fixed dates, stored uncompressed.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import BuildError

__all__ = ["PYODIDE_ROOTS", "NOT_SHIPPED", "cut_stdlib", "stdlib_imports", "compile_zips", "bytecode_stdlib", "STDLIB_PREFIX", "WHEEL_PATH", "WHEEL_PREFIX", "CACHE_TAG", "patch_stdlib_file", "STDLIB_PATCHES"]

# What Pyodide 314 imports from the zip while it starts (sys.modules after loadPyodide, measured under
# Node), plus what pyodide.unpackArchive (zipfile) and the usual text codecs need. The closure of these
# is computed from the zip itself, so a new Pyodide that imports more at start-up only needs its new
# roots named here; tests/test_bundle.py boots the cut zip under Node to catch a missing one.
PYODIDE_ROOTS = (
    "_pyodide",
    "_pyodide._base",
    "_pyodide._core_docs",
    "_pyodide._future_helper",
    "_pyodide._importhook",
    "_pyodide.docs_argspec",
    "_pyodide.docstring",
    "_pyodide.jsbind",
    "pyodide",
    "pyodide._package_loader",
    # what pyodide.unpackArchive imports when called (the patched loader below imports them then)
    "shutil",
    "tempfile",
    "pyodide._state",
    "pyodide.code",
    "pyodide.common",
    "pyodide.ffi",
    "pyodide.webloop",
    "__future__",
    "_colorize",
    "_opcode_metadata",
    "_py_warnings",
    "_weakrefset",
    "asyncio",
    "encodings",
    "encodings.aliases",
    "encodings.ascii",
    "encodings.cp437",
    "encodings.latin_1",
    "encodings.utf_8",
    "encodings.utf_8_sig",
    "random",
    "zipfile",
)


# Reached by the closure but never imported from the zip in Pyodide 314 (measured: sys.modules gives
# their origin): frozen into the interpreter, pure-Python fallbacks of built-in modules (_datetime, _abc,
# _thread._local), and Windows-only modules behind a platform test. Leaving them out saves 0.5 MB raw.
NOT_SHIPPED = frozenset(
    {
        # frozen
        "_collections_abc", "_sitebuiltins", "abc", "codecs", "genericpath", "importlib._bootstrap",
        "importlib._bootstrap_external", "importlib.machinery", "importlib.util", "io", "ntpath", "os",
        "posixpath", "site", "stat",
        # fallbacks of built-in modules
        "_pydatetime", "_py_abc", "_threading_local",
        # Windows only
        "asyncio.proactor_events", "asyncio.windows_events", "asyncio.windows_utils", "encodings._win_cp_codecs",
    }
)


def _module_of(name: str) -> str:
    # "a/b/__init__.py" -> "a.b"; "a/b.py" -> "a.b"
    parts = name[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w., \t]+)", re.MULTILINE)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE)


def _statements(source: str) -> list[tuple[int, str, list[str]]]:
    """(level, module, names) per import: ``import a.b`` is (0, "", ["a.b"]).

    Pyodide's standard library is newer than the CPython that builds (3.14 syntax, e.g. t-strings,
    which 3.11's ``ast`` rejects): such a file is read with a line pattern instead, which may also
    match an import written in a docstring, a harmless extra.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        lines = source.splitlines()
        found = [
            (0, "", [n.split(" as ")[0].strip() for n in m.group(1).split(",")])
            for m in _IMPORT.finditer(source)
            if _runs_at_import(lines, source.count("\n", 0, m.start()))
        ]
        for m in _FROM.finditer(source):
            if _runs_at_import(lines, source.count("\n", 0, m.start())):
                names = [n.split(" as ")[0].strip() for n in m.group(3).strip("() \t").replace("\n", " ").split(",")]
                found.append((len(m.group(1)), m.group(2), [n for n in names if n.isidentifier()]))
        return found
    statements: list[tuple[int, str, list[str]]] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or _is_main_block(node):
            continue  # imported when called: what is called is measured (PYODIDE_ROOTS), not guessed
        todo.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            statements.append((0, "", [alias.name for alias in node.names]))
        elif isinstance(node, ast.ImportFrom):
            statements.append((node.level, node.module or "", [alias.name for alias in node.names if alias.name != "*"]))
    return statements


def _is_main_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _runs_at_import(lines: list[str], index: int) -> bool:
    """Whether line ``index`` is outside every ``def`` and ``if __name__ == "__main__"`` (by indentation)."""
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(line) - len(stripped)
        if level < indent:
            if stripped.startswith(("def ", "async def ")) or (stripped.startswith("if ") and "__main__" in stripped):
                return False
            indent = level
            if level == 0:
                return True
    return True


def stdlib_imports(source: str, module: str, is_package: bool) -> set[str]:
    """Every module name ``source`` (the module ``module``) may import, absolute, with its parents."""
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for level, from_module, imported in _statements(source):
        if not from_module and not level:
            names.update(n for n in imported if n)
            continue
        if level:
            base_parts = package.split(".") if package else []
            if level > 1:
                base_parts = base_parts[: len(base_parts) - (level - 1)]
            base = ".".join([*base_parts, *([from_module] if from_module else [])])
        else:
            base = from_module
        if base:
            names.add(base)
        # `from package import name` may name a submodule: kept if the zip has it.
        names.update(f"{base}.{n}" if base else n for n in imported)
    expanded: set[str] = set()
    for name in names:
        parts = name.split(".")
        expanded.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return expanded


# ---- Pyodide's package loader, patched: zipfile, shutil and tempfile imported when used ---------------
# Pyodide's start-up imports the package loader (and pyodide.common), which import zipfile, shutil and
# tempfile (and with them zlib, bz2, lzma, zstd, fnmatch: ~140 ms from bytecode, over a second from
# source) though the bridge loads no package. The patches move those imports into the functions that
# unpack an archive. Each is tied to the pinned Pyodide by the original file's hash: another version
# fails the build with a message naming the file, and the patch is then checked again (or dropped).
PACKAGE_LOADER = "pyodide/_package_loader.py"
PACKAGE_LOADER_PATCH = (
    ("import re\nimport shutil\nimport sys\n", "import re\nimport sys\n"),
    ("from tempfile import NamedTemporaryFile\n", ""),
    ("from typing import IO, Any, Literal\nfrom zipfile import ZipFile\n", "from typing import IO, Any, Literal\n"),
    (
        "    return shutil._make_zipfile(*args, **kwargs)",
        "    return _shutil()._make_zipfile(*args, **kwargs)",
    ),
    (
        'if IN_PYODIDE:\n'
        '    shutil.register_archive_format("whl", make_whlfile, description="Wheel file")\n'
        '    shutil.register_unpack_format(\n'
        '        "whl",\n'
        '        [".whl", ".wheel"],\n'
        '        shutil._unpack_zipfile,  # type: ignore[attr-defined]\n'
        '        description="Wheel file",\n'
        '    )\n',
        '_FORMATS_REGISTERED = False\n'
        '\n'
        '\n'
        'def _shutil() -> Any:\n'
        '    # clevertap-bridge: imported when an archive is unpacked, not at start-up.\n'
        '    global _FORMATS_REGISTERED\n'
        '    import shutil\n'
        '\n'
        '    if IN_PYODIDE and not _FORMATS_REGISTERED:\n'
        '        _FORMATS_REGISTERED = True\n'
        '        shutil.register_archive_format("whl", make_whlfile, description="Wheel file")\n'
        '        shutil.register_unpack_format(\n'
        '            "whl",\n'
        '            [".whl", ".wheel"],\n'
        '            shutil._unpack_zipfile,  # type: ignore[attr-defined]\n'
        '            description="Wheel file",\n'
        '        )\n'
        '    return shutil\n',
    ),
    ("    for fmt, extensions, _ in shutil.get_unpack_formats():", "    for fmt, extensions, _ in _shutil().get_unpack_formats():"),
    (
        "    with NamedTemporaryFile(suffix=filename) as f:\n"
        "        buffer._into_file(f)\n"
        "        shutil.unpack_archive(f.name, extract_path, format)\n",
        "    from tempfile import NamedTemporaryFile\n"
        "    from zipfile import ZipFile\n"
        "\n"
        "    with NamedTemporaryFile(suffix=filename) as f:\n"
        "        buffer._into_file(f)\n"
        "        _shutil().unpack_archive(f.name, extract_path, format)\n",
    ),
    ("    import tarfile\n", "    import tarfile\n    from zipfile import ZipFile\n"),
)
PYODIDE_COMMON_PATCH = (
    ("import os\nimport shutil\nfrom pathlib import Path\n", "import os\nfrom pathlib import Path\n"),
    ('    src = Path(src).resolve()\n', '    import shutil\n\n    src = Path(src).resolve()\n'),
)
# file -> (sha256 of pyodide 314.0.7's file, the patch: (text, replacement), each text found exactly once)
STDLIB_PATCHES = {
    PACKAGE_LOADER: ("66bc0d856252e3c3690a9c9cc2f73a4e88d7a9cc5beafa712194cadda4eb2b70", PACKAGE_LOADER_PATCH),
    "pyodide/common.py": ("fb1f3d764f43efb1a451363557df712abbd4f409ad5bc3650fe6a1d50a8e9ec7", PYODIDE_COMMON_PATCH),
}


def patch_stdlib_file(name: str, source: bytes) -> bytes:
    """``source`` (the file ``name`` of Pyodide's zip) with its patch of :data:`STDLIB_PATCHES` applied."""
    expected, patch = STDLIB_PATCHES[name]
    digest = hashlib.sha256(source).hexdigest()
    if digest != expected:
        raise BuildError(
            f"{name}: sha256 {digest} is not the pinned Pyodide's ({expected}): check its patch in "
            "STDLIB_PATCHES (bridge/build/_stdlib.py) against the new file, then update the hash"
        )
    text = source.decode("utf-8")
    for old, new in patch:
        if text.count(old) != 1:
            raise BuildError(f"{name}: the patch expects {old!r} exactly once")
        text = text.replace(old, new)
    return text.encode("utf-8")


def cut_stdlib(full_zip: bytes, roots: Iterable[str]) -> tuple[bytes, list[str]]:
    """The zip of the modules reachable from ``roots`` in ``full_zip``; also the module names kept.
    Pyodide's package loader is patched on the way (:func:`patch_stdlib_file`)."""
    with zipfile.ZipFile(io.BytesIO(full_zip)) as zf:
        infos = {info.filename: info for info in zf.infolist()}
        contents = {name: zf.read(name) for name in infos}
        for name in STDLIB_PATCHES:
            if name in contents:
                contents[name] = patch_stdlib_file(name, contents[name])
        modules = {_module_of(name): name for name in infos if name.endswith(".py")}
        kept: set[str] = set()
        todo = [root for root in roots if root in modules and root not in NOT_SHIPPED]
        while todo:
            module = todo.pop()
            if module in kept:
                continue
            kept.add(module)
            entry = modules[module]
            source = contents[entry].decode("utf-8")
            todo.extend(
                name
                for name in stdlib_imports(source, module, entry.endswith("/__init__.py"))
                if name in modules and name not in kept and name not in NOT_SHIPPED
            )
        files = {modules[m] for m in kept}
        # A package's directory entries, and its data files beside its modules (py.typed and such).
        dirs = {name.rsplit("/", 1)[0] + "/" for name in files if "/" in name}
        parents = {d for name in dirs for d in _parents(name)}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as new:
            for name, info in infos.items():
                if name in files or name in parents:
                    copy = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    copy.external_attr = info.external_attr
                    copy.create_system = 3
                    # Stored, not deflated: the HTTP compression (.br/.gz copies) then works across files,
                    # 0.59 MB brotli instead of 0.82 MB, and zipimport reads without inflating.
                    copy.compress_type = zipfile.ZIP_STORED
                    new.writestr(copy, contents[name])
    return out.getvalue(), sorted(kept)


def _parents(directory: str) -> list[str]:
    parts = directory.rstrip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


# ---- bytecode: compiled at build time by the pinned Pyodide (pycompile.mjs under Node) -----------------
# A source-only zip makes every boot compile ~140 modules inside wasm (over a second); unchecked-hash
# pyc (PEP 552) are loaded as they are. Figures in docs/benchmark.md.
PYCOMPILE = Path(__file__).with_name("pycompile.mjs")
STDLIB_PREFIX = "/lib/python314.zip/"  # where Pyodide puts stdLibURL's zip (sys.path)
# Where the worker writes the wheel, put on sys.path as it is (zipimport): the bytecode names its files there.
WHEEL_PATH = "/lib/clevertap-bridge.whl"
WHEEL_PREFIX = WHEEL_PATH + "/"
CACHE_TAG = "cpython-314"  # sys.implementation.cache_tag of the pinned Pyodide: checked when compiling


def compile_zips(pyodide_dir: Path, sources: list[tuple[bytes, str]], cache: Path) -> list[dict[str, bytes]]:
    """``{name.py: pyc bytes}`` for each (zip of sources, run-time path prefix), compiled by the Pyodide in
    ``pyodide_dir`` under Node. Results are kept in ``cache``, keyed by the Pyodide files, this script,
    the input bytes (so the module set) and the prefix: the test suite's many builds run Node once."""
    node = shutil.which("node")
    key_hash = hashlib.sha256(PYCOMPILE.read_bytes())
    for name in ("pyodide.asm.wasm", "pyodide.asm.mjs", "package.json"):
        key_hash.update(hashlib.sha256((pyodide_dir / name).read_bytes()).digest())
    keys = []
    for data, prefix in sources:
        one = key_hash.copy()
        one.update(hashlib.sha256(data).digest() + prefix.encode())
        keys.append(cache / (one.hexdigest() + ".pyc.zip"))
    todo = [i for i, key in enumerate(keys) if not key.is_file()]
    if todo:
        if node is None:
            raise BuildError("node: not found: the bytecode is compiled by Pyodide under Node at build time (`make install`)")
        with tempfile.TemporaryDirectory(prefix="pycompile.") as tmp:
            jobs = []
            for i in todo:
                (Path(tmp) / f"{i}.in.zip").write_bytes(sources[i][0])
                jobs.append({"input": f"{tmp}/{i}.in.zip", "output": f"{tmp}/{i}.out.zip", "prefix": sources[i][1]})
            (Path(tmp) / "job.json").write_text(json.dumps(jobs), encoding="utf-8")
            done = subprocess.run(
                [node, str(PYCOMPILE), str(pyodide_dir), f"{tmp}/job.json"], capture_output=True, text=True, timeout=600
            )
            if done.returncode != 0:
                raise BuildError(f"{PYCOMPILE.name}: compiling the bytecode under Node failed: {done.stderr[-2000:]}")
            meta = json.loads(done.stdout)
            if meta["cacheTag"] != CACHE_TAG:
                raise BuildError(f"{pyodide_dir}: its Python's cache tag is {meta['cacheTag']}, bridge.build._stdlib names {CACHE_TAG}")
            cache.mkdir(parents=True, exist_ok=True)
            for i in todo:
                tmp_key = keys[i].with_suffix(f".{os.getpid()}.tmp")
                shutil.copyfile(f"{tmp}/{i}.out.zip", tmp_key)
                tmp_key.replace(keys[i])
    results = []
    for key in keys:
        with zipfile.ZipFile(key) as zf:
            results.append({name[:-1]: zf.read(name) for name in zf.namelist()})
    return results


def bytecode_stdlib(stdlib_zip: bytes, pycs: dict[str, bytes]) -> bytes:
    """``stdlib_zip`` with each compiled ``x.py`` replaced by its ``x.pyc`` (a module that did not compile
    stays as source); stored, fixed dates, the same order: reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(stdlib_zip)) as zf, zipfile.ZipFile(out, "w") as new:
        for info in zf.infolist():
            name, data = info.filename, zf.read(info)
            if name in pycs:
                name, data = name + "c", pycs[name]
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = info.external_attr
            entry.create_system = 3
            entry.compress_type = zipfile.ZIP_STORED
            new.writestr(entry, data)
    return out.getvalue()
