"""Summaries: one area's validated and scored cases turned into plain results.

:func:`analyse_area` is what the report notebook, ``audit score`` and
``audit batch`` all call, so every output is built from the same numbers.

The result is built in ``area_result``, its published tables in ``published``
and ``summary.json`` in ``summary_json``; this module gathers their names, as
callers import them from here.
"""

from __future__ import annotations

# Re-exported: callers import these from here.
from audit.area_result import (  # noqa: F401
    COUNT_KEYS,
    RESULT_COUNTS,
    AreaResult,
    analyse_area,
    analysis_cells,
    disclosure_cells,
    file_accounting,
    sample_profile,
    slugify,
)
from audit.published import criteria_table, published_profile, themes_table  # noqa: F401
from audit.summary_json import findings_summary, moderation_summary, summary_dict  # noqa: F401
