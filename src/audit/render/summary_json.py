"""An area's ``summary.json``: counts, exclusions, problems and results, all JSON-ready."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.analyse import moderation
from audit.analyse.area_result import COUNT_KEYS, AreaResult, file_accounting
from audit.analyse.findings import assess
from audit.analyse.statistics import round_or_none
from audit.publish.disclosure import SUPPRESSED
from audit.publish.published import published_profile


def _result_dict(result: AreaResult, key: Any, row: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {k: result.show((key, k), int(row[k])) for k in COUNT_KEYS}
    hide_rate = result.rate_hidden(key)
    for k in ("pct_yes", "ci_low", "ci_high"):
        out[k] = SUPPRESSED if hide_rate else round_or_none(row[k], 1)
    out["score"] = SUPPRESSED if result.score_hidden(key) else round_or_none(row["score"], 3)
    return out


def _cluster_dict(result: AreaResult, key: Any, row: pd.Series) -> dict[str, Any]:
    """A theme's cases with an answer (k) and effective number of answers, which its interval rests on.

    Published only where its rate is, and where neither k nor the cases without
    an answer to the theme is a small count.
    """
    k = int(row["cases"])
    n_eff = round_or_none(row["n_eff"], 1)
    if result.publish:
        small = any(0 < n <= result.threshold for n in (k, result.cases_scored - k))
        if small or result.rate_hidden(key):
            return {"cases": SUPPRESSED, "n_eff": SUPPRESSED}
    return {"cases": k, "n_eff": n_eff}


def summary_dict(result: AreaResult) -> dict[str, Any]:
    """The area's summary.json: counts, exclusions, problems and results, all JSON-ready.

    In publish mode suppressed values are the string ``"[c]"`` and nothing
    case-level (case IDs, cells, problem messages) is included.
    """
    fw = result.framework
    out: dict[str, Any] = {
        "area": result.area,
        "slug": result.slug,
        "mode": "published" if result.publish else "full",
        "framework": {"id": fw.id, "title": fw.title, "version": fw.version, "sha256": fw.sha256},
        "inputs": dict(sorted(result.data.files.items())),
        "rows_read": result.show("rows", result.rows_read),
        "cases_scored": result.show("cases", result.cases_scored),
        "cases_excluded": result.show("excluded", result.cases_excluded),
    }
    if not result.publish:
        out["files"] = file_accounting(result)
    if result.publish:
        out["suppression"] = {"threshold": result.threshold, "symbol": SUPPRESSED}
        out["excluded"] = []
        out["problems"] = []
    else:
        out["excluded"] = result.data.exclusions()
        out["problems"] = [
            {"where": p.where, "severity": p.severity, "code": p.code, "case_id": p.case_id, "message": p.message}
            for p in result.data.problems
        ]
    out["criteria"] = {cid: _result_dict(result, ("c", cid), row) for cid, row in result.criteria.iterrows()}
    out["themes"] = {
        tid: {**_result_dict(result, ("t", tid), row), **_cluster_dict(result, ("t", tid), row)}
        for tid, row in result.themes.iterrows()
    }
    out["sample"] = published_profile(result)
    out["findings"] = findings_summary(result)
    out["moderation"] = moderation_summary(result)
    return out


def findings_summary(result: AreaResult) -> dict[str, dict[str, str]]:
    """Each criterion's and theme's finding category (strength, improvement, priority, too_small)."""
    found = assess(result.criteria, result.themes, result.framework)
    return {
        "criteria": {f.id: f.category for f in found if f.level == "criterion"},
        "themes": {f.id: f.category for f in found if f.level == "theme"},
    }


def moderation_summary(result: AreaResult) -> dict[str, Any]:
    """Agreement between first and second auditors: ``{"cases", "criteria": {ID: {"pairs", ...}}}``.

    In publish mode a suppressed count shows as ``[c]``, and so do the
    agreement and kappa built from it.
    """
    summary = moderation.moderation_summary(result.cases, result.data.moderation, result.framework)
    if not result.publish:
        return summary
    out: dict[str, Any] = {"cases": result.show(("mod", "cases"), summary["cases"]), "criteria": {}}
    for cid, item in summary["criteria"].items():
        hide = any((("mod", cid), k) in result.hidden for k in ("pairs", "agreed"))
        out["criteria"][cid] = {
            "pairs": result.show((("mod", cid), "pairs"), item["pairs"]),
            "agreement_pct": SUPPRESSED if hide else item["agreement_pct"],
            "kappa": SUPPRESSED if hide else item["kappa"],
        }
    return out
