"""A blank audit workbook for auditors, laid out as the toolkit reads it.

The template follows the workbook contract: a ``Cases`` sheet whose header row
(the first row with a ``Case ID`` cell) is row 3, the fixed columns, the free-text
column, then one column per criterion of the framework. Dropdowns steer auditors
to the canonical answers, and ``Instructions`` and ``Criteria`` sheets say what to
write and why, so the workbook can be handed out on its own.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from audit.errors import AuditError
from audit.framework.model import CANONICAL_ANSWERS, Framework
from audit.read.load import CASES_SHEET, FIELDS
from audit.workbooks import template_sheets as sheets
from audit.workbooks.xlsx_lists import LISTS_SHEET  # noqa: F401  (also imported from here)
from audit.workbooks.xlsx_lists import validation_message as _message
from audit.xlsx_text import put

FIXED_COLUMNS = tuple(FIELDS.values())
FREE_TEXT_COLUMNS = ("Auditor comments",)

INSTRUCTIONS_SHEET = "Instructions"
CRITERIA_SHEET = "Criteria"
TITLE_ROW = 1
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
DATE_FORMAT = "DD/MM/YYYY"

# A fixed timestamp for document properties and zip entries, so the same input
# gives the same bytes (sample data is committed; diffs should mean changes).
FIXED_TIMESTAMP = dt.datetime(2025, 1, 1, 0, 0, 0)

ANSWER_MEANINGS = {
    "Yes": "The records show this was done well and in time.",
    "Partly": "Some of it was done, or it was done late or not fully.",
    "No": "The records show it was not done, or there is no evidence it was.",
    "N/A": "The criterion does not apply to this case (not the same as 'not answered').",
}

_COLUMN_WIDTHS = {
    "Case ID": 12,
    "Area": 18,
    "Audit date": 12,
    "Age band": 10,
    "Agencies involved": 34,
    "Overall grade": 20,
    "Auditor comments": 40,
}
_CRITERION_WIDTH = 16
_BOLD = Font(bold=True)
_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_UMASK = os.umask(0)
os.umask(_UMASK)


class OutputExistsError(AuditError):
    """The file to write exists already and replacing it was not asked for (exit status 2)."""

    exit_code = 2


class OutputWriteError(AuditError):
    """The workbook could not be written where asked (a missing or read-only folder, a full disk)."""

    exit_code = 2


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def case_columns(framework: Framework) -> list[str]:
    """The Cases sheet's headers in order: fixed, free text, each criterion then its evidence, then the practice."""
    return [*FIXED_COLUMNS, *FREE_TEXT_COLUMNS, *sheets.criterion_columns(framework), *sheets.practice_headers()]


def write_template(path: str | Path, framework: Framework, rows: int = 40, *, overwrite: bool = False) -> Path:
    """Write a blank audit workbook with ``rows`` empty case rows; return its path.

    An existing file (perhaps a filled-in workbook) is refused unless ``overwrite``.
    """
    if rows < 1:
        raise ValueError("a template needs at least one case row")
    path = Path(path)
    if not overwrite and (path.exists() or path.is_symlink()):
        raise _refused(path)
    wb = Workbook()
    ws = wb.active
    ws.title = CASES_SHEET
    columns = case_columns(framework)
    write_cases_header(ws, framework.title, columns)
    last_row = HEADER_ROW + rows
    for r in range(FIRST_DATA_ROW, last_row + 1):
        ws.cell(r, columns.index("Audit date") + 1).number_format = DATE_FORMAT
        for c in range(1, len(columns) + 1):
            ws.cell(r, c).alignment = _WRAP_TOP
    _add_validations(wb, ws, framework, columns, last_row)
    sheets.add_practice_validations(wb, ws, framework, columns, FIRST_DATA_ROW, last_row)
    write_instructions_sheet(wb, framework)
    write_criteria_sheet(wb, framework)
    sheets.write_audit_details(wb, framework=framework)
    sheets.write_case_sheet(wb, sheets.AGENCY_ANSWERS_SHEET, framework, n_rows=rows)
    sheets.write_case_sheet(wb, sheets.AGREED_ANSWERS_SHEET, framework, n_rows=rows)
    sheets.write_judgements(wb, framework)
    save_stable(wb, path, overwrite=overwrite)
    return path


def write_cases_header(ws: Worksheet, title: str, columns: Sequence[str]) -> None:
    """Title in row 1, row 2 blank, bold wrapped headers in row 3, widths and frozen panes."""
    put(ws, TITLE_ROW, 1, title).font = _TITLE_FONT
    for i, name in enumerate(columns, start=1):
        cell = put(ws, HEADER_ROW, i, name)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = _COLUMN_WIDTHS.get(name, _CRITERION_WIDTH)
    ws.row_dimensions[HEADER_ROW].height = 60
    # Rows above the first case and the Case ID column stay in view while scrolling.
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 2).coordinate


def _add_validations(wb: Workbook, ws: Worksheet, framework: Framework, columns: Sequence[str], last_row: int) -> None:
    """Dropdowns on answers, age band and grade; a date check on the audit date."""

    def span(first: str, last: str | None = None) -> str:
        a = get_column_letter(columns.index(first) + 1)
        b = get_column_letter(columns.index(last or first) + 1)
        return f"{a}{FIRST_DATA_ROW}:{b}{last_row}"

    headers = [c.header for c in framework.criteria]
    answers = DataValidation(
        type="list",
        formula1=f'"{",".join(CANONICAL_ANSWERS)}"',
        allow_blank=True,
        showDropDown=False,  # openpyxl's odd name: False means the arrow is shown
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not one of the answers",
        error=(
            "Choose Yes, Partly, No or N/A. The toolkit also accepts common spellings "
            "(Y, Met, Partial, N, Not met, NA), but anything else is reported as invalid."
        ),
        showInputMessage=True,
        promptTitle="Answer",
        prompt="Yes, Partly, No or N/A. Leave blank if not yet answered.",
    )
    for header in headers:  # each criterion's evidence column sits between two answer columns
        answers.add(span(header))
    ws.add_data_validation(answers)

    if framework.age_bands:
        ages = sheets.list_validation(wb, "AgeBands", framework.age_bands, error_title="Not an age band")
        ages.add(span("Age band"))
        ws.add_data_validation(ages)

    grades = sheets.list_validation(wb, "Grades", framework.grades, error_title="Not a grade")
    grades.add(span("Overall grade"))
    ws.add_data_validation(grades)

    dates = sheets.date_validation("Date of the audit")
    dates.add(span("Audit date"))
    ws.add_data_validation(dates)

    agencies = DataValidation(  # no type: any value, but shows a prompt
        allow_blank=True,
        showInputMessage=True,
        promptTitle="Agencies involved",
        prompt=_message("Separate with commas, e.g. " + ", ".join(list(framework.agencies.values())[:3])),
    )
    agencies.add(span("Agencies involved"))
    ws.add_data_validation(agencies)


def instructions_lines(framework: Framework) -> list[tuple[str, bool]]:
    """The Instructions sheet's text as (line, is_heading) pairs."""
    key_ids = ", ".join(c.id for c in framework.criteria if c.key) or "none"
    lines: list[tuple[str, bool]] = [
        (framework.title, True),
        (f"Criteria framework: {framework.id}, version {framework.version}.", False),
        ("", False),
        ("How to fill in the Cases sheet", True),
        ("One row per case audited. Do not add rows above the header row or change the headers.", False),
        (
            "Case ID: an anonymised audit reference only (for example AV-0001). Never enter names, "
            "dates of birth, NHS numbers, addresses, postcodes or any other identifying detail, "
            "in any column, including Auditor comments.",
            False,
        ),
        ("Area: the local safeguarding partnership area the case belongs to.", False),
        ("Audit date: the date you audited the case file, entered as a date.", False),
        (
            "Age band: the child's age at the time of the incident: " + ", ".join(framework.age_bands) + ".",
            False,
        ),
        (
            "Agencies involved: the agencies involved with the child, separated by commas, from: "
            + ", ".join(framework.agencies.values())
            + ".",
            False,
        ),
        (
            "Overall grade: your own overall judgement of the case: " + ", ".join(framework.grades) + ".",
            False,
        ),
        ("Auditor comments: optional free text; keep it anonymised.", False),
        (
            "Criterion columns: answer each one for the case (see the Criteria sheet for each question); "
            "the column after each answer is for the evidence behind it.",
            False,
        ),
        ("", False),
        ("What the answers mean", True),
    ]
    for canon in CANONICAL_ANSWERS:
        lines.append((f"{canon}: {ANSWER_MEANINGS[canon]}", False))
    lines += [
        ("Blank: not yet answered. Blank answers are reported as missing, so fill every cell.", False),
        (
            "Use N/A only when the criterion does not apply to the case, for example I5 (unborn baby's "
            "risk identified) for an older child, or a probation criterion when probation is not involved. "
            "If it applies but was not done, the answer is No.",
            False,
        ),
        ("", False),
        ("Key criteria", True),
        (
            f"Key criteria ({key_ids}) matter most: a key criterion answered No limits the case's "
            f"derived grade to {framework.key_no_cap} at best.",
            False,
        ),
    ]
    return lines + sheets.practice_instruction_lines(framework)


def write_instructions_sheet(wb: Workbook, framework: Framework) -> Worksheet:
    """Add an Instructions sheet explaining how to fill in the Cases sheet."""
    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 110
    for r, (text, heading) in enumerate(instructions_lines(framework), start=1):
        cell = put(ws, r, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if heading:
            cell.font = _TITLE_FONT if r == 1 else _BOLD
    return ws


def write_criteria_sheet(wb: Workbook, framework: Framework) -> Worksheet:
    """Add a Criteria sheet: one row per criterion with its theme, question and agencies."""
    ws = wb.create_sheet(CRITERIA_SHEET)
    headers = ("ID", "Criterion", "Theme", "Question", "Agencies", "Key criterion")
    widths = (6, 34, 34, 70, 34, 13)
    for i, (name, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = put(ws, 1, i, name)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(i)].width = width
    for r, c in enumerate(framework.criteria, start=2):
        values = (
            c.id,
            c.label,
            framework.theme(c.theme).label,
            c.question,
            ", ".join(framework.agencies[a] for a in c.agencies),
            "Yes" if c.key else "No",
        )
        for i, v in enumerate(values, start=1):
            put(ws, r, i, v).alignment = _WRAP_TOP
    ws.freeze_panes = "B2"
    return ws


def save_stable(wb: Workbook, path: Path, *, overwrite: bool = True) -> None:
    """Save with fixed timestamps, so the same workbook gives the same bytes, written atomically.

    The file is written beside the target and renamed into place, so a failed run
    never leaves half a workbook. Without ``overwrite`` an existing file is refused
    (:class:`OutputExistsError`) and never replaced, even one that appears while writing.
    """
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    wb.properties.creator = "audit toolkit"
    buf = io.BytesIO()
    wb.save(buf)
    _write_beside(path, _fix_zip_times(buf.getvalue()), overwrite)


def _refused(path: Path) -> OutputExistsError:
    return OutputExistsError(f"{path.name}: already exists; it was left as it is (use --force to replace it)")


def _write_beside(path: Path, data: bytes, overwrite: bool) -> None:
    """Write to a temporary file in the target's folder, then rename (or, to never replace, hard-link) it."""
    try:
        _place(path, data, overwrite)
    except OSError as exc:
        raise OutputWriteError(f"{path.name}: cannot write the file ({exc.strerror or type(exc).__name__})") from None


def _place(path: Path, data: bytes, overwrite: bool) -> None:
    if not overwrite and (path.exists() or path.is_symlink()):
        raise _refused(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)
        if overwrite:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # fails if the target exists: an atomic "create, never replace"
        except FileExistsError:
            raise _refused(path) from None
        except OSError:  # a file system without hard links: check, then rename
            if path.exists():
                raise _refused(path) from None
            os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _fix_zip_times(xlsx: bytes) -> bytes:
    """Rewrite the zip with fixed times in entries and properties (both default to now)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    # openpyxl sets the modified time to now while saving, whatever it was before.
    stamp_text = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [
        (
            name,
            _MODIFIED.sub(rb"\g<1>" + stamp_text + rb"\g<2>", data) if name == "docProps/core.xml" else data,
        )
        for name, data in entries
    ]
    stamp = FIXED_TIMESTAMP.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, data)
    return out.getvalue()
