"""An area's ``summary.json``: counts, exclusions, problems and results, read from its published result."""

from __future__ import annotations

from typing import Any

import pandas as pd

from audit.analyse.area_result import file_accounting
from audit.analyse.statistics import round_or_none
from audit.publish import cells
from audit.publish.cells import COUNT_KEYS
from audit.publish.disclosure import SUPPRESSED
from audit.publish.published import PublishedResult
from audit.publish.tables import published_profile


def _result_dict(pub: PublishedResult, row: cells.Row, r: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {k: pub.shown(row.cell(k)) for k in COUNT_KEYS}
    hide_rate = pub.rate_hidden(row)
    for k in ("pct_yes", "ci_low", "ci_high"):
        out[k] = SUPPRESSED if hide_rate else round_or_none(r[k], 1)
    out["score"] = SUPPRESSED if pub.score_hidden(row) else round_or_none(r["score"], 3)
    return out


def _cluster_dict(pub: PublishedResult, tid: str, r: pd.Series) -> dict[str, Any]:
    """A theme's cases with an answer (k) and effective number of answers, which its interval rests on.

    Published only where its rate is and where its count of cases (with and
    without an answer to the theme, registered cells) is.
    """
    k = pub.count(cells.theme_cases(tid).cell("cases"))
    if pub.rate_hidden(cells.theme(tid)) or any(
        pub.count(cells.theme_cases(tid).cell(m)).suppressed for m in ("cases", "without")
    ):
        return {"cases": SUPPRESSED, "n_eff": SUPPRESSED}
    return {"cases": k.shown, "n_eff": round_or_none(r["n_eff"], 1)}


def summary_dict(pub: PublishedResult) -> dict[str, Any]:
    """The area's summary.json: counts, exclusions, problems and results, all JSON-ready.

    In publish mode suppressed values are the string ``"[c]"`` and nothing
    case-level (case IDs, cells, problem messages) is included.
    """
    result, fw = pub.analysed, pub.framework
    out: dict[str, Any] = {
        "area": pub.area,
        "slug": pub.slug,
        "mode": "published" if pub.publish else "full",
        "framework": {"id": fw.id, "title": fw.title, "version": fw.version, "sha256": fw.sha256},
        "inputs": dict(sorted(result.data.files.items())),
        "rows_read": pub.shown(cells.ROWS),
        "cases_scored": pub.shown(cells.CASES),
        "cases_excluded": pub.shown(cells.EXCLUDED),
    }
    # Rounds of an area scored against an older version of the framework (compared in change over time only).
    if result.data.earlier:
        out["framework"]["earlier_versions"] = [e.framework.version for e in result.data.earlier]
    if not pub.publish:
        out["files"] = file_accounting(result)
    if pub.publish:
        out["suppression"] = {"threshold": pub.threshold, "symbol": SUPPRESSED}
        out["excluded"] = []
        out["problems"] = []
    else:
        out["excluded"] = result.data.exclusions()
        out["problems"] = [
            {"where": p.where, "severity": p.severity, "code": p.code, "case_id": p.case_id, "message": p.message}
            for p in result.data.problems
        ]
    out["criteria"] = {cid: _result_dict(pub, cells.criterion(cid), r) for cid, r in result.criteria.iterrows()}
    out["themes"] = {
        tid: {**_result_dict(pub, cells.theme(tid), r), **_cluster_dict(pub, tid, r)}
        for tid, r in result.themes.iterrows()
    }
    out["sample"] = published_profile(pub)
    out["findings"] = findings_summary(pub)
    out["moderation"] = moderation_summary(pub)
    return out


def findings_summary(pub: PublishedResult) -> dict[str, dict[str, str]]:
    """Each criterion's and theme's finding category (strength, improvement, priority, too_small)."""
    found = pub.analysed.analysis.findings
    return {
        "criteria": {f.id: f.category for f in found if f.level == "criterion"},
        "themes": {f.id: f.category for f in found if f.level == "theme"},
    }


def moderation_summary(pub: PublishedResult) -> dict[str, Any]:
    """Agreement between first and second auditors: ``{"cases", "criteria": {ID: {"pairs", ...}}}``.

    In publish mode a suppressed count shows as ``[c]``, and so do the
    agreement and kappa built from it.
    """
    summary = pub.analysed.analysis.moderation
    if not pub.has(cells.MODERATED):  # nothing was moderated
        return summary
    out: dict[str, Any] = {"cases": pub.shown(cells.MODERATED), "criteria": {}}
    for cid, item in summary["criteria"].items():
        row = cells.agreement(cid)
        hide = any(pub.count(row.cell(k)).suppressed for k in ("pairs", "agreed"))
        out["criteria"][cid] = {
            "pairs": pub.shown(row.cell("pairs")),
            "agreement_pct": SUPPRESSED if hide else item["agreement_pct"],
            "kappa": SUPPRESSED if hide else item["kappa"],
        }
    return out
