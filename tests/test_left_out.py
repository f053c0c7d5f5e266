"""Areas refused or failed are in no all-area figure: the national summary and the comparisons see only the rest."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from audit.check.validate import load_audit
from audit.cli import main
from audit.render import national
from audit.run import area_input
from tests.conftest import case_row
from tests.fakes import use_fake_runner


def seen_by_kernels(monkeypatch):
    """A fake runner that also keeps, for each notebook, the data its kernel would have read."""
    runner = use_fake_runner(monkeypatch)
    real_execute = runner.execute
    runner.seen = []

    def execute(notebook, parameters, output, access=None):
        kind = area_input.AREA if parameters.get("area") else area_input.NATIONAL
        runner.seen.append((parameters.get("area"), area_input.load_prepared(parameters["prepared"], kind)))
        return real_execute(notebook, parameters, output, access)

    monkeypatch.setattr(runner, "execute", execute)
    return runner


@pytest.fixture
def workbook(make_workbook, framework, tmp_path):
    """North and East in one workbook; South in its own, with a cell that looks like an NHS number."""
    rows = [case_row(framework, f"N{i}", "North") for i in range(6)]
    rows += [case_row(framework, f"E{i}", "East") for i in range(6)]
    make_workbook(rows, name="data/north-east.xlsx")
    south = make_workbook([case_row(framework, f"S{i}", "South", V1="No") for i in range(6)], name="data/south.xlsx")
    wb = openpyxl.load_workbook(south)
    wb["Cases"]["G3"] = "Mother's NHS number 943 476 5919 noted"
    wb.save(south)
    return tmp_path / "data"


def test_a_refused_area_is_in_no_all_area_figure(workbook, tmp_path, monkeypatch):
    runner = seen_by_kernels(monkeypatch)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(workbook), "--out", str(out), "--quiet"])
    assert "South: FAILED: not reported" in result.output
    assert "North: ok" in result.output and "East: ok" in result.output, result.output
    assert sorted(area for area, _ in runner.seen if area) == ["East", "North"]
    assert [area for area, _ in runner.seen if not area] == [None]  # the national summary
    for area, pub in runner.seen:  # every kernel's result is without South: its figures cannot reach any page
        areas = pub.others if area else pub
        assert set(areas.areas) == {"North", "East"}
        assert "South" not in set(areas.results["area"])
    national_areas = next(pub for area, pub in runner.seen if area is None)
    assert national_areas.left_out == {"South": "refused: cells that look like personal data"}
    page = str(national.left_out_fragment(national_areas))
    assert "South: refused: cells that look like personal data" in page
    assert "943" not in page


def test_an_area_whose_report_fails_is_left_out_of_the_national_summary(workbook, tmp_path, monkeypatch):
    runner = seen_by_kernels(monkeypatch)
    real_execute = runner.execute

    def fail_for_east(notebook, parameters, output, access=None):
        if parameters.get("area") == "East":
            from audit.errors import ReportError

            raise ReportError("the report notebook failed")
        return real_execute(notebook, parameters, output, access)

    monkeypatch.setattr(runner, "execute", fail_for_east)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(workbook), "--out", str(out), "--quiet", "--allow-identifiers"])
    assert "East: FAILED" in result.output and result.exit_code == 1
    # The summary made beside the reports (East still in) is made again once East's report has failed.
    areas = [pub for area, pub in runner.seen if area is None][-1]
    assert set(areas.areas) == {"North", "South"}
    assert areas.left_out == {"East": "failed: its report could not be made"}


def test_the_national_summary_lists_nothing_when_every_area_is_in(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, f"N{i}", "North") for i in range(6)]), framework)
    assert str(national.left_out_fragment(area_input.run_areas(data, True, 5))) == ""


def test_no_national_summary_is_left_when_every_report_fails(workbook, tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ["batch", str(workbook), "--out", str(out), "--quiet", "--allow-identifiers"]
    runner = seen_by_kernels(monkeypatch)
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (out / "national" / "report.html").is_file()
    real_execute = runner.execute

    def fail_every_area(notebook, parameters, output, access=None):
        if parameters.get("area"):
            from audit.errors import ReportError

            raise ReportError("the report notebook failed")
        return real_execute(notebook, parameters, output, access)

    monkeypatch.setattr(runner, "execute", fail_every_area)
    result = CliRunner().invoke(main, [*args, "--force"])
    assert result.exit_code == 1 and "North: FAILED" in result.output
    # The summary made beside the reports is taken away again: it would set side by side areas with no report.
    assert not (out / "national" / "report.html").exists()
    assert not list((out / "restricted" / "national").glob("*.ipynb"))
