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

from audit.age_bands import age_band_results
from audit.age_bands import focus_by_criterion as age_band_criteria
from audit.agencies import agency_results, sharing_results
from audit.compare import (
    ABOVE,
    BELOW,
    DOWN,
    UP,
    NationalFigures,
    benchmark,
    change_since_previous,
    rounds_table,
    spread,
)
from audit.disclosure import SUPPRESSED, Group, protect
from audit.findings import CATEGORY_ORDER, IMPROVEMENT, PRIORITY, STRENGTH, TOO_SMALL, Finding, assess, by_category
from audit.findings import sentence as finding_sentence
from audit.moderation import agreement as moderation_agreement
from audit.moderation import grade_comparison as moderation_grades
from audit.moderation import matched as moderation_pairs
from audit.moderation import unmatched as moderation_unmatched
from audit.settings import age_focus, finding_rules, moderation_rules, round_gap_days
from audit.summarise import AreaResult, criteria_table, file_accounting, published_profile, themes_table


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
    files = file_accounting(result)
    if len(files) > 1:
        frame = pd.DataFrame(
            [
                {
                    "File": n,
                    "Rows read": f["rows_read"],
                    "Cases scored": f["cases_scored"],
                    "Rows left out": f["cases_excluded"],
                }
                for n, f in files.items()
            ]
        )
        parts.append(
            table(
                frame,
                f"Rows read from each file, {result.area}",
                numeric=["Rows read", "Cases scored", "Rows left out"],
            )
        )
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
    from audit.codes import ROW_EXCLUDED
    from audit.row_checks import BLANK_FIELDS, blank_subject

    # Blank cells are counted per column rather than listed one by one: there may be hundreds.
    blanks: dict[tuple[str | None, str], list[str]] = {}
    problems = []
    for p in data.problems:
        subject = blank_subject(p)
        if subject is not None:
            blanks.setdefault((p.sheet, subject), []).append(p.cell or "")
        elif p.code not in ROW_EXCLUDED:
            problems.append(p)
    if blanks:
        n_blank = sum(len(cells) for cells in blanks.values())
        labels = {c.id: c.header for c in result.framework.criteria}
        order = {s: i for i, s in enumerate([*BLANK_FIELDS.values(), *labels])}
        frame = pd.DataFrame(
            [
                {
                    "Column": labels.get(subject, subject),
                    "Sheet": sheet,
                    "Blank cells": len(cells),
                    "Cells": ", ".join(cells[:10]) + (f" and {len(cells) - 10} more" if len(cells) > 10 else ""),
                }
                for (sheet, subject), cells in sorted(
                    blanks.items(), key=lambda kv: (kv[0][0] != "Cases", order.get(kv[0][1], len(order)))
                )
            ]
        )
        parts.append(
            f"<p>{n_blank} cells of cases were left blank. A blank answer is counted as missing, not as No; "
            "auditors should answer N/A where a criterion does not apply.</p>"
        )
        parts.append(table(frame, f"Blank cells by column, {result.area}", numeric=["Blank cells"]))
    if problems:
        frame = pd.DataFrame([{"Where": p.where, "Severity": p.severity, "Problem": p.message} for p in problems])
        parts.append(
            f"<p>{len(problems)} other problems were found in the workbook. Invalid answers are not "
            "scored; the rest of each case is.</p>"
        )
        parts.append(table(frame, f"Problems found in the workbook, {result.area}"))
    if not ex and not problems and not blanks:
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
        "Intervals are 95% Wilson score intervals, which suit small samples. A criterion has one answer per "
        "case. A theme, an agency's result and an age band's pool several answers from each case, and answers "
        "within a case are not independent (a well-run case tends to do well on every criterion), so their "
        "intervals treat the case as the cluster: the spread of the cases' own rates gives an effective number "
        "of answers, never more than the answers themselves, and the Wilson interval is worked out on that "
        "number. No result is called the strongest or weakest, and no difference is called clear, on fewer "
        f"than {finding_rules(fw).min_answered} answers in each group; where a section makes several "
        "comparisons, Holm's method keeps the chance of any false 'clear' difference at 5%. A case-file audit "
        "looks at a sample of cases, so its results describe that sample, not every child in the area.</p>"
        f"<p>Input files:</p><ul>{inputs}</ul>"
    )


# Inspection-grade analysis: findings, benchmarks, agencies, age bands, moderation, change over time.
# Every count goes through the result's disclosure control (result.show), whose cells for these
# sections are listed in summarise.analysis_cells.


def _shown_rate(result: AreaResult, row: object, pct: float | None, low: float | None, high: float | None) -> str:
    """'38% (21% to 57%)' as published: [c] when the rate is hidden, '' when nothing was answered."""
    if result.rate_hidden(row):
        return SUPPRESSED
    if pct is None or pct != pct:
        return ""
    return f"{pct:.0f}% ({low:.0f}% to {high:.0f}%)"


def _rate_text(pct: float | None, low: float | None, high: float | None) -> str:
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


def _publishable(yes: int, answered: int, threshold: int) -> bool:
    """A rate from other areas may be published when neither Yes nor the rest is a small count."""
    return not (0 < yes <= threshold or 0 < answered - yes <= threshold)


def benchmarks(result: AreaResult, results: pd.DataFrame, national: NationalFigures | None = None) -> Fragment:
    """The area beside the other areas in this run (and a national figure, where one was given).

    ``results`` is compare.area_results over every area in the run.
    """
    fw = result.framework
    others = sorted(set(results["area"]) - {result.area})
    parts = ["<h2>How the area compares</h2>"]
    if not others and national is None:
        parts.append(
            "<p>This run holds no other area and no national figure was given, so there is nothing to compare "
            "with. Run the areas together (<code>audit batch</code>) or give national figures.</p>"
        )
        return Fragment("".join(parts))
    bench = benchmark(results, result.area, fw, national)
    if result.publish:  # the range leaves out any area's rate built on a small count
        keep = [
            _publishable(int(y), int(n), result.threshold)
            for y, n in zip(results["yes"], results["answered"], strict=True)
        ]
        ranges = spread(results[keep])
        for k in ("areas", "lowest", "highest"):
            bench[k] = [
                ranges[k].get((lv, i)) if (lv, i) in ranges.index else None
                for lv, i in zip(bench["level"], bench["id"], strict=True)
            ]
    parts.append(
        "<p>Each result is set beside "
        + (f"the other {len(others)} areas in this run taken together" if others else "")
        + (" and " if others and national else "")
        + (f"the {esc(national.source)}" if national else "")
        + ". A comparison is made only where both the area and the figure it is set beside rest on "
        f"{bench.attrs['min_answered']} or more answers (otherwise: too few answers). A result is marked above or "
        "below only where the difference is clear after Holm's correction for the number of comparisons in the "
        "section (the test is the one behind the 95% interval, so the interval then lies wholly above or below "
        "the figure); otherwise it is marked similar. The range runs from the lowest to the highest area in the "
        "run.</p>"
    )
    if others:
        above = [
            _versus(result, r) for _, r in bench.iterrows() if r["vs_rest"] == ABOVE and not _hidden_row(result, r)
        ]
        below = [
            _versus(result, r) for _, r in bench.iterrows() if r["vs_rest"] == BELOW and not _hidden_row(result, r)
        ]
        made = bench.attrs["comparisons_rest"]
        parts.append(
            f"<p>{made} criteria and themes were compared with the other areas, and Holm's method was used to "
            "allow for that many comparisons. "
            + (f"Results were clearly higher for {esc(_join(above))}" if above else "No result was clearly higher")
            + (f", and clearly lower for {esc(_join(below))}." if below else ", and none was clearly lower.")
            + "</p>"
        )
    if national is not None:
        made = bench.attrs["comparisons_national"]
        parts.append(
            f"<p>{made} criteria and themes were compared with the {esc(national.source)}, with Holm's method "
            "for that many comparisons.</p>"
        )
    rows = []
    for _, r in bench.iterrows():
        key = ("c", r["id"]) if r["level"] == "criterion" else ("t", r["id"])
        hidden = result.rate_hidden(key)
        out = {
            "Criterion or theme": r["label"],
            result.area: _shown_rate(result, key, r["pct_yes"], r["ci_low"], r["ci_high"]),
        }
        if others:
            rest_ok = not result.publish or _publishable(r["rest_yes"], r["rest_answered"], result.threshold)
            out["Other areas"] = _rate_text(r["rest_pct"], r["rest_low"], r["rest_high"]) if rest_ok else SUPPRESSED
            out["Range across areas"] = (
                f"{r['lowest']:.0f}% to {r['highest']:.0f}%"
                if r["lowest"] is not None and r["lowest"] == r["lowest"] and r["areas"] > 1
                else ""
            )
            out["Compared with other areas"] = "" if hidden else _word(r["vs_rest"])
        if national is not None:
            figure = r.get("national")
            out["National"] = "" if figure is None or figure != figure else f"{figure:.0f}%"
            vs = r.get("vs_national")
            out["Compared with national"] = "" if hidden else _word(vs)
        rows.append(out)
    frame = pd.DataFrame(rows)
    parts.append(
        table(frame, f"{result.area} beside other areas, % Yes (95% interval)", [c for c in frame.columns[1:]])
    )
    return Fragment("".join(parts))


def _versus(result: AreaResult, r: pd.Series) -> str:
    """A result named in a comparison, with the counts it rests on: "V1 ... (Yes in 6 of 30, against 90 of 150)"."""
    rest_ok = not result.publish or _publishable(r["rest_yes"], r["rest_answered"], result.threshold)
    rest = f"{r['rest_yes']} of {r['rest_answered']}" if rest_ok else SUPPRESSED
    return f"{r['label']} (Yes in {r['yes']} of {r['answered']} answers, against {rest} in the other areas)"


def _word(value: object) -> str:
    """A label such as "above" as a table shows it ("Above"); blank when missing (None or NaN)."""
    return value.capitalize() if isinstance(value, str) else ""


def _hidden_row(result: AreaResult, r: pd.Series) -> bool:
    return result.rate_hidden(("c", r["id"]) if r["level"] == "criterion" else ("t", r["id"]))


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def agencies(result: AreaResult, heatmap_html: str) -> Fragment:
    """Results per agency from the criteria each is responsible for, and the information-sharing matrix."""
    fw = result.framework
    minimum = finding_rules(fw).min_answered
    agency_table = agency_results(result.cases, fw)
    rows = []
    for aid, r in agency_table.iterrows():
        key = ("ag", aid)
        rows.append(
            {
                "Agency": r["label"],
                "Criteria": r["criteria"],
                "Cases": result.show((key, "cases"), int(r["cases"])),
                "Answers": result.show((key, "answered"), int(r["answered"])),
                "% Yes (95% interval)": _shown_rate(result, key, r["pct_yes"], r["ci_low"], r["ci_high"]),
                "Note": _few_note(result, key, int(r["answered"]), minimum),
            }
        )
    none = [label for aid, label in fw.agencies.items() if aid not in agency_table.index]
    parts = [
        "<h2>Agencies</h2>",
        "<p>Each agency's result pools the answers to the criteria it is responsible for, over the cases it "
        "was involved in (a case that names no agencies counts for all of them). A criterion shared by several "
        "agencies counts for each, so the results overlap and do not add up, and agencies are not ranked against "
        "each other. An agency's answers come several to a case, so its interval treats the case as the "
        "cluster.</p>",
    ]
    if rows:
        frame = pd.DataFrame(rows)
        parts.append(table(frame, f"Results by agency, {result.area}", ["Cases", "Answers", "% Yes (95% interval)"]))
    if none:
        parts.append(f"<p>No criterion in this framework is the responsibility of {esc(_join(none))}.</p>")
    sharing = sharing_results(result.cases, fw)
    parts.append("<h3>Information sharing between agencies</h3>")
    if sharing.empty:
        parts.append("<p>No criterion in this framework is tagged with who shares information with whom.</p>")
        return Fragment("".join(parts))
    parts.append(
        "<p>Criteria about sharing information name the agency that shares and the one that receives. Each pair's "
        "result pools the answers to its criteria over the cases involving both agencies. Every cell of the "
        f"heatmap gives its number of answers; a pair with fewer than {minimum} answers is too few to conclude on "
        "and is drawn grey and hatched rather than shaded.</p>"
    )
    parts.append(heatmap_html)
    srows = []
    for _, r in sharing.iterrows():
        key = ("share", r["from"], r["to"])
        srows.append(
            {
                "From": r["from_label"],
                "To": r["to_label"],
                "Criteria": r["criteria"],
                "Answers": result.show((key, "answered"), int(r["answered"])),
                "% Yes (95% interval)": _shown_rate(result, key, r["pct_yes"], r["ci_low"], r["ci_high"]),
                "Note": _few_note(result, key, int(r["answered"]), minimum),
            }
        )
    parts.append(
        table(
            pd.DataFrame(srows),
            f"Information shared, by sharing and receiving agency, {result.area}",
            ["Answers", "% Yes (95% interval)"],
        )
    )
    return Fragment("".join(parts))


def _few_note(result: AreaResult, key: object, answered: int, minimum: int) -> str:
    """ "Too few answers ..." for a row resting on fewer than the minimum (blank when its counts are hidden)."""
    if result.rate_hidden(key) or answered >= minimum:
        return ""
    return f"Too few answers to conclude on (fewer than {minimum})"


def age_bands(result: AreaResult) -> Fragment:
    """Results by age band, with the inspections' focus group (unborn babies and children 0 to 7) on its own."""
    fw = result.framework
    focus = age_focus(fw)
    bands = age_band_results(result.cases, fw)
    rows = []
    for name, r in bands.iterrows():
        key = ("band", "focus" if r["group"] == "focus" else "older" if r["group"] == "older" else name)
        cases_cell = ("age", name) if r["group"] == "band" else (key, "cases")
        rows.append(
            {
                "Age band": name,
                "Cases": result.show(cases_cell, int(r["cases"])),
                "Answers": result.show((key, "answered"), int(r["answered"])),
                "% Yes (95% interval)": _shown_rate(result, key, r["pct_yes"], r["ci_low"], r["ci_high"]),
                "Note": _few_note(result, key, int(r["answered"]), finding_rules(fw).min_answered),
            }
        )
    parts = [
        "<h2>Children most at risk of being unseen</h2>",
        "<p>The current joint inspections look especially at unborn babies and children aged 0 to 7, whose "
        "experience is easiest to miss. Each row pools every answer for the children in that age band.</p>",
        table(pd.DataFrame(rows), f"Results by age band, {result.area}", ["Cases", "Answers", "% Yes (95% interval)"]),
    ]
    by_criterion = age_band_criteria(result.cases, fw)
    if focus is None or by_criterion is None:
        return Fragment("".join(parts))
    crows, clearer = [], []
    for _, r in by_criterion.iterrows():
        f_key, o_key = ("fc", r["id"], "focus"), ("fc", r["id"], "older")
        hidden = result.rate_hidden(f_key) or result.rate_hidden(o_key)
        gap = (
            ""
            if hidden or r["gap"] is None or r["gap"] != r["gap"]
            else (f"{r['gap']:+.0f} points ({r['gap_low']:+.0f} to {r['gap_high']:+.0f})")
        )
        if not hidden and r["direction"] in (UP, DOWN):
            clearer.append(
                f"{r['label']} ({'better' if r['direction'] == UP else 'worse'} for the younger group: Yes in "
                f"{r['focus_yes']} of {r['focus_answered']} answers, against {r['older_yes']} of "
                f"{r['older_answered']} for older children)"
            )
        crows.append(
            {
                "Criterion": r["label"] + (" (key)" if r["key"] else ""),
                focus.label: _shown_rate(result, f_key, r["focus_pct"], r["focus_low"], r["focus_high"]),
                "Older children": _shown_rate(result, o_key, r["older_pct"], r["older_low"], r["older_high"]),
                "Difference (95% interval)": gap,
            }
        )
    minimum, made = finding_rules(fw).min_answered, by_criterion.attrs["comparisons"]
    few = len(by_criterion) - made
    if made:
        text = (
            f"{made} of the {len(by_criterion)} criteria had {minimum} or more answers in both groups and were "
            "compared"
            + (f" (the other {few} had too few answers to compare)" if few else "")
            + ". With several comparisons some differences arise by chance, so Holm's method was used for the "
            f"{made} comparisons: a difference is clear only where it survives that correction and its 95% "
            "interval excludes zero. "
            + (
                f"The difference is clear for {esc(_join(clearer))}."
                if clearer
                else "No criterion shows a clear difference between the two groups."
            )
        )
    else:
        text = (
            f"No criterion had {minimum} or more answers in both groups, so the groups are not compared: there "
            "are too few answers to call any difference clear."
        )
    parts.append(f"<h3>{esc(focus.label)} beside older children</h3><p>{text}</p>")
    frame = pd.DataFrame(crows)
    parts.append(table(frame, f"% Yes by criterion and age group, {result.area}", list(frame.columns[1:])))
    return Fragment("".join(parts))


def moderation(result: AreaResult) -> Fragment:
    """Agreement between the first auditor and the second (moderating) auditor."""
    fw = result.framework
    pairs = moderation_pairs(result.cases, result.data.moderation)
    missing = moderation_unmatched(result.cases, result.data.moderation)
    parts = ["<h2>Moderation</h2>"]
    if pairs.empty:
        parts.append(
            "<p>No case in this area was audited a second time (there is no Moderation sheet with its cases), "
            "so agreement between auditors cannot be reported.</p>"
        )
        return Fragment("".join(parts))
    rules = moderation_rules(fw)
    table_ = moderation_agreement(pairs, fw)
    n = result.show(("mod", "cases"), len(pairs))
    parts.append(
        f"<p>A second auditor audited {n} of the cases again. For each criterion, agreement is the share of "
        "cases where both gave the same answer (Yes, Partly, No or N/A), and Cohen's kappa discounts the "
        "agreement expected by chance (1 is perfect, 0 no better than chance). A criterion is flagged where "
        f"agreement is below {rules.agreement_min:.0f}% or kappa below {rules.kappa_min:g}: auditors read it "
        "differently, so its results deserve care. With so few cases kappa is unsteady, so treat a flag as a "
        "prompt for discussion.</p>"
    )
    if missing and not result.publish:
        parts.append(
            f"<p>{len(missing)} case(s) on the Moderation sheet match no scored case and are left out: "
            f"{esc(', '.join(missing))}.</p>"
        )
    rows, flagged, shown = [], [], 0
    for cid, r in table_.iterrows():
        key = ("mod", cid)
        hide = any((key, k) in result.hidden for k in ("pairs", "agreed"))
        shown += not hide
        if r["flagged"] and not hide:
            flagged.append(f"{cid} {r['label']}")
        rows.append(
            {
                "Criterion": f"{cid} {r['label']}",
                "Pairs": result.show((key, "pairs"), int(r["pairs"])),
                "Agreement": SUPPRESSED if hide else _pct(r["agreement_pct"]) if r["pairs"] else "",
                "Kappa": SUPPRESSED
                if hide
                else ""
                if r["kappa"] != r["kappa"] or r["kappa"] is None
                else f"{r['kappa']:.2f}",
                "Flag": "" if hide else ("Auditors disagree: " + r["reason"]) if r["flagged"] else "",
            }
        )
    parts.append(
        "<p>"
        + (
            f"Flagged for disagreement between auditors: {esc(_join(flagged))}."
            if flagged
            else "No criterion was flagged."
            if shown
            else "Agreement is not published, since it would reveal small counts."
        )
        + " Kappa is left blank where it cannot be worked out (every answer the same from both auditors).</p>"
    )
    parts.append(
        table(
            pd.DataFrame(rows),
            f"Agreement between auditors by criterion, {result.area}",
            ["Pairs", "Agreement", "Kappa"],
        )
    )
    grades_ = moderation_grades(pairs, fw)
    both = grades_.dropna(subset=["first_grade", "second_grade"])
    same = int((both["first_grade"] == both["second_grade"]).sum())
    first_ok = int((grades_["first_grade"] == grades_["first_derived"]).sum())
    second_ok = int((grades_["second_grade"] == grades_["second_derived"]).sum())
    same_s, both_s = _pair(result, same, len(both))
    f_s, total_s = _pair(result, first_ok, len(grades_))
    s_s, _ = _pair(result, second_ok, len(grades_))
    parts.append(
        "<h3>Overall grades</h3>"
        f"<p>The two auditors gave the same overall grade for {same_s} of {both_s} cases. The first auditor's "
        f"grade matched the grade derived from their own answers for {f_s} of {total_s} cases; the second "
        f"auditor's for {s_s}.</p>"
    )
    if not result.publish:
        gframe = pd.DataFrame(
            {
                "Case ID": grades_["case_id"],
                "First auditor's grade": grades_["first_grade"],
                "Derived from first auditor's answers": grades_["first_derived"],
                "Second auditor's grade": grades_["second_grade"],
                "Derived from second auditor's answers": grades_["second_derived"],
            }
        )
        parts.append(table(gframe, f"Grades of the moderated cases, {result.area}"))
    return Fragment("".join(parts))


def change_over_time(result: AreaResult) -> Fragment:
    """The change since the previous audit round, per criterion and theme, with intervals."""
    fw = result.framework
    rounds = rounds_table(result.cases, fw)
    change = change_since_previous(result.cases, fw)
    parts = ["<h2>Change over time</h2>"]
    rule = (
        "Rounds come from the Audit round column."
        if result.cases["audit_round"].notna().any()
        else f"With no Audit round column, a new round starts after a gap of more than {round_gap_days(fw)} days "
        "between audit dates."
    )
    if change is None:
        only = f" ({esc(rounds['round'].iloc[0])})" if len(rounds) else ""
        parts.append(
            f"<p>The cases are from one audit round{only}, so there is no earlier round to compare with. "
            f"{esc(rule)}</p>"
        )
        return Fragment("".join(parts))
    previous, latest = change["previous_round"].iloc[0], change["latest_round"].iloc[0]
    rframe = pd.DataFrame(
        {
            "Round": rounds["round"],
            "Cases": [result.show(("rnd", r), int(n)) for r, n in zip(rounds["round"], rounds["cases"], strict=True)],
            "Audit dates": [
                "" if a is None else (f"{a:%-d %B %Y} to {b:%-d %B %Y}" if a != b else f"{a:%-d %B %Y}")
                for a, b in zip(rounds["first_date"], rounds["last_date"], strict=True)
            ],
        }
    )
    minimum, made = finding_rules(fw).min_answered, change.attrs["comparisons"]
    parts.append(
        f"<p>{esc(rule)} The latest round ({esc(latest)}) is set beside the one before ({esc(previous)}). "
        f"{made} of the {len(change)} criteria and themes had {minimum} or more answers in both rounds and were "
        "compared; the rest have too few answers. A change is called clear only where its 95% interval "
        f"(Newcombe's method) excludes zero and it survives Holm's correction for the {made} comparisons. "
        "The other sections of this report pool every round.</p>"
    )
    parts.append(table(rframe, f"Audit rounds, {result.area}", ["Cases"]))
    rows, moved = [], []
    for _, r in change.iterrows():
        p_key, l_key = ("rnd", previous, r["id"]), ("rnd", latest, r["id"])
        hidden = result.rate_hidden(p_key) or result.rate_hidden(l_key)
        if r["level"] == "theme":
            hidden = hidden or result.rate_hidden(("t", r["id"]))
        if not hidden and r["direction"] in (UP, DOWN):
            moved.append(
                f"{r['label']} ({'up' if r['direction'] == UP else 'down'}: Yes in {r['previous_yes']} of "
                f"{r['previous_answered']} answers, then {r['latest_yes']} of {r['latest_answered']})"
            )
        rows.append(
            {
                "Criterion or theme": r["label"],
                previous: _shown_rate(result, p_key, r["previous_pct"], None, None)
                if result.rate_hidden(p_key)
                else _pct_n(r["previous_pct"]),
                latest: _shown_rate(result, l_key, r["latest_pct"], None, None)
                if result.rate_hidden(l_key)
                else _pct_n(r["latest_pct"]),
                "Change (95% interval)": ""
                if hidden or r["change"] is None or r["change"] != r["change"]
                else f"{r['change']:+.0f} points ({r['change_low']:+.0f} to {r['change_high']:+.0f})",
                "Direction": "" if hidden else _word(r["direction"]),
            }
        )
    if not made:
        summary = f"No criterion or theme had {minimum} or more answers in both rounds, so none is called a change."
    else:
        summary = f"Clear changes: {esc(_join(moved))}." if moved else "No criterion or theme changed clearly."
    parts.append(f"<p>{summary}</p>")
    frame = pd.DataFrame(rows)
    parts.append(table(frame, f"% Yes by audit round, {result.area}", list(frame.columns[1:4])))
    return Fragment("".join(parts))


def _pct_n(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.0f}%"
