"""Render: a published result to HTML sections, charts, PDF, summary.json and the scored workbook.

- ``present``: the report's sections as HTML fragments
  (``present_findings``, ``present_compare``, ``present_groups``, ``present_method`` on ``html_blocks``).
- ``charts``: matplotlib charts with alt text (chart_layout).
- ``html_page``: finishing touches to an exported page.
- ``pdf``: the page on A4 with WeasyPrint.
- ``summary_json``: an area's summary.json.
- ``scored_workbook``: the scored workbook.
- ``national``: the national summary's sections.
- ``explore_view``: the explorer's readable case tables and linked dropdowns (notebooks/explore_cases.ipynb).

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "summary_dict": "audit.render.summary_json",
    "scored_workbook_bytes": "audit.render.scored_workbook",
    "html_to_pdf": "audit.render.pdf",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
