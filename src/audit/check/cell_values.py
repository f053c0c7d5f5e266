"""One cell's value read as what its column holds: an answer, a date, an age band, a grade, agencies.

Each function takes the raw value and a ``report(col, message, code=...)`` callback, and
returns the value read (or None). Messages describe a bad value (``a number``, ``text
that is not one of them``) rather than repeat it: a stray cell can hold a child's details.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from audit.check.audit_data import INVALID
from audit.framework.model import Framework
from audit.read.load import fold, is_blank

_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%d.%m.%Y")
_AGENCY_SPLIT = re.compile(r"[,;/\n]+")
DASHES = re.compile(r"\s*(?:-|–|—|to)\s*")


def text(value: Any) -> str | None:
    if is_blank(value):
        return None
    return " ".join(str(value).split())


def area_name(value: Any) -> str | None:
    """An area name as it is shown everywhere (console, pages, workbooks, JSON): one Unicode form, printable.

    The name comes from a cell or a file name, and is printed on the console and used for
    folders. Composed and decomposed accents (``Caf\u00e9``, ``Cafe\u0301``) are one name (NFC),
    and control or format characters (escape sequences, bidirectional overrides) become U+FFFD,
    so that a name cannot recolour a terminal or reorder what is printed around it.
    """
    from audit.names import safe_text

    shown = text(value)
    return None if shown is None else safe_text(unicodedata.normalize("NFC", shown), sys.maxsize)


def text_id(value: Any) -> str | None:
    """Case IDs typed as numbers come back as floats: 101.0 is the ID '101'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text(value)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return "a date or time"
    return "text that is not one of them"


def answer(value: Any, col: int, cid: str, fw: Framework, report: Any, seen: dict[str, str | None]) -> str | None:
    if is_blank(value):
        return None
    canon = None
    if isinstance(value, str):
        canon = seen[value] if value in seen else seen.setdefault(value, fw.normalise_answer(value))
    if canon is None:
        report(
            col,
            f"answer to {cid} should be Yes, Partly, No or N/A; found {describe(value)}. "
            "It is not scored; the rest of the case is",
            code="answer-invalid",
        )
        return INVALID
    return canon


@dataclass
class Lookup:
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


def make_lookup(allowed: tuple[str, ...], normalise: Any = None) -> Lookup:
    return Lookup(allowed, {fold(a): a for a in allowed}, normalise)


def choice(value: Any, col: int | None, lookup: Lookup, what: str, report: Any, *, code: str) -> str | None:
    if col is None or is_blank(value):
        return None
    hit = lookup.find(value) if isinstance(value, str) else None
    if hit is None:
        report(col, f"expected {what}: one of {', '.join(lookup.allowed)}; found {describe(value)}", code=code)
    return hit


def date(value: Any, col: int | None, report: Any, what: str = "audit date") -> dt.date | None:
    """A date cell (``what`` names it in messages); text in a day/month/year form is read, with a warning."""
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
                f"the {what} is typed as text; it was read as day/month/year. Format the cell as a date to be sure",
                code="date-as-text",
            )
            return parsed
    report(col, f"expected {'an' if what[0] in 'aeiou' else 'a'} {what}; found {describe(value)}", code="date-invalid")
    return None


def agencies(
    value: Any, col: int | None, fw: Framework, report: Any, seen: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    if col is None or is_blank(value):
        return ()
    found: list[str] = []
    unknown = 0
    for part in _AGENCY_SPLIT.split(str(value)):
        if not part.strip():
            continue
        # A name may stand for several agencies (an old workbook's "Health" for each health service).
        aids = seen[part] if part in seen else seen.setdefault(part, fw.agency_ids(part))
        if not aids:
            unknown += 1
        found.extend(aid for aid in aids if aid not in found)
    if unknown:
        report(
            col,
            f"{unknown} agency name(s) not recognised; expected names such as "
            f"{', '.join(fw.agencies.values())}, separated by commas",
            code="agency-unknown",
        )
    return tuple(found)
