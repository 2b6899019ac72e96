"""The site's own Python transformations (RudderStack's ``transformEvent`` / ``transformBatch``), both modes.

    Transformation.load(path)          check a file: FILE:LINE errors (TransformationError)
    Transformation.run(events, mode)   one Outcome per event: messages for the mapping, warnings, log lines

    _runtime    loading, the import check, metadata(), log(), return values, on_transformation_error
    _deadline   the time limit, enforced from inside Python (a trace function on the file's frames only)

Standard library only: it ships in the browser wheel and runs on CPython 3.11 and Pyodide's 3.14.
The contract for the site is docs/transformations.md.
"""

from __future__ import annotations

from ._deadline import Timeout
from ._runtime import (
    DEFAULT_TIMEOUT_MS,
    DESTINATION_TYPE,
    ENTRY_POINTS,
    NOT_IN_BROWSER,
    ON_ERROR,
    SITE_SOURCE,
    SOURCE_TYPES,
    Outcome,
    Transformation,
    check_imports,
)

__all__ = [
    "Transformation",
    "Outcome",
    "Timeout",
    "check_imports",
    "ENTRY_POINTS",
    "ON_ERROR",
    "NOT_IN_BROWSER",
    "DEFAULT_TIMEOUT_MS",
    "DESTINATION_TYPE",
    "SOURCE_TYPES",
    "SITE_SOURCE",
]
