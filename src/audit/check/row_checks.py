"""Warnings across validated rows: blank cells an auditor should fill, and area names that look mistyped.

Neither changes what is scored. A blank answer stays missing (never No), and a
suspect area stays the area it says; the warnings tell the auditor where to look.
Messages name the column and the cell, never a cell's value; area names may be
shown, since they are what a report is titled with.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any, NamedTuple

from rapidfuzz.distance import Levenshtein

from audit.errors import Problem
from audit.read.load import fold

# Fixed columns whose blank cells are reported, by field name: the header auditors see.
BLANK_FIELDS = {"audit_date": "Audit date", "age_band": "Age band", "agencies": "Agencies involved"}
BLANK_CODES = frozenset({"answer-blank", "field-blank"})

# Area names this close are probably one area typed two ways: at most 2 edits, and at most a fifth of the name.
MAX_EDITS = 2
MAX_EDIT_SHARE = 0.2
# An area with this many rows or fewer, in a workbook whose other areas have at least MANY rows (median), is odd.
FEW = 2
MANY = 10
# Two real areas can have names two letters apart (Herefordshire, Hertfordshire), but each then has a full
# sample; a mistyped name has a few rows beside many. So a close name is odd only with FEW rows or fewer,
# or at most 1/LOPSIDED of the other's.
LOPSIDED = 4
# Words that tell real areas apart (North/South Tyneside, East/West Sussex): a difference in them is no typo.
DISTINGUISHING_WORDS = frozenset(
    (
        *("north", "south", "east", "west", "northern", "southern", "eastern", "western"),
        *("mid", "central", "upper", "lower", "inner", "outer", "greater", "new", "old", "great", "little"),
        *("city", "county"),
    )
)
MAX_CELLS_LISTED = 20


class Blank(NamedTuple):
    """A blank cell of a row, kept until the row is known to be a case."""

    cell: str
    message: str
    code: str
    subject: str  # the criterion ID, or the column's header


def blank_answer(cell: str, criterion_id: str) -> Blank:
    message = f"blank answer to {criterion_id}; use N/A if it does not apply"
    return Blank(cell, message, code="answer-blank", subject=criterion_id)


def blank_field(cell: str, field: str) -> Blank:
    return Blank(cell, f"blank {BLANK_FIELDS[field]}", code="field-blank", subject=BLANK_FIELDS[field])


def blank_subject(problem: Problem) -> str | None:
    """The criterion ID or column a blank-cell warning is about, or None for any other problem."""
    return problem.subject if problem.code in BLANK_CODES else None


def blank_problems(records: Iterable[dict[str, Any]], scored: str) -> list[Problem]:
    """One warning per blank cell noted in ``_blanks`` of each record whose status is ``scored``.

    Rows left out (no Case ID, no valid answer at all) are not cases, so their
    blank cells are not reported one by one; the exclusion says what is wrong.
    """
    out = []
    for rec in records:
        if rec["status"] != scored:
            continue
        out.extend(
            Problem(
                rec["file"], rec["sheet"], b.cell, b.message, b.code, rec["area"], rec["case_id"], subject=b.subject
            )
            for b in rec.get("_blanks", ())
        )
    return out


def _similar(a: str, b: str) -> bool:
    """Two area names that look like one name typed two ways (compared folded)."""
    fa, fb = fold(a), fold(b)
    edits = Levenshtein.distance(fa, fb, score_cutoff=MAX_EDITS + 1)
    if edits > MAX_EDITS or edits > MAX_EDIT_SHARE * max(len(fa), len(fb)):
        return False
    if re.sub(r"\d", "", fa) == re.sub(r"\d", "", fb):
        return False  # 'Area 1' and 'Area 2'
    wa, wb = fa.split(), fb.split()
    if len(wa) == len(wb):
        differ = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
        if differ and all(x in DISTINGUISHING_WORDS and y in DISTINGUISHING_WORDS for x, y in differ):
            return False
    return True


def _cells(rows: Sequence[dict[str, Any]]) -> str:
    cells = [r["_area_cell"] for r in rows if r.get("_area_cell")]
    if not cells:
        return "the area comes from the file's name"
    shown = ", ".join(cells[:MAX_CELLS_LISTED])
    more = len(cells) - MAX_CELLS_LISTED
    return f"the Area cells {shown}" + (f" and {more} more" if more > 0 else "")


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def area_name_problems(records: Sequence[dict[str, Any]]) -> list[Problem]:
    """Warnings for areas that look like a mistyped name of another area.

    An area is odd when its name is within a couple of edits of the name of an
    area in the same run with many more rows, or when it has one or two rows in a
    workbook whose other areas have many. Each warning names
    both areas and lists the Area cells of the odd rows, one warning per sheet.
    """
    by_area: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        if rec["area"] is not None:
            by_area[rec["area"]].append(rec)
    odd: dict[str, tuple[str, str]] = {}  # odd area -> (the sentence that says why, its code)
    for a, b in combinations(by_area, 2):
        small, big = (b, a) if len(by_area[b]) <= len(by_area[a]) else (a, b)
        n_small, n_big = len(by_area[small]), len(by_area[big])
        if (n_small <= FEW or n_small * LOPSIDED <= n_big) and _similar(a, b):
            why = (
                f"the area name {small!r} ({_rows(len(by_area[small]))}) is very like {big!r} "
                f"({_rows(len(by_area[big]))}) in this run"
            )
            code = "area-name-close"
            odd.setdefault(small, (why, code))
    per_file: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in records:
        if rec["area"] is not None and rec.get("_area_cell"):
            per_file[rec["file"]][rec["area"]] += 1
    for counts in per_file.values():
        for area, n in counts.items():
            others = {a: m for a, m in counts.items() if a != area}
            if n > FEW or not others or statistics.median(others.values()) < MANY or area in odd:
                continue
            nearest = max(others, key=lambda o: (Levenshtein.normalized_similarity(fold(area), fold(o)), others[o]))
            why = (
                f"the area {area!r} has only {_rows(n)} in this workbook, where the other areas have "
                f"{min(others.values())} or more; it may be a mistyped {nearest!r}"
            )
            code = "area-rows-few"
            odd[area] = (why, code)
    problems = []
    for area, (why, code) in odd.items():
        by_sheet: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for rec in by_area[area]:
            by_sheet[(rec["file"], rec["sheet"])].append(rec)
        for (file, sheet), rows in by_sheet.items():
            first = next((r["_area_cell"] for r in rows if r.get("_area_cell")), None)
            problems.append(
                Problem(
                    file,
                    sheet,
                    first,
                    f"{why}: check {_cells(rows)} for a typing mistake",
                    code,
                    area,
                )
            )
    return problems


def grouped_lines(problems: Sequence[Problem], limit: int = 10, shown: int = 5) -> list[str]:
    """Console lines: every problem, except that more than ``limit`` blank cells of one column
    of one sheet become one line with their exact count and the first ``shown`` cells."""
    groups: dict[tuple[str, str | None, str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        subject = blank_subject(p)
        if subject is not None and p.cell:
            groups[(p.file, p.sheet, re.sub(r"\d+$", "", p.cell), subject)].append(p)
    big = {id(p) for g in groups.values() if len(g) > limit for p in g}
    lines: list[str] = []
    done: set[tuple[str, str | None, str, str]] = set()
    for p in problems:
        if id(p) not in big:
            lines.append(str(p))
            continue
        subject = blank_subject(p)
        key = (p.file, p.sheet, re.sub(r"\d+$", "", p.cell or ""), subject or "")
        if key in done:
            continue
        done.add(key)
        group = groups[key]
        what = f"blank answers to {subject}" if p.code == "answer-blank" else f"blank {subject} cells"
        cells = ", ".join(g.cell or "" for g in group[:shown])
        lines.append(f"{p.file}: {p.sheet}!{key[2]}: warning: {len(group)} {what} ({cells}, ...)")
    return lines
