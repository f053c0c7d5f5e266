"""The scored workbook: summary, findings, an action plan for the board, colour-coded cases and moderation."""

from __future__ import annotations

import io

import openpyxl
import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.findings import IMPROVEMENT, PRIORITY, assess
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.scored_workbook import ACTION_COLUMNS, FILLS, scored_workbook_bytes
from tests.conftest import SAMPLE_DATA


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
    assert book.sheetnames == ["Summary", "Findings", "Action plan", "Cases", "Moderation", "Excluded"]


def test_action_plan_has_a_row_per_area_for_improvement_or_priority_action(book, result, framework):
    found = [f for f in assess(result.criteria, result.themes, framework) if f.level == "criterion"]
    wanted = [f.id for f in found if f.category == PRIORITY] + [f.id for f in found if f.category == IMPROVEMENT]
    ws = book["Action plan"]
    rows = _rows(ws, "Ref")
    assert [r["Ref"] for r in rows] == wanted
    assert list(next(ws.iter_rows(max_row=1, values_only=True))) == list(ACTION_COLUMNS)
    assert all(r["Owner"] is None and r["Action"] is None and r["Target date"] is None for r in rows)
    validations = {dv.type: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert validations["date"].startswith("G2:G") and validations["list"].startswith("H2:H")
    assert ws["G2"].number_format == "DD/MM/YYYY"


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
