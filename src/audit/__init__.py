"""Case-file audits of children who are victims of domestic abuse: load, validate, score, report."""

from audit.errors import AuditError, FrameworkError, LayoutError, Problem, ReportError, WorkbookError
from audit.framework import Framework, load_framework
from audit.summarise import AreaResult, analyse_area, summary_dict
from audit.validate import AuditData, load_audit, open_audit

__all__ = [
    "AreaResult",
    "AuditData",
    "AuditError",
    "Framework",
    "FrameworkError",
    "LayoutError",
    "Problem",
    "ReportError",
    "WorkbookError",
    "analyse_area",
    "load_audit",
    "load_framework",
    "open_audit",
    "summary_dict",
]
