"""The optional ``Audit details`` sheet: how the audit was done, one field a row (column A the field, B the value).

One sheet per workbook; a workbook holding several areas applies it to each. Fields are
matched like headers (case and spaces aside); dates are read as dates, choices against
their allowed values, Yes/No as True/False. A bad value is a problem by cell, never quoted,
and the field is then not recorded. Where two workbooks of one area give a field different
values, the first is kept and the other is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.check import cell_values as cv
from audit.check.practice_cells import free_text, yes_no
from audit.errors import Problem
from audit.read.load import SheetGrid, cell_ref, fold, is_blank

# Field name -> the label in column A.
DETAILS_FIELDS: dict[str, str] = {
    "title": "Audit title",
    "reviewed_from": "Practice reviewed from",
    "reviewed_to": "Practice reviewed to",
    "selection": "How cases were selected",
    "cohort": "Cohort",
    "audit_type": "Audit type",
    "auditors_agencies": "Auditors' agencies",
    "practitioners_involved": "Practitioners involved",
    "families_involved": "Families involved",
    "discussion_date": "Multi-agency discussion date",
}
SELECTION_METHODS = ("Random sample", "Purposive", "Selected by inspectors", "All eligible cases", "Other")
AUDIT_TYPES = ("Single-agency", "Multi-agency", "Joint inspection")
CHOICES: dict[str, tuple[str, ...]] = {"selection": SELECTION_METHODS, "audit_type": AUDIT_TYPES}
DATE_FIELDS = ("reviewed_from", "reviewed_to", "discussion_date")
YES_NO_FIELDS = ("practitioners_involved", "families_involved")
# The framework the workbook was made for, written by `audit template` below the fields (read by framework_named).
FRAMEWORK_LABEL, VERSION_LABEL = "Framework", "Framework version"
_FRAMEWORK_ROWS = {fold(FRAMEWORK_LABEL): "id", fold(VERSION_LABEL): "version"}
# A first row that only names the columns is not a field.
_HEADINGS = {"field", "value"}
_BY_LABEL = {fold(label): name for name, label in DETAILS_FIELDS.items()}
_BY_LABEL[fold("Auditors agencies")] = "auditors_agencies"  # typed without the apostrophe


def read_details(grid: SheetGrid) -> tuple[dict[str, Any], list[Problem]]:
    """The fields an Audit details sheet records (field name -> value), and the problems in its cells."""
    problems: list[Problem] = []
    found: dict[str, Any] = {}
    where: dict[str, str] = {}

    for r, row in enumerate(grid.rows):
        label, value = (row[0] if row else ""), (row[1] if len(row) > 1 else "")
        if is_blank(label) and is_blank(value):
            continue
        ref = cell_ref(r, 0)

        def report(col: int, message: str, *, code: str, _r: int = r) -> None:
            problems.append(Problem(grid.name, grid.sheet, cell_ref(_r, col), message, code))

        name = _BY_LABEL.get(fold(label)) if isinstance(label, str) else None
        if name is None:
            if isinstance(label, str) and fold(label) in _HEADINGS and r == 0:
                continue
            if isinstance(label, str) and fold(label) in _FRAMEWORK_ROWS:
                continue  # read by framework_named, before the workbook is validated
            expected = ", ".join(DETAILS_FIELDS.values())
            report(
                0,
                f"not one of the Audit details fields ({expected}); the row was not read",
                code="details-field-unknown",
            )
            continue
        if name in where:
            report(
                0,
                f"{DETAILS_FIELDS[name]} is given again (first at {where[name]}); only the first is read",
                code="details-field-repeated",
            )
            continue
        where[name] = ref
        if is_blank(value):
            continue
        read = _value(name, value, lambda m, code, _r=r: report(1, m, code=code, _r=_r))  # noqa: B023
        if read is not None:
            found[name] = read
    return found, problems


def framework_named(grid: SheetGrid | None) -> dict[str, tuple[str | None, str]]:
    """The ``Framework`` and ``Framework version`` rows of an Audit details sheet: key -> (text or None, cell).

    Keys are ``id`` and ``version``; a row that is absent is not in the result, a blank or
    non-text value is (None, its cell). The first of a repeated row is read, as for the fields.
    """
    found: dict[str, tuple[str | None, str]] = {}
    for r, row in enumerate(grid.rows if grid is not None else []):
        label = row[0] if row else ""
        key = _FRAMEWORK_ROWS.get(fold(label)) if isinstance(label, str) else None
        if key is None or key in found:
            continue
        value = row[1] if len(row) > 1 else ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a version typed as a number, such as 2025.1
        text = " ".join(value.split()) if isinstance(value, str) else ""
        found[key] = (text or None, cell_ref(r, 1))
    return found


def _value(name: str, value: Any, report: Any) -> Any:
    label = DETAILS_FIELDS[name]
    if name in DATE_FIELDS:
        what = label.lower() if "date" in label else f"{label.lower()} date"
        return cv.date(value, 1, lambda _c, m, code: report(m, code=code), what=what)
    if name in CHOICES:
        hit = cv.make_lookup(CHOICES[name]).find(value) if isinstance(value, str) else None
        if hit is None:
            allowed = ", ".join(CHOICES[name])
            report(f"{label} should be one of {allowed}; found {cv.describe(value)}", code="details-value-invalid")
        return hit
    if name in YES_NO_FIELDS:
        answer = yes_no(value)
        if answer is None:
            report(f"{label} should be Yes or No; found {cv.describe(value)}", code="details-value-invalid")
        return answer
    return cv.text(free_text(value))  # a number as the text it shows (12, not 12.0), so it is scanned as typed


def details_by_area(
    per_file: Mapping[str, tuple[str, dict[str, Any]]], areas_of_file: Mapping[str, list[str]]
) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Each area's details from the workbooks that hold its cases; a field two workbooks disagree on is reported.

    ``per_file`` maps a file label to (its sheet's shown name, the fields read there).
    """
    details: dict[str, dict[str, Any]] = {}
    source: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for file, (sheet, fields) in per_file.items():
        for area in areas_of_file.get(file, []):
            mine = details.setdefault(area, {})
            for name, value in fields.items():
                if name not in mine:
                    mine[name] = value
                    source[(area, name)] = file
                elif mine[name] != value:
                    problems.append(
                        Problem(
                            file,
                            sheet,
                            None,
                            f"{DETAILS_FIELDS[name]} differs from the one in {source[(area, name)]} for {area}; "
                            "the first is used",
                            "details-differ",
                            area,
                        )
                    )
    return details, problems
