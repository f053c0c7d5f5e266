"""An area's data fingerprint: a digest of everything read for it, and of nothing else.

The fingerprint is what an area's outputs are made from on its own side: its
rows as read (every column, with their file labels and row numbers), the problems
found in them, its Audit details, judgements, agency answers, agreed answers,
moderation, and its earlier rounds. It does not depend on the bytes of the
workbook (re-saving a workbook unchanged, or changing another area's rows in a
shared workbook, leaves it as it was), so reports can name it as their input and
an incremental batch can key on it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.check.audit_data import AuditData
from audit.digest import digest

# The AuditData fields an area's outputs are made from. The rest are left out on purpose: ``files``
# (whole-workbook SHA-256s, listed in manifest.json instead), ``paths`` (where the files are), ``derived``
# (worked out from the rest), ``framework`` (keyed on its own, by its file's SHA-256), and ``failed``,
# ``run_areas`` and ``left_out`` (the run's, not the area's; the area's folder name, which depends on the
# other areas' names, is keyed by the batch).
FIELDS = (
    "cases",
    "problems",
    "identifiers",
    "moderation",
    "details",
    "agency_answers",
    "judgements",
)


def data_fingerprint(data: AuditData) -> str:
    """The SHA-256 of an area slice's content (see the module's docstring)."""
    return digest(_content(data))


def _content(data: AuditData) -> dict[str, Any]:
    return {
        **{name: _rows(getattr(data, name)) for name in FIELDS},
        "earlier": [_content(e) for e in data.earlier],
    }


def _rows(value: Any) -> Any:
    """An optional sheet with no rows for the area as no sheet: which other areas' workbooks had one is theirs."""
    return None if isinstance(value, pd.DataFrame) and value.empty else value
