"""The scored workbook: summary, findings, an action plan for the board, colour-coded cases and moderation."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.findings import IMPROVEMENT, PRIORITY, assess
from audit.check.audit_data import evidence_column
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.scored_practice import FROM_DATA, FROM_JUDGEMENTS, JUDGEMENT_COLUMNS
from audit.render.scored_workbook import ACTION_COLUMNS, FILLS, scored_workbook_bytes
from audit.xlsx_text import append, set_value
from tests.conftest import SAMPLE_DATA, case_row, header_for


@pytest.fixture(scope="module")
def result(framework):
    return analyse_area(load_audit(SAMPLE_DATA, framework, scan=False), "Amberlow Vale")


@pytest.fixture(scope="module")
def book(result):
    return openpyxl.load_workbook(io.BytesIO(scored_workbook_bytes(publish(result, None))))


def test_the_workbook_is_never_made_from_a_published_result(framework):
    result = analyse_area(load_audit(SAMPLE_DATA, framework, scan=False), "Amberlow Vale", publish=True)
    with pytest.raises(ValueError, match="case-level"):
        scored_workbook_bytes(publish(result, 5))


def _rows(ws, header_first: str):
    """The rows of the table on a sheet whose header row starts with `header_first`, as dicts."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == header_first)
    header = rows[start]
    out = []
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        out.append(dict(zip(header, r, strict=False)))
    return out


def test_sheets(book):
    assert book.sheetnames == ["Summary", "Findings", "Judgements", "Action plan", "Cases", "Moderation", "Excluded"]


def _check_action_plan_columns(ws) -> None:
    """The header below the sheet's line of explanation, with the date and status dropdowns under it."""
    assert list(list(ws.iter_rows(min_row=2, max_row=2, values_only=True))[0]) == list(ACTION_COLUMNS)
    validations = {dv.type: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert validations["date"].startswith("H3:H") and validations["list"].startswith("I3:I")
    assert ws["H3"].number_format == "DD/MM/YYYY"


def test_action_plan_has_a_row_per_judgement_of_priority_action_or_improvement(book, result):
    """Amberlow Vale's Judgements sheet: its two priority actions, then its area for improvement, with reasons."""
    ws = book["Action plan"]
    assert ws["A1"].value == FROM_JUDGEMENTS
    rows = _rows(ws, "Ref")
    judged = {j.target: j for j in result.analysis.practice.judgements}
    assert [r["Ref"] for r in rows] == ["V1", "P2", "information"]
    assert [r["Priority"] for r in rows] == ["Area for priority action"] * 2 + ["Area for improvement"]
    assert all(r["Reason"] == judged[r["Ref"]].reason for r in rows)
    assert rows[2]["Criterion or theme"] == "Information sharing and joint working"
    assert all(r["Owner"] is None and r["Action"] is None and r["Target date"] is None for r in rows)
    _check_action_plan_columns(ws)


def test_action_plan_without_judgements_is_the_datas_indication_and_says_so(framework):
    """Fennistow Bay records no judgements: a row per criterion the data indicate, priority first, as before."""
    result = analyse_area(load_audit(SAMPLE_DATA, framework, scan=False), "Fennistow Bay")
    book = openpyxl.load_workbook(io.BytesIO(scored_workbook_bytes(publish(result, None))))
    found = [f for f in assess(result.criteria, result.themes, framework) if f.level == "criterion"]
    wanted = [f.id for f in found if f.category == PRIORITY] + [f.id for f in found if f.category == IMPROVEMENT]
    ws = book["Action plan"]
    assert ws["A1"].value == FROM_DATA and "not judgements" in FROM_DATA
    rows = _rows(ws, "Ref")
    assert [r["Ref"] for r in rows] == wanted and wanted
    assert all(r["Owner"] is None and r["Action"] is None and r["Status"] is None for r in rows)
    _check_action_plan_columns(ws)
    assert book["Judgements"]["A1"].value.startswith("No judgements were recorded")


def test_judgements_sheet_sets_each_judgement_beside_the_data(framework):
    result = analyse_area(load_audit(SAMPLE_DATA, framework, scan=False), "Elderwyke Downs")
    book = openpyxl.load_workbook(io.BytesIO(scored_workbook_bytes(publish(result, None))))
    ws = book["Judgements"]
    assert [c.value for c in ws[1]] == list(JUDGEMENT_COLUMNS)
    rows = _rows(ws, "Criterion or theme")
    assert [r["Criterion or theme"] for r in rows] == ["A2", "S1", "Perpetrator accountability", "I4"]
    s1 = rows[1]
    assert (s1["Judgement"], s1["Indicated by the data"], s1["Agrees with the data"]) == (
        "Area for improvement",
        "Area for priority action",
        "No",
    )
    assert s1["Agreed by"] == "Audit panel" and s1["Date"].date() == dt.date(2025, 11, 17)
    assert rows[2]["Agrees with the data"] == "Not compared"
    assert [r["Ref"] for r in _rows(book["Action plan"], "Ref")] == ["A2", "S1", "Perpetrator accountability"]


def test_cases_carry_evidence_impact_learning_good_practice_and_escalation(framework):
    data = load_audit(SAMPLE_DATA, framework, scan=False)
    result = analyse_area(data, "Brackenholt Moor")
    book = openpyxl.load_workbook(io.BytesIO(scored_workbook_bytes(publish(result, None))))
    ws = book["Cases"]
    header = [c.value for c in ws[1]]
    evidence = [f"{c.id} evidence" for c in framework.criteria]
    practice = ["What difference did it make", "Learning themes", "Good practice", "Escalated", "Escalation note"]
    last = header.index(framework.criteria[-1].header)
    assert header[last + 1 :] == [*evidence, *practice, "Source"]
    cases = {r["Case ID"]: r for r in _rows(ws, "Case ID")}
    escalated = [r for r in cases.values() if r["Escalated"] == "Yes"]
    assert len(escalated) == 1 and escalated[0]["Escalation note"] == result.analysis.practice.escalations[0].text
    source = result.cases.set_index("case_id")
    for cid, r in cases.items():
        themes = source.loc[cid, "learning_themes"]
        assert r["Learning themes"] == ("; ".join(themes) or None)
        assert r["V1 evidence"] == source.loc[cid, evidence_column("V1")]


def test_cases_are_colour_coded_with_the_answer_written(book, result, framework):
    ws = book["Cases"]
    header = [c.value for c in ws[1]]
    col = header.index(framework.criterion("V1").header) + 1
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(r, col)
        if cell.value in ("Yes", "Partly", "No"):
            assert cell.fill.fgColor.rgb.endswith(FILLS[cell.value].fgColor.rgb[-6:])
    assert ws.max_row - 1 == result.cases_scored
    assert ws.auto_filter.ref


def test_findings_sheet_and_summary(book, result, framework):
    findings = _rows(book["Findings"], "Level")
    assert len(findings) == len(framework.criteria) + len(framework.themes)
    v1 = next(r for r in findings if r["ID"] == "V1")
    assert v1["Finding"] == "Area for priority action" and v1["What the audit found"].startswith("In ")
    summary = {r["ID"]: r for r in _rows_after(book["Summary"], "Results by criterion")}
    themes = {r["ID"]: r for r in _rows_after(book["Summary"], "Results by theme")}
    assert set(themes) == {t.id for t in framework.themes}
    assert summary["V1"]["Yes"] == int(result.criteria.loc["V1", "yes"])


def _rows_after(ws, title: str):
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    header, out = rows[start], []
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        out.append(dict(zip(header, r, strict=False)))
    return out


def test_moderation_sheet(book):
    rows = _rows(book["Moderation"], "ID")
    assert len(rows) == 17 and rows[0]["Pairs"] == 5


FORMULA_LIKE = {
    "reason": '=HYPERLINK("http://evil.example","why")',
    "agreed_by": "+1+2 panel",
    "evidence": "-3-4 seen alone",
    "impact": "@SUM(A1:A2) safer",
    "good": "=1+1 good work",
    "note": "+44 duty manager told",
}


def _formula_like_book(tmp_path, fw) -> bytes:
    """A workbook whose auditors' text and judgement start as formulas would, scored."""
    header = [*header_for(fw), "V1 evidence", "What difference did it make", "Good practice", "Escalated"]
    header.append("Escalation note")
    t = FORMULA_LIKE
    rows = [
        [*case_row(fw, f"C{i}", V1="No"), t["evidence"], t["impact"], t["good"], "Yes" if i == 0 else "No", t["note"]]
        for i in range(8)
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    for row in [header, *rows]:
        append(ws, row)
    judged = wb.create_sheet("Judgements")
    append(judged, ["Criterion or theme", "Judgement", "Reason", "Agreed by", "Date"])
    append(judged, ["V1", "Area for priority action", t["reason"], t["agreed_by"], dt.date(2025, 3, 1)])
    path = tmp_path / "formula-like.xlsx"
    wb.save(path)
    data = load_audit(path, fw, scan=False)
    return scored_workbook_bytes(publish(analyse_area(data, "Testshire"), None))


def test_formula_like_text_is_stored_as_text(tmp_path, framework):
    xlsx = _formula_like_book(tmp_path, framework)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(?:\w+:)?f[ >/]", z.read(name)), name  # no formula element anywhere
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    seen = {}
    for ws in ("Judgements", "Action plan", "Cases"):
        for row in book[ws].iter_rows():
            for cell in row:
                if cell.value in FORMULA_LIKE.values():
                    assert cell.data_type == "s" and cell.quotePrefix, f"{ws}!{cell.coordinate}"
                    seen.setdefault(cell.value, ws)
    assert set(seen) == set(FORMULA_LIKE.values())
    plan = _rows(book["Action plan"], "Ref")
    assert [(r["Ref"], r["Reason"]) for r in plan] == [("V1", FORMULA_LIKE["reason"])]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_lead_gets_the_quote_prefix(lead):
    ws = openpyxl.Workbook().active
    cell = set_value(ws["A1"], f"{lead}1+1")
    assert cell.data_type == "s" and cell.quotePrefix
