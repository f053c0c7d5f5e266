"""Read: untrusted workbook files in, raw cell grids out, with nothing opened that has not been checked first.

- ``safety``: the checks every file passes before any parser opens it
  (``file_checks``, ``zip_checks``, ``ole_checks``, ``sheet_bounds``, ``limits``).
- ``load``: cell grids and their column layout from checked workbooks (read in a child process by isolated_read).
- ``identifiers``: cells that look like personal data.

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "check_workbook_file": "audit.read.safety",
    "expand_inputs": "audit.read.load",
    "read_sheets": "audit.read.load",
    "scan_cells": "audit.read.identifiers",
    "Limits": "audit.read.limits",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
