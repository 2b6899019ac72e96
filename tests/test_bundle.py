"""The bundle generator on CPython (no browser): build.py, bridge.bundle, the wheel and the manifest.

Golden files: tests/golden/<file>.json holds, for each browser file built for demo.toml, the modules of
templates/js/ it bundles and the config it embeds (the one generated module), with SRI hashes replaced by
``sha384-<hash>`` (the hashes change with every edit of bridge/ and are checked against the files by
test_the_embedded_hashes_match_the_files instead). The code itself is checked by ESLint, the Node unit
tests and the browser tests, not by a copy. After an intended change of the config or of the modules,
regenerate them with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_bundle.py -k golden

and review the diff.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge import __version__
from bridge.build import csp_directives, sri, wheel_modules, wheel_name
from bridge.build._bundle import _environments
from bridge.bundle import (
    PRIVACY_STATES,
    PYODIDE_FILES,
    STDLIB_FILE,
    BuildError,
    build_bundle,
    privacy_table,
    to_js,
)
from bridge.device import INTEGRATION_KEYS, init_calls
from bridge.settings import Settings, load_settings
from bridge.transformation import SITE_SOURCE

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
DEMO = ROOT / "demo.toml"
JS_FILES = ("Clevertap.min.js", "worker", "rudderanalytics.js", "demo.js")
PASSCODE = "SECRET-PASSCODE-7f3a9c"
NODE = shutil.which("node")


def build_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def names(bundle: Path) -> dict[str, str]:
    """The content-hashed names of a built bundle (worker, wheel, pyodide folder), from its manifest."""
    found: dict[str, str] = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))["names"]
    return found


def worker_of(bundle: Path) -> Path:
    return bundle / names(bundle)["worker"]


def wheel_of(bundle: Path) -> Path:
    return bundle / names(bundle)["wheel"]


def embedded_config(js: str) -> dict[str, Any]:
    """The CONFIG object a template rendered (the first one in the file): JSON, as to_js writes it."""
    match = re.search(r"^  var CONFIG = (.*);$", js, re.MULTILINE)
    assert match, "no CONFIG line"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    done = build_cli("--settings", str(DEMO), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return out


# ---- layout, reproducibility, golden files ------------------------------------------------------


def test_the_bundle_has_the_agreed_files(demo_bundle: Path) -> None:
    hashed = names(demo_bundle)
    assert re.fullmatch(r"clevertap-bridge\.worker\.[0-9a-f]{12}\.js", hashed["worker"])
    assert re.fullmatch(re.escape(wheel_name(__version__)[: -len(".whl")]) + r"\.[0-9a-f]{12}\.whl", hashed["wheel"])
    assert re.fullmatch(r"pyodide-[0-9a-f]{12}/", hashed["pyodide"])
    files = files_of(demo_bundle)
    originals = {name for name in files if not name.endswith((".gz", ".br"))}
    assert originals == {
        "Clevertap.min.js",
        hashed["worker"],
        "rudderanalytics.js",
        hashed["wheel"],
        "index.html",
        "demo.js",
        "demo.css",
        "manifest.json",
        "clevertap_sw.js",  # demo.toml turns web push on
        *(hashed["pyodide"] + name for name in PYODIDE_FILES),
    }
    assert "pyodide-lock.json" not in PYODIDE_FILES
    for name in PYODIDE_FILES:
        if name != STDLIB_FILE:
            assert files[hashed["pyodide"] + name] == (ROOT / "node_modules" / "pyodide" / name).read_bytes()
    # Precompressed copies: the same bytes, smaller, for the larger files (the wasm at least).
    copies = {name for name in files if name.endswith((".gz", ".br"))}
    assert hashed["pyodide"] + "pyodide.asm.wasm.gz" in copies
    for name in copies:
        original = name.rsplit(".", 1)[0]
        assert original in originals and len(files[name]) < len(files[original])
        if name.endswith(".gz"):
            assert gzip.decompress(files[name]) == files[original], name


def _hash_pyc_flags(pyc: bytes) -> int:
    # PEP 552 header: magic (4 bytes), flags (4, little-endian), then the source hash or the mtime.
    return int.from_bytes(pyc[4:8], "little")


def test_the_standard_library_is_cut_to_what_is_imported_and_compiled(demo_bundle: Path) -> None:
    full = zipfile.ZipFile(ROOT / "node_modules" / "pyodide" / STDLIB_FILE)
    with zipfile.ZipFile(demo_bundle / names(demo_bundle)["pyodide"] / STDLIB_FILE) as cut:
        kept = [name[:-1] if name.endswith(".pyc") else name for name in cut.namelist()]
        compiled = [name for name in cut.namelist() if name.endswith(".pyc")]
        for name in cut.namelist():
            assert cut.getinfo(name).compress_type == zipfile.ZIP_STORED, name
            if name.endswith(".pyc"):
                # Unchecked hash-based bytecode (flags 0b01): never compared with a source at run time.
                assert _hash_pyc_flags(cut.read(name)) == 1, name
                assert name[:-1] in full.namelist(), name
            else:
                assert cut.read(name) == full.read(name), name
        # Every module is bytecode: nothing is compiled from source on a visitor's CPU.
        assert [name for name in cut.namelist() if name.endswith(".py")] == []
        assert len(compiled) > 100
    # What the device rules and Pyodide's start-up import stays; what they never import goes.
    for needed in ("json/__init__.py", "re/__init__.py", "tomllib/__init__.py", "datetime.py", "_pyodide/_base.py", "zipfile/__init__.py"):
        assert needed in kept
    for unused in ("unittest/__init__.py", "pydoc.py", "sqlite3/__init__.py", "email/__init__.py", "xml/__init__.py"):
        assert unused not in kept
    assert len(kept) < 0.4 * len(full.namelist())


NODE_BOOT = """
const [pyodideDir, wheel, lock, requests] = process.argv.slice(1);
const fs = require("fs");
import(pyodideDir + "pyodide.mjs").then(async ({ loadPyodide }) => {
  const info = JSON.parse(fs.readFileSync(lock, "utf8")).info;
  const pyodide = await loadPyodide({
    indexURL: pyodideDir, stdLibURL: pyodideDir + "python_stdlib.zip", lockFileContents: { info, packages: {} },
    stdout: () => {}, stderr: (t) => process.stderr.write(t + "\\n"),
  });
  const startup = pyodide.runPython("import sys, json; json.dumps(sorted(sys.modules))");
  // As the worker does: the wheel on sys.path as it is (zipimport), nothing unpacked.
  pyodide.FS.writeFile("/lib/clevertap-bridge.whl", new Uint8Array(fs.readFileSync(wheel)));
  pyodide.runPython("import sys; sys.path.insert(0, '/lib/clevertap-bridge.whl')");
  const handle = pyodide.pyimport("bridge.boundary").handle;
  const answers = JSON.parse(fs.readFileSync(requests, "utf8")).map((text) => handle(text));
  const modules = pyodide.runPython("import sys, json; json.dumps({m: getattr(sys.modules[m], '__file__', None) for m, s in [(m, getattr(v, '__spec__', None)) for m, v in list(sys.modules.items())] if s and type(s.loader).__name__ == 'zipimporter'})");
  const cached = pyodide.runPython(
    "import sys, json; json.dumps(sorted(m for m, v in sys.modules.items() if m.startswith('bridge') and not v.__file__.endswith('.pyc')))");
  // The bridge's own error, raised from its bytecode: its traceback still shows the source line.
  const trace = pyodide.runPython(
    "import traceback, bridge.device._boundary as b\\ntry:\\n    b._event({'message': 1}, b._Shared({}), None)\\nexcept Exception:\\n    trace = traceback.format_exc()\\ntrace");
  const bridge = pyodide.runPython("import sys, json; json.dumps(sorted(m for m in sys.modules if m.startswith('bridge')))");
  const after = pyodide.runPython("import sys, json; json.dumps(sorted(sys.modules))");
  process.stdout.write(JSON.stringify({ answers, modules: JSON.parse(modules), bridge: JSON.parse(bridge), notCached: JSON.parse(cached), trace, startup: JSON.parse(startup), after: JSON.parse(after) }));
});
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_pyodide_runs_the_bridge_on_the_cut_standard_library(demo_bundle: Path, tmp_path: Path) -> None:
    """The bundle's own Pyodide, cut stdlib and wheel, under Node: every device case answers as on CPython."""
    from bridge.boundary import handle

    cases = json.loads((ROOT / "tests" / "cases" / "device_cases.json").read_text(encoding="utf-8"))["cases"]
    texts = [
        json.dumps({"id": n, "kind": "event", "message": case["message"], "settings": {"accountId": "A-1", "trackAnonymous": True}})
        for n, case in enumerate(cases)
    ]
    texts.append(json.dumps({"id": "p", "kind": "privacy", "options": {"optOut": True}}))
    texts.append(json.dumps({"id": "i", "kind": "init", "settings": {"accountId": "A-1"}, "options": {"CleverTap": {"useIP": True}}}))
    texts.append("not json")
    (tmp_path / "requests.json").write_text(json.dumps(texts), encoding="utf-8")
    done = subprocess.run(
        [
            str(NODE), "-e", NODE_BOOT, str(demo_bundle / names(demo_bundle)["pyodide"]) + "/", str(wheel_of(demo_bundle)),
            str(ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"), str(tmp_path / "requests.json"),
        ],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert [json.loads(a) for a in result["answers"]] == [json.loads(handle(t)) for t in texts]
    assert "bridge.device" in result["bridge"] and "bridge.cloud" not in result["bridge"]
    # The standard library came from the zip's bytecode, the bridge from its wheel's (zipimport, no unpacking).
    from_zip = result["modules"]  # what zipimport loaded (frozen modules are not in the zip)
    assert len(from_zip) > 100 and [m for m, f in from_zip.items() if not f.endswith(".pyc")] == []
    assert {m for m, f in from_zip.items() if f.startswith("/lib/clevertap-bridge.whl/")} == set(result["bridge"])
    assert result["notCached"] == []
    # The patched package loader imports its archive modules when an archive is unpacked, not at start-up.
    assert "pyodide._package_loader" in result["startup"]
    assert {"zipfile", "shutil", "tempfile"} & set(result["startup"]) == set()
    # Nor does the bridge: the wheel is read by zipimport, which is built in.
    assert {"zipfile", "shutil", "tempfile"} & set(result["after"]) == set()
    assert 'raise BadRequest(f"message: {message!r} is not an object")' in result["trace"], result["trace"]
    assert 'File "/lib/clevertap-bridge.whl/bridge/device/_boundary.py"' in result["trace"]


def test_the_package_loader_patches_are_tied_to_the_pinned_pyodide() -> None:
    from bridge.build._stdlib import PACKAGE_LOADER, STDLIB_PATCHES, patch_stdlib_file

    assert set(STDLIB_PATCHES) == {PACKAGE_LOADER, "pyodide/common.py"}
    with zipfile.ZipFile(ROOT / "node_modules" / "pyodide" / STDLIB_FILE) as zf:
        loader, common = zf.read(PACKAGE_LOADER), zf.read("pyodide/common.py")
    patched = patch_stdlib_file(PACKAGE_LOADER, loader).decode()
    assert "\nimport shutil\n" not in patched and "\nfrom zipfile import ZipFile\n" not in patched
    assert "    from zipfile import ZipFile\n" in patched and "def _shutil() -> Any:" in patched
    assert "\nimport shutil\n" not in patch_stdlib_file("pyodide/common.py", common).decode()
    with pytest.raises(BuildError, match=r"pyodide/_package_loader.py: sha256 [0-9a-f]{64} is not the pinned Pyodide's"):
        patch_stdlib_file(PACKAGE_LOADER, loader + b"\n")


def test_the_bytecode_is_compiled_once_per_input(demo_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled zips are kept by Pyodide version and input: a second build runs no Node."""
    from bridge.build import _stdlib

    monkeypatch.setattr(shutil, "which", lambda name: None)  # the module _stdlib asks
    again = build_bundle(load_settings(DEMO), tmp_path / "again")
    assert files_of(tmp_path / "again") == files_of(demo_bundle) and again["names"] == names(demo_bundle)
    # Input it has not seen: without Node the build says what is missing.
    with pytest.raises(BuildError, match=r"node: not found: the bytecode is compiled by Pyodide under Node"):
        _stdlib.compile_zips(ROOT / "node_modules" / "pyodide", [(b"not seen before", "/x/")], tmp_path / "cache")


def test_two_builds_give_identical_bytes(demo_bundle: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert build_cli("--settings", str(DEMO), "--out", str(again)).returncode == 0
    assert files_of(again) == files_of(demo_bundle)


def test_a_rebuild_replaces_the_output_and_leaves_no_temporary_directory(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    out.mkdir()
    (out / "stale.txt").write_text("from an older build")
    build_bundle(load_settings(DEMO), out)
    assert not (out / "stale.txt").exists()
    assert (out / "Clevertap.min.js").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["bundle"]


def _normalised(text: str) -> str:
    # Hashes and hashed names change with every edit of bridge/: the golden files keep their shape.
    text = re.sub(r"sha384-[A-Za-z0-9+/=]+", "sha384-<hash>", text)
    return re.sub(r"(pyodide-|\.)[0-9a-f]{12}([./])", r"\1<hash>\2", text)


@pytest.mark.parametrize("name", ["Clevertap.min.js", "rudderanalytics.js", "clevertap-bridge.worker.js"])
def test_golden(demo_bundle: Path, name: str) -> None:
    path = worker_of(demo_bundle) if name == "clevertap-bridge.worker.js" else demo_bundle / name
    modules = json.loads((demo_bundle / "manifest.json").read_text(encoding="utf-8"))["modules"][path.name]
    found = {"modules": modules, "config": embedded_config(path.read_text(encoding="utf-8"))}
    rendered = _normalised(json.dumps(found, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    golden = GOLDEN / (name + ".json")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run UPDATE_GOLDEN=1 pytest tests/test_bundle.py -k golden"
    assert rendered == golden.read_text(encoding="utf-8"), f"{name} changed: review, then regenerate the golden file"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("name", JS_FILES)
def test_the_javascript_parses(demo_bundle: Path, name: str) -> None:
    path = worker_of(demo_bundle) if name == "worker" else demo_bundle / name
    done = subprocess.run([str(NODE), "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("module", sorted(p.name for p in (ROOT / "templates" / "js").glob("*.js")))
def test_each_browser_module_is_valid_javascript_as_it_stands(module: str) -> None:
    done = subprocess.run([str(NODE), "--check", str(ROOT / "templates" / "js" / module)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_browser_rules_are_pythons_lists(demo_bundle: Path) -> None:
    from bridge.device import QUEUES, WEB_PUSH_QUEUE
    from bridge.device._browser import ACCOUNT_QUEUE, START_SETTINGS, setting_names

    config = embedded_config((demo_bundle / "Clevertap.min.js").read_text(encoding="utf-8"))
    assert config["sdk"]["queues"] == list(QUEUES)
    assert sorted(config["sdk"]["queueNames"]) == sorted([*QUEUES, ACCOUNT_QUEUE, WEB_PUSH_QUEUE])
    assert config["sdk"]["login"]["queue"] in QUEUES and config["sdk"]["privacy"]["queue"] in QUEUES
    assert config["startSettings"] == list(START_SETTINGS) and set(START_SETTINGS) <= set(config["settingNames"].values())
    assert config["settingNames"] == setting_names()
    assert not {"passcode", "api_url", "in_app", "web_push"} & set(config["settingNames"].values())
    assert config["settingNames"]["accountId"] == "account_id"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_evaluating_the_integration_only_defines_its_global(demo_bundle: Path) -> None:
    script = """
const vm = require("vm"), fs = require("fs");
const window = {}; window.window = window;
const code = fs.readFileSync(process.argv[1], "utf8");
vm.createContext(window);
vm.runInContext(code, window);
const first = window.Clevertap_RS.Clevertap;
vm.runInContext(code, window);
const instance = new window.Clevertap_RS.Clevertap({accountId: "X"}, {}, {});
console.log(JSON.stringify({
  keys: Object.keys(window).sort(),
  rsKeys: Object.keys(window.Clevertap_RS),
  same: first === window.Clevertap_RS.Clevertap,
  name: instance.name,
  methods: ["init", "isLoaded", "isReady", "identify", "track", "page", "screen", "alias"].filter(m => typeof instance[m] === "function"),
  ready: instance.isReady(),
}));
"""
    done = subprocess.run(
        [str(NODE), "-e", script, str(demo_bundle / "Clevertap.min.js")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "keys": ["Clevertap_RS", "window"],
        "rsKeys": ["Clevertap"],
        "same": True,
        "name": "CLEVERTAP",
        "methods": ["init", "isLoaded", "isReady", "identify", "track", "page", "screen", "alias"],
        "ready": False,
    }


# ---- manifest, hashes, CSP -----------------------------------------------------------------------


def test_the_manifest_lists_every_file_with_its_size_and_hash(demo_bundle: Path) -> None:
    manifest = json.loads((demo_bundle / "manifest.json").read_text(encoding="utf-8"))
    files = files_of(demo_bundle)
    del files["manifest.json"]
    assert set(manifest["files"]) == set(files)
    for name, data in files.items():
        digest = base64.b64encode(hashlib.sha384(data).digest()).decode()
        assert manifest["files"][name] == {"size": len(data), "integrity": f"sha384-{digest}"}, name
    package = json.loads((ROOT / "package.json").read_text())
    assert manifest["versions"] == {
        "bridge": __version__,
        "pyodide": package["dependencies"]["pyodide"],
        "clevertap-web-sdk": package["dependencies"]["clevertap-web-sdk"],
    }
    assert manifest["csp"]["directives"] == csp_directives(load_settings(DEMO))


def test_the_embedded_hashes_match_the_files(demo_bundle: Path) -> None:
    integration = embedded_config((demo_bundle / "Clevertap.min.js").read_text(encoding="utf-8"))
    worker = embedded_config(worker_of(demo_bundle).read_text(encoding="utf-8"))
    assert integration["workerFile"] == names(demo_bundle)["worker"]
    assert integration["pyodideDir"] == worker["pyodideDir"] == names(demo_bundle)["pyodide"]
    assert worker["wheelFile"] == names(demo_bundle)["wheel"]
    assert integration["workerIntegrity"] == sri((demo_bundle / integration["workerFile"]).read_bytes())
    assert worker["wheelIntegrity"] == sri((demo_bundle / worker["wheelFile"]).read_bytes())
    assert worker["lockFile"]["info"]["abi_version"]  # loadPyodide checks it; the lock file is not shipped
    assert worker["pyodideIntegrity"] == sri((demo_bundle / names(demo_bundle)["pyodide"] / "pyodide.js").read_bytes())
    page = (demo_bundle / "index.html").read_text(encoding="utf-8")
    for name in ("rudderanalytics.js", "demo.js", "demo.css"):
        assert f'integrity="{sri((demo_bundle / name).read_bytes())}"' in page, name


def test_csp_names_the_sdk_host_clevertaps_data_hosts_and_wasm() -> None:
    default = csp_directives(Settings(account_id="A-1"))
    assert default == {
        "script-src": [
            "'self'",
            "'wasm-unsafe-eval'",
            "https://*.clevertap-prod.com",
            "https://d2r1yp2w7bby2u.cloudfront.net",
        ],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'", "https://*.clevertap-prod.com"],
    }
    proxied = csp_directives(
        Settings(
            account_id="A-1",
            region="in1",
            target_domain="ct.example.com",
            sdk_url="https://static.clevertap.com/js/clevertap.min.js",
            pyodide_url="https://cdn.jsdelivr.net/pyodide/v314.0.7/full/",
        )
    )
    assert proxied["script-src"] == [
        "'self'",
        "'wasm-unsafe-eval'",
        "https://cdn.jsdelivr.net",
        "https://ct.example.com",
        "https://in1.ct.example.com",
        "https://static.clevertap.com",
    ]
    assert proxied["connect-src"] == ["'self'", "https://cdn.jsdelivr.net", "https://ct.example.com", "https://in1.ct.example.com"]


def test_with_a_pyodide_url_the_runtime_is_not_copied(tmp_path: Path) -> None:
    url = "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/"
    manifest = build_bundle(Settings(account_id="A-1", pyodide_url=url), tmp_path / "cdn")
    assert not any(p.name.startswith("pyodide") for p in (tmp_path / "cdn").iterdir())
    assert not any(name.startswith("pyodide") for name in manifest["files"])
    assert manifest["names"]["pyodide"] is None
    config = embedded_config((tmp_path / "cdn" / "Clevertap.min.js").read_text(encoding="utf-8"))
    assert config["pyodideUrl"] == url
    worker = embedded_config(worker_of(tmp_path / "cdn").read_text(encoding="utf-8"))
    assert worker["pyodideIntegrity"] is None and worker["stdlibFile"] is None


# ---- privacy before account: the build-time table ------------------------------------------------


def _options(opt_out: Any, use_ip: Any) -> dict[str, Any]:
    options = {}
    if opt_out is not None:
        options["optOut"] = opt_out
    if use_ip is not None:
        options["useIP"] = use_ip
    return options


STATE_OF = {"absent": None, "true": True, "false": False}


@pytest.mark.parametrize("defaults", [(False, False), (True, False), (False, True)])
def test_the_privacy_table_is_init_calls_for_every_state(defaults: tuple[bool, bool]) -> None:
    settings = Settings(account_id="A-1", opt_out=defaults[0], use_ip=defaults[1])
    table = privacy_table(settings)
    assert set(table) == {f"{a},{b}" for a in PRIVACY_STATES for b in PRIVACY_STATES}
    for key, calls in table.items():
        opt_out, use_ip = (STATE_OF[state] for state in key.split(","))
        options = _options(opt_out, use_ip)
        assert calls == init_calls(settings, {"CleverTap": options})
        # The JavaScript reads the first object under INTEGRATION_KEYS and treats non-booleans as absent.
        for key in INTEGRATION_KEYS:
            assert calls == init_calls(settings, {"All": True, "CleverTap": True, key: options})
        odd = _options("yes" if opt_out is None else opt_out, 1 if use_ip is None else use_ip)
        assert calls == init_calls(settings, {"CleverTap": odd})
    assert table["true,true"] != table["false,false"]


def test_the_integration_carries_the_privacy_table_and_the_option_keys(demo_bundle: Path) -> None:
    config = embedded_config((demo_bundle / "Clevertap.min.js").read_text(encoding="utf-8"))
    assert config["privacyTable"] == json.loads(json.dumps(privacy_table(load_settings(DEMO))))
    assert config["integrationKeys"] == list(INTEGRATION_KEYS)


# ---- security: passcode, escaping, thin templates ------------------------------------------------


def _all_text(root: Path) -> bytes:
    chunks = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            chunks.append(path.read_bytes())
            if path.suffix == ".whl":
                with zipfile.ZipFile(path) as zf:
                    chunks.extend(zf.read(name) for name in zf.namelist())
    return b"\n".join(chunks)


def test_the_passcode_never_reaches_the_bundle(tmp_path: Path) -> None:
    settings_file = tmp_path / "secret.toml"
    settings_file.write_text(f'accountId = "TEST-ACC-123"\npasscode = "{PASSCODE}"\nregion = "in1"\n')
    out = tmp_path / "bundle"
    done = build_cli("--settings", str(settings_file), "--out", str(out))
    assert done.returncode == 0, done.stderr
    everything = _all_text(out)
    assert b"TEST-ACC-123" in everything  # the settings did reach the bundle...
    assert PASSCODE.encode() not in everything  # ...but not the passcode
    assert b"passcode" not in (out / "Clevertap.min.js").read_bytes()


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("</script><script>alert(1)</script>", '"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"'),
        ("<!-- a & b -->", '"\\u003c!-- a \\u0026 b --\\u003e"'),
        ("line\u2028para\u2029end", '"line\\u2028para\\u2029end"'),
        ('quote " and \\ backslash', '"quote \\" and \\\\ backslash"'),
        ({"k<": ["&"]}, '{"k\\u003c":["\\u0026"]}'),
        ("日本 😀", '"日本 😀"'),
    ],
)
def test_to_js_escapes_what_could_end_a_script(value: Any, literal: str) -> None:
    assert to_js(value) == literal
    assert json.loads(to_js(value)) == value


def test_the_html_template_escapes_what_it_prints() -> None:
    html_env = _environments(ROOT / "templates")
    assert html_env.from_string("<p>{{ v }}</p>").render(v="</p><script>") == "<p>&lt;/p&gt;&lt;script&gt;</p>"


def test_hostile_setting_values_are_escaped(tmp_path: Path) -> None:
    # The URL settings allow & and comment-like text; they must arrive in JavaScript as data.
    sdk_url = "https://cdn.example.com/*/ct.js?a=1&b=2#--x"
    settings = Settings(account_id="A-1", sdk_url=sdk_url, pyodide_url="https://py.example.com/p/?a&b")
    build_bundle(settings, tmp_path / "b")
    for name in ("Clevertap.min.js", "rudderanalytics.js"):
        text = (tmp_path / "b" / name).read_text(encoding="utf-8")
        assert sdk_url not in text and "&" not in embedded_config_line(text)
        assert embedded_config(text)["settings"]["sdk_url"] == sdk_url
    if NODE:
        done = subprocess.run([NODE, "--check", str(tmp_path / "b" / "Clevertap.min.js")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def embedded_config_line(js: str) -> str:
    match = re.search(r"^  var CONFIG = .*$", js, re.MULTILINE)
    assert match
    return match.group(0)


# Names of the CleverTap mapping (events, profile fields, message fields): they belong to Python.
MAPPING_WORDS = ("Charged", "Order Completed", "Identity", "Site", "Web Page Viewed", "Screen Viewed", "checkout_id",
                 "revenue", "products", "Email", "Gender", "DOB", "Phone", "traits.")


JS_SOURCES = sorted(p.name for p in (ROOT / "templates" / "js").glob("*.js"))


@pytest.mark.parametrize("module", JS_SOURCES)
def test_the_javascript_holds_no_mapping_rules(module: str) -> None:
    text = (ROOT / "templates" / "js" / module).read_text(encoding="utf-8")
    found = [word for word in MAPPING_WORDS if word in text]
    assert not found, f"{module} mentions {found}: mapping decisions belong in bridge/"


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(_strings(item) for item in items)) if items else set()


# Words of the bridge's own that happen to be CleverTap queue names too: "event" and "privacy" are also the
# kinds of request at the worker boundary (bridge.boundary).
BRIDGE_WORDS = {"event", "privacy"}


@pytest.mark.parametrize("module", JS_SOURCES)
def test_the_javascript_names_no_clevertap_rule_python_does_not_give_it(module: str) -> None:
    """Every CleverTap name the integration applies comes from CONFIG (bridge.device._browser), never a literal."""
    from bridge.device._browser import DISPLAY_NAME, INTEGRATION_NAME, browser_rules

    names = (_strings(browser_rules()) | set(INTEGRATION_KEYS) | {INTEGRATION_NAME, DISPLAY_NAME}) - BRIDGE_WORDS
    text = (ROOT / "templates" / "js" / module).read_text(encoding="utf-8")
    literals = set(re.findall(r'"((?:[^"\\\n]|\\.)*)"', text)) | set(re.findall(r"'((?:[^'\\\n]|\\.)*)'", text))
    assert not literals & names, f"{module} spells {sorted(literals & names)}: take them from CONFIG.sdk"


# ---- bad settings, missing files -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('account_id = "A-1"\nregion = "eu2"\n', "region: 'eu2' is not one of none, in1, sg1, us1, sk1, aps3, mec1"),
        ('region = "in1"\n', "account_id: missing: a CleverTap project ID is required (dashboard name accountId)"),
        ('account_id = "A-1"\nsdk_url = "javascript:alert(1)"\n', "sdk_url: 'javascript:alert(1)' is not an http:// or https:// URL"),
        ('account_id = "A-1"\nmax_stored_bytes = 5000000\n', "max_stored_bytes: 5000000 is not a whole number of bytes from 0 to 4000000"),
    ],
)
def test_a_bad_setting_fails_with_one_line_and_writes_nothing(tmp_path: Path, toml: str, message: str) -> None:
    settings_file = tmp_path / "bad.toml"
    settings_file.write_text(toml)
    out = tmp_path / "out" / "bundle"
    done = build_cli("--settings", str(settings_file), "--out", str(out))
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr == f"{settings_file}: {message}\n"
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_missing_settings_file_fails_with_one_line(tmp_path: Path) -> None:
    done = build_cli("--settings", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "b"))
    assert done.returncode != 0
    assert done.stderr == f"{tmp_path / 'nope.toml'}: no such settings file\n"
    assert not (tmp_path / "b").exists()


def test_without_node_modules_the_build_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"Pyodide is not installed: run `make install-npm`"):
        build_bundle(Settings(account_id="A-1"), tmp_path / "b", root=tmp_path)
    assert not (tmp_path / "b").exists()


# ---- the wheel ---------------------------------------------------------------------------------


def test_the_wheel_is_reproducible_and_its_record_is_right(demo_bundle: Path) -> None:
    with zipfile.ZipFile(wheel_of(demo_bundle)) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        assert names[-1] == f"bridge-{__version__}.dist-info/RECORD"
        assert names[:-1] == sorted(names[:-1])
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}  # the HTTP compression does better
        record = zf.read(names[-1]).decode().splitlines()
        assert record[-1] == f"bridge-{__version__}.dist-info/RECORD,,"
        for line in record[:-1]:
            name, digest, size = line.split(",")
            data = zf.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, int(size)) == (f"sha256={expected}", len(data)), name
        modules = {n for n in names if n.startswith("bridge/") and not n.endswith(".pyc")}
        # Beside each module its bytecode for the pinned Pyodide, where zipimport looks (unchecked hash: the
        # source is never read to import, only to show a traceback's lines).
        pycs = {n for n in names if n.endswith(".pyc")}
        assert pycs == {n + "c" for n in modules if n.endswith(".py")}
        assert {_hash_pyc_flags(zf.read(n)) for n in pycs} == {1}
    # The browser gets the core and device mode; cloud mode and the build side stay on the server.
    assert not {m for m in modules if m.startswith(("bridge/cloud/", "bridge/build/"))}
    assert not {"bridge/bundle.py", "bridge/delivery.py"} & modules
    assert {"bridge/__init__.py", "bridge/device/_emit.py", "bridge/boundary.py", "bridge/core/_settings.py"} <= modules
    # Beside the modules, the one file of the site's own: the transformation demo.toml names, as it is.
    site = f"bridge/{SITE_SOURCE.relative_to(ROOT / 'bridge').as_posix()}"
    with zipfile.ZipFile(wheel_of(demo_bundle)) as zf:
        assert zf.read(site) == (DEMO.parent / "demo_transformation.py").read_bytes()
    assert modules - {site} == {f"bridge/{p.relative_to(ROOT / 'bridge').as_posix()}" for p in wheel_modules(ROOT / "bridge")}


def test_the_wheel_imports_with_the_standard_library_only(demo_bundle: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel_of(demo_bundle)) as zf:
        zf.extractall(tmp_path / "site")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import json, bridge, bridge.device, bridge.boundary; "
        "assert bridge.__file__.startswith(sys.argv[1]), bridge.__file__; "
        "assert 'jinja2' not in sys.modules; "
        "print(bridge.boundary.handle(json.dumps({'id': 1, 'kind': 'privacy', 'options': {'optOut': True}})))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(tmp_path / "site")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    from bridge.device import privacy_calls

    assert json.loads(done.stdout) == {"id": 1, "calls": privacy_calls({"optOut": True}), "warnings": []}


# ---- the demo server ---------------------------------------------------------------------------


@pytest.fixture
def served(demo_bundle: Path) -> Iterator[str]:
    from bridge.build import make_server

    vendor = ROOT / "node_modules" / "clevertap-web-sdk" / "clevertap.min.js"
    server = make_server(demo_bundle, "127.0.0.1", 0, vendor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/Clevertap.min.js", "text/javascript"),
        ("/{pyodide}pyodide.asm.mjs", "text/javascript"),
        ("/{pyodide}pyodide.asm.wasm", "application/wasm"),
        ("/manifest.json", "application/json"),
        ("/{pyodide}python_stdlib.zip", "application/zip"),
        ("/{wheel}", "application/zip"),
        ("/vendor/clevertap.min.js", "text/javascript"),
    ],
)
def test_the_server_sends_explicit_mime_types_and_cors(demo_bundle: Path, served: str, path: str, content_type: str) -> None:
    path = path.format(**names(demo_bundle))
    with urllib.request.urlopen(served + path, timeout=10) as response:
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = response.read()
    if path.startswith("/vendor/"):
        assert body == (ROOT / "node_modules" / "clevertap-web-sdk" / "clevertap.min.js").read_bytes()


def test_the_server_sends_precompressed_copies_and_caches_hashed_names(demo_bundle: Path, served: str) -> None:
    wasm = names(demo_bundle)["pyodide"] + "pyodide.asm.wasm"
    request = urllib.request.Request(f"{served}/{wasm}", headers={"Accept-Encoding": "gzip, deflate"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Content-Type"] == "application/wasm"
        assert "immutable" in response.headers["Cache-Control"]
        assert gzip.decompress(response.read()) == (demo_bundle / wasm).read_bytes()
    with urllib.request.urlopen(f"{served}/Clevertap.min.js", timeout=10) as response:
        assert response.headers["Content-Encoding"] is None  # not asked for
        assert response.headers["Cache-Control"] == "no-cache"  # a stable name: revalidated
        assert response.read() == (demo_bundle / "Clevertap.min.js").read_bytes()


def test_the_manifest_says_what_can_be_cached_for_a_year_and_what_to_preload(demo_bundle: Path) -> None:
    manifest = json.loads((demo_bundle / "manifest.json").read_text(encoding="utf-8"))
    hashed = manifest["names"]
    caching = manifest["caching"]
    assert set(caching["immutable"]) | set(caching["revalidate"]) == set(manifest["files"])
    assert {hashed["worker"], hashed["wheel"], hashed["pyodide"] + "pyodide.asm.wasm"} <= set(caching["immutable"])
    assert {"Clevertap.min.js", "rudderanalytics.js", "index.html"} <= set(caching["revalidate"])
    assert all(re.search(r"[0-9a-f]{12}", name) for name in caching["immutable"])
    hints = manifest["preload"]
    assert {hint["href"] for hint in hints} >= {hashed["worker"], hashed["pyodide"] + "pyodide.asm.wasm"}
    for hint in hints:
        assert hint["integrity"] == manifest["files"][hint["href"]]["integrity"]
        assert hint["crossorigin"] == "anonymous"


def test_max_stored_bytes_reaches_the_integration_through_the_config(tmp_path: Path) -> None:
    build_bundle(Settings(account_id="A-1", max_stored_bytes=12345), tmp_path / "b")
    for name in ("Clevertap.min.js", "rudderanalytics.js"):
        assert embedded_config((tmp_path / "b" / name).read_text(encoding="utf-8"))["settings"]["max_stored_bytes"] == 12345


def test_sdk_url_option_replaces_the_settings_value_so_make_demo_works_on_any_port(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8123/vendor/clevertap.min.js"
    done = build_cli("--settings", str(DEMO), "--out", str(tmp_path / "b"), "--sdk-url", url)
    assert done.returncode == 0, done.stderr
    assert embedded_config((tmp_path / "b" / "Clevertap.min.js").read_text(encoding="utf-8"))["settings"]["sdk_url"] == url


def test_a_bad_sdk_url_option_fails_like_a_bad_setting_and_writes_nothing(tmp_path: Path) -> None:
    done = build_cli("--settings", str(DEMO), "--out", str(tmp_path / "b"), "--sdk-url", "ftp://x/sdk.js")
    assert done.returncode == 2
    assert done.stderr.startswith("sdk_url: 'ftp://x/sdk.js'"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()
