"""A corpus of hostile and messy workbooks, each through validate, score and batch.

Every file gets one clear message naming it, the documented exit status, and no
traceback; one bad file in a batch never stops the other areas.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from audit import batch as batch_module
from audit.cli import main
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
}


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
        env = {"AUDIT_MAX_FILE_MB": None, "AUDIT_MAX_EXPANDED_MB": None, **(env or {})}
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


def test_batch_reports_good_areas_and_names_every_bad_file(run, tmp_path, framework, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    _good(folder / "aaa-good.xlsx", framework, area="Goodshire")
    bad = [CORPUS[name][0](folder, framework) for name in ("csv renamed", "zip bomb", "encrypted", "two-row header")]
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
