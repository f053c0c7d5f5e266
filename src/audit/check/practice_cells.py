"""A case's optional practice columns: evidence, the difference the work made, learning themes, escalation.

Free text (evidence, impact, good practice, the escalation note) is kept as typed, in the
``free_...`` columns of the cases frame, with the cell it came from in ``text_cells`` so a
later stage can find what the personal-data scan said about it. It is never quoted in a
message. Learning themes are checked against the framework's ``learning_themes`` list and
``Escalated`` against Yes/No; each problem is located by cell and never repeats the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from audit.check.audit_data import evidence_column
from audit.check.cell_values import Lookup, describe, make_lookup
from audit.framework.model import Framework
from audit.read.load import PRACTICE_FIELDS, Layout, cell_ref, is_blank

# Free-text columns of the Cases sheet, by field name: the cases column they are kept in.
FREE_FIELDS = {
    "impact": "free_impact",
    "good_practice": "free_good_practice",
    "escalation_note": "free_escalation_note",
}
THEME_SEPARATOR = ";"
_YES_NO = make_lookup(("Yes", "No"))
_YES_NO_SPELLINGS = {"y": "Yes", "n": "No", "true": "Yes", "false": "No"}


def yes_no(value: Any) -> bool | None:
    """True for Yes, False for No (either typed, a Y or N, or a true/false cell), None for anything else."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    hit = _YES_NO.find(value) or _YES_NO_SPELLINGS.get(value.strip().casefold())
    return None if hit is None else hit == "Yes"


def free_text(value: Any) -> str:
    """A free-text cell as text: numbers and dates typed there are kept as the text they show.

    The text may be shown in a page, a workbook or JSON, so nothing in it may act on what
    shows it: invisible format characters (bidirectional overrides, zero-width spaces) are
    dropped, line and paragraph separators become line breaks, and any other control
    character (an escape sequence, a bell) becomes U+FFFD. Tabs and line breaks stay.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text if text.isprintable() else "".join(_shown(ch) for ch in text).strip()


def _shown(ch: str) -> str:
    if ch in "\t\n\r" or ch.isprintable():
        return ch
    kind = unicodedata.category(ch)
    return "" if kind == "Cf" else "\n" if kind in ("Zl", "Zp") else ch if kind == "Zs" else "\ufffd"


def theme_lookup(fw: Framework) -> Lookup:
    return make_lookup(fw.learning_themes)


def read_practice(
    rec: dict[str, Any],
    row: int,
    get: Callable[[int | None], Any],
    layout: Layout,
    fw: Framework,
    report: Callable[..., None],
    themes: Lookup,
) -> None:
    """Fill ``rec`` with the practice columns of one Cases row, reporting bad cells through ``report``."""
    f = layout.fields
    cells: dict[str, str] = {}
    for cid in fw.criterion_ids:
        col = layout.evidence.get(cid)
        value = get(col)
        rec[evidence_column(cid)] = None if col is None or is_blank(value) else free_text(value)
        if rec[evidence_column(cid)] is not None:
            cells[evidence_column(cid)] = cell_ref(row, col)  # type: ignore[arg-type]
    for name, column in FREE_FIELDS.items():
        col = f.get(name)
        value = get(col)
        rec[column] = None if col is None or is_blank(value) else free_text(value)
        if rec[column] is not None:
            cells[column] = cell_ref(row, col)  # type: ignore[arg-type]
    rec["text_cells"] = cells or None
    rec["learning_themes"] = _themes(get(f.get("learning_themes")), f.get("learning_themes"), fw, report, themes)
    rec["escalated"] = _escalated(get(f.get("escalated")), f.get("escalated"), report)
    if rec["escalated"] and rec["free_escalation_note"] is None:
        note = f.get("escalation_note")
        where = "the Escalation note cell is blank" if note is not None else "there is no Escalation note column"
        report(
            note if note is not None else f["escalated"],
            f"Escalated is Yes but {where}: record who was told and when",
            code="escalation-note-blank",
        )
    rec["first_answers"] = None


def _themes(value: Any, col: int | None, fw: Framework, report: Callable[..., None], lookup: Lookup) -> tuple[str, ...]:
    if col is None or is_blank(value):
        return ()
    found: list[str] = []
    unknown = 0
    for part in re.split(rf"[{THEME_SEPARATOR}\n]+", free_text(value)):
        if not part.strip():
            continue
        hit = lookup.find(part)
        if hit is None:
            unknown += 1
        elif hit not in found:
            found.append(hit)
    if unknown:
        listed = ", ".join(fw.learning_themes) if fw.learning_themes else "none: the framework lists no learning themes"
        report(
            col,
            f"{unknown} learning theme(s) not in the framework's list ({listed}); separate themes with "
            f"'{THEME_SEPARATOR}'. Any others in the cell are counted",
            code="learning-theme-unknown",
        )
    return tuple(found)


def _escalated(value: Any, col: int | None, report: Callable[..., None]) -> bool | None:
    if col is None or is_blank(value):
        return None
    answer = yes_no(value)
    if answer is None:
        report(col, f"Escalated should be Yes or No; found {describe(value)}", code="escalated-invalid")
    return answer


__all__ = ["FREE_FIELDS", "PRACTICE_FIELDS", "THEME_SEPARATOR", "read_practice", "theme_lookup", "yes_no"]
