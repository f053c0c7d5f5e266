"""What a report says, as HTML fragments: headings, plain-English findings and tables.

The report notebook shows these one after another; each fragment renders in
JupyterLab and in the exported HTML alike. Tables have captions and header
cells; numbers are right-aligned by the report template.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence

import pandas as pd

from audit.disclosure import SUPPRESSED, Group, protect
from audit.summarise import AreaResult, criteria_table, published_profile, themes_table


class Fragment(str):
    """HTML that Jupyter displays as HTML rather than as a string."""

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:  # keeps the notebook's text/plain copy short
        return f"<{len(self)} characters of report HTML>"


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def table(frame: pd.DataFrame, caption: str, numeric: Iterable[str] = ()) -> str:
    """An accessible table: a caption, column headers with scope, the first column as row headers."""
    numeric = set(numeric)
    head = "".join(f'<th scope="col"{_num(c, numeric)}>{esc(c)}</th>' for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = [f'<th scope="row">{esc(row[0])}</th>']
        cells += [f"<td{_num(c, numeric)}>{esc(v)}</td>" for c, v in zip(frame.columns[1:], row[1:], strict=True)]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _num(column: str, numeric: set[str]) -> str:
    return ' class="num"' if column in numeric else ""


def _pct(value: float | None) -> str:
    return "no answers" if value is None or value != value else f"{value:.0f}%"


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
    visible = [cid for cid in crit.index if crit.loc[cid, "answered"] > 0 and not result.rate_hidden(("c", cid))]
    rated = crit.loc[visible].sort_values("pct_yes")
    if len(rated) >= 2:
        low, high = rated.index[0], rated.index[-1]
        parts.append(
            f"<p>The weakest result was <strong>{esc(fw.criterion(low).label)}</strong> "
            f"({_pct(rated.loc[low, 'pct_yes'])} Yes); the strongest was "
            f"<strong>{esc(fw.criterion(high).label)}</strong> ({_pct(rated.loc[high, 'pct_yes'])} Yes).</p>"
        )
    if result.cases_scored < 10:
        parts.append(
            f"<p><strong>The sample is small ({result.show('cases', result.cases_scored)} cases):</strong> "
            "the intervals are wide, so treat differences between criteria with care.</p>"
        )
    return Fragment("".join(parts))


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
        "N/A and blank answers are left out.</p>"
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
                "Theme",
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


def data_quality(result: AreaResult) -> Fragment:
    data = result.data
    counts = (
        f"<p>{result.show('rows', result.rows_read)} rows were read: {result.show('cases', result.cases_scored)} "
        f"cases scored and {result.show('excluded', result.cases_excluded)} rows left out."
    )
    if result.publish:
        return Fragment(
            "<h2>Data quality</h2>" + counts + " The rows left out and the problems found in the workbooks are "
            "listed in the restricted outputs, which are not for publication.</p>"
        )
    parts = ["<h2>Data quality</h2>", counts + " Every row is accounted for below.</p>"]
    ex = data.exclusions()
    if ex:
        frame = pd.DataFrame(
            [
                {
                    "Case ID": e["case_id"] or "(blank)",
                    "File": e["file"],
                    "Cell": e["cell"],
                    "Reason": e["reason"],
                }
                for e in ex
            ]
        )
        parts.append(table(frame, f"Rows left out, {result.area}"))
    problems = [p for p in data.problems if not p.message.startswith("row excluded")]
    if problems:
        frame = pd.DataFrame([{"Where": p.where, "Severity": p.severity, "Problem": p.message} for p in problems])
        parts.append(
            f"<p>{len(problems)} other problems were found in the workbook. Invalid answers are not "
            "scored; the rest of each case is.</p>"
        )
        parts.append(table(frame, f"Problems found in the workbook, {result.area}"))
    if not ex and not problems:
        parts.append("<p>No problems were found.</p>")
    return Fragment("".join(parts))


def about(result: AreaResult) -> Fragment:
    fw = result.framework
    inputs = "".join(
        f"<li>{esc(name)}: SHA-256 <code>{esc(h[:16])}…</code></li>" for name, h in sorted(result.data.files.items())
    )
    return Fragment(
        "<h2>About this report</h2>"
        f"<p>Criteria: {esc(fw.title)} ({esc(fw.id)}, version {esc(fw.version)}). Answers of Yes, Partly, No "
        "and N/A (with common spellings) are accepted; blank answers are treated as missing, never as No. "
        "Intervals are 95% Wilson score intervals, which suit small samples. A case-file audit looks at a "
        "sample of cases, so its results describe that sample, not every child in the area.</p>"
        f"<p>Input files:</p><ul>{inputs}</ul>"
    )
