"""What a published batch may show: each area's registered values, as publish() decides them.

A :class:`Values` holds the numbers one scope may show, as their text: the
unsuppressed counts, and the rates, intervals, scores, kappas and effective
numbers of answers derived from rows whose rate (or score) is not hidden, each
in every rounding a renderer uses (``{:.0f}``, ``{:.2f}``, ``round(x, 1)``,
``round(x, 3)``). Scopes are an area (``(area, None)``), one criterion or
theme of an area (``(area, id)``), and the run's pooled figures
(``(None, id)``, ``(None, None)``).

The national and comparison figures are derived here from
``compare.area_results`` by the same rule (a pooled rate only where its Yes
and answered are not counts from 1 to the threshold; an area's rate only
where that area's own published result shows it); :func:`run_registry` is
the one place to plug in the publish stage's national figures once they are
registered there.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit.analyse import compare
from audit.check.validate import AuditData
from audit.framework.model import Framework
from audit.framework.settings import finding_rules
from audit.publish.cells import TABLES, Row, agreed_change, criterion, round_criterion, theme, theme_cases
from audit.publish.cells import agreement as agreement_row
from audit.publish.cells import focus_criterion as focus_row
from audit.publish.published import PublishedResult

RATE = ("pct_yes", "ci_low", "ci_high")
DIGITS = range(4)  # the roundings renderers use: {:.0f} and {:.2f} on pages, round(x, 1) and round(x, 3) in JSON


def _forms(x: float) -> set[str]:
    """``x`` as each rounding shows it (page text and JSON text), signless: a difference's sign is a word or a dash."""
    x = abs(float(x))
    out = {f"{x:.{d}f}" for d in DIGITS} | {repr(round(x, d)) for d in DIGITS if d}
    return out | {str(round(x))}


@dataclass
class Values:
    """The numbers a scope may show: counts (exact integers), percentages, and other decimals (scores, kappa, n_eff)."""

    counts: set[int] = field(default_factory=set)
    rates: set[str] = field(default_factory=set)
    decimals: set[str] = field(default_factory=set)

    def rate(self, *xs: Any) -> None:
        self.rates.update(s for x in xs if _real(x) for s in _forms(x))

    def decimal(self, *xs: Any) -> None:
        self.decimals.update(s for x in xs if _real(x) for s in _forms(x))

    def update(self, other: Values) -> None:
        self.counts |= other.counts
        self.rates |= other.rates
        self.decimals |= other.decimals


def _real(x: Any) -> bool:
    return x is not None and not isinstance(x, str) and not (isinstance(x, float) and math.isnan(x))


@dataclass
class AreaRegistry:
    """One area's published result and what each of its scopes may show."""

    published: PublishedResult
    scopes: dict[str | None, Values]  # None: the whole area; an ID: one criterion's or theme's row of its own
    published_rates: dict[str, float]  # % Yes of each criterion and theme this area's result publishes
    compared: dict[str, Values] = field(default_factory=dict)  # each ID's other areas pooled and range of rates

    def item(self, rid: str, own: bool = False) -> Values:
        """What a row about ``rid`` may show: on the area's own page its figures and comparison; elsewhere
        (``own``) only its published % Yes."""
        if own:
            out = Values()
            if rid in self.published_rates:
                out.rate(self.published_rates[rid])
            return out
        out = Values()
        out.update(self.scopes.get(rid, Values()))
        out.update(self.compared.get(rid, Values()))
        return out


def published_results(data: AuditData, threshold: int) -> dict[str, PublishedResult]:
    """Each area of ``data`` published as ``audit batch --publish`` publishes it: together, with the run's decision."""
    from audit.run.area_input import report_results

    return report_results(data, True, threshold)


def area_registry(pub: PublishedResult) -> AreaRegistry:
    """Every value an area's published outputs may show, by scope."""
    result = pub.analysed
    an = result.analysis
    scopes: dict[str | None, Values] = defaultdict(Values)
    whole = scopes[None]
    whole.counts |= pub.values()
    rates: dict[str, float] = {}

    def row_values(scope: Values, row: Any, frame_row: Any, score: bool = True) -> None:
        for k in TABLES[row.table]:
            if pub.has(row.cell(k)) and not pub.count(row.cell(k)).suppressed:
                scope.counts.add(pub.count(row.cell(k)).value)
        if not _measure(row, "answered"):
            return
        if not pub.rate_hidden(row):
            scope.rate(*(frame_row[k] for k in RATE))
        if score and "score" in frame_row and not pub.score_hidden(row):
            scope.decimal(frame_row["score"])

    for level, frame, make in (("criterion", result.criteria, criterion), ("theme", result.themes, theme)):
        for rid, r in frame.iterrows():
            scope = scopes[rid]
            row_values(scope, make(rid), r)
            if not pub.rate_hidden(make(rid)):
                rates[rid] = float(r["pct_yes"])
            if level == "theme":
                row_values(scope, theme_cases(rid), r)
                # n_eff rests on the theme's cases with an answer: shown where the rate and those counts are
                hidden = any(pub.count(theme_cases(rid).cell(k)).suppressed for k in ("cases", "without"))
                if not hidden and not pub.rate_hidden(make(rid)):
                    scope.decimal(r["n_eff"])
    for frame, make in (
        (an.agencies, lambda i, r: _row("agency", (i,))),
        (an.sharing, lambda i, r: _row("sharing", (r["from"], r["to"]))),
        (an.bands, lambda i, r: _row("band", (r["group"] if r["group"] in ("focus", "older") else i,))),
        # Each agency's own answers (the Agency answers sheet): the single-agency view's rows.
        (
            an.practice.agency_own if an.practice.agency_own is not None else pd.DataFrame(),
            lambda i, r: _row("agency_own", (i,)),
        ),
    ):
        for i, r in frame.iterrows():
            row = make(i, r)
            if pub.has(row.cell("yes")):
                row_values(whole, row, r)
    if an.focus is not None:
        for _, r in an.focus.iterrows():
            shown = [p for p in ("focus", "older") if not pub.rate_hidden(focus_row(r["id"], p))]
            for p in shown:
                scopes[r["id"]].rate(*(r[f"{p}_{k}"] for k in ("pct", "low", "high")))
            if len(shown) == 2:
                scopes[r["id"]].rate(r["gap"], r["gap_low"], r["gap_high"])
    if an.change is not None:
        rounds = [an.change["previous_round"].iloc[0], an.change["latest_round"].iloc[0]]
        for _, r in an.change.iterrows():
            shown = [
                w
                for w, label in zip(("previous", "latest"), rounds, strict=True)
                if not pub.rate_hidden(round_criterion(label, r["id"]))
            ]
            for w in shown:
                scopes[r["id"]].rate(
                    *(
                        r[c]
                        for c in r.index
                        if c.startswith(f"{w}_") and c != f"{w}_round" and c not in (f"{w}_yes", f"{w}_answered")
                    )
                )
            if len(shown) == 2:
                scopes[r["id"]].rate(*(r[c] for c in r.index if c.startswith(("change", "gap", "diff"))))
    for cid, r in an.agreement.iterrows():
        if not any(pub.count(agreement_row(cid).cell(k)).suppressed for k in ("agreed", "pairs")):
            scopes[cid].rate(r["agreement_pct"])
            scopes[cid].decimal(r["kappa"])
    practice = an.practice
    if practice.agency_own is not None:  # each agency's own answers: registered rows, with their rates
        for aid, r in practice.agency_own.iterrows():
            row_values(whole, _row("agency_own", (aid,)), r)
    for cid in practice.agreed_changes:  # answers the Agreed answers sheet changed, a count of that criterion's
        if pub.has(agreed_change(cid)) and not pub.count(agreed_change(cid)).suppressed:
            scopes[cid].counts.add(pub.count(agreed_change(cid)).value)
    for rid, scope in list(scopes.items()):
        if rid is not None:
            whole.update(scope)
    return AreaRegistry(pub, scopes, rates)


def _measure(row: Row, k: str) -> bool:
    return k in TABLES[row.table]


def _row(table: str, key: tuple[Any, ...]) -> Row:
    return Row(table, tuple(str(k) for k in key))


@dataclass
class RunRegistry:
    """Every area's registry, and the run's pooled (national) figures by scope (None: the run as a whole)."""

    areas: dict[str, AreaRegistry]
    pooled: dict[str | None, Values]
    threshold: int

    @property
    def framework(self) -> Framework:
        return next(iter(self.areas.values())).published.framework

    def everything(self) -> Values:
        """Every value any page of the run may show (for text on the national summary and the index)."""
        out = Values()
        for reg in self.areas.values():
            out.update(reg.scopes[None])
        for v in self.pooled.values():
            out.update(v)
        return out


def run_registry(data: AuditData, threshold: int) -> RunRegistry:
    """Each area's registry with the comparisons its page shows, and the national figures."""
    areas = {a: area_registry(pub) for a, pub in published_results(data, threshold).items()}
    results = compare.area_results(data)
    comparison_values(areas, results, threshold)
    return RunRegistry(areas, national_values(areas, results, threshold), threshold)


# The figures about other areas (an area's comparison, the national summary) are worked out here from
# compare.area_results by one rule: an area's rate only where its own published result shows it, a pooled rate only
# where its Yes and answered are not counts from 1 to the threshold. The publish stage's run-level decision
# (publish.areas) may hide more, never less, so the rule is also a check on it: to read that decision instead,
# replace these two functions.


def _pooled(rows: Any, fw: Framework, threshold: int) -> dict[str, Values]:
    """Each criterion's and theme's figures over ``rows`` of area_results pooled, where none rests on a small count."""
    out: dict[str, Values] = defaultdict(Values)
    small = range(1, threshold + 1)
    for (_, rid), r in compare.pooled_by_item(rows, fw).iterrows():
        yes, answered = int(r["yes"]), int(r["answered"])
        out[rid].counts |= {n for n in (yes, answered) if n not in small}
        if yes not in small and answered not in small:
            out[rid].rate(*(r[k] for k in RATE))
    return out


def _shown_rates(areas: dict[str, AreaRegistry]) -> dict[str, list[float]]:
    """Each criterion's and theme's % Yes in every area whose own result publishes it."""
    out: dict[str, list[float]] = defaultdict(list)
    for reg in areas.values():
        for rid, x in reg.published_rates.items():
            out[rid].append(x)
    return out


def comparison_values(areas: dict[str, AreaRegistry], results: Any, threshold: int) -> None:
    """Add to each area's scopes what its comparison shows: the other areas pooled, and the range of area rates."""
    fw = next(iter(areas.values())).published.framework
    shown = _shown_rates(areas)
    for area, reg in areas.items():
        for rid, v in _pooled(results[results["area"] != area], fw, threshold).items():
            v.rate(*shown[rid])
            reg.compared[rid] = v
            reg.scopes[None].update(v)


def national_values(areas: dict[str, AreaRegistry], results: Any, threshold: int) -> dict[str | None, Values]:
    """What the national summary may show beside each area's own: all areas pooled, and the spread of area rates."""
    fw = next(iter(areas.values())).published.framework
    pooled: dict[str | None, Values] = dict(_pooled(results, fw, threshold))
    shown = _shown_rates(areas)
    minimum = finding_rules(fw).min_answered
    answered = results.set_index(["area", "id"])["answered"]
    for rid, v in pooled.items():
        v.rate(*shown[rid])  # the lowest and highest area
        rated = sorted(
            x
            for a, reg in areas.items()
            if (x := reg.published_rates.get(rid)) is not None and answered[(a, rid)] >= minimum
        )
        if rated:
            v.rate((rated[(len(rated) - 1) // 2] + rated[len(rated) // 2]) / 2)  # the median area
    pooled[None] = Values(counts={sum(reg.published.analysed.cases_scored for reg in areas.values())})
    return pooled
