"""An area's ``summary.json``: counts, exclusions, problems and results, read from its published result.

The audit's practice (escalations, judgements, audit details, learning themes,
answers changed by agreement, each agency's own answers) is read through
``pub.practice`` and every count through ``pub.shown``, so the published version
holds no auditor's free text and no count that disclosure control hides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from audit.analyse.area_result import file_accounting
from audit.analyse.findings import CATEGORY_LABELS
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
        # The files by name, and the area's own data by its fingerprint (not the files' SHA-256s, which change
        # when any area of a shared workbook does; manifest.json lists those).
        "inputs": sorted(result.data.files),
        "data_sha256": result.fingerprint,
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
    out.update(practice_summary(pub))
    return out


def _iso(value: Any) -> Any:
    """A date as ISO text (``2025-03-14``); anything else as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value


def practice_summary(pub: PublishedResult) -> dict[str, Any]:
    """The audit's practice, in this key order: ``escalated``, ``judgements``, ``audit_details``,
    ``learning_themes`` and ``agency_answers``.

    Counts are as published (``[c]`` when hidden). A judgement's reason is
    published (it was scanned before publication); who agreed it only in the
    full version. ``agency_answers`` is None without an Agency answers sheet.
    """
    practice = pub.practice
    judgements = []
    for j in practice.judgements:
        item = {
            "target": j.target,
            "kind": j.kind,
            "label": j.label,
            "judgement": j.judgement,
            "reason": j.reason,
            "date": _iso(j.date),
            "indicated": CATEGORY_LABELS[j.indicated] if j.indicated is not None else None,
            "agrees": j.agrees,
        }
        if not pub.publish:
            item["agreed_by"] = j.agreed_by
        judgements.append(item)
    return {
        "escalated": pub.shown(cells.ESCALATED.cell("cases")),
        "judgements": judgements,
        "audit_details": {name: _iso(value) for name, value in practice.details.items()},
        "learning_themes": {
            str(label): pub.shown(cells.learning(str(label)).cell("cases")) for label in practice.learning.index
        },
        "agency_answers": agency_answers(pub),
    }


def agency_answers(pub: PublishedResult) -> dict[str, Any] | None:
    """Each agency's own answers (the Agency answers sheet), pooled over its criteria: counts as published,
    and its % Yes with interval ``[c]`` where a count it rests on is hidden."""
    own = pub.practice.agency_own
    if own is None:
        return None
    out: dict[str, Any] = {}
    for aid, r in own.iterrows():
        row = cells.agency_own(str(aid))
        hide = pub.rate_hidden(row)
        out[str(aid)] = {
            "label": r["label"],
            "criteria": [c.strip() for c in str(r["criteria"]).split(",") if c.strip()],
            "cases": pub.shown(row.cell("cases")),
            **{k: pub.shown(row.cell(k)) for k in ("yes", "partly", "no", "answered")},
            **{k: SUPPRESSED if hide else round_or_none(r[k], 1) for k in ("pct_yes", "ci_low", "ci_high")},
        }
    return out


def findings_summary(pub: PublishedResult) -> dict[str, dict[str, str]]:
    """Each criterion's and theme's finding category (strength, improvement, priority, too_small)."""
    found = pub.analysed.analysis.findings
    return {
        "criteria": {f.id: f.category for f in found if f.level == "criterion"},
        "themes": {f.id: f.category for f in found if f.level == "theme"},
    }


def moderation_summary(pub: PublishedResult) -> dict[str, Any]:
    """Agreement between first and second auditors: ``{"cases", "criteria": {ID: {"pairs", ...}}, "agreed_changes"}``.

    In publish mode a suppressed count shows as ``[c]``, and so do the
    agreement and kappa built from it.
    """
    summary = pub.analysed.analysis.moderation
    if not pub.has(cells.MODERATED):  # nothing was moderated
        return {**summary, "agreed_changes": agreed_changes(pub)}
    out: dict[str, Any] = {"cases": pub.shown(cells.MODERATED), "criteria": {}}
    for cid, item in summary["criteria"].items():
        row = cells.agreement(cid)
        hide = any(pub.count(row.cell(k)).suppressed for k in ("pairs", "agreed"))
        out["criteria"][cid] = {
            "pairs": pub.shown(row.cell("pairs")),
            "agreement_pct": SUPPRESSED if hide else item["agreement_pct"],
            "kappa": SUPPRESSED if hide else item["kappa"],
        }
    out["agreed_changes"] = agreed_changes(pub)
    return out


def agreed_changes(pub: PublishedResult) -> dict[str, Any]:
    """Answers the Agreed answers sheet changed: ``{"answers": total, "criteria": {ID: answers}}``, as published
    (a criterion only where it changed any)."""
    changed = [cid for cid in pub.framework.criterion_ids if pub.has(cells.agreed_change(cid))]
    return {
        "answers": pub.shown(cells.AGREED_CHANGED),
        "criteria": {cid: pub.shown(cells.agreed_change(cid)) for cid in changed},
    }
