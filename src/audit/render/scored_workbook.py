"""The scored workbook: an area's results, cases, findings, judgements and an action plan, as an Excel file to act on.

Sheets: Summary (headline figures, results by theme and criterion), Findings
(strengths, areas for improvement, areas for priority action, as the data
indicate them), Judgements (what people decided, beside the data's indication),
Action plan (one row per judgement that is an area for priority action or for
improvement, or without judgements per criterion the data indicate, with owner,
action and date columns for the partnership board), Cases (every scored case,
answers colour-coded, with its evidence, impact, learning themes, good practice
and escalation), Moderation (where a second auditor re-audited cases) and
Excluded. The practice sheets are :mod:`audit.render.scored_practice`.
Colour is never the only sign: every coloured cell also says what it means.
The workbook is case-level, so it is always the full version, never published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit.analyse.findings import sentence
from audit.analyse.statistics import round_or_none
from audit.publish import cells
from audit.publish.published import PublishedResult
from audit.render.scored_practice import (
    ACTION_COLUMNS,
    STATUSES,
    action_plan,
    case_columns,
    case_value,
    judgements_sheet,
)
from audit.render.scored_style import (
    BOLD,
    DATE_FORMAT,
    FILLS,
    FINDING_FILLS,
    TITLE,
    WRAP,
    Sheet,
    workbook_bytes,
)
from audit.render.scored_style import table as write_table

__all__ = ["ACTION_COLUMNS", "FILLS", "STATUSES", "scored_workbook_bytes"]

SUMMARY_COLUMNS = (
    "ID",
    "Criterion",
    "Theme",
    "Key",
    "Yes",
    "Partly",
    "No",
    "N/A",
    "Blank or invalid",
    "Answered",
    "% Yes",
    "95% interval low",
    "95% interval high",
    "Score",
    "Finding",
)


def _result_row(pub: PublishedResult, row: cells.Row, r: Any) -> list[Any]:
    """Counts, % Yes with its interval (1 decimal place) and score (3), rounded as summary.json rounds them."""
    count = pub.count
    return [
        *(pub.shown(row.cell(k)) for k in ("yes", "partly", "no", "na")),
        count(row.cell("missing")).value + count(row.cell("invalid")).value,  # the full version: nothing hidden
        pub.shown(row.cell("answered")),
        round_or_none(r["pct_yes"], 1),
        round_or_none(r["ci_low"], 1),
        round_or_none(r["ci_high"], 1),
        round_or_none(r["score"], 3),
    ]


def _summary(pub: PublishedResult, found: dict[tuple[str, str], Any]) -> Sheet:
    fw, result = pub.framework, pub.analysed
    ws = Sheet("Summary")
    dates = sorted(d for d in result.cases["audit_date"] if isinstance(d, dt.date))
    ws.append([f"{result.area}: case-file audit results"])
    ws.style(1, 1, font=TITLE)
    for label, value in (
        ("Framework", f"{fw.title} ({fw.id}, version {fw.version})"),
        ("Cases scored", pub.shown(cells.CASES)),
        ("Rows left out", pub.shown(cells.EXCLUDED)),
        ("Audit dates", f"{dates[0]:%d/%m/%Y} to {dates[-1]:%d/%m/%Y}" if dates else "not recorded"),
        ("How to read it", "% Yes is the share answered Yes among Yes, Partly and No, with its 95% Wilson interval."),
        ("Colours", "Answers and findings are tinted (Yes green, Partly yellow, No red); the words say the same."),
    ):
        ws.style(ws.append([label, value]), 1, font=BOLD)
    ws.append([])
    ws.style(ws.append(["Results by theme"]), 1, font=BOLD)
    theme_rows = []
    for t in fw.themes:
        f = found[("theme", t.id)]
        theme_row = _result_row(pub, cells.theme(t.id), result.themes.loc[t.id])
        theme_rows.append([t.id, f"{t.number}. {t.label}", t.number, "", *theme_row, f.category_label])
    widths = {"Criterion": 40, "Finding": 24, "ID": 14}
    top = write_table(ws, SUMMARY_COLUMNS, theme_rows, widths)
    _fill_findings(ws, top, len(SUMMARY_COLUMNS), [found[("theme", t.id)] for t in fw.themes])
    ws.append([])
    ws.style(ws.append(["Results by criterion"]), 1, font=BOLD)
    rows = []
    for c in fw.criteria:
        rows.append(
            [
                c.id,
                c.label,
                fw.theme(c.theme).number,
                "Key" if c.key else "",
                *_result_row(pub, cells.criterion(c.id), result.criteria.loc[c.id]),
                found[("criterion", c.id)].category_label,
            ]
        )
    top = write_table(ws, SUMMARY_COLUMNS, rows, widths)
    _fill_findings(ws, top, len(SUMMARY_COLUMNS), [found[("criterion", c.id)] for c in fw.criteria])
    ws.widths[2] = 40
    ws.freeze = (2, 1)
    return ws


def _fill_findings(ws: Sheet, header_row: int, column: int, findings: list[Any]) -> None:
    for i, f in enumerate(findings, start=1):
        ws.style(header_row + i, column, fill=FINDING_FILLS[f.category])


def _findings(findings: list[Any]) -> Sheet:
    ws = Sheet("Findings")
    header = ("Level", "ID", "Criterion or theme", "Key", "Finding", "What the audit found", "Why", "% Yes")
    rows = [
        [
            f.level.capitalize(),
            f.id,
            f.label,
            "Key" if f.key else "",
            f.category_label,
            sentence(f),
            f.reason,
            round_or_none(f.pct_yes, 1),
        ]
        for f in findings
    ]
    top = write_table(
        ws, header, rows, {"Criterion or theme": 36, "Finding": 24, "What the audit found": 70, "Why": 40}
    )
    for i, f in enumerate(findings, start=1):
        ws.style(top + i, 5, fill=FINDING_FILLS[f.category])
        for col in (3, 6, 7):
            ws.style(top + i, col, alignment=WRAP)
    ws.freeze = (2, 3)
    ws.filter = (1, 1, top + len(rows), len(header))
    return ws


def _cases(pub: PublishedResult) -> Sheet:
    fw, result = pub.framework, pub.analysed
    ids = list(fw.criterion_ids)
    practice = case_columns(result.cases, fw)  # evidence, impact, learning, good practice, escalation
    header = [
        "Case ID",
        "Audit date",
        "Age band",
        "Agencies involved",
        "Auditor's grade",
        "Derived grade",
        "Mean points",
        *(fw.criterion(c).header for c in ids),
        *(name for _, name in practice),
        "Source",
    ]
    rows = []
    for c in _records(result.cases):
        agencies = ", ".join(fw.agencies[a] for a in c["agencies"])
        mean = None if c["mean_points"] != c["mean_points"] else round(float(c["mean_points"]), 3)
        date = c["audit_date"] if isinstance(c["audit_date"], dt.date) else None
        rows.append(
            [
                c["case_id"],
                date,
                c["age_band"],
                agencies,
                c["overall_grade"],
                c["derived_grade"],
                mean,
                *(c[i] for i in ids),
                *(case_value(c, column) for column, _ in practice),
                f"{c['file']} {c['sheet']}!row {c['row']}",
            ]
        )
    ws = Sheet("Cases")
    widths = {"Agencies involved": 30, "Source": 30, **{name: 40 for _, name in practice}}
    top = write_table(ws, header, rows, widths)
    first = header.index(fw.criterion(ids[0]).header) + 1 if ids else 0
    for r in range(top + 1, top + len(rows) + 1):
        for col in range(first, first + len(ids)):
            fill = FILLS.get(ws.value(r, col))
            if fill:
                ws.style(r, col, fill=fill)
        ws.style(r, 2, number_format=DATE_FORMAT)
    ws.freeze = (2, 2)
    ws.filter = (1, 1, top + len(rows), len(header))
    return ws


def _records(frame: Any) -> list[dict[str, Any]]:
    """Each row as a dict, with the values ``iterrows`` gives (numbers as Python numbers), read column by column."""
    columns = {name: frame[name].astype(object).tolist() for name in frame.columns}
    return [{name: values[i] for name, values in columns.items()} for i in range(len(frame))]


def _moderation(pub: PublishedResult) -> list[Sheet]:
    an = pub.analysed.analysis
    if an.pairs.empty:
        return []
    ws = Sheet("Moderation")
    table = an.agreement
    rows = [
        [
            cid,
            r["label"],
            pub.shown(cells.agreement(cid).cell("pairs")),
            pub.shown(cells.agreement(cid).cell("agreed")),
            round_or_none(r["agreement_pct"], 1),
            round_or_none(r["kappa"], 3),
            ("Auditors disagree: " + r["reason"]) if r["flagged"] else "",
        ]
        for cid, r in table.iterrows()
    ]
    write_table(
        ws,
        ("ID", "Criterion", "Pairs", "Agreed", "% agreement", "Cohen's kappa", "Flag"),
        rows,
        {"Criterion": 40, "Flag": 50},
    )
    ws.append([])
    grades = an.grade_pairs
    write_table(
        ws,
        (
            "Case ID",
            "First auditor's grade",
            "Derived from first auditor's answers",
            "Second auditor's grade",
            "Derived from second auditor's answers",
        ),
        grades.astype(object).where(grades.notna(), None).values.tolist(),
        {},
    )
    ws.freeze = (2, 1)
    return [ws]


def scored_workbook_bytes(pub: PublishedResult) -> bytes:
    """The area's scored workbook as xlsx bytes (see the module docstring for its sheets).

    ``pub`` is the full version (``publish(result, None)``): the workbook is case-level and never published.
    """
    if pub.publish:
        raise ValueError("the scored workbook is case-level: make it from the full version, never the published one")
    result = pub.analysed
    findings = result.analysis.findings
    by_key = {(f.level, f.id): f for f in findings}
    judgements = pub.practice.judgements
    ws = Sheet("Excluded")
    write_table(
        ws,
        ("Case ID", "File", "Cell", "Reason"),
        [[e["case_id"], e["file"], e["cell"], e["reason"]] for e in result.data.exclusions()],
        {"Reason": 70},
    )
    return workbook_bytes(
        [
            _summary(pub, by_key),
            _findings(findings),
            judgements_sheet(judgements),
            action_plan(judgements, findings),
            _cases(pub),
            *_moderation(pub),
            ws,
        ]
    )
