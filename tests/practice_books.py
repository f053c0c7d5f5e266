"""Synthetic workbooks with a marker in every free-text field, for the tests that search outputs for leaks.

Every text an auditor types that the published version must never show holds ``MARK``
(``ZQXMARK-<field>-...``): each ``<ID> evidence`` cell, What difference did it make, Good
practice, the Escalation note, another free-text column (``Auditor comments``), the Audit
round labels, the Case IDs, the Moderation sheet's copies of all of them, the notes columns
of Agency answers, Agreed answers and Audit details, an unknown Audit details field and an
invalid value, an unknown learning theme, and the Judgements sheet's ``Agreed by``.
Judgement reasons are written for publication: they hold ``REASON`` instead, which the
published report may show. Two fictional areas, so that each has others to be compared with.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl

from audit.framework.model import Framework

MARK = "ZQXMARK"
REASON = "ZQXREASON"
AREAS = ("Quillan Marsh", "Rookby Wold")
CASES_PER_AREA = 14
FOUND = re.compile(rf"{MARK}[\w-]*", re.IGNORECASE)
ANSWERS = ("Yes", "Partly", "No")


def case_id(area: str, i: int) -> str:
    return f"{MARK}-id-{area[0]}{i:02d}"


def _answer(cid: str, i: int) -> str:
    if cid == "I3":  # one criterion answered Yes throughout: a strength, whose evidence comes from Yes answers
        return "Yes"
    return ANSWERS[i % 3]


def _cases_header(fw: Framework) -> list[str]:
    header = ["Case ID", "Area", "Audit date", "Age band", "Agencies involved", "Overall grade", "Audit round"]
    header.append("Auditor comments")
    for c in fw.criteria:
        header += [c.header, f"{c.id} evidence"]
    header += ["What difference did it make", "Learning themes", "Good practice", "Escalated", "Escalation note"]
    return header


def _case(fw: Framework, area: str, i: int, text: dict[str, str] | None = None) -> list[Any]:
    """One Cases row; ``text`` overrides a free-text field (by name) with hostile text instead of a marker."""
    text = text or {}
    cid = case_id(area, i)
    later = i > CASES_PER_AREA // 2
    row: list[Any] = [
        cid,
        area,
        dt.date(2025, 3, 1) if later else dt.date(2024, 2, 1),
        ("Unborn", "0-2", "3-7", "8-12", "13-17")[i % 5],
        "Police, Health, Children's social care",
        ("Good", "Requires improvement")[i % 2],
        f"{MARK}-round-{'later' if later else 'earlier'}{text.get('round', '')}",
        text.get("comment", f"{MARK}-comment-{cid}"),
    ]
    for c in fw.criteria:
        row += [_answer(c.id, i), text.get("evidence", f"{MARK}-evidence-{c.id}-{cid}")]
    themes = fw.learning_themes
    row += [
        text.get("impact", f"{MARK}-impact-{cid}"),
        f"{themes[i % len(themes)]}; {MARK}-theme" if themes else f"{MARK}-theme",
        text.get("good_practice", f"{MARK}-goodpractice-{cid}"),
        "Yes" if i <= 7 else "No",  # seven escalated per area: above the smallest count suppression hides
        text.get("escalation_note", f"{MARK}-escalation-{cid}") if i <= 7 else None,
    ]
    return row


def reasons_for(fw: Framework) -> list[list[Any]]:
    """Judgements rows (after the header): a criterion, a theme and a learning theme, each with a clean reason."""
    theme = fw.themes[0]
    rows: list[list[Any]] = [
        ["V1", "Area for priority action", f"{REASON}-V1 the child's voice was seldom recorded"],
        [theme.label, "Area for improvement", f"{REASON}-theme too little was done early"],
        ["I3", "Strength", f"{REASON}-I3 schools were told in time"],
    ]
    if fw.learning_themes:
        rows.append([fw.learning_themes[0], "Area for improvement", f"{REASON}-learning a theme across cases"])
    return [[*r, f"{MARK}-agreedby", dt.date(2025, 4, 1), f"{MARK}-judgementnote"] for r in rows]


def write_marked(
    path: Path,
    fw: Framework,
    *,
    areas: Iterable[str] = AREAS,
    judgements: list[list[Any]] | None = None,
    text: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> Path:
    """Write the marked workbook: ``judgements`` replaces the Judgements rows, ``text`` the Cases free text."""
    areas = tuple(areas)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(_cases_header(fw))
    for area in areas:
        for i in range(1, CASES_PER_AREA + 1):
            ws.append(_case(fw, area, i, text))
    moderation = wb.create_sheet("Moderation")
    moderation.append(_cases_header(fw))
    for area in areas:
        for i in (1, 2, 3):
            moderation.append(_case(fw, area, i, text))

    info = wb.create_sheet("Audit details")
    info.append(["Field", "Value", f"{MARK}-detailsheading"])
    given = {
        "Audit title": "A synthetic audit for the leak tests",
        "Practice reviewed from": dt.date(2024, 1, 1),
        "Practice reviewed to": dt.date(2025, 1, 1),
        "How cases were selected": "Random sample",
        "Cohort": "Children in the synthetic cohort",
        "Audit type": f"{MARK}-audittype",  # not a choice: reported and not recorded
        "Auditors' agencies": "Police, Health",
        "Practitioners involved": "Yes",
        "Families involved": "No",
        "Multi-agency discussion date": dt.date(2025, 4, 1),
        **(details or {}),
    }
    for name, value in given.items():
        info.append([name, value, f"{MARK}-detailsnote"])
    info.append([f"{MARK}-detailsfield", f"{MARK}-detailsvalue"])

    agency = wb.create_sheet("Agency answers")
    agency.append(["Case ID", "Area", "Agency", *(c.header for c in fw.criteria), "Notes"])
    agencies = list(fw.agencies.values())
    for area in areas:
        for i in range(1, CASES_PER_AREA + 1):
            for name in agencies[:2]:
                answers = [_answer(c.id, i + 1) for c in fw.criteria]
                agency.append([case_id(area, i), area, name, *answers, f"{MARK}-agencynote"])

    agreed = wb.create_sheet("Agreed answers")
    agreed.append(["Case ID", "Area", *(c.header for c in fw.criteria), "Notes"])
    for area in areas:
        for i in (1, 2):
            agreed.append([case_id(area, i), area, *(["Yes"] * len(fw.criteria)), f"{MARK}-agreednote"])

    judged = wb.create_sheet("Judgements")
    judged.append(["Criterion or theme", "Judgement", "Reason", "Agreed by", "Date", "Notes"])
    for row in reasons_for(fw) if judgements is None else judgements:
        judged.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# ------------------------------------------------------------------ searching what a run wrote


def file_texts(path: Path) -> Iterable[tuple[str, str]]:
    """(part, text) for every text a file holds: each XML part of a zip (xlsx), else the file decoded."""
    import zipfile

    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                yield f"{path}!{name}", z.read(name).decode("utf-8", errors="replace")
        return
    if path.suffix == ".pdf":
        yield str(path), _pdf_text(path)
    yield str(path), data.decode("utf-8", errors="replace")


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a test dependency where PDFs are made
        return ""
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def markers_in(root: Path, *, skip: Iterable[str] = ()) -> dict[str, set[str]]:
    """Every marker found in every file under ``root`` (folders named in ``skip`` left out), by file part."""
    skipped = set(skip)
    found: dict[str, set[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if skipped & set(path.relative_to(root).parts):
            continue
        for part, text in file_texts(path):
            hits = set(FOUND.findall(text))
            if hits:
                found[part] = hits
    return found
