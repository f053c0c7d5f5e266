"""Validation: raw cell grids in, one tidy row per case out, with every problem located.

Nothing is lost and nothing is guessed. Every non-blank row of a Cases sheet
becomes a row of :attr:`AuditData.cases`, either ``scored`` or ``excluded`` with
its reason and cell. Messages describe a bad value (``a number``, ``text that is
not an answer``) rather than repeat it, because reports that quote them may be
published and a stray cell can hold a child's details.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from audit.errors import AuditError, LayoutError, Problem, WorkbookError
from audit.framework import Framework, load_framework
from audit.load import (
    CASES_SHEET,
    MODERATION_SHEET,
    Layout,
    SheetGrid,
    cell_ref,
    expand_inputs,
    find_layout,
    fold,
    is_blank,
    read_sheets,
)
from audit.names import display_name, safe_text, unique_labels
from audit.row_checks import (
    BLANK_FIELDS,
    area_name_problems,
    blank_answer_message,
    blank_field_message,
    blank_problems,
)

INVALID = "Invalid"
SCORED = "scored"
EXCLUDED = "excluded"
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%d.%m.%Y")
_AGENCY_SPLIT = re.compile(r"[,;/\n]+")
_DASHES = re.compile(r"\s*(?:-|–|—|to)\s*")

# Columns of AuditData.cases before the criterion answers.
CASE_COLUMNS = (
    "file",
    "sheet",
    "row",
    "case_id",
    "area",
    "audit_date",
    "age_band",
    "agencies",
    "overall_grade",
    "audit_round",
)
STATUS_COLUMNS = ("status", "reason", "reason_cell", "free_text")


@dataclass
class AuditData:
    """Every case read from one or more workbooks, with the problems found on the way.

    ``cases`` has one row per non-blank row read: the fixed fields, one column
    per criterion ID holding ``Yes``/``Partly``/``No``/``N/A``, ``None`` (blank)
    or ``Invalid``, and ``status`` (``scored`` or ``excluded``) with ``reason``.
    ``failed`` maps a file name to the error that stopped it being read at all.
    ``moderation`` holds the rows of any ``Moderation`` sheets (a second auditor's
    answers for some cases), validated the same way and shaped like ``cases``;
    they are second opinions on cases already counted, never cases of their own.
    """

    framework: Framework
    cases: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    failed: dict[str, AuditError] = field(default_factory=dict)
    identifiers: list[Problem] = field(default_factory=list)
    moderation: pd.DataFrame | None = None
    derived: dict[str, Any] = field(default_factory=dict)  # results worked out from all of it, kept for reuse
    paths: dict[str, str] = field(default_factory=dict)  # file label -> absolute path, for every file read
    run_areas: tuple[str, ...] = ()  # every area of the run, kept in an area's slice so folder names agree
    left_out: dict[str, str] = field(default_factory=dict)  # area -> why it is in no all-area figure (no values)

    @property
    def slugs(self) -> dict[str, str]:
        """Each area's folder name, worked out over every area of the run (see :func:`audit.names.area_slugs`)."""
        from audit.names import area_slugs

        return area_slugs(self.run_areas or self.areas)

    @property
    def scored(self) -> pd.DataFrame:
        return self.cases[self.cases["status"] == SCORED]

    @property
    def excluded(self) -> pd.DataFrame:
        return self.cases[self.cases["status"] == EXCLUDED]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def areas(self) -> list[str]:
        """Area names in the order first met, leaving out rows with no area."""
        return list(dict.fromkeys(a for a in self.cases["area"] if a is not None))

    @property
    def unassigned(self) -> pd.DataFrame:
        """Rows that name no area: they are excluded and belong to no area's report."""
        return self.cases[self.cases["area"].isna()]

    def for_area(self, area: str) -> AuditData:
        """The slice for one area: its rows, and the problems of its rows or of its files."""
        key = fold(area)
        matches = [a for a in self.areas if fold(a) == key]
        if not matches:
            raise AuditError(f"no area called {area!r}; the data has: {', '.join(self.areas) or 'none'}")
        rows = self.cases[self.cases["area"] == matches[0]]
        files = set(rows["file"])
        problems = [
            p
            for p in self.problems
            if p.area == matches[0] or (p.area is None and p.case_id is None and p.file in files)
        ]
        return AuditData(
            self.framework,
            rows.reset_index(drop=True),
            problems,
            {f: h for f, h in self.files.items() if f in files},
            {},
            [p for p in self.identifiers if p.file in files],
            None
            if self.moderation is None
            else self.moderation[self.moderation["area"] == matches[0]].reset_index(drop=True),
            paths={f: p for f, p in self.paths.items() if f in files},
            run_areas=self.run_areas or tuple(self.areas),
        )

    def without_areas(self, left_out: dict[str, str]) -> AuditData:
        """The data less some areas (refused or failed), which then count in no all-area comparison.

        ``left_out`` maps each area to the kind of reason, never a value from its cells.
        """
        if not left_out:
            return self
        keep = ~self.cases["area"].isin(list(left_out))
        files = set(self.cases.loc[keep, "file"])
        moderation = self.moderation
        if moderation is not None:
            moderation = moderation[~moderation["area"].isin(list(left_out))].reset_index(drop=True)
        return AuditData(
            self.framework,
            self.cases[keep].reset_index(drop=True),
            [p for p in self.problems if p.area not in left_out],
            {f: h for f, h in self.files.items() if f in files},
            dict(self.failed),
            [p for p in self.identifiers if p.file in files],
            moderation,
            paths={f: p for f, p in self.paths.items() if f in files},
            run_areas=self.run_areas or tuple(self.areas),
            left_out={**self.left_out, **left_out},
        )

    def exclusions(self) -> list[dict[str, Any]]:
        """Excluded rows as plain records, for summary.json and reports."""
        ex = self.excluded
        return [
            {"case_id": c, "file": f, "cell": f"{s}!{cell}", "reason": r}
            for c, f, s, cell, r in zip(
                ex["case_id"], ex["file"], ex["sheet"], ex["reason_cell"], ex["reason"], strict=True
            )
        ]


def empty_cases(framework: Framework) -> pd.DataFrame:
    return pd.DataFrame(columns=[*CASE_COLUMNS, *framework.criterion_ids, *STATUS_COLUMNS])


def load_audit(
    inputs: str | Path | Iterable[str | Path],
    framework: Framework | str | Path | None = None,
    *,
    password: str | None = None,
    limits: Any = None,
    keep_going: bool = True,
    scan: bool = True,
) -> AuditData:
    """Read and validate workbooks (files or folders of them) into one AuditData.

    With ``keep_going`` a file that cannot be read is recorded in ``failed`` and
    the rest are still read; without it the first such error is raised. With
    ``scan`` every cell is searched for likely personal identifiers, which are
    reported as warnings (never with the value) and listed in ``identifiers``.
    A ``Moderation`` sheet, where a workbook has one, is validated like the Cases
    sheet and kept apart in ``moderation``.
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    records: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []  # moderation rows
    problems: list[Problem] = []
    files: dict[str, str] = {}
    failed: dict[str, AuditError] = {}
    identifiers: list[Problem] = []
    paths: dict[str, str] = {}
    found, empty = expand_inputs(inputs)
    for folder, exc in empty.items():
        if not keep_going:
            raise exc
        failed[display_name(folder)] = exc
    labels = unique_labels(found)
    for path in found:
        label = labels[path]
        try:
            grids, read_problems = read_sheets(
                path, (CASES_SHEET, MODERATION_SHEET), password=password, limits=limits, label=label
            )
            grid = grids[CASES_SHEET]
            layout = find_layout(grid, fw)
        except (WorkbookError, LayoutError) as exc:
            if not keep_going:
                raise
            failed[label] = exc
            continue
        files[label] = grid.sha256
        paths[label] = str(path.resolve())
        problems.extend(read_problems)
        rows, row_problems = validate_sheet(grid, layout, fw)
        records.extend(rows)
        problems.extend(layout.problems)
        problems.extend(row_problems)
        if scan:
            identifiers.extend(identifier_problems(grid, layout))
        if MODERATION_SHEET in grids:
            mod_grid = grids[MODERATION_SHEET]
            mod_layout, mod_rows, mod_problems = validate_moderation(mod_grid, fw)
            second.extend(mod_rows)
            problems.extend(mod_problems)
            if scan and mod_layout is not None:
                identifiers.extend(identifier_problems(mod_grid, mod_layout))
    spelling: dict[str, str] = {}
    problems.extend(_finalise(records, fw, spelling))
    problems.extend(blank_problems(records, SCORED))
    problems.extend(area_name_problems(records))
    moderation = None
    if second:
        problems.extend(
            replace(p, message=p.message.replace("row excluded:", "moderation row left out:", 1))
            for p in _finalise(second, fw, spelling)
        )
        problems.extend(blank_problems(second, SCORED))
        moderation = cases_frame(second, fw)
    problems.extend(identifiers)
    return AuditData(fw, cases_frame(records, fw), problems, files, failed, identifiers, moderation, paths=paths)


def identifier_problems(grid: SheetGrid, layout: Layout) -> list[Problem]:
    """Cells that look like personal data, as warnings that say where and what kind, never the value."""
    from audit.identifiers import scan_cells

    return [
        Problem(grid.name, f.sheet, f.cell, f"possible personal data ({f.kind}): {f.detail}", "warning")
        for f in scan_cells(grid.sheet, grid.rows, layout.header_row)
    ]


def validate_sheet(grid: SheetGrid, layout: Layout, fw: Framework) -> tuple[list[dict[str, Any]], list[Problem]]:
    """One record per non-blank row below the header, and the problems in its cells."""
    problems: list[Problem] = []
    records: list[dict[str, Any]] = []
    f = layout.fields
    default_area = _area_name(grid.file.stem) if "area" not in f else None
    criterion_ids = fw.criterion_ids
    # Auditors write the same few spellings thousands of times: each is folded and looked up once.
    answers: dict[str, str | None] = {}
    agencies: dict[str, str | None] = {}
    age_bands = _lookup(fw.age_bands, normalise=lambda v: _DASHES.sub("-", v))
    grades = _lookup(fw.grades)
    for r in range(layout.header_row + 1, len(grid.rows)):
        row = grid.rows[r]
        if all(is_blank(v) for v in row):
            continue  # an all-blank row is not a case

        def get(col: int | None, _row: list[Any] = row) -> Any:
            return _row[col] if col is not None and col < len(_row) else ""

        case_id = _text_id(get(f.get("case_id")))
        area = _area_name(get(f.get("area"))) if "area" in f else default_area

        def report(
            col: int,
            message: str,
            severity: str = "error",
            _r: int = r,
            _c: str | None = case_id,
            _a: str | None = area,
        ) -> None:
            problems.append(Problem(grid.name, grid.sheet, cell_ref(_r, col), message, severity, _a, _c))

        rec: dict[str, Any] = {
            "file": grid.name,
            "sheet": grid.sheet,
            "row": r + 1,
            "case_id": case_id,
            "area": area,
            "audit_date": _date(get(f.get("audit_date")), f.get("audit_date"), report),
            "age_band": _choice(get(f.get("age_band")), f.get("age_band"), age_bands, "an age band", report),
            "agencies": _agencies(get(f.get("agencies")), f.get("agencies"), fw, report, agencies),
            "overall_grade": _choice(get(f.get("overall_grade")), f.get("overall_grade"), grades, "a grade", report),
            "audit_round": _text_id(get(f.get("audit_round"))) if "audit_round" in f else None,
        }
        blanks: list[tuple[str, str]] = []  # (cell, message): reported later, for rows that are cases
        for name in BLANK_FIELDS:
            if name in f and is_blank(get(f[name])):
                blanks.append((cell_ref(r, f[name]), blank_field_message(name)))
        for cid, col in layout.criteria.items():
            value = get(col)
            if is_blank(value):
                blanks.append((cell_ref(r, col), blank_answer_message(cid)))
            rec[cid] = _answer(value, col, cid, fw, report, answers)
        rec["_blanks"] = blanks
        for cid in criterion_ids:
            rec.setdefault(cid, None)
        rec["free_text"] = {h: str(get(c)).strip() for h, c in layout.free_text.items() if not is_blank(get(c))}
        rec["status"], rec["reason"], rec["reason_cell"] = SCORED, None, None
        rec["_id_cell"] = cell_ref(r, f.get("case_id", 0))
        rec["_area_cell"] = cell_ref(r, f["area"]) if "area" in f else None
        records.append(rec)
    return records, problems


def _finalise(records: list[dict[str, Any]], fw: Framework, spelling: dict[str, str] | None = None) -> list[Problem]:
    """Rules across rows: a case needs an ID, an area, a unique ID in its area and one valid answer.

    A Case ID need only be unique within its audit round, since a later round may
    audit the same case again. ``spelling`` carries area spellings from one sheet to the next.
    The records keep their private keys (``_id_cell``, ``_area_cell``, ``_blanks``) for the
    checks in row_checks.py; :func:`cases_frame` keeps only the standard columns.
    """
    problems: list[Problem] = []

    def exclude(rec: dict[str, Any], reason: str, cell: str) -> None:
        if rec["status"] == EXCLUDED:
            return
        rec.update(status=EXCLUDED, reason=reason, reason_cell=cell)
        problems.append(
            Problem(
                rec["file"],
                rec["sheet"],
                cell,
                f"row excluded: {reason}",
                "error",
                rec["area"],
                rec["case_id"],
            )
        )

    # One spelling per area, so that 'North Vale' and 'north vale ' are one area.
    spelling = {} if spelling is None else spelling
    for rec in records:
        if rec["area"] is not None:
            rec["area"] = spelling.setdefault(fold(rec["area"]), rec["area"])

    for rec in records:
        if rec["case_id"] is None:
            exclude(rec, "the Case ID is blank", rec["_id_cell"])
        elif rec["area"] is None:
            exclude(rec, "the Area is blank, so the case belongs to no area", rec["_area_cell"])

    copies: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        if rec["case_id"] is not None and rec["area"] is not None:
            copies[(fold(rec["area"]), fold(rec["audit_round"] or ""), fold(rec["case_id"]))].append(rec)
    for group in copies.values():
        if len(group) > 1:
            places = ", ".join(f"{g['file']} {g['sheet']}!{g['_id_cell']}" for g in group)
            for rec in group:
                exclude(
                    rec,
                    f"the Case ID appears {len(group)} times in {rec['area']} ({places}); "
                    "every copy is left out until one is removed",
                    rec["_id_cell"],
                )

    valid = set(fw.points)
    for rec in records:
        if not any(rec[cid] in valid for cid in fw.criterion_ids):
            exclude(rec, "no valid answer to any criterion", rec["_id_cell"])
    return problems


def _text(value: Any) -> str | None:
    if is_blank(value):
        return None
    return " ".join(str(value).split())


def _area_name(value: Any) -> str | None:
    """An area name as it is shown everywhere (console, pages, workbooks, JSON): one Unicode form, printable.

    The name comes from a cell or a file name, and is printed on the console and used for
    folders. Composed and decomposed accents (``Caf\u00e9``, ``Cafe\u0301``) are one name (NFC),
    and control or format characters (escape sequences, bidirectional overrides) become U+FFFD,
    so that a name cannot recolour a terminal or reorder what is printed around it.
    """
    text = _text(value)
    return None if text is None else safe_text(unicodedata.normalize("NFC", text), sys.maxsize)


def _text_id(value: Any) -> str | None:
    """Case IDs typed as numbers come back as floats: 101.0 is the ID '101'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return "a date or time"
    return "text that is not one of them"


def _answer(value: Any, col: int, cid: str, fw: Framework, report: Any, seen: dict[str, str | None]) -> str | None:
    if is_blank(value):
        return None
    canon = None
    if isinstance(value, str):
        canon = seen[value] if value in seen else seen.setdefault(value, fw.normalise_answer(value))
    if canon is None:
        report(
            col,
            f"answer to {cid} should be Yes, Partly, No or N/A; found {_describe(value)}. "
            "It is not scored; the rest of the case is",
        )
        return INVALID
    return canon


@dataclass
class _Lookup:
    """The allowed values of a column, by the folded spellings that mean them."""

    allowed: tuple[str, ...]
    by_fold: dict[str, str]
    normalise: Any = None
    seen: dict[str, str | None] = field(default_factory=dict)  # each spelling met, folded once

    def find(self, text: str) -> str | None:
        if text not in self.seen:
            value = self.normalise(text.strip()) if self.normalise else text.strip()
            self.seen[text] = self.by_fold.get(fold(value))
        return self.seen[text]


def _lookup(allowed: tuple[str, ...], normalise: Any = None) -> _Lookup:
    return _Lookup(allowed, {fold(a): a for a in allowed}, normalise)


def _choice(value: Any, col: int | None, lookup: _Lookup, what: str, report: Any) -> str | None:
    if col is None or is_blank(value):
        return None
    hit = lookup.find(value) if isinstance(value, str) else None
    if hit is None:
        report(col, f"expected {what}: one of {', '.join(lookup.allowed)}; found {_describe(value)}", "warning")
    return hit


def _date(value: Any, col: int | None, report: Any) -> dt.date | None:
    if col is None or is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in _DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
            report(
                col,
                "the audit date is typed as text; it was read as day/month/year. Format the cell as a date to be sure",
                "warning",
            )
            return parsed
    report(col, f"expected an audit date; found {_describe(value)}", "warning")
    return None


def _agencies(value: Any, col: int | None, fw: Framework, report: Any, seen: dict[str, str | None]) -> tuple[str, ...]:
    if col is None or is_blank(value):
        return ()
    found: list[str] = []
    unknown = 0
    for part in _AGENCY_SPLIT.split(str(value)):
        if not part.strip():
            continue
        aid = seen[part] if part in seen else seen.setdefault(part, fw.agency_id(part))
        if aid is None:
            unknown += 1
        elif aid not in found:
            found.append(aid)
    if unknown:
        report(
            col,
            f"{unknown} agency name(s) not recognised; expected names such as "
            f"{', '.join(fw.agencies.values())}, separated by commas",
            "warning",
        )
    return tuple(found)


def validate_moderation(grid: SheetGrid, fw: Framework) -> tuple[Layout | None, list[dict[str, Any]], list[Problem]]:
    """A Moderation sheet's layout, rows and problems, checked like the Cases sheet's.

    A moderation sheet without a usable header is reported as a problem rather
    than failing the workbook, since the cases themselves can still be scored.
    """
    try:
        layout = find_layout(grid, fw)
    except LayoutError as exc:
        return None, [], [Problem(grid.name, grid.sheet, None, f"the moderation sheet was not read: {exc}")]
    rows, row_problems = validate_sheet(grid, layout, fw)
    return layout, rows, [*layout.problems, *row_problems]


def cases_frame(records: list[dict[str, Any]], fw: Framework) -> pd.DataFrame:
    """Validated records as a cases frame with the standard columns (empty when there are none)."""
    if not records:
        return empty_cases(fw)
    # object columns throughout: pandas would otherwise infer string columns and turn None into NaN
    columns = list(empty_cases(fw).columns)
    return pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns})


PREPARED_SUFFIX = ".audit.pickle"


def save_prepared(data: AuditData, path: Path) -> Path:
    """Keep validated data for the report kernels of one batch, so no kernel reads the workbooks again.

    A pickle, because it is written and read by this toolkit within one run, in a
    folder the batch made for itself; it is never read from a user's input. It
    holds every case, so it is readable by its owner only (mode 0600 from the start).
    """
    import pickle

    from audit.restricted import open_file

    with open_file(path) as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def open_audit(
    source: str | Path | Iterable[str | Path],
    criteria: str | Path | None = None,
    prepared: str | Path | None = None,
) -> AuditData:
    """The data a report notebook works from: the batch's prepared copy if given, else the workbooks read afresh."""
    if prepared is None:
        return load_audit(source, criteria, scan=False)
    import pickle

    path = Path(prepared)
    if not path.name.endswith(PREPARED_SUFFIX):
        raise AuditError(f"{path.name}: not a prepared data file (expected a name ending {PREPARED_SUFFIX})")
    with open(path, "rb") as fh:
        data = pickle.load(fh)
    if not isinstance(data, AuditData):
        raise AuditError(f"{path.name}: does not hold prepared audit data")
    return data
