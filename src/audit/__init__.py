"""Case-file audits of children who are victims of domestic abuse: load, validate, score, report."""

from audit.lazy import exports

# Public name -> the module that defines it. Loaded on first use, so `audit --help` never imports pandas.
_EXPORTS = {
    "AuditError": "audit.errors",
    "FrameworkError": "audit.errors",
    "LayoutError": "audit.errors",
    "Problem": "audit.errors",
    "ReportError": "audit.errors",
    "WorkbookError": "audit.errors",
    "Framework": "audit.framework.model",
    "load_framework": "audit.framework.model",
    "AreaResult": "audit.analyse.area_result",
    "analyse_area": "audit.analyse.area_result",
    "summary_dict": "audit.render.summary_json",
    "AuditData": "audit.check.validate",
    "load_audit": "audit.check.validate",
    "open_audit": "audit.check.validate",
    "open_report": "audit.run.area_input",
    "open_national": "audit.run.area_input",
    "publish": "audit.publish.published",
    "PublishedResult": "audit.publish.published",
}
__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = exports(__name__, _EXPORTS)
