"""Reading audit workbooks: files in, raw cell grids and their column layout out.

Cells are read with python-calamine (about nine times faster than openpyxl) as
they are, with no conversion: ``N/A`` stays the text ``N/A`` and a blank cell is
``""``. Interpreting the values is the next stage's job (validate.py).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import LayoutError, Problem, WorkbookError
from audit.framework.model import Framework

CASES_SHEET = "Cases"
MODERATION_SHEET = "Moderation"

# Fixed columns of the Cases sheet: internal field name -> header auditors see.
FIELDS: dict[str, str] = {
    "case_id": "Case ID",
    "area": "Area",
    "audit_date": "Audit date",
    "age_band": "Age band",
    "agencies": "Agencies involved",
    "overall_grade": "Overall grade",
}
# Columns read when present but left out of the blank template: a partnership that
# audits the same theme again records which round each case belongs to.
OPTIONAL_FIELDS: dict[str, str] = {
    "audit_round": "Audit round",
}
# Optional columns about the practice seen: the difference the work made, what it teaches, and a child
# found at immediate risk during the audit. With ``<ID> evidence`` columns (what the auditor saw behind an
# answer), they are read when present; the template writes them all.
PRACTICE_FIELDS: dict[str, str] = {
    "impact": "What difference did it make",
    "learning_themes": "Learning themes",
    "good_practice": "Good practice",
    "escalated": "Escalated",
    "escalation_note": "Escalation note",
}
EVIDENCE_WORD = "evidence"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_ID = re.compile(r"^([A-Za-z]+\d+)(?:\s|$)")
_EVIDENCE_HEADER = re.compile(rf"^([A-Za-z]+\d+)\s+{EVIDENCE_WORD}$", re.IGNORECASE)


def evidence_header(criterion_id: str) -> str:
    """The header of a criterion's evidence column: ``V1 evidence``."""
    return f"{criterion_id} {EVIDENCE_WORD}"


def fold(value: Any) -> str:
    """Text for matching: surrounding and repeated spaces dropped, case folded."""
    return " ".join(str(value).split()).casefold()


def column_letter(index: int) -> str:
    """0-based column index to Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based row and column to A1 notation."""
    return f"{column_letter(col)}{row + 1}"


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class SheetGrid:
    """One sheet's cells from A1, as python-calamine returns them."""

    file: Path
    sheet: str
    rows: list[list[Any]]
    sha256: str
    hidden: bool = False
    label: str | None = None  # how the file is named in messages: printable, and distinct among the inputs

    @property
    def name(self) -> str:
        if self.label is None:
            from audit.names import display_name

            return display_name(self.file)
        return self.label

    def value(self, row: int, col: int) -> Any:
        r = self.rows[row] if row < len(self.rows) else []
        return r[col] if col < len(r) else ""


@dataclass
class Layout:
    """Where things are on a Cases sheet. Row and column indexes are 0-based."""

    header_row: int
    fields: dict[str, int]
    criteria: dict[str, int]
    free_text: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    evidence: dict[str, int] = field(default_factory=dict)  # criterion ID -> its ``<ID> evidence`` column


def expand_inputs(inputs: Iterable[str | Path]) -> tuple[list[Path], dict[Path, WorkbookError]]:
    """Every command's one way from its arguments to workbook files, and the arguments that give none.

    A folder, whatever its name, stands for the workbook files directly inside it
    (sorted; Excel's ``~$`` lock files and subfolders are skipped). A folder with none
    is a problem of its own, never an abort. Any other path is kept as given: the safety
    check names it if it is missing, a folder in disguise, a pipe, or not a workbook.
    """
    from audit.names import display_name

    files: list[Path] = []
    empty: dict[Path, WorkbookError] = {}
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            try:
                found = sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith("~$") and not p.is_dir()
                )
            except OSError as exc:
                empty[path] = WorkbookError(
                    f"{display_name(path)}: the folder cannot be read ({exc.strerror})", code="file-unreadable"
                )
                continue
            if not found:
                empty[path] = WorkbookError(
                    f"{display_name(path)}: the folder holds no .xlsx workbooks", code="folder-no-workbooks"
                )
            files.extend(found)
        else:
            files.append(path)
    # One file named two ways (``a.xlsx`` and ``./x/../a.xlsx``, or through a symlink) is one input: read
    # twice, every one of its cases would be a duplicate of itself and left out.
    unique: dict[str, Path] = {}
    for path in files:
        try:
            key = os.path.realpath(path)
        except (OSError, ValueError):
            key = str(path)
        unique.setdefault(key, path)
    return list(unique.values()), empty


def read_file_bytes(path: Path, password: str | None = None, limits: Any = None, label: str | None = None) -> bytes:
    """The workbook's bytes once it has passed the safety checks (decrypted if need be)."""
    from audit.names import display_name
    from audit.read.safety import Limits, check_workbook_file

    label = label or display_name(path)
    decrypted = check_workbook_file(path, limits or Limits.from_env(), password=password, label=label)
    if decrypted is not None:
        return decrypted
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WorkbookError(f"{label}: cannot read the file ({exc.strerror})", code="file-unreadable") from None


def read_sheets(
    path: str | Path,
    sheets: Iterable[str] = (CASES_SHEET,),
    *,
    required: str | None = CASES_SHEET,
    password: str | None = None,
    limits: Any = None,
    label: str | None = None,
) -> tuple[dict[str, SheetGrid], list[Problem]]:
    """Read the named sheets (matched without regard to case) of one workbook.

    Returns the grids found and any warnings (a hidden sheet). A missing
    ``required`` sheet is a LayoutError listing the sheets the workbook has.
    ``label`` names the file in messages (see :func:`audit.names.unique_labels`).
    """
    from audit.names import display_name, safe_text
    from audit.read.isolated_read import read_cells

    path = Path(path)
    label = label or display_name(path)
    data = read_file_bytes(path, password, limits, label)
    digest = hashlib.sha256(data).hexdigest()
    # In a child process: a reader crash (an abort in Rust) then fails this file, not the run.
    names, cells = read_cells(data, [fold(s) for s in sheets], label)

    grids: dict[str, SheetGrid] = {}
    problems: list[Problem] = []
    for wanted in sheets:
        sheet = cells.get(fold(wanted))
        if sheet is None:
            if required and fold(wanted) == fold(required):
                have = ", ".join(repr(safe_text(n)) for n in names) or "none"
                raise LayoutError(
                    f"{label}: no sheet named {wanted!r}; the workbook has: {have}. "
                    f"Put the case rows on a sheet called {wanted!r}.",
                    code="sheet-missing",
                )
            continue
        shown = safe_text(sheet.name)
        if not sheet.visible:
            problems.append(
                Problem(
                    label,
                    shown,
                    None,
                    "the sheet is hidden in Excel; it was read all the same",
                    "sheet-hidden",
                )
            )
        grids[wanted] = SheetGrid(path, shown, sheet.rows, digest, not sheet.visible, label)
        problems.extend(_formula_problems(label, data, sheet.name))
    return grids, problems


def _formula_problems(file: str, data: bytes, sheet: str) -> list[Problem]:
    """Formula cells saved without a result would otherwise read as blank."""
    from audit.names import safe_text
    from audit.read.safety import find_formulas_without_values

    return [
        Problem(
            file,
            safe_text(sheet),
            ref,
            "formula with no stored result (the workbook was never recalculated); "
            "open and save it in Excel, or type the value",
            "formula-no-result",
        )
        for ref in find_formulas_without_values(data, sheet)
    ]


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _check_single_header_row(grid: SheetGrid, header_row: int, known_ids: dict[str, str]) -> None:
    """Headers split over two rows (a merged band above, or criteria one row down) cannot be read safely."""

    def criterion_headers(row: list[Any]) -> int:
        return sum(
            1
            for v in row
            if isinstance(v, str) and (m := _HEADER_ID.match(v.strip())) and m.group(1).upper() in known_ids
        )

    here = criterion_headers(grid.rows[header_row])
    below = criterion_headers(grid.rows[header_row + 1]) if header_row + 1 < len(grid.rows) else 0
    if below > here:
        raise LayoutError(
            f"{grid.name}: {grid.sheet}!A{header_row + 1}: the headers seem to run over two rows: the criterion "
            f"headers are in row {header_row + 2}, below the row with 'Case ID'. Put every header in one row",
            code="header-split",
        )


def find_layout(grid: SheetGrid, framework: Framework) -> Layout:
    """Find the header row (the first with a `Case ID` cell) and map its columns.

    Headers are matched without regard to case and surrounding spaces. A criterion
    column is one whose header starts with a criterion ID and a space. Two columns
    for the same thing are ambiguous, so they stop the sheet (LayoutError).
    """
    header_row = next(
        (i for i, row in enumerate(grid.rows) if any(fold(v) == fold(FIELDS["case_id"]) for v in row)), None
    )
    if header_row is None:
        raise LayoutError(
            f"{grid.name}: sheet {grid.sheet!r} has no header row: expected a cell reading 'Case ID' "
            f"above the case rows (looked at {len(grid.rows)} rows)",
            code="header-missing",
        )
    known_ids = {c.id.upper(): c.id for c in framework.criteria}
    _check_single_header_row(grid, header_row, known_ids)
    known = {**FIELDS, **OPTIONAL_FIELDS, **PRACTICE_FIELDS}
    by_header = {fold(h): k for k, h in known.items()}
    fields: dict[str, int] = {}
    criteria: dict[str, int] = {}
    evidence: dict[str, int] = {}
    free_text: dict[str, int] = {}
    problems: list[Problem] = []
    seen: dict[str, int] = {}

    def claim(key: str, col: int, what: str) -> None:
        # ``what`` names the column by the toolkit's own words, never by the header's text
        if key in seen:
            raise LayoutError(
                f"{grid.name}: {grid.sheet}!{cell_ref(header_row, col)}: {what} repeats "
                f"the column at {cell_ref(header_row, seen[key])}; keep one column for it",
                code="header-repeated",
            )
        seen[key] = col

    for col, raw in enumerate(grid.rows[header_row]):
        header = " ".join(str(raw).split()) if not is_blank(raw) else ""
        ref = cell_ref(header_row, col)
        if not header:
            filled = sum(1 for r in grid.rows[header_row + 1 :] if col < len(r) and not is_blank(r[col]))
            if filled:
                problems.append(
                    Problem(
                        grid.name,
                        grid.sheet,
                        ref,
                        f"column {column_letter(col)} has no header, so its {filled} value(s) were not read; "
                        "give it a header",
                        "column-no-header",
                    )
                )
            continue
        key = by_header.get(fold(header).rstrip("?").rstrip())  # 'What difference did it make?' too
        if key:
            claim(key, col, f"the {known[key]!r} header")
            fields[key] = col
            continue
        ev = _EVIDENCE_HEADER.match(header)
        if ev and ev.group(1).upper() in known_ids:
            cid = known_ids[ev.group(1).upper()]
            claim(f"evidence {cid}", col, f"the evidence header for criterion {cid}")
            evidence[cid] = col
            continue
        m = _HEADER_ID.match(header)
        if m:
            cid = known_ids.get(m.group(1).upper())
            if cid is None:
                problems.append(
                    Problem(
                        grid.name,
                        grid.sheet,
                        ref,
                        "the header starts with what looks like a criterion ID, but not one the framework "
                        f"{framework.id} {framework.version} defines; the column was not scored",
                        "header-criterion-unknown",
                    )
                )
                continue
            claim(cid, col, f"the header for criterion {cid}")
            criteria[cid] = col
            continue
        claim(fold(header), col, "the header")
        free_text[header] = col

    for c in framework.criteria:
        if c.id not in criteria:
            problems.append(
                Problem(
                    grid.name,
                    grid.sheet,
                    cell_ref(header_row, 0),
                    f"no column for criterion {c.id} ({c.label}): expected a header in row {header_row + 1} "
                    f"starting '{c.id} '; its answers count as missing",
                    "criterion-column-missing",
                )
            )
    return Layout(header_row, fields, criteria, free_text, problems, evidence)
