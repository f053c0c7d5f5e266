"""Moderation: how far a second auditor's answers agree with the first auditor's.

A workbook's ``Moderation`` sheet (read by validate.py into ``AuditData.moderation``)
holds a second auditor's answers for some cases. Each is matched to the scored
case with the same area, audit round and Case ID. Per criterion, every case
where both auditors gave Yes, Partly, No or N/A is a pair; agreement is the
share of pairs that match, and Cohen's kappa (statsmodels) discounts the
agreement expected by chance. A criterion is flagged where kappa or agreement
falls below the thresholds in the framework file (``moderation:``). Kappa from
a handful of pairs is unstable, so a flag is a prompt to discuss, not a verdict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from audit.analyse.score import grade_cases
from audit.analyse.statistics import percentage, round_or_none
from audit.check.validate import SCORED
from audit.framework.model import CANONICAL_ANSWERS, Framework
from audit.framework.settings import moderation_rules
from audit.read.load import fold


def _key(row: pd.Series) -> tuple[str, str, str]:
    rnd = row.get("audit_round")
    return (fold(row["area"]), fold(rnd) if isinstance(rnd, str) else "", fold(row["case_id"]))


def matched(cases: pd.DataFrame, moderation: pd.DataFrame | None) -> pd.DataFrame:
    """Moderated cases found among the scored cases: one row each, ``first_*``/``second_*`` columns.

    ``first_<ID>`` and ``second_<ID>`` hold each auditor's answer to a criterion;
    ``first_grade``/``second_grade`` their overall grades. The first auditor's
    row is ``cases`` (scored cases); the second's is the moderation sheet's.
    """
    if moderation is None or moderation.empty or cases.empty:
        return pd.DataFrame()
    second = moderation[moderation["status"] == SCORED]
    by_key = {_key(r): r for _, r in cases.iterrows()}
    rows = []
    for _, mod in second.iterrows():
        first = by_key.get(_key(mod))
        if first is None:
            continue
        row: dict[str, Any] = {"case_id": first["case_id"], "area": first["area"]}
        # The first auditor's own answers, before any the Agreed answers sheet replaced for scoring.
        replaced = first.get("first_answers") or {}
        for col in [c for c in moderation.columns if c not in ("case_id", "area")]:
            if col in first.index:
                row[f"first_{col}"] = replaced.get(col, first[col])
            row[f"second_{col}"] = mod[col]
        rows.append(row)
    return pd.DataFrame(rows)


def unmatched(cases: pd.DataFrame, moderation: pd.DataFrame | None) -> list[str]:
    """Case IDs on the moderation sheet with no scored case to compare with."""
    if moderation is None or moderation.empty:
        return []
    keys = {_key(r) for _, r in cases.iterrows()}
    second = moderation[moderation["status"] == SCORED]
    return [str(r["case_id"]) for _, r in second.iterrows() if _key(r) not in keys]


def contingency(first: pd.Series, second: pd.Series) -> np.ndarray:
    """A 4 x 4 table of answer pairs (rows the first auditor, columns the second) over Yes/Partly/No/N/A."""
    index = {a: i for i, a in enumerate(CANONICAL_ANSWERS)}
    table = np.zeros((len(index), len(index)), dtype=int)
    for a, b in zip(first, second, strict=True):
        if a in index and b in index:
            table[index[a], index[b]] += 1
    return table


def kappa(table: np.ndarray) -> float | None:
    """Cohen's kappa of a contingency table, or None when it is undefined (no pairs, or one answer only)."""
    n = table.sum()
    if n == 0:
        return None
    expected = float((table.sum(axis=0) * table.sum(axis=1)).sum()) / float(n) ** 2
    if expected >= 1 - 1e-12:  # every answer the same from both: chance explains all agreement
        return None
    from statsmodels.stats.inter_rater import cohens_kappa

    return float(cohens_kappa(table, return_results=False))


def agreement(pairs: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per criterion (index: ID): pairs, pairs agreed, % agreement, kappa (NaN where undefined) and any flag.

    ``flagged`` is True where agreement or kappa is below the framework's
    thresholds; ``reason`` says which.
    """
    rules = moderation_rules(fw)
    rows = {}
    for c in fw.criteria:
        if pairs.empty:
            table = np.zeros((4, 4), dtype=int)
        else:
            table = contingency(pairs[f"first_{c.id}"], pairs[f"second_{c.id}"])
        n, agreed = int(table.sum()), int(np.trace(table))
        pct, k = percentage(agreed, n), kappa(table)
        reasons = []
        if pct is not None and pct < rules.agreement_min:
            reasons.append(f"agreement below {rules.agreement_min:.0f}%")
        if k is not None and k < rules.kappa_min:
            reasons.append(f"kappa below {rules.kappa_min:g}")
        rows[c.id] = {
            "label": c.label,
            "pairs": n,
            "agreed": agreed,
            "agreement_pct": pct,
            "kappa": k,
            "flagged": bool(reasons),
            "reason": "; ".join(reasons),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def grade_comparison(pairs: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per moderated case: each auditor's overall grade beside the grade derived from their own answers."""
    if pairs.empty:
        return pd.DataFrame(columns=["case_id", "first_grade", "first_derived", "second_grade", "second_derived"])
    ids = list(fw.criterion_ids)
    first = pairs[[f"first_{i}" for i in ids]].set_axis(ids, axis=1)
    second = pairs[[f"second_{i}" for i in ids]].set_axis(ids, axis=1)
    return pd.DataFrame(
        {
            "case_id": pairs["case_id"],
            "first_grade": pairs["first_overall_grade"],
            "first_derived": grade_cases(first, fw)["derived_grade"],
            "second_grade": pairs["second_overall_grade"],
            "second_derived": grade_cases(second, fw)["derived_grade"],
        }
    )


def moderation_summary(cases: pd.DataFrame, moderation: pd.DataFrame | None, fw: Framework) -> dict[str, Any]:
    """For summary.json: ``{"cases": n, "criteria": {ID: {"pairs", "agreement_pct", "kappa"}}}``."""
    pairs = matched(cases, moderation)
    return agreement_summary(pairs, agreement(pairs, fw) if not pairs.empty else pd.DataFrame())


def agreement_summary(pairs: pd.DataFrame, table: pd.DataFrame) -> dict[str, Any]:
    """:func:`moderation_summary` from pairs and their agreement table already worked out."""
    if pairs.empty:
        return {"cases": 0, "criteria": {}}
    return {
        "cases": len(pairs),
        "criteria": {
            cid: {
                "pairs": int(r["pairs"]),
                "agreement_pct": round_or_none(r["agreement_pct"], 1),
                "kappa": round_or_none(r["kappa"], 3),
            }
            for cid, r in table.iterrows()
        },
    }
