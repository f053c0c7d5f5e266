"""Case-file audits of children who are victims of domestic abuse: load, validate, score, report."""

from importlib import import_module
from typing import Any

# Public name -> the module that defines it. Loaded on first use, so `audit --help` never imports pandas.
_EXPORTS = {
    "AuditError": "audit.errors",
    "FrameworkError": "audit.errors",
    "LayoutError": "audit.errors",
    "Problem": "audit.errors",
    "ReportError": "audit.errors",
    "WorkbookError": "audit.errors",
    "Framework": "audit.framework",
    "load_framework": "audit.framework",
    "AreaResult": "audit.summarise",
    "analyse_area": "audit.summarise",
    "summary_dict": "audit.summarise",
    "AuditData": "audit.validate",
    "load_audit": "audit.validate",
    "open_audit": "audit.validate",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")
