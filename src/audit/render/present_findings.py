"""The report sections on the area's own results: title, sample, themes, criteria, grades, and the annex.

Every section takes the area's :class:`~audit.publish.published.PublishedResult`
and reads each count it prints through it (``pub.shown(cell)``), so a count
disclosure control hid is never printed; rates and labels come from the
analysis the result already holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from audit.framework.settings import finding_rules
from audit.publish import cells
from audit.publish.disclosure import SUPPRESSED
from audit.publish.published import Compared, PublishedResult
from audit.publish.tables import criteria_table, published_profile, themes_table
from audit.render.html_blocks import Fragment, _pct, esc, table
from audit.render.present_judged import INDICATED


def _date_range(dates: Sequence[object]) -> str:
    ds = sorted(d for d in dates if isinstance(d, dt.date))
    if not ds:
        return "dates not recorded"
    first, last = ds[0], ds[-1]
    return first.strftime("%-d %B %Y") if first == last else f"{first:%-d %B %Y} to {last:%-d %B %Y}"


def title(pub: PublishedResult) -> Fragment:
    fw = pub.framework
    return Fragment(
        f"<h1>{esc(pub.area)}: case-file audit report</h1>"
        f'<p class="lead">{esc(fw.title)}. Framework version {esc(fw.version)}. '
        f"{pub.shown(cells.CASES)} cases scored, "
        f"audited {_date_range(list(pub.analysed.cases['audit_date']))}.</p>"
        + (
            f'<p class="mode">Published version: counts from 1 to {pub.threshold} are shown as '
            f"{SUPPRESSED}, with further counts hidden where they would reveal one.</p>"
            if pub.publish
            else ""
        )
    )


def _answered(pub: PublishedResult, row: cells.Row) -> int:
    """A row's true number answered, for deciding whether there are enough answers to conclude on."""
    return pub.count(row.cell("answered")).value


def _count_rate(pub: PublishedResult, cid: str) -> str:
    """ "Yes in 9 of 24 cases, 38%" for a criterion, its counts as published."""
    row = cells.criterion(cid)
    yes, answered = pub.shown(row.cell("yes")), pub.shown(row.cell("answered"))
    return f"Yes in {yes} of {answered} cases, {_pct(pub.analysed.criteria.loc[cid, 'pct_yes'])}"


def sample(pub: PublishedResult) -> Fragment:
    prof = published_profile(pub)
    ages = pd.DataFrame({"Age band": list(prof["age_bands"]), "Cases": list(prof["age_bands"].values())})
    agencies = pd.DataFrame({"Agency": list(prof["agencies"]), "Cases": list(prof["agencies"].values())})
    return Fragment(
        "<h2>The sample</h2>"
        f"<p>{pub.shown(cells.CASES)} cases of children in {esc(pub.area)} were scored. "
        "A case can involve "
        "several agencies.</p>"
        + table(ages, f"Scored cases by age band, {pub.area}", numeric=["Cases"])
        + table(agencies, f"Scored cases by agency involved, {pub.area}", numeric=["Cases"])
    )


def themes(pub: PublishedResult, chart_html: str) -> Fragment:
    return Fragment(
        "<h2>Results by theme</h2><p>Each theme pools every answer to its criteria. "
        "N/A and blank answers are left out. Answers from the same case tend to go together, so a theme's "
        "interval treats each case, not each answer, as one observation (see About this report).</p>"
        + chart_html
        + table(
            themes_table(pub),
            f"Answers of Yes by theme, {pub.area}",
            numeric=["Answers", "% Yes", "95% interval", "Score"],
        )
    )


def criteria(pub: PublishedResult, chart_html: str) -> Fragment:
    fw = pub.framework
    frame = criteria_table(pub)
    parts = [
        "<h2>Results by criterion</h2>",
        "<p>% Yes is the share of cases answered Yes among those answered Yes, Partly or No. "
        "The score counts Yes as 1, Partly as 0.5 and No as 0. Key criteria are marked.</p>",
        chart_html,
        table(
            frame,
            f"Results by criterion, {pub.area}",
            numeric=[
                "Yes",
                "Partly",
                "No",
                "N/A",
                "Blank or invalid",
                "% Yes",
                "95% interval",
                "Score",
            ],
        ),
    ]
    parts.append("<h3>The criteria</h3><dl>")
    for c in fw.criteria:
        agencies = ", ".join(fw.agencies[a] for a in c.agencies)
        parts.append(
            f"<dt>{esc(c.id)} {esc(c.label)}</dt><dd>{esc(c.question)} "
            f'<span class="agencies">Agencies: {esc(agencies)}.</span></dd>'
        )
    parts.append("</dl>")
    return Fragment("".join(parts))


def grades(pub: PublishedResult, chart_html: str) -> Fragment:
    fw = pub.framework
    frame = pd.DataFrame(
        {
            "Grade": list(fw.grades),
            "Auditor's grade": [pub.shown(cells.grade("auditor", g)) for g in fw.grades],
            "Derived grade": [pub.shown(cells.grade("derived", g)) for g in fw.grades],
        }
    )
    same, both = pub.shown(cells.GRADE_AGREEMENT.cell("agreed")), pub.shown(cells.GRADE_AGREEMENT.cell("both"))
    capped = pub.shown(cells.KEY_NO.cell("cases"))
    return Fragment(
        "<h2>Case grades</h2>"
        "<p>Auditors gave each case an overall grade. The toolkit also derives a grade from each case's "
        "answers; a key criterion answered No limits a case to "
        f"{esc(fw.key_no_cap)} at best. The two agreed for {same} of {both} cases with both grades; "
        f"{capped} cases had a key criterion answered No.</p>"
        + chart_html
        + table(frame, f"Scored cases by grade, {pub.area}", numeric=["Auditor's grade", "Derived grade"])
    )


# The shared rate cell of the analysis sections (benchmarks, agencies, age bands): every count goes through the
# published result (pub.shown), whose cells are registered by audit.publish.cells.area_cells.


def _shown_rate(
    pub: PublishedResult | Compared, row: cells.Row, pct: float | None, low: float | None, high: float | None
) -> str:
    """'38% (21% to 57%)' as published: [c] when the rate is hidden, '' when nothing was answered."""
    if pub.rate_hidden(row):
        return SUPPRESSED
    if pct is None or pct != pct:
        return ""
    return f"{pct:.0f}% ({low:.0f}% to {high:.0f}%)"


def annex(pub: PublishedResult) -> Fragment:
    """Every criterion's and theme's result and what the data indicate, for the reader who wants the whole list."""
    fw, crit = pub.framework, pub.analysed.criteria
    parts = [
        "<h2>Annex: every criterion's result</h2>",
        "<p>Every criterion and theme with its share of Yes answers and what the data indicate by the rule set out "
        "under Findings. What the data indicate is not a judgement.</p>",
    ]
    minimum = finding_rules(fw).min_answered
    visible = [
        cid
        for cid in crit.index
        if _answered(pub, cells.criterion(cid)) >= max(1, minimum) and not pub.rate_hidden(cells.criterion(cid))
    ]
    rated = crit.loc[visible].sort_values("pct_yes", kind="stable")
    if len(rated) >= 2 and rated["pct_yes"].iloc[0] < rated["pct_yes"].iloc[-1]:
        low, high = rated.index[0], rated.index[-1]
        parts.append(
            f"<p>Of the {len(rated)} criteria with {minimum} or more answers, the weakest result was "
            f"<strong>{esc(fw.criterion(low).label)}</strong> ({_count_rate(pub, low)}); the strongest was "
            f"<strong>{esc(fw.criterion(high).label)}</strong> ({_count_rate(pub, high)}).</p>"
        )
    elif len(rated) >= 2:
        parts.append(f"<p>Every criterion with {minimum} or more answers had the same share of Yes answers.</p>")
    else:
        parts.append(
            f"<p>Too few criteria had {minimum} or more answers to name the strongest and weakest results "
            f"({len(rated)} did).</p>"
        )
    rows = []
    for f in pub.analysed.analysis.findings:
        row = cells.result_row(f.level, f.id)
        rows.append(
            {
                "Criterion or theme": f.name + (" (key)" if f.key else ""),
                "Indicated by the data": INDICATED[f.category],
                "% Yes (95% interval)": _shown_rate(pub, row, f.pct_yes, f.ci_low, f.ci_high),
                "Why": f.reason if not pub.rate_hidden(row) else "not published: it would reveal a small count",
            }
        )
    parts.append(table(pd.DataFrame(rows), f"Findings by criterion and theme, {pub.area}", ["% Yes (95% interval)"]))
    return Fragment("".join(parts))
