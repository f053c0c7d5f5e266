"""The scaling and re-run benchmark's own arithmetic and workbook edits (benchmarks/scaling.py); no batch is run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl
import pytest

from audit.framework.model import load_framework
from audit.workbooks.sample import generate_national, write_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import scaling  # noqa: E402


def _row(areas: int, wall: float, cases: int = 30) -> dict:
    return {"areas": areas, "cases_per_area": cases, "wall_s": wall}


def test_linearity_scales_the_reference_run_by_areas():
    rows = [_row(10, 15.0), _row(153, 100.0), _row(500, 330.0), _row(153, 250.0, cases=100)]
    lin = scaling.linearity(rows, (153, 30))
    assert lin["areas"] == 500 and lin["expected_s"] == pytest.approx(326.8, abs=0.01)
    assert lin["ratio"] == pytest.approx(1.01, abs=0.001) and lin["met"]
    slow_start = scaling.linearity([_row(153, 100.0), _row(500, 280.0)], (153, 30))
    assert slow_start["ratio"] == pytest.approx(0.857, abs=0.001) and not slow_start["met"]
    assert scaling.linearity([_row(500, 280.0)], (153, 30)) is None


def test_the_fit_finds_the_fixed_cost_and_the_cost_per_area():
    rows = [_row(a, 8.0 + 0.4 * a) for a in (10, 50, 153, 500)] + [_row(153, 999.0, cases=100)]
    fit = scaling.linear_fit(rows, 30)
    assert fit["fixed_s"] == pytest.approx(8.0) and fit["per_area_s"] == pytest.approx(0.4)
    assert fit["largest_deviation"] == 0
    assert scaling.linear_fit([_row(153, 100.0)], 30) is None


def test_rewritten_counts_area_reports_apart_from_the_national_summary():
    before = {"a/report.html": 1, "b/report.html": 1, "national/report.html": 1, "index.html": 1}
    after = {**before, "b/report.html": 2, "national/report.html": 2, "c/report.html": 3}
    assert scaling.rewritten(before, after) == {
        "files_rewritten": 3,
        "files": 5,
        "reports_rewritten": 2,
        "reports": 3,
    }


def test_build_record_reads_the_manifest_s_build_section(tmp_path):
    assert scaling.build_record(tmp_path) == {}
    build = {
        "areas": {"A": {"rebuilt": True, "why": ["inputs changed"]}, "B": {"rebuilt": False, "why": []}},
        "national summary": {"rebuilt": True},
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"build": build}))
    assert scaling.build_record(tmp_path) == {
        "areas_rebuilt": 1,
        "areas": 2,
        "why": {"inputs changed": 1},
        "national_summary_rebuilt": True,
    }


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    fw = load_framework()
    return write_workbook(tmp_path / "national.xlsx", generate_national(fw, n_areas=2, cases_per_area=3, seed=1), fw)


def _cells(path: Path) -> dict[tuple[int, int], object]:
    ws = openpyxl.load_workbook(path)["Cases"]
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


@pytest.mark.parametrize("what", ["answer", "evidence", "none"])
def test_edit_workbook_changes_one_cell_of_the_area_or_none(workbook, what):
    area = "Area 002 (synthetic)"
    before = _cells(workbook)
    header = scaling.edit_workbook(workbook, area, what)
    after = _cells(workbook)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if what == "none":
        assert changed == [] and header == "no cell: re-saved"
        return
    assert len(changed) == 1
    (row, col), headers = changed[0], {v: k[1] for k, v in before.items() if k[0] == 3}
    assert before[(row, headers["Area"])] == area and col == headers[header]
    if what == "answer":
        assert {before[(row, col)], after[(row, col)]} == {"Yes", "No"}
        assert header in {c.header for c in load_framework().criteria}
    else:
        assert header == "I1 evidence" and after[(row, col)] == scaling.EDITED_NOTE


def test_the_cases_header_row_is_found_not_assumed(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Cases"
    wb.active.append(["Title"])
    with pytest.raises(ValueError, match="no header row"):
        scaling.cases_sheet(wb)
    wb.active.append(["Case ID", "Area"])
    _, row, cols = scaling.cases_sheet(wb)
    assert row == 2 and cols == {"Case ID": 1, "Area": 2}
