"""The national summary's pages: every area side by side, the criteria weakest everywhere, the spread between areas.

The analysis is :mod:`audit.analyse.national`; what of it may be published is
decided once, for every area of the run, by :mod:`audit.publish.areas`. The
fragments here show :class:`audit.publish.areas.PublishedAreas` and its
published national table, and read no count of their own.

Areas are ranked (set against one another: the lowest, median and highest area,
the best area's rate, where areas differed most and the test of that spread) only
when every area recorded the same way of choosing its cases
(:class:`audit.analyse.national.SelectionMethods`); otherwise the pages say why
and keep to all areas pooled, each area's own results side by side in the
batch's order, and how many areas had each criterion as a strength or a priority.
"""

from __future__ import annotations

import pandas as pd

from audit.analyse.compare import items
from audit.analyse.findings import PRIORITY, STRENGTH

# The analysis, re-exported: the notebook and callers read it from here.
from audit.analyse.national import (  # noqa: F401
    SPREAD_P,
    SelectionMethods,
    _minimum,
    area_findings,
    area_grid,
    areas_overview,
    heterogeneity,
    national_table,
    rated_criteria,
    weakest_everywhere,
    widest_spread,
)
from audit.framework.model import Framework
from audit.framework.settings import finding_rules
from audit.publish.areas import ALL_CASES, PublishedAreas, area_cases, area_row, published_table  # noqa: F401
from audit.publish.disclosure import SUPPRESSED
from audit.render.html_blocks import Fragment, esc, table


def _shown(table_: pd.DataFrame) -> str:
    """Words for a published table, whose lowest and highest areas leave out every hidden area rate."""
    return " and a published rate" if table_.attrs.get("published") else ""


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _areas(n: int) -> str:
    return f"{n} area" if n == 1 else f"{n} areas"


NOT_RANKED = (
    "The areas are not ranked against one another: they did not all record the same way of choosing their "
    "cases (see the main findings)."
)


def key_messages(
    table: pd.DataFrame, fw: Framework, n_areas: int, n_cases: int, methods: SelectionMethods
) -> list[str]:
    """The thematic report's main findings, in plain sentences, from the national table.

    Sentences use the framework's finding phrases (``findings.phrases``), so a
    criterion reads as what was done: "the child's voice ... was recorded".
    Unless ``methods`` allow the areas to be ranked, no sentence sets one area
    against another (the best area's rate, where areas differed most): the
    second says why instead.
    """
    phrases = finding_rules(fw).phrases
    minimum = _minimum(table)
    crit = table[(table["level"] == "criterion") & table["pct_yes"].notna()]
    if crit.empty:
        return ["No case could be scored, so there are no national findings."]
    rated = rated_criteria(table)

    def label(r: pd.Series) -> str:
        return f"\u201c{r['label'].split(' ', 1)[1]}\u201d"

    def what(r: pd.Series) -> str:
        return phrases.get(r["id"]) or f"the criterion {label(r)} was met"

    out = [
        f"Across {_areas(n_areas)}, {n_cases} children's cases were audited against "
        f"{len(table[table['level'] == 'criterion'])} criteria."
    ]
    ranked = methods.ranked
    if not ranked:  # said before any finding, so the reader knows the areas are not set against one another
        out.append(methods.why())
    if rated.empty:
        out.append(
            f"No criterion had {minimum} or more answers across all areas, too few to name the weakest or strongest."
        )
        return out
    for i, (_, r) in enumerate(weakest_everywhere(table).iterrows()):
        if not ranked:  # all areas together only: no area's rate beside it
            where = f"Practice was weakest on {label(r)}" if i == 0 else f"{label(r)} was also among the weakest"
            out.append(
                f"{where}: across all areas together {what(r)} in only {r['pct_yes']:.0f}% of {r['answers']} "
                "cases answered."
            )
            continue
        best = (
            f", and no area with {minimum} or more answers{_shown(table)} did better than {r['highest']:.0f}%"
            if r["highest"] is not None and r["highest"] == r["highest"]
            else ""
        )
        out.append(
            f"Practice was weak almost everywhere on {label(r)}: across all areas {what(r)} in only "
            f"{r['pct_yes']:.0f}% of {r['answers']} cases answered{best}."
        )
    priority = crit[crit[PRIORITY] > 0].sort_values(PRIORITY, ascending=False)
    if not priority.empty:
        r = priority.iloc[0]
        where = (
            f"all {int(r['areas'])} areas"
            if r[PRIORITY] == r["areas"]
            else f"{int(r[PRIORITY])} of {_areas(int(r['areas']))}"
        )
        out.append(f"{label(r)} was an area for priority action in {where}, more than any other criterion.")
    strong = rated.sort_values("pct_yes", ascending=False).head(2)
    strengths = int(strong.iloc[0][STRENGTH])
    out.append(
        "Practice was strongest on "
        + _join([f"{label(r)} ({r['pct_yes']:.0f}% of {r['answers']} cases)" for _, r in strong.iterrows()])
        + (
            f"; the first was a strength in {_areas(strengths)}."
            if strengths
            else "; even so, no area showed the first reliably enough to call it a strength."
        )
    )
    if not ranked:
        return out
    wide = widest_spread(table, 1)
    if not wide.empty:
        r = wide.iloc[0]
        out.append(
            f"Among the {int(r['areas'])} areas with {minimum} or more answers{_shown(table)}, areas differed most on "
            f"{label(r)}, "
            f"from {r['lowest']:.0f}% to {r['highest']:.0f}% of cases"
            + (
                ", a spread beyond what chance would explain (after allowing for the "
                f"{int(table.attrs.get('tests', 0))} spreads tested)."
                if r.get("beyond_chance")
                else ", though with samples this small the spread could be chance."
            )
        )
    else:
        out.append(f"Too few areas had {minimum} or more answers on any criterion to say where areas differed most.")
    return out


# Fragments for the national summary notebook ------------------------------------------------------


def _rate(pct: float | None, low: float | None = None, high: float | None = None) -> str:
    if pct is None or pct != pct:
        return ""
    return f"{pct:.0f}%" if low is None else f"{pct:.0f}% ({low:.0f}% to {high:.0f}%)"


def title_fragment(areas: PublishedAreas) -> Fragment:
    fw = areas.framework
    return Fragment(
        f"<h1>National summary: {esc(fw.title)}</h1>"
        f'<p class="lead">{len(areas.areas)} areas and {areas.shown(ALL_CASES)} audited cases, side by side. '
        f"Framework {esc(fw.id)} version {esc(fw.version)}.</p>"
        + (
            f'<p class="mode">Published version: an area\'s rate built on a count from 1 to {areas.threshold}, '
            f"or from which one could be worked out, is shown as {SUPPRESSED}.</p>"
            if areas.publish
            else ""
        )
    )


def messages_fragment(areas: PublishedAreas, table_: pd.DataFrame) -> Fragment:
    messages = key_messages(table_, areas.framework, len(areas.areas), areas.shown(ALL_CASES), areas.selection_methods)
    items_ = "".join(f"<li>{esc(m)}</li>" for m in messages)
    return Fragment(f"<h2>Main findings</h2><ul>{items_}</ul>")


def national_fragment(table_: pd.DataFrame, methods: SelectionMethods) -> Fragment:
    """All areas pooled per criterion and theme, with the areas' findings, and the spread between areas where the
    areas may be ranked (``methods``)."""
    minimum, tests = _minimum(table_), int(table_.attrs.get("tests", 0))
    ranked = methods.ranked
    rows = []
    for _, r in table_.iterrows():
        row = {
            "Criterion or theme": r["label"] + (" (key)" if r["key"] else ""),
            "All areas, % Yes (95% interval)": SUPPRESSED
            if r["hidden"]
            else _rate(r["pct_yes"], r["ci_low"], r["ci_high"]),
        }
        if ranked:
            row |= {
                "Lowest area": _rate(r["lowest"]),
                "Median area": _rate(r["median"]),
                "Highest area": _rate(r["highest"]),
            }
        row |= {"Areas for priority action": int(r[PRIORITY]), "Strengths": int(r[STRENGTH])}
        if ranked:
            row["Spread beyond chance"] = "" if r["beyond_chance"] is None else ("Yes" if r["beyond_chance"] else "No")
        rows.append(row)
    frame = pd.DataFrame(rows)
    pooled = "A theme's interval treats each case as one cluster, since answers within a case are not independent. "
    if ranked:
        text = (
            "<p>Each row pools every area's answers, then shows the range of the areas' own results and how many "
            "areas had the criterion as an area for priority action or a strength (by the framework's rules). "
            + pooled
            + f"The lowest, median and highest areas, and the test of the spread, count only areas with {minimum} or "
            "more answers. A spread is beyond chance where a chi-square test across those areas gives p below 0.05 "
            f"after Holm's correction for the {tests} spreads tested.</p>"
        )
    else:
        text = (
            "<p>Each row pools every area's answers and shows how many areas had the criterion as an area for "
            "priority action or a strength (by the framework's rules). "
            + pooled
            + f"{NOT_RANKED} So no lowest, median or highest area is shown, and the spread between areas is not "
            "tested.</p>"
        )
    return Fragment(
        "<h2>Results across all areas</h2>"
        + text
        + table(frame, "Results across all areas, % Yes", list(frame.columns[1:]))
    )


def weakest_fragment(table_: pd.DataFrame, methods: SelectionMethods) -> Fragment:
    """The criteria weakest across all areas, and (where the areas may be ranked) where areas differed most."""
    weak, wide = weakest_everywhere(table_), widest_spread(table_)
    minimum = _minimum(table_)
    if not methods.ranked:
        return _weakest_pooled(weak, minimum)
    best = f"; the best area with {minimum} or more answers{_shown(table_)} reached {{}}"
    parts = ["<h2>Where practice was weakest, and where areas differed most</h2>", _weakest_list(weak, minimum, best)]
    if wide.empty:
        parts.append(f"<p>Too few areas had {minimum} or more answers to say where areas differed most.</p>")
    else:
        parts.append(
            f"<p>Counting only areas with {minimum} or more answers{_shown(table_)}, the criteria on which areas "
            "differed most "
            f"were (a spread is beyond chance after Holm's correction for the {int(table_.attrs.get('tests', 0))} "
            "spreads tested):</p><ol>"
            + "".join(
                f"<li><strong>{esc(r['label'])}</strong>: from {_rate(r['lowest'])} to {_rate(r['highest'])}"
                + (" (beyond chance)" if r["beyond_chance"] else " (could be chance)")
                + ".</li>"
                for _, r in wide.iterrows()
            )
            + "</ol>"
        )
    return Fragment("".join(parts))


def _weakest_list(weak: pd.DataFrame, minimum: int, best: str | None = None) -> str:
    """The weakest criteria across all areas together, each with its pooled rate.

    ``best``: where areas may be ranked, the clause naming the best area's rate (``{}`` for it).
    """
    if weak.empty:
        return f"<p>No criterion had {minimum} or more answers across all areas, too few to name the weakest.</p>"
    together = "" if best else " together"
    return (
        f"<p>Of the criteria with {minimum} or more answers, those with the lowest share of cases answered Yes "
        f"across all areas{together} were:</p><ol>"
        + "".join(
            f"<li><strong>{esc(r['label'])}</strong>: {_rate(r['pct_yes'], r['ci_low'], r['ci_high'])} across "
            f"all areas ({r['answers']} cases answered)" + (best.format(_rate(r["highest"])) if best else "") + ".</li>"
            for _, r in weak.iterrows()
        )
        + "</ol>"
    )


def _weakest_pooled(weak: pd.DataFrame, minimum: int) -> Fragment:
    """The criteria weakest across all areas together, with no area set against another."""
    parts = ["<h2>Where practice was weakest across all areas</h2>", _weakest_list(weak, minimum)]
    parts.append(f"<p>{NOT_RANKED} So this summary does not name the criteria on which areas differed.</p>")
    return Fragment("".join(parts))


def grid_fragment(areas: PublishedAreas, level: str = "criterion", chart_html: str = "") -> Fragment:
    """Every area side by side: one row per area, its % Yes on each criterion (or theme), after the chart if given.

    A row per area keeps the table long rather than wide when a run has 153 areas, and names
    every dot of the chart above it: the chart's dots are this table's figures.
    """
    results, fw = areas.results, areas.framework
    labels = {iid: label for lv, iid, label in items(fw) if lv == level}
    sub = results[results["level"] == level]
    pct = {(a, i): p for a, i, p in zip(sub["area"], sub["id"], sub["pct_yes"], strict=True)}
    rows = []
    for area in areas.areas:
        row: dict[str, str] = {"Area": area}
        for iid, label in labels.items():
            hidden = areas.has(area_row(area, level, iid).cell("yes")) and areas.rate_hidden(area_row(area, level, iid))
            row[label] = SUPPRESSED if hidden else _rate(pct.get((area, iid)))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["Area", *labels.values()])
    what = "criterion" if level == "criterion" else "theme"
    pairing = (
        f"<p>Each dot in the chart is one area's % Yes on a {what}; the table after it gives every area's "
        f"figure by name, one row per area.</p>"
        if chart_html
        else ""
    )
    return Fragment(
        f"<h2>Every area side by side, by {what}</h2>"
        + pairing
        + chart_html
        + table(frame, f"% Yes by area and {what}: one row per area", list(frame.columns[1:]))
    )


def overview_fragment(areas: PublishedAreas) -> Fragment:
    """One row per area: cases, key criteria and how many criteria are strengths or priority actions."""
    fw = areas.framework
    key = [c for c in fw.criteria if c.key]
    cases = {a: areas.count(area_cases(a)).value for a in areas.areas}
    overview = areas_overview(areas.results, pd.Series(cases, dtype=int), fw)
    selection = areas.selection_methods.by_area
    rows = []
    for _, r in overview.iterrows():
        row = {"Area": r["area"], "Cases": areas.shown(area_cases(r["area"]))}
        row["How cases were selected"] = selection.get(r["area"]) or "Not recorded"
        for c in key:
            hidden = areas.rate_hidden(area_row(r["area"], "criterion", c.id))
            row[c.label] = SUPPRESSED if hidden else _rate(r[c.id])
        row["Strengths"] = int(r[STRENGTH])
        row["Areas for priority action"] = int(r[PRIORITY])
        rows.append(row)
    frame = pd.DataFrame(rows)
    return Fragment(
        "<h2>The areas</h2><p>Each area's cases scored, how it chose them (its Audit details), its results on the "
        "key criteria, and how many criteria were strengths or areas for priority action. Areas are listed in the "
        "batch's order, not by their results.</p>"
        + table(frame, "Areas at a glance", [c for c in frame.columns[1:] if c != "How cases were selected"])
    )


def left_out_fragment(areas: PublishedAreas) -> Fragment:
    """Areas in none of the figures above, each with the kind of reason (never a value from its cells)."""
    left_out = areas.left_out
    if not left_out:
        return Fragment("")
    items = "".join(f"<li>{esc(area)}: {esc(why)}</li>" for area, why in left_out.items())
    return Fragment(
        f"<h2>Areas not included</h2><p>{_areas(len(left_out)).capitalize()} of the batch "
        f"{'is' if len(left_out) == 1 else 'are'} in none of this summary's figures:</p><ul>{items}</ul>"
    )
