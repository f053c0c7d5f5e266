"""Scan "anonymised" audit workbooks for values that look like personal data.

Auditors copy case notes into workbooks by hand, and an NHS number, a postcode or a
child's name slips through more often than anyone would like. This module flags
cells that look like direct identifiers so the workbook can be fixed at source. It
errs towards flagging (a false alarm costs a glance; a leak costs far more), while
staying quiet on what audit workbooks are full of: case IDs such as ``AV-0001``,
dates, age bands such as ``0-2`` and ``13-17``, criterion answers and prose.

A :class:`Finding` says where and what kind, never the value itself, so reports and
logs of findings do not spread the very data they warn about.

Text is normalised before any pattern is tried, since values pasted from case systems,
letters and phones come in many forms: Unicode NFKC (full-width digits and letters,
a full-width ``＠``), every Unicode space character (non-breaking, thin, figure, ideographic)
as one plain space, invisible format characters (zero-width spaces, soft hyphens, direction
marks) dropped, any dash as ``-`` and any decimal digit as an ASCII one. Numbers may then be
grouped with spaces, hyphens, dots or slashes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DOB_COLUMN",
    "EMAIL",
    "KINDS",
    "NAME_COLUMN",
    "NHS_NUMBER",
    "NI_NUMBER",
    "PHONE",
    "POSTCODE",
    "Finding",
    "nhs_number_valid",
    "normalise",
    "scan_cells",
]

NHS_NUMBER = "NHS number"
NI_NUMBER = "National Insurance number"
POSTCODE = "postcode"
PHONE = "phone number"
EMAIL = "email address"
NAME_COLUMN = "name column"
DOB_COLUMN = "date of birth column"
DOB_TEXT = "date of birth"
KINDS = (NHS_NUMBER, NI_NUMBER, POSTCODE, PHONE, EMAIL, NAME_COLUMN, DOB_COLUMN, DOB_TEXT)
# The problem code of each kind (see audit.codes), and back: programs decide by code, never by message.
CODES = {
    NHS_NUMBER: "identifier-nhs-number",
    NI_NUMBER: "identifier-ni-number",
    POSTCODE: "identifier-postcode",
    PHONE: "identifier-phone",
    EMAIL: "identifier-email",
    NAME_COLUMN: "identifier-name-column",
    DOB_COLUMN: "identifier-dob-column",
    DOB_TEXT: "identifier-dob-text",
}
KINDS_BY_CODE = {code: kind for kind, code in CODES.items()}


@dataclass(frozen=True)
class Finding:
    """One cell that looks like personal data. ``detail`` never contains the cell's value."""

    sheet: str
    cell: str
    kind: str
    detail: str


_A = re.ASCII
_I = re.ASCII | re.IGNORECASE

# Between groups of a number or code: nothing, a space, or a hyphen, dot or slash (spaced or not).
_SEP = r"(?: ?[-./] ?| )?"

# 10 digits, optionally grouped 3-3-4; not part of a longer number.
_NHS_RE = re.compile(rf"(?<!\d)(?<!\d[-./])(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{4}})(?!\d)(?![-./]\d)", _A)

# Looser than a validator: any two letters, six digits (optionally in pairs), optional A-D suffix.
_NI_RE = re.compile(rf"\b([A-Z]{{2}})({_SEP})(\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{2}}){_SEP}([A-D]?)\b", _I)

# Outward code (A9, A9A, A99, AA9, AA9A, AA99), optional separator, inward code (9AA).
_POSTCODE_RE = re.compile(rf"\b([A-Z]{{1,2}}\d[A-Z\d]?){_SEP}(\d([A-Z]{{2}}))\b", _I)
# Lower-case "1st", "2nd", "10am"-style inward codes are ordinals and times, not postcodes.
_NOT_INWARD = frozenset({"st", "nd", "rd", "th", "am", "pm"})

# UK numbers: +44 / 0044 (optionally "(0)"), or a leading 0; spaces, hyphens, dots, brackets between digits.
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)44[ .-]?(?:\(0\)[ .-]?)?|\(?0)\d(?:[ ().-]{0,2}\d){8,10}(?!\d)",
    _A,
)
_NON_DIGITS = re.compile(r"\D", _A)
# Two dates side by side ("01.02.2024 12.03") can read as a phone number: a match holding a date is not one.
_DATE_IN_NUMBER = re.compile(r"(?<!\d)\d{1,2}([./-])\d{1,2}\1\d{2,4}(?!\d)", _A)

# Starts only where a local part can start, so a long run of letters is scanned once.
_EMAIL_RE = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", _A)

# A cheap "shape" of a string (digits -> 9, ASCII letters -> a, "-()+" dropped) lets
# substring tests on bytes rule out most text before the slower regexes run.
_SHAPE = bytes(
    ord("9") if chr(b).isdigit() and b < 128 else ord("a") if chr(b).isalpha() and b < 128 else b for b in range(256)
)
_SHAPE_DROP = b"-()+"
# Each pattern's shape, separators included (a superset of what the pattern matches).
# Literal digits first, so the regex engine can skip ahead to them.
_NHS_SHAPE = re.compile(rb"999[ ./]{0,3}999[ ./]{0,3}9999(?!9)")
_NI_DIGITS_SHAPE = re.compile(rb"99[ ./]{0,3}99[ ./]{0,3}99(?!9)")
_NI_LETTERS_BEFORE = re.compile(rb"(?<![a9_])aa[ ./]{0,3}$")
_POSTCODE_SHAPE = re.compile(rb"a9[a9]?[ ./]{0,3}9aa(?!a)")
_PHONE_SHAPE = re.compile(rb"9(?:[ .]{0,2}9){8}")

# Normalisation: invisible format characters, any dash, runs of any Unicode space.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"))
_SPACE_RUN = re.compile(r"\s+")


_CRITERION_HEADER = re.compile(r"^\s*[A-Za-z]+\d+\s")
_DOB_HEADER = re.compile(
    r"\b(?:dob|d\.o\.b|date\s*of\s*birth|birth\s*date|birthdays?|date\s*born)\b",
    _I,
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A date of birth written in a cell's text ("DOB 3 May 2016", "born on 03/05/2016", "date of birth: May 2016").
_DOB_TEXT = re.compile(
    r"\b(?:dob|d\.o\.b|date\s*of\s*birth|birth\s*date|born(?:\s+(?:on|in))?)\b\.?[\s:,-]{0,4}"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?[\s./-]{{0,3}}(?:\d{{1,2}}|{_MONTH})[\s./-]{{0,3}}\d{{2,4}}"
    rf"|{_MONTH}\s+\d{{4}}|(?:19|20)\d{{2}})\b",
    _I,
)
_NAME_HEADER = re.compile(
    r"\b(?:names?|first\s*names?|last\s*names?|forenames?|surnames?|given\s*names?|family\s*names?"
    r"|full\s*names?|mother|father|mum|dad)\b",
    _I,
)
# Names of organisations and things, not people.
_NAME_NOT_PERSON = re.compile(
    r"\b(?:agency|agencies|team|school|organi[sz]ation|service|setting|area|authority|practice|hospital"
    r"|file|sheet|workbook|framework|criteri(?:on|a)|project|site|ward|theme|question|template|column"
    r"|user\s*name|host\s*name|domain)\b",
    _I,
)

_DETAILS = {
    NHS_NUMBER: "a 10-digit number that passes the NHS number checksum; replace it with the case ID",
    NI_NUMBER: "matches the National Insurance number pattern (two letters, six digits)",
    POSTCODE: "matches the UK postcode pattern; record the area, not the address",
    PHONE: "looks like a UK phone number",
    EMAIL: "looks like an email address",
    NAME_COLUMN: "column header suggests people's names; anonymised workbooks should not have one",
    DOB_COLUMN: "column header suggests dates of birth; record an age band instead",
    DOB_TEXT: "text gives a date of birth; record an age band instead",
}
_NUMERIC_PHONE_DETAIL = "a 10-digit number that looks like a UK phone number stored without its leading 0"
_NUMERIC_NHS_DETAIL = (
    "a 10-digit number (stored as a number) that passes the NHS number checksum; replace it with the case ID"
)

_NHS_WEIGHTS = tuple(range(10, 1, -1))


def nhs_number_valid(digits: str) -> bool:
    """True if ``digits`` is 10 ASCII digits whose last is the NHS modulus-11 check digit.

    Weights 10..2 on the first nine digits; 11 minus the sum mod 11 is the check digit,
    where 11 means 0 and 10 means the number is invalid. Placeholders such as
    0000000000 pass too, and are still worth flagging.
    """
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _NHS_WEIGHTS, strict=False))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _uk_phone(match: str) -> bool:
    """True if a phone-pattern match has the digits of a UK number (10-11 digits, national form)."""
    digits = _NON_DIGITS.sub("", match)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and match.lstrip().startswith("+"):
        digits = digits[2:]
    if not digits.startswith("0"):
        digits = "0" + digits
    return len(digits) in (10, 11) and digits[1] in "123578"


def _count(n: int, kind: str) -> str:
    """The detail for ``n`` matches of ``kind`` in one cell."""
    detail = _DETAILS[kind]
    return detail if n == 1 else f"{n} values in this cell: {detail}"


def normalise(text: str) -> str:
    """Text as the patterns expect it: NFKC, one plain space for any run of spaces, no invisible characters.

    Also any dash as ``-`` and any decimal digit (Arabic-Indic, Devanagari, ...) as ASCII.
    Plain ASCII text with single spaces comes back unchanged, at the cost of two checks.
    """
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_DASHES)
        if not text.isascii():
            text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)
        return _SPACE_RUN.sub(" ", text)
    # ASCII spaces other than " " (tab, newline, ...) are not printable.
    return _SPACE_RUN.sub(" ", text) if "  " in text or not text.isprintable() else text


def _scan_text(raw: str) -> tuple[tuple[str, str], ...]:
    """(kind, detail) pairs for one string value."""
    text = normalise(raw)
    shape = text.encode("ascii", "replace").translate(_SHAPE, _SHAPE_DROP)
    has_at = "@" in text
    if not has_at and b"9" not in shape:
        return ()
    out: list[tuple[str, str]] = []
    if has_at:
        n = sum(1 for m in _EMAIL_RE.finditer(text) if _plausible_email(m.group()))
        if n:
            out.append((EMAIL, _count(n, EMAIL)))
    if _NHS_SHAPE.search(shape):
        n = sum(1 for m in _NHS_RE.finditer(text) if nhs_number_valid("".join(m.groups())))
        if n:
            out.append((NHS_NUMBER, _count(n, NHS_NUMBER)))
    if _ni_shape(shape):
        n = sum(1 for m in _NI_RE.finditer(text) if _plausible_ni(m))
        if n:
            out.append((NI_NUMBER, _count(n, NI_NUMBER)))
    if _POSTCODE_SHAPE.search(shape):
        n = sum(1 for m in _POSTCODE_RE.finditer(text) if m.group(3) not in _NOT_INWARD)
        if n:
            out.append((POSTCODE, _count(n, POSTCODE)))
    if _PHONE_SHAPE.search(shape):
        n = sum(1 for m in _PHONE_RE.finditer(text) if _uk_phone(m.group()) and not _DATE_IN_NUMBER.search(m.group()))
        if n:
            out.append((PHONE, _count(n, PHONE)))
    if ("b" in text or "B" in text) and _DOB_TEXT.search(text):  # every marker of a birth date has a b
        out.append((DOB_TEXT, _DETAILS[DOB_TEXT]))
    return tuple(out)


def scan_text(text: str) -> tuple[str, ...]:
    """The kinds of personal data one text looks like it holds (empty when none), as :func:`scan_cells` finds them."""
    return tuple(kind for kind, _ in _scan_text(text)) if text else ()


def _ni_shape(shape: bytes) -> bool:
    """Cheap test: two letters (starting a word), then six digits, grouped or not."""
    for m in _NI_DIGITS_SHAPE.finditer(shape):
        if _NI_LETTERS_BEFORE.search(shape, max(0, m.start() - 6), m.start()):
            return True
    return False


def _plausible_ni(match: re.Match[str]) -> bool:
    """Skip lower-case prose like "on 12 03 24" (a date) and case IDs like "AV-123456".

    Keep "QQ 12 34 56", "qq123456", "qq 12 34 56 c", "QQ-12-34-56-C".
    """
    letters, separator, digits, suffix = match.groups()
    if "-" in separator and digits.isdigit() and not suffix:
        return False
    return not separator or letters.isupper() or bool(suffix)


def _plausible_email(candidate: str) -> bool:
    """A domain needs a final label of two or more letters (rules out "a@b.1")."""
    local, _, domain = candidate.rpartition("@")
    tld = domain.rsplit(".", 1)[-1]
    return bool(local.strip(".")) and len(tld) >= 2 and tld.isalpha()


def _scan_number(value: float) -> tuple[tuple[str, str], ...]:
    """(kind, detail) pairs for a numeric cell: a 10-digit integer may be an NHS or phone number."""
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return ()
    n = int(value)
    if n < 10**9 or n >= 10**12:  # counts, scores and date serials are far smaller
        return ()
    digits = str(n)
    if len(digits) == 10:
        if nhs_number_valid(digits):
            return ((NHS_NUMBER, _NUMERIC_NHS_DETAIL),)
        if digits[0] in "12378":
            return ((PHONE, _NUMERIC_PHONE_DETAIL),)
    elif digits.startswith("44") and _uk_phone("+" + digits):  # +44 then 9 or 10 digits
        return ((PHONE, _DETAILS[PHONE]),)
    return ()


def _header_kind(text: str) -> str | None:
    """NAME_COLUMN or DOB_COLUMN if a header cell names such a column, else None."""
    if _CRITERION_HEADER.match(text):
        return None
    if _DOB_HEADER.search(text):
        return DOB_COLUMN
    if _NAME_HEADER.search(text) and not _NAME_NOT_PERSON.search(text):
        return NAME_COLUMN
    return None


def _column_letters(index: int) -> str:
    """0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def scan_cells(
    sheet_name: str,
    rows: Sequence[Sequence[object]],
    header_row_index: int | None = None,
) -> list[Finding]:
    """Findings for cells in a grid of values (row 0 = spreadsheet row 1, column 0 = A).

    ``rows`` is what python-calamine's ``to_python(skip_empty_area=False)`` returns:
    str, float, int, bool, date/datetime/time values and '' for blanks. Text is
    searched for NHS, National Insurance, postcode, phone and email patterns;
    numeric cells holding a 10-digit integer are checked as NHS or phone numbers.
    If ``header_row_index`` is given, header cells in that row naming a column of
    names or dates of birth are reported too (criterion headers such as "V1 Child's
    voice recorded" never are). Findings come in row-major order, at most one per
    kind per cell; ``detail`` never includes the value.
    """
    findings: list[Finding] = []
    cache: dict[str, tuple[tuple[str, str], ...]] = {}
    letters: list[str] = []
    for r, row in enumerate(rows):
        while len(letters) < len(row):
            letters.append(_column_letters(len(letters)))
        is_header = r == header_row_index
        for c, value in enumerate(row):
            if isinstance(value, str):
                if not value:
                    continue
                hits = cache.get(value)
                if hits is None:
                    hits = cache[value] = _scan_text(value)
                if is_header:
                    kind = _header_kind(normalise(value))
                    if kind is not None:
                        hits = ((kind, _DETAILS[kind]), *hits)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                hits = _scan_number(value)
            else:
                continue
            if hits:
                cell = f"{letters[c]}{r + 1}"
                findings.extend(Finding(sheet_name, cell, kind, detail) for kind, detail in hits)
    return findings
