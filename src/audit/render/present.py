"""What a report says, as HTML fragments: headings, plain-English findings and tables.

The report notebook shows these one after another; each fragment renders in
JupyterLab and in the exported HTML alike. Tables have captions and header
cells; numbers are right-aligned by the report template.

The sections live in modules by what they present (``present_findings``,
``present_judged`` (summary and findings), ``present_practice`` (escalations,
impact and learning, how the audit was done), ``present_compare``,
``present_groups``, ``present_method``) on the building
blocks of ``html_blocks``; this module gathers them under one name, as the
notebooks call them (``present.title(result)``).
"""

from __future__ import annotations

# Re-exported: callers import these from here.
from audit.render.html_blocks import Fragment, esc, table  # noqa: F401
from audit.render.present_compare import benchmarks, change_over_time  # noqa: F401
from audit.render.present_findings import annex, criteria, grades, sample, themes, title  # noqa: F401
from audit.render.present_groups import age_bands, agencies  # noqa: F401
from audit.render.present_judged import findings, headline  # noqa: F401
from audit.render.present_method import about, data_quality, moderation  # noqa: F401
from audit.render.present_practice import audit_details, escalations, impact_learning  # noqa: F401
