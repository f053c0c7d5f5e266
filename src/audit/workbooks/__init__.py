"""Workbooks: the blank template for auditors and the synthetic sample data.

- ``template``: the blank audit workbook (``template_sheets``: its practice columns and optional sheets;
  ``xlsx_lists``: its dropdown lists).
- ``sample, synthetic``: deterministic synthetic areas and cases (``synthetic_practice``: their evidence,
  judgements, agency and agreed answers).

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "write_template": "audit.workbooks.template",
    "write_sample_data": "audit.workbooks.sample",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
