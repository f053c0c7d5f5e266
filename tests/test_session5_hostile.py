"""Hostile runs of the batch's national summary made beside the last area reports (session 5)."""

from __future__ import annotations

import nbformat
import pytest

from audit.run import area_input
from tests.conftest import case_row
from tests.fakes import run_cli, use_fake_runner
from tests.incremental_support import build, clean_run, differences, sample_fixtures, snapshot


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
    made = snapshot(out)
    clean, _ = clean_run(None, out, lambda folder: run_cli("batch", data, "--out", folder, "--quiet"))
    assert differences(made, clean) == []


class DigestRunner:
    """A fake runner whose national notebook holds the digest of the areas it sets side by side (their figures and
    which counts are hidden), so a summary made from other figures than a clean run's differs from it on disk."""

    def __init__(self, fail=(), fail_summaries=0):
        from tests.fakes import FakeRunner

        self.inner, self.fail, self.summaries, self.fail_summaries = FakeRunner(), set(fail), 0, fail_summaries

    def execute(self, notebook, parameters, output, access=None):
        from audit.run import incremental as inc
        from audit.run.engine import write_notebook

        if parameters.get("area") in self.fail:
            from audit.errors import ReportError

            raise ReportError("the report notebook failed")
        if not parameters.get("area") and self.fail_summaries:
            from audit.errors import ReportError

            self.fail_summaries -= 1
            raise ReportError("the national summary notebook failed")
        nb = self.inner.execute(notebook, parameters, output, access)
        if not parameters.get("area"):
            self.summaries += 1
            areas = area_input.load_prepared(parameters["prepared"], area_input.NATIONAL)
            nb.cells.append(nbformat.v4.new_markdown_cell("Digest " + inc.comparison_digest(areas)))
            write_notebook(nb, output, *([access] if access is not None else []))
        return nb


sample, sample_data = sample_fixtures()


def test_reports_failing_in_re_runs_give_a_clean_run_s_summary(sample_data, tmp_path):
    workers, publish = 3, True
    from audit.run.batch import BatchOptions, run_batch
    from tests.incremental_support import AMBERLOW, set_cell

    def batch(folder, runner):
        run_batch([sample_data], folder, BatchOptions(publish=publish), workers=workers, progress=False, runner=runner)

    out = tmp_path / "out"
    # Only areas the re-run makes again are failed: a kept area's report stands, as it would not in a clean run.
    steps = [
        (set(), None),
        ({"Amberlow Vale"}, ("Cases", "I1 evidence", 0, "Another note.")),  # a note: the summary could be kept
        ({"Amberlow Vale"}, None),  # fails again, nothing changed
        ({"Amberlow Vale", "Brackenholt Moor"}, ("Cases", "I1 Child recognised as a victim", 4, "No")),
        ({"Amberlow Vale", "Brackenholt Moor"}, None),  # every report made fails: Elderwyke Downs' is kept
        (set(), None),
        ({"Elderwyke Downs"}, ("Cases", "I1 Child recognised as a victim", 4, "Yes")),
    ]
    for fail, edit in steps:
        if edit is not None:
            set_cell(sample_data / AMBERLOW, *edit)
        batch(out, DigestRunner(fail))
        made, areas = snapshot(out), sorted(build(out)["areas"])
        clean, clean_areas = clean_run(None, out, lambda folder, fail=fail: batch(folder, DigestRunner(fail)))
        assert differences(made, clean) == [] and areas == clean_areas, (fail, edit, differences(made, clean))


@pytest.mark.parametrize("where", ["summary"])
def test_a_run_stopped_in_the_summary_made_beside_the_reports_then_run_again(sample_data, tmp_path, where, monkeypatch):
    from audit.run import batch as batch_module
    from audit.run import rebuild as rebuild_module
    from audit.run.batch import BatchOptions, run_batch
    from tests.incremental_support import AMBERLOW, set_cell

    def batch(folder, runner):
        return run_batch([sample_data], folder, BatchOptions(publish=True), workers=2, progress=False, runner=runner)

    out = tmp_path / "out"
    batch(out, DigestRunner())
    set_cell(sample_data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 4, "No")  # every area made again
    real_summary, real_report, made = rebuild_module.make_national_summary, batch_module.make_report, []

    def summary(*args, **kwargs):
        if where == "summary":
            raise KeyboardInterrupt
        return real_summary(*args, **kwargs)

    def report(result, *args, **kwargs):
        made.append(result.area)
        if where == "last report" and len(made) == 3:
            raise KeyboardInterrupt
        return real_report(result, *args, **kwargs)

    monkeypatch.setattr(rebuild_module, "make_national_summary", summary)
    monkeypatch.setattr(batch_module, "make_report", report)
    with pytest.raises(KeyboardInterrupt):
        batch(out, DigestRunner())
    monkeypatch.setattr(rebuild_module, "make_national_summary", real_summary)
    monkeypatch.setattr(batch_module, "make_report", real_report)
    assert not (out / "restricted" / "prepared").exists()
    assert batch(out, DigestRunner()).ok
    made_files = snapshot(out)
    clean, _ = clean_run(None, out, lambda folder: batch(folder, DigestRunner()))
    assert differences(made_files, clean) == []


def test_a_summary_that_fails_beside_a_failing_report_then_runs_again(sample_data, tmp_path):
    # The summary made beside the reports fails; a report fails too, so it is made again, and works. The run after,
    # with nothing changed and no failure, must give a clean run's outputs.
    from audit.run.batch import BatchOptions, run_batch
    from tests.incremental_support import AMBERLOW, set_cell

    def batch(folder, runner):
        return run_batch([sample_data], folder, BatchOptions(publish=True), workers=2, progress=False, runner=runner)

    out = tmp_path / "out"
    batch(out, DigestRunner())
    set_cell(sample_data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 4, "No")  # every area made again
    runner = DigestRunner({"Brackenholt Moor"}, fail_summaries=1)
    second = batch(out, runner)
    assert not second.ok and second.national_error is None
    assert (out / "national" / "report.html").is_file()
    assert batch(out, DigestRunner()).ok
    made_files = snapshot(out)
    clean, _ = clean_run(None, out, lambda folder: batch(folder, DigestRunner()))
    assert differences(made_files, clean) == []


def test_kernels_that_cannot_start_fail_every_report_without_a_traceback(data, tmp_path, monkeypatch):
    # Every notebook fails with what a kernel that cannot start raises (not an AuditError). Each report's failure is
    # caught and named; the summary made beside them must not end the batch in a traceback either.
    runner = use_fake_runner(monkeypatch)

    def cannot_start(notebook, parameters, output, access=None):
        raise RuntimeError("kernel housekeeping failed: ModuleNotFoundError: No module named 'scipy'")

    monkeypatch.setattr(runner, "execute", cannot_start)
    out = tmp_path / "out"
    result = run_cli("batch", data, "--out", out, "--quiet")
    assert result.exit_code == 1 and "North: FAILED" in result.output, result.output
    assert not (out / "national" / "report.html").exists()


def test_a_summary_whose_kernel_fails_unexpectedly_is_named_beside_kept_reports(data, tmp_path, monkeypatch):
    # A re-run makes one area again; its report is fine but the summary's kernel fails with what is not an
    # AuditError. The batch names the summary's failure rather than ending in a traceback.
    import openpyxl

    runner = naming_runner(monkeypatch)
    out = tmp_path / "out"
    assert run_cli("batch", data, "--out", out, "--quiet").exit_code == 0
    real_execute = runner.execute

    def summary_fails(notebook, parameters, output, access=None):
        if not parameters.get("area"):
            raise RuntimeError("kernel reset left the execution count at 3")
        return real_execute(notebook, parameters, output, access)

    monkeypatch.setattr(runner, "execute", summary_fails)
    wb = openpyxl.load_workbook(data / "north.xlsx")
    wb["Cases"]["G3"] = None if wb["Cases"]["G3"].value == "No" else "No"
    wb.save(data / "north.xlsx")
    result = run_cli("batch", data, "--out", out, "--quiet")
    assert result.exit_code == 1 and "North: ok" in result.output, result.output
    assert "RuntimeError" in result.output


def test_a_full_disk_when_results_are_prepared_is_named(data, tmp_path, monkeypatch):
    # No space left for the prepared results the kernels read: each report fails by name in its own job, and the
    # batch stops on the summary's with the file named (as it did before on the first area's), never a traceback.
    import errno

    from audit.run import batch as batch_module
    from audit.run import rebuild as rebuild_module

    use_fake_runner(monkeypatch)

    def full(result, path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(batch_module, "save_prepared", full)
    monkeypatch.setattr(rebuild_module, "save_prepared", full)
    result = run_cli("batch", data, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 1 and "national.audit.pickle: No space left on device" in result.output


def test_the_manifest_says_the_summary_was_not_kept_when_every_report_made_fails(sample_data, tmp_path):
    # A note changed in every area: the summary made beside the reports reads as recorded and is kept, then every
    # report fails and it is taken away. The manifest must not say it was kept ("rebuilt": false).
    from audit.run.batch import BatchOptions, run_batch
    from tests.incremental_support import set_cell

    def batch(folder, runner):
        return run_batch([sample_data], folder, BatchOptions(), workers=2, progress=False, runner=runner)

    out = tmp_path / "out"
    batch(out, DigestRunner())
    areas = {"Amberlow Vale", "Brackenholt Moor", "Elderwyke Downs"}
    for path in sample_data.glob("*.xlsx"):
        set_cell(path, "Cases", "I1 evidence", 0, "Another note.")
    assert not batch(out, DigestRunner(areas)).ok
    assert not (out / "national" / "report.html").exists()
    assert build(out)["national summary"] == {"rebuilt": True}  # as a clean run's says
