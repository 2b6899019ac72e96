// Compiles Python sources to bytecode with the pinned Pyodide itself, under Node, at build time.
// Run by bridge/build/_stdlib.py (compile_zips): node pycompile.mjs <pyodide dir> <job.json>
// job.json: [{"input": zip of .py sources, "output": zip to write, "prefix": path the files have at run time}]
// Each output holds, for every .py entry of its input that compiles, "<name>.pyc": an unchecked-hash pyc
// (PEP 552: never compared with a source, so nothing is compiled on a visitor's CPU). Bytecode must come
// from the same Python as the runtime (3.14 here): the CPython that runs build.py cannot write it.
// Prints {"cacheTag", "magic", "failed": {output: [names]}} on stdout.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pyodideDir, jobFile] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(pyodideDir + "/pyodide.mjs").href);
const pyodide = await loadPyodide({
  indexURL: pyodideDir + "/",
  stdout: (text) => process.stderr.write(text + "\n"),
  stderr: (text) => process.stderr.write(text + "\n"),
});

const COMPILE = `
import importlib.util, json, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

def compile_zip(source_zip, target_zip, prefix):
    failed = []
    with zipfile.ZipFile(source_zip) as src, zipfile.ZipFile(target_zip, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            if not info.filename.endswith(".py"):
                continue
            data = src.read(info)
            try:
                # The run-time path: tracebacks and warnings name the file where the zip puts it.
                code = compile(data, prefix + info.filename, "exec", dont_inherit=True, optimize=0)
            except (SyntaxError, ValueError):
                failed.append(info.filename)
                continue
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            entry = zipfile.ZipInfo(info.filename + "c", date_time=(1980, 1, 1, 0, 0, 0))
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            out.writestr(entry, bytes(pyc))
    return failed

meta = {"cacheTag": sys.implementation.cache_tag, "magic": importlib.util.MAGIC_NUMBER.hex()}
`;

pyodide.runPython(COMPILE);
const compileZip = pyodide.globals.get("compile_zip");
const result = { ...pyodide.globals.get("meta").toJs({ dict_converter: Object.fromEntries }), failed: {} };
for (const job of JSON.parse(readFileSync(jobFile, "utf8"))) {
  pyodide.FS.writeFile("/tmp/in.zip", readFileSync(job.input));
  const failed = compileZip("/tmp/in.zip", "/tmp/out.zip", job.prefix);
  result.failed[job.output] = failed.toJs();
  failed.destroy();
  writeFileSync(job.output, pyodide.FS.readFile("/tmp/out.zip"));
}
process.stdout.write(JSON.stringify(result));
