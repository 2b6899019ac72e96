"""The collector's lz-string decoder against the npm package (the encoder the CleverTap SDK uses)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from bridge.build import decompress_from_base64

ROOT = Path(__file__).resolve().parents[2]
LZ_STRING_JS = ROOT / "node_modules" / "lz-string" / "libs" / "lz-string.js"

_ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyz ",
    "{}[]\":,.0123456789-+eE truefalsnul",
    "äöüßéèêçñÅØÆ",
    "日本語中文한국어",
    "😀🎉🚀👍🏽",  # astral: surrogate pairs in UTF-16
    "\u0000\u0001\u001f\u007f\u0080\u00ff\u0100\uffff",
]


def _random_strings(count: int, seed: int = 20261129) -> list[str]:
    rng = random.Random(seed)
    out = ["", "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", json.dumps({"evtName": "Ö", "evtData": {"k": "v"}})]
    while len(out) < count:
        alphabet = "".join(rng.sample(_ALPHABETS, rng.randint(1, len(_ALPHABETS))))
        length = rng.choice([1, 2, 5, 30, 200, 2000])
        out.append("".join(rng.choice(alphabet) for _ in range(length)))
    return out


@pytest.mark.skipif(shutil.which("node") is None or not LZ_STRING_JS.exists(), reason="node or npm lz-string missing")
def test_decoder_matches_npm_lz_string() -> None:
    strings = _random_strings(300)
    script = (
        f"const LZ = require({json.dumps(str(LZ_STRING_JS))});"
        "let s = ''; process.stdin.on('data', c => s += c);"
        "process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(s).map(x => LZ.compressToBase64(x)))));"
    )
    done = subprocess.run(["node", "-e", script], input=json.dumps(strings), capture_output=True, text=True, check=True, timeout=60)
    encoded = json.loads(done.stdout)
    assert len(encoded) == len(strings)
    for original, text in zip(strings, encoded, strict=True):
        assert decompress_from_base64(text) == original, text
    # The SDK's output differs only in trailing padding: the decoder must not depend on it.
    for original, text in zip(strings[:50], encoded[:50], strict=True):
        assert decompress_from_base64(text.rstrip("=")) == original


def test_decoder_edge_values() -> None:
    assert decompress_from_base64(None) == ""
    assert decompress_from_base64("") is None
    # A known encoding (LZString.compressToBase64("hello") from the npm package).
    assert decompress_from_base64("BYUwNmD2Q===") == "hello"
