"""``python -m bridge``: the ``clevertap-bridge`` command line (bridge.cli)."""

from .cli import main

raise SystemExit(main())
