"""A corpus of hostile and messy workbooks, each through validate, score and batch.

Every file gets one clear message naming it, the documented exit status, and no
traceback; one bad file in a batch never stops the other areas.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.run import batch as batch_module
from tests.conftest import case_row, header_for
from tests.fakes import use_fake_runner
from tests.test_safety import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    PASSWORD,
    encrypt,
    ole_file,
    raw_zip,
    rewrite_member,
    spaces_bomb_members,
)


def _good(path: Path, fw, rows: int = 3, area: str = "Testshire") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(fw))
    for i in range(rows):
        ws.append(case_row(fw, f"C{i}", area=area))
    wb.save(path)
    return path


def _sheet(path: Path, fw, build: Callable) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    build(wb, ws)
    wb.save(path)
    return path


def _cases_rows(fw):
    return [header_for(fw), case_row(fw, "C1"), case_row(fw, "C2")]


# name -> (builder(tmp_path, fw) -> path, exit status, phrase in the message)
CORPUS: dict[str, tuple[Callable[[Path, object], Path], int, str]] = {
    "empty file": (lambda d, fw: _write(d / "empty.xlsx", b""), 2, "is empty"),
    "random bytes": (lambda d, fw: _write(d / "noise.xlsx", bytes(range(256)) * 40), 2, "not an Excel workbook"),
    "csv renamed": (lambda d, fw: _write(d / "cases.xlsx", b"Case ID,Area\nC1,North\n"), 2, "CSV/text"),
    "text renamed": (lambda d, fw: _write(d / "notes.xlsx", b"Some notes about the audit.\n" * 20), 2, "text"),
    "truncated xlsx": (lambda d, fw: _truncate(_good(d / "cut.xlsx", fw)), 2, "damaged or incomplete"),
    "legacy xls renamed": (
        lambda d, fw: ole_file(d / "old.xlsx", {"Workbook": b"\x09\x08" + b"\0" * 100}),
        2,
        "legacy Excel 97-2003",
    ),
    "encrypted": (lambda d, fw: encrypt(_good(d / "plain.xlsx", fw), d / "locked.xlsx"), 2, "password-protected"),
    "billion laughs": (
        lambda d, fw: rewrite_member(_good(d / "s1.xlsx", fw), d / "laughs.xlsx", "xl/workbook.xml", BILLION_LAUGHS),
        2,
        "XML entity expansion attack",
    ),
    "external entity": (
        lambda d, fw: rewrite_member(
            _good(d / "s2.xlsx", fw), d / "xxe.xlsx", "xl/worksheets/sheet1.xml", EXTERNAL_ENTITY
        ),
        2,
        "DOCTYPE/entity declaration",
    ),
    "zip bomb": (lambda d, fw: raw_zip(d / "bomb.xlsx", spaces_bomb_members(600)), 2, "possible zip bomb"),
    "zip not a workbook": (lambda d, fw: _zip(d / "photos.xlsx"), 2, "zip file but not an Excel workbook"),
    "empty workbook": (lambda d, fw: _sheet(d / "blank.xlsx", fw, lambda wb, ws: None), 1, "no header row"),
    "no Cases sheet": (
        lambda d, fw: _sheet(d / "other.xlsx", fw, lambda wb, ws: setattr(ws, "title", "Data")),
        1,
        "the workbook has: 'Data'",
    ),
    "two-row header": (
        lambda d, fw: _sheet(d / "tworow.xlsx", fw, lambda wb, ws: _two_row(ws, fw)),
        1,
        "run over two rows",
    ),
    "duplicate header": (
        lambda d, fw: _sheet(d / "dupe.xlsx", fw, lambda wb, ws: _rows(ws, [header_for(fw) + ["Area"]])),
        1,
        "repeats the column",
    ),
    # A used range calamine would allocate in full: 17 billion cells (it aborts), or 105 million (4 GB).
    "cell at XFD1048576": (lambda d, fw: _far_cell(d / "xfd.xlsx", fw, "XFD1048576"), 2, "used range of 17,179"),
    "cell at CV1048576": (lambda d, fw: _far_cell(d / "cv.xlsx", fw, "CV1048576"), 2, "used range of 104,857,600"),
    "dimension lying small": (lambda d, fw: _lying_dimension(d / "liar.xlsx", fw), 2, "column CV, a used range"),
    "rows and cells without r": (lambda d, fw: _rows_without_r(d / "nor.xlsx", fw), 2, "row 1,048,576 and column AD"),
    "huge sheet not Cases": (
        lambda d, fw: _far_cell(d / "notes.xlsx", fw, "XFD1048576", sheet="Notes"),
        2,
        "sheet 'Notes' reaches row 1,048,576",
    ),
}

_SHEET1 = "xl/worksheets/sheet1.xml"


def _far_cell(path: Path, fw, ref: str, sheet: str = "Cases") -> Path:
    """A valid workbook with one text cell at ``ref`` on ``sheet`` (added if it is not Cases)."""

    def build(wb, ws):
        _rows(ws, _cases_rows(fw))
        target = ws if sheet == "Cases" else wb.create_sheet(sheet)
        target[ref] = "x"

    return _sheet(path, fw, build)


def _rewrite_sheet(path: Path, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(_SHEET1)
    tmp = path.with_suffix(".tmp")
    path.rename(tmp)
    rewrite_member(tmp, path, _SHEET1, change(xml))
    tmp.unlink()
    return path


def _lying_dimension(path: Path, fw) -> Path:
    """The cell at CV1048576, while <dimension> claims the sheet ends at Q3."""
    _far_cell(path, fw, "CV1048576")
    return _rewrite_sheet(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:Q3"', xml))


def _rows_without_r(path: Path, fw) -> Path:
    """No far reference anywhere: an empty row 1048575, then a row and 30 cells placed only by counting."""
    cells = b'<c t="inlineStr"><is><t>x</t></is></c>' * 30
    return _rewrite_sheet(
        _sheet(path, fw, lambda wb, ws: _rows(ws, _cases_rows(fw))),
        lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', b"", xml).replace(
            b"</sheetData>", b'<row r="1048575"/><row>' + cells + b"</row></sheetData>"
        ),
    )


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("photo.txt", "not a spreadsheet")
    return path


def _rows(ws, rows) -> None:
    for r in rows:
        ws.append(r)


def _two_row(ws, fw) -> None:
    header = header_for(fw)
    ws.append(["Case ID", "Area"] + [None] * (len(header) - 2))
    ws.append([None, None, *header[2:]])
    ws.append(case_row(fw, "C1"))


@pytest.fixture
def run():
    def invoke(*args: str, env: dict[str, str] | None = None):
        # The cap options export environment variables; naming them here restores them afterwards.
        env = {"AUDIT_MAX_FILE_MB": None, "AUDIT_MAX_EXPANDED_MB": None, "AUDIT_MAX_SHEET_CELLS": None, **(env or {})}
        result = CliRunner().invoke(main, list(args), env=env)
        assert "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        return result

    return invoke


@pytest.mark.parametrize("name", list(CORPUS))
def test_validate_and_score_give_one_clear_message(name, run, tmp_path, framework):
    build, status, phrase = CORPUS[name]
    path = build(tmp_path, framework)
    for command in (["validate", str(path)], ["score", str(path), "--out", str(tmp_path / "out")]):
        result = run(*command)
        assert result.exit_code == status, (command, result.output)
        assert path.name in result.output and phrase in result.output, result.output
        if status == 2:  # a file that is not read is named once, on its own line, never repeated
            (line,) = [ln for ln in result.output.splitlines() if path.name in ln]
            assert line.count(path.name) == 1, line


def test_batch_reports_good_areas_and_names_every_bad_file(run, tmp_path, framework, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder / "aaa-good.xlsx", framework, area="Goodshire")
    names = ("csv renamed", "zip bomb", "encrypted", "two-row header", "cell at XFD1048576", "huge sheet not Cases")
    bad = [CORPUS[name][0](folder, framework) for name in names]
    for leftover in folder.glob("s*.xlsx"):
        leftover.unlink()
    (folder / "plain.xlsx").unlink(missing_ok=True)
    monkeypatch.setattr(batch_module, "make_report", lambda result, *a, **k: {})
    use_fake_runner(monkeypatch)  # no kernels: the subject is the batch's messages and index
    out = tmp_path / "out"
    result = run("batch", str(folder), "--out", str(out), "--quiet")
    assert result.exit_code == 1
    assert "Goodshire: ok" in result.output
    index = (out / "index.html").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    for path in bad:
        assert f"{path.name} could not be read" in index
        assert manifest["outputs"][path.name].startswith("not read")


def test_encrypted_workbook_opens_with_password_from_environment(run, tmp_path, framework):
    locked = encrypt(_good(tmp_path / "plain.xlsx", framework), tmp_path / "locked.xlsx")
    result = run(
        "validate", str(locked), "--password-env", "AUDIT_TEST_PASSWORD", env={"AUDIT_TEST_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    assert "3 cases scored" in result.output
    assert PASSWORD not in result.output
    wrong = run("validate", str(locked), "--password-env", "AUDIT_TEST_PASSWORD", env={"AUDIT_TEST_PASSWORD": "nope"})
    assert wrong.exit_code == 2 and "does not open" in wrong.output and "nope" not in wrong.output


def test_file_size_cap_is_configurable(run, tmp_path, framework):
    path = _good(tmp_path / "big.xlsx", framework, rows=50)
    result = run("validate", str(path), "--max-file-mb", "0.001")
    assert result.exit_code == 2 and "limit" in result.output
    assert run("validate", str(path), "--max-file-mb", "5").exit_code == 0


def test_formula_without_stored_result_is_reported_not_read_as_blank(run, tmp_path, framework):
    def build(wb, ws):
        _rows(ws, _cases_rows(framework))
        ws["G2"] = '=IF(1=1,"Yes","No")'

    path = _sheet(tmp_path / "formula.xlsx", framework, build)
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "formula.xlsx: Cases!G2: error: formula with no stored result" in result.output


def test_messy_values_are_located(run, tmp_path, framework):
    def build(wb, ws):
        rows = _cases_rows(framework)
        rows[1][2] = "1st March 2025"  # a date typed as text that cannot be read
        rows[1][6] = 1  # a number where an answer belongs
        rows[2][3] = "Yes"  # an answer in the age band column
        _rows(ws, rows)
        ws.cell(row=60, column=9, value="stray note")  # a stray value far below the data

    result = run("validate", str(_sheet(tmp_path / "messy.xlsx", framework, build)))
    out = result.output
    assert result.exit_code == 1
    assert "messy.xlsx: Cases!C2: warning: expected an audit date" in out
    assert "messy.xlsx: Cases!G2: error: answer to I1 should be Yes, Partly, No or N/A; found a number" in out
    assert "messy.xlsx: Cases!D3: warning: expected an age band" in out
    assert "messy.xlsx: Cases!A60: error: row excluded: the Case ID is blank" in out
    assert "3 rows: 2 cases scored, 1 excluded" in out


# ---------------------------------------------------------------- reader crashes and the cell cap


def _abort_on(data_to_crash: bytes | None):
    """A stand-in for the reader child's read that aborts the process (SIGABRT), as calamine does."""
    import os

    from audit.read import reader_child

    real = reader_child.read

    def read(data: bytes, wanted: list[str]):
        if data_to_crash is None or data == data_to_crash:
            os.abort()
        return real(data, wanted)

    return read


def test_reader_crash_fails_the_file_with_a_message(run, tmp_path, framework, monkeypatch):
    from audit.read import reader_child

    path = _good(tmp_path / "crashes.xlsx", framework)
    monkeypatch.setattr(reader_child, "read", _abort_on(None))
    for command in (["validate", str(path)], ["score", str(path), "--out", str(tmp_path / "out")]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "crashes.xlsx: the spreadsheet reader stopped abnormally on this file (signal SIGABRT)" in result.output
    listed = json.loads(run("validate", "--format", "json", str(path)).stdout)
    assert [(p["file"], p["code"]) for p in listed] == [("crashes.xlsx", "reader-crashed")]


def test_batch_reports_other_areas_when_the_reader_crashes_on_one_file(run, tmp_path, framework, monkeypatch):
    from audit.read import reader_child

    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder / "aaa-good.xlsx", framework, area="Goodshire")
    crash = _good(folder / "crash.xlsx", framework, area="Crashshire")
    monkeypatch.setattr(reader_child, "read", _abort_on(crash.read_bytes()))
    monkeypatch.setattr(batch_module, "make_report", lambda result, *a, **k: {})
    use_fake_runner(monkeypatch)  # no kernels: the subject is the reader's crash and the batch going on
    out = tmp_path / "out"
    result = run("batch", str(folder), "--out", str(out), "--quiet")
    assert result.exit_code == 1, result.output
    assert "Goodshire: ok" in result.output and "Crashshire" not in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outputs"]["crash.xlsx"].startswith("not read: crash.xlsx: the spreadsheet reader stopped")
    assert "crash.xlsx could not be read" in (out / "index.html").read_text()


def _allocations_can_fail() -> bool:
    """Linux refuses a 512 GiB allocation outright unless overcommit is set to 'always' (1)."""
    try:
        return Path("/proc/sys/vm/overcommit_memory").read_text().strip() != "1"
    except OSError:
        return False


@pytest.mark.skipif(not _allocations_can_fail(), reason="a huge allocation would not fail fast here")
def test_real_calamine_abort_is_contained(run, tmp_path, framework):
    """With the cell cap lifted, calamine itself aborts on XFD1048576; the command still ends cleanly."""
    path = _far_cell(tmp_path / "xfd.xlsx", framework, "XFD1048576")
    result = run("validate", str(path), "--max-sheet-cells", "100000000000")
    assert result.exit_code == 2, result.output
    assert "xfd.xlsx: the spreadsheet reader stopped abnormally on this file (signal SIGABRT)" in result.output


def test_sheet_cell_cap_is_configurable(run, tmp_path, framework):
    path = _far_cell(tmp_path / "wide.xlsx", framework, "Z2000")  # 26 columns x 2,000 rows = 52,000 cells
    assert run("validate", str(path)).exit_code == 1  # a stray cell: problems, but read
    refused = run("validate", str(path), "--max-sheet-cells", "50000")
    assert refused.exit_code == 2 and "a used range of 52,000 cells, over the limit of 50,000" in refused.output
    assert run("validate", str(path), "--max-sheet-cells", "52000").exit_code == 1
    bad = run("validate", str(path), env={"AUDIT_MAX_SHEET_CELLS": "lots"})
    assert bad.exit_code == 2 and "AUDIT_MAX_SHEET_CELLS should be a positive number of cells" in bad.output


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_limits_that_are_not_finite_are_refused_with_a_message(run, tmp_path, framework, value):
    path = _good(tmp_path / "ok.xlsx", framework)
    result = run("validate", str(path), "--max-file-mb", value)
    assert result.exit_code == 2 and "--max-file-mb" in result.output and "finite positive number" in result.output


def test_reader_error_in_the_child_is_one_line_without_a_traceback(run, tmp_path, framework, monkeypatch, capfd):
    from audit.read import reader_child

    def out_of_memory(data: bytes, wanted: list[str]):
        raise MemoryError

    path = _good(tmp_path / "heavy.xlsx", framework)
    monkeypatch.setattr(reader_child, "read", out_of_memory)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert "heavy.xlsx: cannot be read (MemoryError)" in result.output
    assert "Traceback" not in capfd.readouterr().err  # nor on the child's own stderr
