"""Audit rounds: which round each case belongs to, and the rounds in order.

Rounds come from an ``Audit round`` column when the workbook has one; otherwise
audit dates are sorted and a new round starts after a gap of more than
``rounds.gap_days`` days (framework file), so a few weeks' audit is one round
even when it spans the end of a quarter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from audit.framework.model import Framework
from audit.framework.settings import round_gap_days


def _natural(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label.casefold())


def _month_span(dates: list[dt.date]) -> str:
    first, last = min(dates), max(dates)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%B %Y}"
    if first.year == last.year:
        return f"{first:%B} to {last:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def audit_rounds(cases: pd.DataFrame, fw: Framework) -> pd.Series:
    """Each case's audit round label (None where it cannot be told), by the rule in the module docstring."""
    column = cases["audit_round"] if "audit_round" in cases else pd.Series(None, index=cases.index)
    if column.notna().any():
        return column.map(lambda v: None if v is None or v != v else str(v)).astype(object)
    dates = cases["audit_date"].map(lambda d: d if isinstance(d, dt.date) else None)
    known = sorted({d for d in dates if d is not None})
    if not known:
        return pd.Series(None, index=cases.index, dtype=object)
    gap = dt.timedelta(days=round_gap_days(fw))
    clusters: list[list[dt.date]] = [[known[0]]]
    for d in known[1:]:
        if d - clusters[-1][-1] > gap:
            clusters.append([])
        clusters[-1].append(d)
    label_of = {d: _month_span(c) for c in clusters for d in c}
    return dates.map(lambda d: label_of.get(d) if d is not None else None).astype(object)


def round_order(cases: pd.DataFrame, rounds: pd.Series) -> list[str]:
    """Round labels from earliest to latest: by their first audit date, then by label (2 before 10)."""
    labels = [r for r in dict.fromkeys(rounds) if r is not None]

    def first_date(label: str) -> dt.date:
        ds = [d for d in cases.loc[rounds == label, "audit_date"] if isinstance(d, dt.date)]
        return min(ds) if ds else dt.date.max

    return sorted(labels, key=lambda lab: (first_date(lab), _natural(lab)))


def rounds_table(
    cases: pd.DataFrame, fw: Framework, earlier: Sequence[tuple[pd.DataFrame, Framework]] = ()
) -> pd.DataFrame:
    """One row per audit round, in order: its label, cases and first and last audit dates.

    With ``earlier`` (cases scored against older versions of the framework, oldest first)
    their rounds come first, and the columns ``version`` and ``earlier`` say which is which.
    """
    if earlier:
        parts = [rounds_table(c, f).assign(version=f.version, earlier=True) for c, f in earlier if len(c)]
        parts.append(rounds_table(cases, fw).assign(version=fw.version, earlier=False))
        return pd.concat(parts, ignore_index=True)
    rounds = audit_rounds(cases, fw)
    rows = []
    for label in round_order(cases, rounds):
        ds = [d for d in cases.loc[rounds == label, "audit_date"] if isinstance(d, dt.date)]
        rows.append(
            {
                "round": label,
                "cases": int((rounds == label).sum()),
                "first_date": min(ds) if ds else None,
                "last_date": max(ds) if ds else None,
            }
        )
    return pd.DataFrame(rows, columns=["round", "cases", "first_date", "last_date"])
