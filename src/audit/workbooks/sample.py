"""Deterministic synthetic audit data for sample_data/, tests and benchmarks: the workbooks.

Everything here is invented: the area names are made-up compounds, case IDs are
plainly synthetic (``AV-0001``) and comments are stock phrases with no people,
places or identifiers. The cases themselves are made in ``synthetic``; this
module writes them to audit workbooks. The same arguments always give the same data.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from audit.framework.model import Framework

# The synthetic cases; public names also importable from here, as callers import them.
from audit.workbooks.synthetic import (  # noqa: F401
    AGE_WEIGHTS,
    AREAS,
    BASE_RATES,
    COMMENTS,
    DEFAULT_RATES,
    MESS_SYNONYMS,
    _mess_spellings,
    _messy,
    _rng,
    area_code,
    area_profile,
    generate_cases,
    generate_national,
    moderation_frame,
    slug,
)
from audit.workbooks.template import (
    CASES_SHEET,
    DATE_FORMAT,
    FIRST_DATA_ROW,
    case_columns,
    save_stable,
    write_cases_header,
    write_instructions_sheet,
)
from audit.xlsx_text import put

MODERATION_SHEET = "Moderation"


INVALID_ANSWER = "Unsure"


def _frames(frames: pd.DataFrame | Mapping[str, pd.DataFrame] | Iterable[pd.DataFrame]) -> pd.DataFrame:
    if isinstance(frames, pd.DataFrame):
        return frames.reset_index(drop=True)
    if isinstance(frames, Mapping):
        frames = list(frames.values())
    return pd.concat(list(frames), ignore_index=True)


def _cell_value(value: object) -> object:
    """A frame value as an openpyxl cell value (dates as dates, missing as empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_cases_rows(
    ws: Worksheet,
    frame: pd.DataFrame,
    framework: Framework,
    columns: Sequence[str],
    mess: bool,
    invalid_answers: int,
    rng: np.random.Generator,
) -> None:
    """Write case rows from FIRST_DATA_ROW, adding mess if asked."""
    headers = [c.header for c in framework.criteria]
    rows = [[_cell_value(frame.at[i, col]) if col in frame else None for col in columns] for i in frame.index]
    ans_idx = [columns.index(h) for h in headers]
    if mess:
        spellings = _mess_spellings(framework)
        for row in rows:
            for j in ans_idx:
                if isinstance(row[j], str):
                    row[j] = _messy(row[j], spellings, rng)
        # Invalid answers go on distinct answered cells, chosen by the seed.
        cells = [(r, j) for r in range(len(rows)) for j in ans_idx if rows[r][j] is not None]
        picks = rng.choice(len(cells), size=min(invalid_answers, len(cells)), replace=False)
        for k in sorted(int(p) for p in picks):
            r, j = cells[k]
            rows[r][j] = INVALID_ANSWER
        blank_at = len(rows) // 2 if len(rows) >= 2 else None
    else:
        blank_at = None
    date_col = columns.index("Audit date") + 1
    r = FIRST_DATA_ROW
    for i, row in enumerate(rows):
        if i == blank_at:
            r += 1  # one fully blank row, as when an auditor deletes a case's contents
        for j, v in enumerate(row, start=1):
            if v is not None:
                put(ws, r, j, v)
        ws.cell(r, date_col).number_format = DATE_FORMAT
        r += 1


def write_workbook(
    path: str | Path,
    frames: pd.DataFrame | Mapping[str, pd.DataFrame] | Iterable[pd.DataFrame],
    framework: Framework,
    mess: bool = False,
    seed: int = 0,
    title: str | None = None,
    *,
    invalid_answers: int = 1,
    moderation: pd.DataFrame | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write cases to an audit workbook (Cases sheet, header on row 3, plus Instructions).

    ``frames`` is one frame or several (a dict by area, or a list), written in
    order on one Cases sheet. With ``mess`` the answers get synonyms, stray spaces,
    odd case and blanks, one fully blank row goes in the middle, and
    ``invalid_answers`` cells (default one) get an answer the toolkit cannot read.
    ``moderation`` adds a Moderation sheet of the same layout (written without mess).
    ``extra`` adds the optional sheets: ``details`` (field -> value), ``agency``, ``agreed`` and
    ``judgements`` (rows in the columns of :mod:`audit.workbooks.template_sheets`).
    """
    path = Path(path)
    frame = _frames(frames)
    columns = case_columns(framework)
    if title is None:
        areas = ", ".join(dict.fromkeys(str(a) for a in frame["Area"])) if "Area" in frame else ""
        title = f"{framework.title}: {areas} (synthetic data)" if areas else framework.title
    rng = np.random.default_rng([seed, zlib.crc32(b"mess")])
    wb = Workbook()
    ws = wb.active
    ws.title = CASES_SHEET
    write_cases_header(ws, title, columns)
    _write_cases_rows(ws, frame, framework, columns, mess, invalid_answers, rng)
    if moderation is not None:
        mod = wb.create_sheet(MODERATION_SHEET)
        write_cases_header(mod, f"{title}: moderation (second auditor)", columns)
        _write_cases_rows(mod, moderation.reset_index(drop=True), framework, columns, False, 0, rng)
    write_instructions_sheet(wb, framework)
    _write_extra(wb, framework, extra or {})
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(min_row=FIRST_DATA_ROW):
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value) > 30:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    save_stable(wb, path)
    return path


def _write_extra(wb: Workbook, framework: Framework, extra: Mapping[str, Any]) -> None:
    """The optional sheets, each written only when given."""
    from audit.workbooks import template_sheets as sheets

    if "details" in extra:
        sheets.write_audit_details(wb, extra["details"], framework)
    if "agency" in extra:
        sheets.write_case_sheet(wb, sheets.AGENCY_ANSWERS_SHEET, framework, extra["agency"], n_rows=0)
    if "agreed" in extra:
        sheets.write_case_sheet(wb, sheets.AGREED_ANSWERS_SHEET, framework, extra["agreed"], n_rows=0)
    if "judgements" in extra:
        sheets.write_judgements(wb, framework, extra["judgements"], n_rows=0)


# Judgements recorded by two areas' audit panels; each list has one that differs from what the data indicate
# (Amberlow Vale's I5 and Elderwyke Downs' S1), as happens when a panel weighs what the numbers cannot show.
SAMPLE_JUDGEMENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Amberlow Vale": (
        ("V1", "Area for priority action", "Children's experiences were rarely recorded or used to shape plans."),
        ("P2", "Area for priority action", "Plans too often relied on the non-abusing parent to keep children safe."),
        ("I2", "Strength", "Police consistently recorded every child present and what they saw or heard."),
        (
            "I5",
            "Strength",
            "Midwives identified risk to unborn babies early and shared it well; the few cases missed were "
            "followed up by the health visitor.",
        ),
        (
            "Information sharing and joint working",
            "Area for improvement",
            "Information was shared but not always drawn together.",
        ),
    ),
    "Elderwyke Downs": (
        (
            "A2",
            "Area for priority action",
            "Coercive control was seldom recognised or its impact on children considered.",
        ),
        ("I4", "Strength", "Referrals were timely and gave enough information for decisions."),
        (
            "S1",
            "Area for improvement",
            "The multi-agency discussion found information was drawn together in most recent cases, after a new "
            "daily meeting began; the panel judged this improving rather than a priority.",
        ),
        (
            "Perpetrator accountability",
            "Area for improvement",
            "Work with perpetrators was not joined up across agencies.",
        ),
    ),
}
AGREED_AREA, AGREED_CHANGES = "Elderwyke Downs", {"A4": 2, "P4": 1}
AGENCY_AREA = "Fennistow Bay"


def _sample_sheets(
    framework: Framework, frames: Mapping[str, pd.DataFrame], areas: Sequence[str], seed: int
) -> dict[str, Any]:
    """The optional sheets a sample workbook of ``areas`` carries besides Audit details."""
    from audit.workbooks import synthetic_practice as practice

    extra: dict[str, Any] = {}
    for area in areas:
        frame = frames[area]
        if area in SAMPLE_JUDGEMENTS:
            agreed_on = max(d.date() for d in frame["Audit date"])
            extra["judgements"] = practice.judgement_rows(SAMPLE_JUDGEMENTS[area], agreed_on)
        if area == AGREED_AREA:
            extra["agreed"] = practice.agreed_rows(frame, framework, AGREED_CHANGES)
        if area == AGENCY_AREA:
            extra["agency"] = practice.agency_rows(frame, framework, seed)
    return extra


def write_sample_data(out_dir: str | Path, framework: Framework, seed: int = 2025) -> list[Path]:
    """Write the committed sample workbooks: six areas, one shared workbook, all messy.

    Areas get 15 to 40 cases. The third and fourth areas share one workbook; the
    first workbook also has a Moderation sheet. Exactly one answer cell in all the
    files is invalid (in the second area's workbook). Every workbook has evidence,
    practice columns and an Audit details sheet; the first and fourth areas have
    Judgements, the fourth Agreed answers, the sixth Agency answers, and one case of
    the second area is escalated. None of these changes an answer outside the fourth area.
    """
    from audit.workbooks import synthetic_practice as practice

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = _rng(seed, "sample sizes")
    names = list(AREAS)
    frames = {
        a: generate_cases(framework, a, int(n), seed)
        for a, n in zip(names, rng.integers(15, 41, len(names)), strict=True)
    }
    groups = [[names[0]], [names[1]], [names[2], names[3]], [names[4]], [names[5]]]
    selection = ("Random sample", "Purposive", "Random sample", "Selected by inspectors", "All eligible cases")
    audit_type = ("Multi-agency", "Multi-agency", "Multi-agency", "Joint inspection", "Multi-agency")
    paths = []
    for g, areas in enumerate(groups):
        name = "-and-".join(slug(a) for a in areas) + ".xlsx"
        moderation = moderation_frame(frames[areas[0]], framework, 5, seed) if g == 0 else None
        with_practice = {
            a: practice.add_practice(frames[a], framework, seed, escalate=2 if a == names[1] else None) for a in areas
        }
        whole = _frames(frames[a] for a in areas)
        extra: dict[str, Any] = {"details": practice.audit_details(areas, whole, selection[g], audit_type[g])}
        extra.update(_sample_sheets(framework, frames, areas, seed))
        paths.append(
            write_workbook(
                out / name,
                with_practice,
                framework,
                mess=True,
                seed=seed + g,
                invalid_answers=1 if g == 1 else 0,
                moderation=moderation,
                extra=extra,
            )
        )
    return paths


def write_framework_sample(
    out_dir: str | Path, framework: Framework, seed: int = 2025, sizes: tuple[int, int] = (15, 41)
) -> list[Path]:
    """Sample workbooks for three fictional areas of any framework: one workbook each, tidy, with practice columns.

    Each workbook's Audit details name the framework and its version, so it is scored against
    the one it was made for; files are ``<framework id>-<version>-<area>.xlsx``, so samples of several
    frameworks can share a folder. Areas get ``sizes`` cases (from, to exclusive).
    """
    from audit.workbooks import synthetic_practice as practice

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = _rng(seed, "framework sample sizes", framework.id)
    names = list(AREAS)[:3]
    paths = []
    for i, (area, n) in enumerate(zip(names, rng.integers(*sizes, len(names)), strict=True)):
        frame = generate_cases(framework, area, int(n), seed)
        first, last = min(d.date() for d in frame["Audit date"]), max(d.date() for d in frame["Audit date"])
        details = {
            "title": f"{area}: {framework.title} (synthetic data)",
            "reviewed_from": first.replace(day=1) - pd.Timedelta(days=180),
            "reviewed_to": first.replace(day=1),
            "selection": "Random sample",
            "cohort": "Children in the audit's cohort in the period reviewed (synthetic data)",
            "audit_type": "Multi-agency",
            "auditors_agencies": ", ".join(list(framework.agencies.values())[:4]),
            "practitioners_involved": True,
            "families_involved": False,
            "discussion_date": last + pd.Timedelta(days=14),
        }
        with_practice = {area: practice.add_practice(frame, framework, seed)}
        name = f"{framework.id}-{framework.version}-{slug(area)}.xlsx"
        paths.append(write_workbook(out / name, with_practice, framework, seed=seed + i, extra={"details": details}))
    return paths
