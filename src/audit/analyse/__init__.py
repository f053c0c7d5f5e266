"""Analyse: an area's validated cases scored and analysed once, into one result every output reads.

- ``score``: results per criterion and theme, a grade per case.
- ``statistics``: Wilson and cluster intervals, Holm's adjustment.
- ``area_result``: AreaResult: one area's whole analysis.
- ``agencies, age_bands, groups``: results by agency, information sharing, age band.
- ``compare, rounds``: the area beside other areas, national figures, and over audit rounds.
- ``moderation``: agreement between auditors.
- ``national``: every area pooled, the spread between areas and the areas' findings (the national summary).
- ``findings``: strengths and areas for improvement as the framework's rules find them.
- ``explore``: filtering cases in JupyterLab, checking every filter value, and the cases behind any figure.

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "AreaResult": "audit.analyse.area_result",
    "analyse_area": "audit.analyse.area_result",
    "score_criteria": "audit.analyse.score",
    "score_themes": "audit.analyse.score",
    "grade_cases": "audit.analyse.score",
    "wilson_interval": "audit.analyse.statistics",
    "assess": "audit.analyse.findings",
    "national_table": "audit.analyse.national",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
