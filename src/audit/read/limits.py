"""The caps applied to an untrusted workbook before any parser opens it, and how they are changed.

Environment variables change them, so that report kernels started by a batch apply
the same caps as the batch itself.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace

from audit.errors import WorkbookError
from audit.read.sheet_scan import clean as _clean

MB = 2**20
RESAVE = "Ask the sender to save it again from Excel as .xlsx and send it again."


def mb(n: float) -> str:
    """Human-readable size in MB."""
    return f"{n / MB:,.1f} MB"


@dataclass(frozen=True)
class Limits:
    """Caps applied before a workbook is parsed; raise them only for a file you trust.

    ``max_member_ratio`` is uncompressed/compressed size per zip part and is applied
    only to parts over 1 MB uncompressed, since small XML parts often compress very well.
    ``max_sheet_cells`` caps each worksheet's used range (rows x columns from A1), which
    python-calamine allocates in full: about 40 bytes and 1 microsecond a cell, so the
    default of 20 million (200,000 rows by 100 columns) costs at most about 800 MB.
    """

    max_file_bytes: int = 50 * MB
    max_expanded_bytes: int = 500 * MB
    max_member_ratio: float = 200.0
    max_members: int = 10_000
    max_sheet_cells: int = 20_000_000

    @classmethod
    def from_env(cls) -> Limits:
        """The caps, changed where ``AUDIT_MAX_FILE_MB``, ``AUDIT_MAX_EXPANDED_MB`` or ``AUDIT_MAX_SHEET_CELLS`` say so.

        Environment variables, so that report kernels started by a batch apply the
        same caps as the batch itself.
        """
        limits = cls()
        for var, attr, unit, what in _ENV_LIMITS:
            value = os.environ.get(var)
            if value:
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number) or number <= 0:
                    raise WorkbookError(
                        f"{var} should be a positive number of {what}, not {_clean(value, 20)!r}", code="limit-invalid"
                    )
                # A finite number can still overflow once scaled (1e308 MB): such a limit is no limit.
                limits = replace(limits, **{attr: max(1, int(min(number * unit, 2**62)))})
        return limits


_ENV_LIMITS = (
    ("AUDIT_MAX_FILE_MB", "max_file_bytes", MB, "megabytes"),
    ("AUDIT_MAX_EXPANDED_MB", "max_expanded_bytes", MB, "megabytes"),
    ("AUDIT_MAX_SHEET_CELLS", "max_sheet_cells", 1, "cells"),
)
