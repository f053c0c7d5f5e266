"""The report sections on the area's own results: title, summary, sample, themes, criteria, grades, findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from audit.analyse.area_result import AreaResult
from audit.analyse.findings import (
    CATEGORY_ORDER,
    IMPROVEMENT,
    PRIORITY,
    STRENGTH,
    TOO_SMALL,
    Finding,
    assess,
    by_category,
)
from audit.analyse.findings import sentence as finding_sentence
from audit.framework.settings import finding_rules
from audit.publish.disclosure import SUPPRESSED, Group, protect
from audit.publish.published import criteria_table, published_profile, themes_table
from audit.render.html_blocks import Fragment, _pct, esc, table


def _date_range(dates: Sequence[object]) -> str:
    ds = sorted(d for d in dates if isinstance(d, dt.date))
    if not ds:
        return "dates not recorded"
    first, last = ds[0], ds[-1]
    return first.strftime("%-d %B %Y") if first == last else f"{first:%-d %B %Y} to {last:%-d %B %Y}"


def title(result: AreaResult) -> Fragment:
    fw = result.framework
    return Fragment(
        f"<h1>{esc(result.area)}: case-file audit report</h1>"
        f'<p class="lead">{esc(fw.title)}. Framework version {esc(fw.version)}. '
        f"{result.show('cases', result.cases_scored)} cases scored, "
        f"audited {_date_range(list(result.cases['audit_date']))}.</p>"
        + (
            f'<p class="mode">Published version: counts from 1 to {result.threshold} are shown as '
            f"{SUPPRESSED}, with further counts hidden where they would reveal one.</p>"
            if result.publish
            else ""
        )
    )


def headline(result: AreaResult) -> Fragment:
    """The few sentences a reader takes away: key criteria, the strongest and weakest results."""
    fw, crit = result.framework, result.criteria
    if result.cases_scored == 0:
        return Fragment(
            "<h2>Summary</h2><p>No case could be scored, so this report has no findings. "
            "The data quality section says why.</p>"
        )
    excluded = result.show("excluded", result.cases_excluded)
    parts = [
        f"<h2>Summary</h2><p>{result.show('cases', result.cases_scored)} cases were scored"
        + (f" and {excluded} rows were left out (see data quality)" if result.cases_excluded else "")
        + ".</p>"
    ]
    items = [_finding(result, c.id) for c in fw.criteria if c.key]
    if items:
        parts.append("<p>Key criteria:</p><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
    minimum = finding_rules(fw).min_answered
    visible = [
        cid for cid in crit.index if crit.loc[cid, "answered"] >= max(1, minimum) and not result.rate_hidden(("c", cid))
    ]
    rated = crit.loc[visible].sort_values("pct_yes", kind="stable")
    if len(rated) >= 2 and rated["pct_yes"].iloc[0] < rated["pct_yes"].iloc[-1]:
        low, high = rated.index[0], rated.index[-1]
        parts.append(
            f"<p>Of the {len(rated)} criteria with {minimum} or more answers, the weakest result was "
            f"<strong>{esc(fw.criterion(low).label)}</strong> ({_count_rate(result, low)}); the strongest was "
            f"<strong>{esc(fw.criterion(high).label)}</strong> ({_count_rate(result, high)}).</p>"
        )
    elif len(rated) >= 2:
        parts.append(f"<p>Every criterion with {minimum} or more answers had the same share of Yes answers.</p>")
    else:
        parts.append(
            f"<p>Too few criteria had {minimum} or more answers to name the strongest and weakest results "
            f"({len(rated)} did).</p>"
        )
    if result.cases_scored < 10:
        parts.append(
            f"<p><strong>The sample is small ({result.show('cases', result.cases_scored)} cases):</strong> "
            "the intervals are wide, so treat differences between criteria with care.</p>"
        )
    return Fragment("".join(parts))


def _count_rate(result: AreaResult, cid: str) -> str:
    """ "9 of 24 cases, 38% Yes" for a criterion, its counts as published."""
    r, key = result.criteria.loc[cid], ("c", cid)
    yes, answered = result.show((key, "yes"), int(r["yes"])), result.show((key, "answered"), int(r["answered"]))
    return f"Yes in {yes} of {answered} cases, {_pct(r['pct_yes'])}"


def _finding(result: AreaResult, cid: str) -> str:
    label = esc(result.framework.criterion(cid).label)
    r, key = result.criteria.loc[cid], ("c", cid)
    if not r["answered"]:
        return f"{label}: no case answered this criterion."
    yes, answered = (
        result.show((key, "yes"), int(r["yes"])),
        result.show((key, "answered"), int(r["answered"])),
    )
    if result.rate_hidden(key):
        return f"{label}: Yes in {yes} of {answered} cases (the rate is not published: it would reveal a small count)."
    return (
        f"{label}: Yes in {yes} of {answered} cases ({_pct(r['pct_yes'])}; "
        f"95% interval {r['ci_low']:.0f}% to {r['ci_high']:.0f}%)."
    )


def sample(result: AreaResult) -> Fragment:
    prof = published_profile(result)
    ages = pd.DataFrame({"Age band": list(prof["age_bands"]), "Cases": list(prof["age_bands"].values())})
    agencies = pd.DataFrame({"Agency": list(prof["agencies"]), "Cases": list(prof["agencies"].values())})
    return Fragment(
        "<h2>The sample</h2>"
        f"<p>{result.show('cases', result.cases_scored)} cases of children in {esc(result.area)} were scored. "
        "A case can involve "
        "several agencies.</p>"
        + table(ages, f"Scored cases by age band, {result.area}", numeric=["Cases"])
        + table(agencies, f"Scored cases by agency involved, {result.area}", numeric=["Cases"])
    )


def themes(result: AreaResult, chart_html: str) -> Fragment:
    return Fragment(
        "<h2>Results by theme</h2><p>Each theme pools every answer to its criteria. "
        "N/A and blank answers are left out. Answers from the same case tend to go together, so a theme's "
        "interval treats each case, not each answer, as one observation (see About this report).</p>"
        + chart_html
        + table(
            themes_table(result),
            f"Answers of Yes by theme, {result.area}",
            numeric=["Answers", "% Yes", "95% interval", "Score"],
        )
    )


def criteria(result: AreaResult, chart_html: str) -> Fragment:
    fw = result.framework
    frame = criteria_table(result)
    parts = [
        "<h2>Results by criterion</h2>",
        "<p>% Yes is the share of cases answered Yes among those answered Yes, Partly or No. "
        "The score counts Yes as 1, Partly as 0.5 and No as 0. Key criteria are marked.</p>",
        chart_html,
        table(
            frame,
            f"Results by criterion, {result.area}",
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


def grades(result: AreaResult, chart_html: str) -> Fragment:
    fw = result.framework
    cases = result.cases
    frame = pd.DataFrame(
        {
            "Grade": list(fw.grades),
            "Auditor's grade": [
                result.show(("auditor", g), int((cases["overall_grade"] == g).sum())) for g in fw.grades
            ],
            "Derived grade": [result.show(("derived", g), int((cases["derived_grade"] == g).sum())) for g in fw.grades],
        }
    )
    both = cases.dropna(subset=["overall_grade", "derived_grade"])
    same = int((both["overall_grade"] == both["derived_grade"]).sum())
    capped = int(cases["key_criterion_no"].sum())
    same_s, both_s = _pair(result, same, len(both))
    capped_s, _ = _pair(result, capped, len(cases))
    return Fragment(
        "<h2>Case grades</h2>"
        "<p>Auditors gave each case an overall grade. The toolkit also derives a grade from each case's "
        "answers; a key criterion answered No limits a case to "
        f"{esc(fw.key_no_cap)} at best. The two agreed for {same_s} of {both_s} cases with both grades; "
        f"{capped_s} cases had a key criterion answered No.</p>"
        + chart_html
        + table(frame, f"Scored cases by grade, {result.area}", numeric=["Auditor's grade", "Derived grade"])
    )


def _pair(result: AreaResult, part: int, total: int) -> tuple[object, object]:
    """A count and its total as published: neither they nor their difference may be a small count."""
    if not result.publish:
        return part, total
    hidden = protect(
        {"part": part, "rest": total - part, "total": total},
        [Group(("part", "rest"), "total")],
        result.threshold,
    )
    return (SUPPRESSED if "part" in hidden else part), (SUPPRESSED if "total" in hidden else total)


# Inspection-grade analysis: findings, benchmarks, agencies, age bands, moderation, change over time.
# Every count goes through the result's disclosure control (result.show), whose cells for these
# sections are listed in area_result.analysis_cells.


def _shown_rate(result: AreaResult, row: object, pct: float | None, low: float | None, high: float | None) -> str:
    """'38% (21% to 57%)' as published: [c] when the rate is hidden, '' when nothing was answered."""
    if result.rate_hidden(row):
        return SUPPRESSED
    if pct is None or pct != pct:
        return ""
    return f"{pct:.0f}% ({low:.0f}% to {high:.0f}%)"


def _finding_sentence(result: AreaResult, f: Finding) -> str:
    row = ("c", f.id) if f.level == "criterion" else ("t", f.id)
    return finding_sentence(
        f,
        yes=result.show((row, "yes"), f.yes),
        answered=result.show((row, "answered"), f.answered),
        partly=result.show((row, "partly"), f.partly),
        rate_shown=not result.rate_hidden(row),
    )


def findings(result: AreaResult) -> Fragment:
    """Strengths, areas for improvement and areas for priority action, as an inspection letter sets them out."""
    fw = result.framework
    rules = finding_rules(fw)
    found = assess(result.criteria, result.themes, fw)
    parts = [
        "<h2>Findings</h2>",
        "<p>As in a joint inspection letter, the results are set out as strengths, areas for improvement and "
        "areas for priority action, with no overall grade. A criterion is a strength when even the low end of "
        f"its 95% interval is at least {rules.strength_lower:.0f}% Yes; an area for priority action when even the "
        f"high end is below {rules.priority_upper:.0f}%, or when a key criterion was met in fewer than "
        f"{rules.key_priority_pct:.0f}% of cases; otherwise an area for improvement. With fewer than "
        f"{rules.min_answered} cases answered, a criterion is too small to conclude on.</p>",
    ]
    grouped = by_category(found, "criterion")
    for category in CATEGORY_ORDER:
        items = grouped[category]
        heading = {
            STRENGTH: "Strengths",
            IMPROVEMENT: "Areas for improvement",
            PRIORITY: "Areas for priority action",
            TOO_SMALL: "Too small to conclude",
        }[category]
        if not items and category == TOO_SMALL:
            continue
        parts.append(f"<h3>{heading}</h3>")
        if not items:
            parts.append(f"<p>None of the {len(fw.criteria)} criteria.</p>")
            continue
        parts.append(
            "<ul>"
            + "".join(
                f"<li><strong>{esc(f.label)}</strong>{' (key criterion)' if f.key else ''}. "
                f"{esc(_finding_sentence(result, f))}</li>"
                for f in items
            )
            + "</ul>"
        )
    rows = []
    for f in found:
        row = ("c", f.id) if f.level == "criterion" else ("t", f.id)
        rows.append(
            {
                "Criterion or theme": f.name + (" (key)" if f.key else ""),
                "Finding": f.category_label,
                "% Yes (95% interval)": _shown_rate(result, row, f.pct_yes, f.ci_low, f.ci_high),
                "Why": f.reason if not result.rate_hidden(row) else "not published: it would reveal a small count",
            }
        )
    parts.append(table(pd.DataFrame(rows), f"Findings by criterion and theme, {result.area}", ["% Yes (95% interval)"]))
    return Fragment("".join(parts))
