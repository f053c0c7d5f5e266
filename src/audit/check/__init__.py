"""Check: every row of every workbook against the framework, every problem located by file, sheet and cell.

- ``validate``: cell grids to one tidy row per case (``cell_values`` reads each cell, ``row_checks`` looks across rows).
- ``audit_data``: ``AuditData``, the container every later stage reads.
- ``practice_cells``: a case's evidence, impact, learning themes and escalation columns.
- ``audit_sheets``, ``audit_details``: the optional Audit details, Agency answers, Agreed answers and Judgements sheets.

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "load_audit": "audit.check.validate",
    "open_audit": "audit.check.validate",
    "AuditData": "audit.check.audit_data",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
