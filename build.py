#!/usr/bin/env python3
"""Build the browser bundle for one site's settings, and optionally serve it.

    python build.py [--settings demo.toml] [--out static/bundle] [--serve 127.0.0.1:8000] [--sdk-url URL]

A bad setting prints one line naming the key, the value and what is allowed, exits with status 2
and writes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bridge.bundle import ROOT, build_bundle
from bridge.errors import BridgeError
from bridge.settings import load_settings


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"--serve: {text!r} is not HOST:PORT, e.g. 127.0.0.1:8000")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(description="Build the clevertap-bridge browser bundle.")
    parser.add_argument("--settings", default="demo.toml", help="TOML settings file (default: demo.toml)")
    parser.add_argument("--out", default="static/bundle", help="output directory (default: static/bundle)")
    parser.add_argument("--serve", type=_host_port, metavar="HOST:PORT", help="serve the bundle after building it")
    parser.add_argument(
        "--sdk-url", metavar="URL", help="replaces the settings' sdk_url (make demo: the demo server's own copy of the SDK)"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        settings = load_settings(args.settings)
        if args.sdk_url is not None:
            # Checked like the file's value: a bad URL fails here and no bundle is written.
            settings = dataclasses.replace(settings, sdk_url=args.sdk_url)
        manifest = build_bundle(settings, out)
    except BridgeError as exc:
        print(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, file=sys.stderr)
        return 2
    print(f"{out}: {len(manifest['files']) + 1} files")
    if args.serve:
        from bridge.build import STANDIN_PATH, VENDOR_PATH, CleverTapStandIn, make_server

        host, port = args.serve
        vendor = ROOT / "node_modules" / "clevertap-web-sdk" / "clevertap.min.js"
        # The demo page sends the SDK's requests to this server's stand-in for CleverTap: nothing leaves the machine.
        server = make_server(out, host, port, vendor if vendor.is_file() else None, standin=CleverTapStandIn())
        print(
            f"serving {out} at http://{host}:{server.server_address[1]}/index.html "
            f"(CleverTap SDK at {VENDOR_PATH}, CleverTap's endpoint answered at {STANDIN_PATH})"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
