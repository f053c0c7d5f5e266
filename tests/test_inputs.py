"""Every input answered for, by every command: the same expansion, one message per bad input, no row lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import case_row
from tests.fakes import area_rows as rows
from tests.fakes import run_cli as run

# ------------------------------------------------------------ unreadable and missing inputs


@pytest.mark.parametrize("command", ["score", "report"])
def test_an_unreadable_extra_input_stops_score_and_report_and_nothing_is_written(
    command, make_workbook, framework, tmp_path
):
    good = make_workbook(rows(framework, "North", 3), name="good.xlsx")
    extra = tmp_path / "extra.csv"
    extra.write_text("Case ID,Area\n1,North\n")
    out = tmp_path / "out"
    result = run(command, good, extra, "--out", out)
    assert result.exit_code == 2
    assert result.output.count("extra.csv") == 1
    assert not out.exists() or not any(out.rglob("*.json"))


@pytest.mark.parametrize("command", ["score", "report", "validate"])
def test_a_missing_file_is_named_once_as_not_found(command, tmp_path):
    args = [command, tmp_path / "nope.xlsx"] + ([] if command == "validate" else ["--out", tmp_path / "out"])
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.count("nope.xlsx") == 1
    assert "file not found" in result.output
    assert "no area called" not in result.output


def test_batch_names_a_bad_input_and_goes_on_with_the_rest(make_workbook, framework, tmp_path, fake_runner):
    good = make_workbook(rows(framework, "North", 3), name="good.xlsx")
    extra = tmp_path / "extra.csv"
    extra.write_text("Case ID,Area\n1,North\n")
    out = tmp_path / "out"
    result = run("batch", good, extra, tmp_path / "missing.xlsx", "--out", out, "--quiet")
    assert result.exit_code == 1
    assert "North: ok" in result.output
    assert "extra.csv" in result.output and "missing.xlsx" in result.output
    index = (out / "index.html").read_text()
    assert "extra.csv" in index and "missing.xlsx" in index
    manifest = json.loads((out / "manifest.json").read_text())
    not_read = {i["file"] for i in manifest["inputs"] if "not_read" in i}
    assert not_read == {"extra.csv", "missing.xlsx"}


# ------------------------------------------------------------ one expansion of folders


def test_every_command_expands_folders_alike(make_workbook, framework, tmp_path, fake_runner):
    """An empty folder named like a workbook is one bad input; a folder holding workbooks is read by all."""
    good = make_workbook(rows(framework, "North", 3), name="good.xlsx")
    empty = tmp_path / "empty.xlsx"
    empty.mkdir()
    holder = tmp_path / "holder.xlsx"
    holder.mkdir()
    make_workbook(rows(framework, "South", 3), name="holder.xlsx/inner.xlsx")

    validate = run("validate", good, empty, holder)
    assert validate.exit_code == 2
    assert "empty.xlsx: the folder holds no .xlsx workbooks" in validate.output
    assert "2 workbook(s) read" in validate.output  # good.xlsx and holder.xlsx/inner.xlsx

    batch = run("batch", good, empty, holder, "--out", tmp_path / "out", "--quiet")
    assert batch.exit_code == 1
    assert "North: ok" in batch.output and "South: ok" in batch.output
    assert "empty.xlsx: the folder holds no .xlsx workbooks" in batch.output


def test_subfolders_named_like_workbooks_are_skipped_when_a_folder_is_expanded(make_workbook, framework, tmp_path):
    make_workbook(rows(framework, "North", 2), name="data/a.xlsx")
    (tmp_path / "data" / "nested.xlsx").mkdir()
    result = run("validate", tmp_path / "data")
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------ rows and inputs accounted for


def test_score_accounts_for_rows_that_name_no_area(make_workbook, framework, tmp_path):
    data = rows(framework, "North", 25) + [case_row(framework, f"X{i}", None) for i in range(5)]
    path = make_workbook(data)
    out = tmp_path / "out"
    result = run("score", path, "--out", out)
    assert "5 row(s) name no area" in result.output
    for r in range(27, 32):
        assert f"Cases!B{r}" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = manifest["inputs"]
    assert entry["rows_read"] == 30
    assert entry["rows_without_area"] == 5
    assert entry["cases_scored"] + entry["rows_excluded"] == entry["rows_read"]


def test_batch_console_accounts_for_rows_that_name_no_area(make_workbook, framework, tmp_path, fake_runner):
    data = rows(framework, "North", 5) + [case_row(framework, "X1", None)]
    result = run("batch", make_workbook(data), "--out", tmp_path / "out", "--quiet")
    assert "1 row(s) name no area" in result.output
    assert "Cases!B7" in result.output


def test_same_named_files_in_different_folders_are_two_inputs(make_workbook, framework, tmp_path, fake_runner):
    north = make_workbook(rows(framework, "North", 3), name="north/cases.xlsx")
    south = make_workbook(rows(framework, "South", 4), name="south/cases.xlsx")
    out = tmp_path / "out"
    result = run("batch", north, south, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    files = {i["file"]: i["sha256"] for i in manifest["inputs"]}
    assert set(files) == {"north/cases.xlsx", "south/cases.xlsx"}
    import hashlib

    assert files["north/cases.xlsx"] == hashlib.sha256(north.read_bytes()).hexdigest()
    assert files["south/cases.xlsx"] == hashlib.sha256(south.read_bytes()).hexdigest()
    # Each page names its own input file, and its area's data by the fingerprint the manifest gives it.
    north_page = (out / "north" / "report.html").read_text()
    areas = manifest["build"]["areas"]
    assert "north/cases.xlsx" in north_page and "south/cases.xlsx" not in north_page
    assert areas["North"]["data_sha256"][:12] in north_page
    assert areas["South"]["data_sha256"][:12] not in north_page
    assert json.loads((out / "north" / "summary.json").read_text())["data_sha256"] == areas["North"]["data_sha256"]


# ------------------------------------------------------------ odd file names


def _odd_named_copy(make_workbook, framework, raw_name: bytes, area: str) -> Path:
    path = make_workbook(rows(framework, area, 3), name="plain.xlsx")
    odd = path.parent / os.fsdecode(raw_name)
    path.rename(odd)
    return odd


@pytest.mark.parametrize(
    "raw_name",
    [b"Ynys M\xf4n.xlsx", b"esc\x1b[2J\x1b[31mred\nerror: forged line.xlsx", b"tab\there\x07.xlsx"],
    ids=["not-utf8", "escapes-newline", "control"],
)
def test_an_odd_file_name_is_shown_safely_and_fails_nothing(raw_name, make_workbook, framework, tmp_path, fake_runner):
    odd = _odd_named_copy(make_workbook, framework, raw_name, "West")
    other = make_workbook(rows(framework, "North", 3), name="north.xlsx")
    out = tmp_path / "out"
    result = run("batch", odd, other, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "West: ok" in result.output and "North: ok" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "error: forged line" not in result.output.splitlines()
    for page in out.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".json"):
            text = page.read_text(encoding="utf-8")  # valid UTF-8 throughout
            assert "\x1b" not in text
    validate = run("validate", odd)
    assert validate.exit_code == 0, validate.output
    assert "\x1b" not in validate.output
    score = run("score", odd, "--out", tmp_path / "scored")
    assert score.exit_code == 0, score.output


# ------------------------------------------------------------ area folders


def test_score_keeps_areas_whose_names_fold_alike_apart(make_workbook, framework, tmp_path):
    data = rows(framework, "Amber Vale", 3) + rows(framework, "amber-vale", 4, start=10)
    out = tmp_path / "out"
    result = run("score", make_workbook(data), "--out", out)
    assert result.exit_code == 0, result.output
    summaries = {json.loads(p.read_text())["area"]: p for p in out.glob("*/summary.json")}
    assert set(summaries) == {"Amber Vale", "amber-vale"}
    assert len({p.parent for p in summaries.values()}) == 2


def test_score_gives_non_latin_area_names_their_own_folders(make_workbook, framework, tmp_path):
    data = rows(framework, "Ταύρος", 3) + rows(framework, "Κρήτη", 4, start=10)
    out = tmp_path / "out"
    assert run("score", make_workbook(data), "--out", out).exit_code == 0
    assert {json.loads(p.read_text())["area"] for p in out.glob("*/summary.json")} == {"Ταύρος", "Κρήτη"}


def test_batch_areas_named_national_and_restricted_keep_their_own_reports(
    make_workbook, framework, tmp_path, fake_runner
):
    data = rows(framework, "National", 3) + rows(framework, "Restricted", 3, start=10) + rows(framework, "North", 3, 20)
    out = tmp_path / "out"
    result = run("batch", make_workbook(data), "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text()
    for area in ("National", "Restricted"):
        summary = next(p for p in out.glob("*/summary.json") if json.loads(p.read_text())["area"] == area)
        assert summary.parent.name not in ("national", "restricted")
        assert f'href="{summary.parent.name}/report.html"' in index
    assert not (out / "restricted" / "report.html").exists()
    assert not (out / "national" / "summary.json").exists()  # national/ holds only the national summary


def test_batch_with_colliding_area_names_reports_both(make_workbook, framework, tmp_path, fake_runner):
    data = rows(framework, "Amber Vale", 3) + rows(framework, "amber-vale", 3, start=10)
    out = tmp_path / "out"
    result = run("batch", make_workbook(data), "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert "Amber Vale: ok" in result.output and "amber-vale: ok" in result.output


# ------------------------------------------------------------ options


def test_report_area_is_optional_with_one_area(make_workbook, framework, tmp_path, monkeypatch):
    monkeypatch.setattr("audit.run.report.execute_notebook", lambda *a, **k: __import__("nbformat").v4.new_notebook())
    out = tmp_path / "out"
    result = run("report", make_workbook(rows(framework, "North", 3)), "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "north" / "report.html").exists()


def test_report_without_area_lists_the_areas_when_there_are_several(make_workbook, framework, tmp_path):
    data = rows(framework, "North", 3) + rows(framework, "South", 3, start=10)
    result = run("report", make_workbook(data), "--out", tmp_path / "out")
    assert result.exit_code != 0
    assert "North" in result.output and "South" in result.output


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
@pytest.mark.parametrize("option", ["--max-file-mb", "--max-expanded-mb"])
def test_limits_must_be_finite(option, value, make_workbook, framework):
    result = run("validate", make_workbook(rows(framework, "North", 1)), option, value)
    assert result.exit_code == 2
    assert "Error" in result.output


@pytest.mark.parametrize("option", ["--max-file-mb", "--max-expanded-mb"])
def test_a_finite_limit_too_large_to_scale_is_no_limit(option, make_workbook, framework):
    result = run("validate", make_workbook(rows(framework, "North", 1)), option, "1e308")
    assert result.exit_code == 0, result.output


def test_limits_from_the_environment_must_be_finite(make_workbook, framework, monkeypatch):
    monkeypatch.setenv("AUDIT_MAX_FILE_MB", "nan")
    result = run("validate", make_workbook(rows(framework, "North", 1)))
    assert result.exit_code == 2
    assert "AUDIT_MAX_FILE_MB should be a positive number of megabytes" in result.output


def test_out_below_a_file_is_a_clear_error(make_workbook, framework, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for command in ("score", "batch"):
        result = run(command, make_workbook(rows(framework, "North", 1)), "--out", blocker / "out")
        assert result.exit_code == 2, result.output
        assert "--out" in result.output and "cannot make the output folder" in result.output


def test_out_on_a_read_only_mount_is_a_clear_error(make_workbook, framework):
    readonly = Path("/proc/audit-out")  # /proc refuses new folders, even to root
    result = run("score", make_workbook(rows(framework, "North", 1)), "--out", readonly)
    assert result.exit_code == 2, result.output
    assert "cannot make the output folder" in result.output


@pytest.mark.parametrize("area", ["../../escape", "/etc/passwd", "..", "a/../../b", "C:\\temp\\x", "~root"])
def test_no_area_name_writes_outside_out(area, make_workbook, framework, tmp_path):
    out = tmp_path / "deep" / "out"
    result = run("score", make_workbook(rows(framework, area, 2)), "--out", out)
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".json", ".xlsx") and "out" in p.parts]
    assert written and all(out in p.parents for p in written)
    assert not any(p.is_file() for p in (tmp_path / "deep").iterdir())


def test_one_file_named_two_ways_is_read_once(make_workbook, framework, tmp_path):
    path = make_workbook(rows(framework, "North", 3))
    other_spelling = path.parent / ".." / path.parent.name / path.name
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    result = run("validate", path, other_spelling, link)
    assert result.exit_code == 0, result.output
    assert "1 workbook(s) read" in result.output and "3 cases scored, 0 excluded" in result.output


def test_report_with_pdf_names_the_pdf_in_its_final_message(make_workbook, framework, tmp_path, monkeypatch):
    from audit.render.pdf import pdf_available

    if why := pdf_available():
        pytest.skip(f"no PDFs here: {why}")
    monkeypatch.setattr("audit.run.report.execute_notebook", lambda *a, **k: __import__("nbformat").v4.new_notebook())
    out = tmp_path / "out"
    result = run("report", make_workbook(rows(framework, "North", 3)), "--out", out, "--pdf")
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("North: ")]
    assert str(out / "north" / "report.html") in line and str(out / "north" / "report.pdf") in line
    assert (out / "north" / "report.pdf").read_bytes().startswith(b"%PDF")
