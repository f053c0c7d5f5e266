"""Messages describe cells and never repeat them: a cell may hold a child's details.

Every kind of cell of some badly made workbooks holds a marker string; whatever
`audit validate` says about them, in text or JSON, no marker may appear. Area
names are the one exception: reports are titled with them, so they may be shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from audit.cli import main
from tests.conftest import header_for

MARK = "MKR"  # forbidden in any output
AREA = "Areamark Vale"  # an area name: may be shown
TYPO_AREA = "Areamark Vail"


def _criteria(framework, answer="Yes") -> list:
    return [answer] * len(framework.criteria)


def _sheet(ws, header: list, rows: list[list], title: str | None = None) -> None:
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)


def _faulty(tmp_path: Path, framework) -> list[Path]:
    extra = ("Audit round", f"{MARK}FREE notes", "Child name")
    header = [*header_for(framework, extra), f"Z9 {MARK}HDR", None]
    n = len(framework.criteria)

    def row(cid, area=AREA, date=dt.date(2025, 3, 1), age="3-7", agencies="Police", grade="Good", answers=None):
        free = [f"{MARK}ROUND", f"{MARK}TEXT {MARK.lower()}mail@example.org", f"{MARK}NAME"]
        return [
            cid,
            area,
            date,
            age,
            agencies,
            grade,
            *free,
            *(answers or _criteria(framework)),
            f"{MARK}Z9",
            f"{MARK}NOHDR",
        ]

    bad_answers = _criteria(framework)
    bad_answers[0] = f"{MARK}ANS"
    bad_answers[1] = None  # blank
    rows = [row(f"{MARK}ID{i:02}") for i in range(12)]
    rows += [
        row(f"{MARK}ID01"),  # a duplicate Case ID
        row(
            f"{MARK}ID20",
            date=f"{MARK}DATE",
            age=f"{MARK}AGE",
            agencies=f"{MARK}AG, Police",
            grade=f"{MARK}GRADE",
            answers=bad_answers,
        ),
        row(f"{MARK}ID21", date=None, age=None, agencies=None),
        row(None),  # no Case ID
        row(f"{MARK}ID22", area=None),  # no area
        row(f"{MARK}ID23", answers=[None] * n),  # no answer at all
        row(f"{MARK}ID24", area=TYPO_AREA),  # a likely typo
        row(f"943 476 5919 {MARK}"),  # looks like an NHS number
        row(f"{MARK}ID25", date="03/04/2025"),  # a date typed as text
    ]
    wb = openpyxl.Workbook()
    _sheet(wb.active, header, rows, title=f"{MARK}TITLE")
    wb.active.title = "Cases"
    mod = wb.create_sheet("Moderation")
    mod_rows = [row(f"{MARK}ID01"), row(f"{MARK}ID01"), row(f"{MARK}ID02", answers=bad_answers), row(f"{MARK}ID99")]
    _sheet(mod, [*header[:-2], f"Q7 {MARK}MODHDR"], mod_rows)
    faults = tmp_path / "faults.xlsx"
    wb.save(faults)

    # Headers that stop a sheet: a repeated free-text header on Cases, a repeated criterion on Moderation.
    wb = openpyxl.Workbook()
    _sheet(wb.active, [*header_for(framework), f"{MARK}DUP", f"{MARK}DUP"], [row(f"{MARK}ID30")[: 6 + n]])
    wb.active.title = "Cases"
    repeated = tmp_path / "repeated.xlsx"
    wb.save(repeated)

    wb = openpyxl.Workbook()
    cases = header_for(framework)
    good = [f"{MARK}ID40", AREA, dt.date(2025, 3, 1), "3-7", "Police", "Good", *_criteria(framework)]
    _sheet(wb.active, cases, [good])
    wb.active.title = "Cases"
    _sheet(wb.create_sheet("Moderation"), [*cases, f"V1 {MARK}AGAIN"], [])
    _sheet(wb.create_sheet("Notes"), ["Case ID", f"{MARK}NOTES"], [[f"{MARK}ID41", f"{MARK}X"]])
    moderation = tmp_path / "moderation.xlsx"
    wb.save(moderation)
    return [faults, repeated, moderation]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_cell_value_in_any_message(tmp_path, framework, fmt):
    paths = _faulty(tmp_path, framework)
    result = CliRunner().invoke(main, ["validate", *map(str, paths), "--format", fmt])
    assert result.exit_code == 1, result.output
    out = result.output
    # the faults were all found ...
    for expected in (
        "appears 2 times in Areamark Vale",
        "the header starts with what looks like a criterion ID",
        "has no header, so its",
        "answer to I1 should be Yes, Partly, No or N/A",
        "expected an audit date",
        "expected an age band",
        "agency name(s) not recognised",
        "expected a grade",
        "blank answer to I2",
        "blank Audit date",
        "the Case ID is blank",
        "the Area is blank",
        "no valid answer to any criterion",
        "typed as text",
        "possible personal data (NHS number)",
        "possible personal data (email address)",
        "possible personal data (name column)",
        "'Areamark Vail' (1 row) is very like 'Areamark Vale'",
        "repeated.xlsx: Cases!",
        "moderation sheet was not read",
        "moderation row left out",
    ):
        assert expected in out, expected
    # ... and not one cell's value was repeated
    assert MARK.casefold() not in out.casefold()
