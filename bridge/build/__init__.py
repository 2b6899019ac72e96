"""The build side (CPython only, needs Jinja2 and the npm packages): the browser bundle for one site's settings.

    _bundle     writes the bundle (build_bundle, to_js, privacy_table)
    _js         the browser files: templates/js/ and the generated config.js, bundled by esbuild
    _wheel      the bridge wheel for Pyodide: the core and device mode, nothing else
    _manifest   sizes, SRI hashes, versions and the CSP a site needs
    _serve      the demo server of ``build.py --serve``
    _clevertap_standin  a stand-in for CleverTap's data endpoint (the demo server's and the browser tests')
    _lzstring   lz-string's decompressFromBase64, to read what the CleverTap SDK sends

Nothing here is in the browser wheel.
"""

from __future__ import annotations

from ._bundle import (
    PRIVACY_STATES,
    PYODIDE_FILES,
    ROOT,
    JsValue,
    build_bundle,
    privacy_table,
    render_bundle,
    to_js,
)
from ._clevertap_standin import CleverTapStandIn, WireRequest, decode_payload, is_clevertap_host
from ._lzstring import decompress_from_base64
from ._manifest import build_manifest, csp_directives, csp_header, sri
from ._serve import MIME_TYPES, STANDIN_PATH, VENDOR_PATH, make_server
from ._wheel import BUILD_ONLY, SERVER_ONLY, build_wheel, wheel_modules, wheel_name, wheel_stdlib_imports

__all__ = [
    "ROOT",
    "JsValue",
    "to_js",
    "privacy_table",
    "PRIVACY_STATES",
    "PYODIDE_FILES",
    "build_bundle",
    "render_bundle",
    "sri",
    "csp_directives",
    "csp_header",
    "build_manifest",
    "MIME_TYPES",
    "VENDOR_PATH",
    "STANDIN_PATH",
    "make_server",
    "CleverTapStandIn",
    "WireRequest",
    "decode_payload",
    "decompress_from_base64",
    "is_clevertap_host",
    "BUILD_ONLY",
    "SERVER_ONLY",
    "wheel_name",
    "wheel_modules",
    "wheel_stdlib_imports",
    "build_wheel",
]
