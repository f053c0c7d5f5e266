"""Hostile runs of the batch's national summary made beside the last area reports (session 5)."""

from __future__ import annotations

import nbformat
import pytest

from audit.run import area_input
from tests.conftest import case_row
from tests.fakes import run_cli, use_fake_runner


@pytest.fixture
def data(make_workbook, framework, tmp_path):
    """North, East and South, each in its own workbook."""
    for area, first in (("North", "N"), ("East", "E"), ("South", "S")):
        make_workbook([case_row(framework, f"{first}{i}", area) for i in range(6)], name=f"data/{area.lower()}.xlsx")
    return tmp_path / "data"


def naming_runner(monkeypatch, fail=()):
    """A fake runner whose national notebook names the areas it sets side by side; the reports of ``fail`` fail."""
    runner = use_fake_runner(monkeypatch)
    real_execute = runner.execute
    runner.fail = set(fail)

    def execute(notebook, parameters, output, access=None):
        if parameters.get("area") in runner.fail:
            from audit.errors import ReportError

            raise ReportError("the report notebook failed")
        nb = real_execute(notebook, parameters, output, access)
        if not parameters.get("area"):
            from audit.run.engine import write_notebook

            areas = area_input.load_prepared(parameters["prepared"], area_input.NATIONAL).areas
            nb.cells.append(nbformat.v4.new_markdown_cell("Areas side by side: " + ", ".join(sorted(areas))))
            write_notebook(nb, output, *([access] if access is not None else []))
        return nb

    monkeypatch.setattr(runner, "execute", execute)
    return runner


def side_by_side(out):
    """What the national page says it sets side by side."""
    page = (out / "national" / "report.html").read_text()
    return page.split("Areas side by side: ", 1)[1].split("<", 1)[0]


def test_a_report_failing_again_leaves_no_summary_with_its_area(data, tmp_path, monkeypatch):
    # East's report fails in the first run and again in the re-run. The re-run's summary made beside the reports
    # (East still in) replaced the page; made again without East, it read as recorded and was "kept": the page
    # published was the one with East.
    naming_runner(monkeypatch, fail={"East"})
    out = tmp_path / "out"
    args = ["batch", data, "--out", out, "--quiet"]
    first = run_cli(*args)
    assert first.exit_code == 1 and "East: FAILED" in first.output
    assert side_by_side(out) == "North, South"
    again = run_cli(*args)
    assert again.exit_code == 1 and "East: FAILED" in again.output
    assert side_by_side(out) == "North, South"


def test_no_summary_is_left_when_every_area_is_refused_in_a_re_run(data, tmp_path, monkeypatch):
    # Every area refused in a re-run: no report is made, so no summary is made beside them either; the one the first
    # run made (of areas now refused for cells that look like personal data) must not stay in OUT.
    import openpyxl

    naming_runner(monkeypatch)
    out = tmp_path / "out"
    assert run_cli("batch", data, "--out", out, "--quiet").exit_code == 0
    assert side_by_side(out) == "East, North, South"
    for path in data.glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        wb["Cases"]["G3"] = "Mother's NHS number 943 476 5919 noted"
        wb.save(path)
    again = run_cli("batch", data, "--out", out, "--quiet")
    assert again.exit_code == 1 and "North: FAILED: not reported" in again.output
    assert not (out / "national" / "report.html").exists()
