"""The report sections by group of children's cases: each agency's results and each age band's.

Both read the tables the area's analysis already holds and print every count
through the published result.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from audit.analyse.compare import (
    DOWN,
    UP,
)
from audit.framework.settings import age_focus, finding_rules
from audit.publish import cells
from audit.publish.published import PublishedResult
from audit.render.html_blocks import Fragment, _join, esc, table
from audit.render.present_findings import _shown_rate


def agencies(pub: PublishedResult, heatmap_html: str) -> Fragment:
    """Results per agency from the criteria each is responsible for, and the information-sharing matrix."""
    fw = pub.framework
    minimum = finding_rules(fw).min_answered
    agency_table = pub.analysed.analysis.agencies
    rows = _agency_rows(pub, agency_table, cells.agency, minimum)
    none = [label for aid, label in fw.agencies.items() if aid not in agency_table.index]
    parts = [
        "<h2>Agencies</h2>",
        "<p>Each agency's result pools the answers to the criteria it is responsible for, over the cases it "
        "was involved in (a case that names no agencies counts for all of them). A criterion shared by several "
        "agencies counts for each, so the results overlap and do not add up, and agencies are not ranked against "
        "each other. An agency's answers come several to a case, so its interval treats the case as the "
        "cluster.</p>",
    ]
    own = pub.practice.agency_own
    if own is None:
        parts.append(
            "<p>These figures are for the cases each agency was involved in; they are not attributed to the agency. "
            "The answers describe the work of every agency on those cases, not that agency's own practice (the "
            "workbook has no Agency answers sheet recording each agency's own answers).</p>"
        )
    if rows:
        frame = pd.DataFrame(rows)
        if own is not None:
            parts.append("<h3>Multi-agency view</h3>")
        parts.append(table(frame, f"Results by agency, {pub.area}", ["Cases", "Answers", "% Yes (95% interval)"]))
    if none:
        parts.append(f"<p>No criterion in this framework is the responsibility of {esc(_join(none))}.</p>")
    if own is not None:
        parts.append(_single_agency(pub, own, minimum))
    sharing = pub.analysed.analysis.sharing
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
        row = cells.sharing(r["from"], r["to"])
        srows.append(
            {
                "From": r["from_label"],
                "To": r["to_label"],
                "Criteria": r["criteria"],
                "Answers": pub.shown(row.cell("answered")),
                "% Yes (95% interval)": _shown_rate(pub, row, r["pct_yes"], r["ci_low"], r["ci_high"]),
                "Note": _few_note(pub, row, minimum),
            }
        )
    parts.append(
        table(
            pd.DataFrame(srows),
            f"Information shared, by sharing and receiving agency, {pub.area}",
            ["Answers", "% Yes (95% interval)"],
        )
    )
    return Fragment("".join(parts))


def _single_agency(pub: PublishedResult, own: pd.DataFrame, minimum: int) -> str:
    """Each agency's own answers (the Agency answers sheet), beside the multi-agency view above."""
    rows = _agency_rows(pub, own, cells.agency_own, minimum)
    return (
        "<h3>Single-agency view: each agency's own answers</h3>"
        "<p>The audit also recorded each agency's own answers to the criteria that concern it (the Agency answers "
        "sheet). This table is each agency's own practice, over the cases it answered for; the multi-agency "
        "view pools every agency's work on the cases each was involved in.</p>"
        + table(
            pd.DataFrame(rows),
            f"Each agency's own answers (single-agency view), {pub.area}",
            ["Cases", "Answers", "% Yes (95% interval)"],
        )
    )


def _agency_rows(
    pub: PublishedResult, frame: pd.DataFrame, row_of: Callable[[str], cells.Row], minimum: int
) -> list[dict[str, object]]:
    """One table row per agency of ``frame`` (an agency results table), its counts read through ``row_of``'s cells."""
    rows = []
    for aid, r in frame.iterrows():
        row = row_of(str(aid))
        rows.append(
            {
                "Agency": r["label"],
                "Criteria": r["criteria"],
                "Cases": pub.shown(row.cell("cases")),
                "Answers": pub.shown(row.cell("answered")),
                "% Yes (95% interval)": _shown_rate(pub, row, r["pct_yes"], r["ci_low"], r["ci_high"]),
                "Note": _few_note(pub, row, minimum),
            }
        )
    return rows


def _few_note(pub: PublishedResult, row: cells.Row, minimum: int) -> str:
    """ "Too few answers ..." for a row resting on fewer than the minimum (blank when its counts are hidden)."""
    if pub.rate_hidden(row) or pub.count(row.cell("answered")).value >= minimum:
        return ""
    return f"Too few answers to conclude on (fewer than {minimum})"


def age_bands(pub: PublishedResult) -> Fragment:
    """Results by age band, with the inspections' focus group (unborn babies and children 0 to 7) on its own."""
    fw = pub.framework
    focus = age_focus(fw)
    bands = pub.analysed.analysis.bands
    rows = []
    # Rows as plain dicts: a pandas Series per row costs more than the row's text.
    for name, r in zip(bands.index, bands.to_dict("records"), strict=True):
        group = r["group"]
        row = cells.band(group if group in ("focus", "older") else name)
        rows.append(
            {
                "Age band": name,
                "Cases": pub.shown(cells.age(name) if group == "band" else row.cell("cases")),
                "Answers": pub.shown(row.cell("answered")),
                "% Yes (95% interval)": _shown_rate(pub, row, r["pct_yes"], r["ci_low"], r["ci_high"]),
                "Note": _few_note(pub, row, finding_rules(fw).min_answered),
            }
        )
    parts = [
        "<h2>Children most at risk of being unseen</h2>",
        "<p>The current joint inspections look especially at unborn babies and children aged 0 to 7, whose "
        "experience is easiest to miss. Each row pools every answer for the children in that age band.</p>",
        table(pd.DataFrame(rows), f"Results by age band, {pub.area}", ["Cases", "Answers", "% Yes (95% interval)"]),
    ]
    by_criterion = pub.analysed.analysis.focus
    if focus is None or by_criterion is None:
        return Fragment("".join(parts))
    crows, clearer = [], []
    for r in by_criterion.to_dict("records"):
        f_row, o_row = cells.focus_criterion(r["id"], "focus"), cells.focus_criterion(r["id"], "older")
        hidden = pub.rate_hidden(f_row) or pub.rate_hidden(o_row)
        gap = (
            ""
            if hidden or r["gap"] is None or r["gap"] != r["gap"]
            else (f"{r['gap']:+.0f} points ({r['gap_low']:+.0f} to {r['gap_high']:+.0f})")
        )
        if not hidden and r["direction"] in (UP, DOWN):
            clearer.append(
                f"{r['label']} ({'better' if r['direction'] == UP else 'worse'} for the younger group: Yes in "
                f"{pub.shown(f_row.cell('yes'))} of {pub.shown(f_row.cell('answered'))} answers, against "
                f"{pub.shown(o_row.cell('yes'))} of {pub.shown(o_row.cell('answered'))} for older children)"
            )
        crows.append(
            {
                "Criterion": r["label"] + (" (key)" if r["key"] else ""),
                focus.label: _shown_rate(pub, f_row, r["focus_pct"], r["focus_low"], r["focus_high"]),
                "Older children": _shown_rate(pub, o_row, r["older_pct"], r["older_low"], r["older_high"]),
                "Difference (95% interval)": gap,
            }
        )
    minimum, made = finding_rules(fw).min_answered, by_criterion.attrs["comparisons"]
    few = len(by_criterion) - made
    parts_compared = [cells.focus_criterion(i, p) for i in by_criterion["id"] for p in ("focus", "older")]
    # How many were compared would tell a reader that a hidden number answered is at least the minimum.
    untold = pub.publish and any(pub.rate_hidden(row) for row in parts_compared)
    if made:
        text = (
            (
                f"{made} of the {len(by_criterion)} criteria had {minimum} or more answers in both groups and were "
                "compared" + (f" (the other {few} had too few answers to compare)" if few else "")
                if not untold
                else f"The criteria with {minimum} or more answers in both groups were compared"
            )
            + ". With several comparisons some differences arise by chance, so Holm's method was used for the "
            + ("comparisons" if untold else f"{made} comparisons")
            + ": a difference is clear only where it survives that correction and its 95% "
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
    parts.append(table(frame, f"% Yes by criterion and age group, {pub.area}", list(frame.columns[1:])))
    return Fragment("".join(parts))
