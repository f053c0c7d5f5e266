"""How far each worksheet of an untrusted workbook reaches, measured before any reader opens it.

python-calamine allocates a sheet's whole used range (rows x columns, counted from A1)
when it reads it, whatever the cells hold: one text cell at ``XFD1048576`` asks for
about 512 GiB and aborts the process, and one at ``CV1048576`` costs about 4 GB and a
minute. So every worksheet's reach is measured from its XML first, streamed in bounded
chunks, and a sheet whose used range would exceed the cell cap is refused.

The ``<dimension ref>`` a sheet declares is not trusted: the reach is the largest of the
dimension, every ``r`` attribute of a ``<row>`` or ``<c>`` element, and the position a
row or cell without ``r`` takes by counting on from the one before. Positions only ever
grow (a reference behind the current one does not pull it back), so the figure is an
upper bound on where any reader can place a cell.

Two scanners give the same answer. Sheets written the plain way (Excel, openpyxl,
xlsxwriter: every ``<c>`` and ``<row>`` starting with an ``r="..."`` attribute, no
comments, CDATA, processing instructions or namespace prefixes) are measured with
byte-level regular expressions, about ten times faster than an XML parser. Anything
else, or anything that does not add up (fewer ``r`` attributes matched than elements
counted), is parsed with expat, and a sheet expat cannot parse is refused.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pyexpat import ExpatError, ParserCreate
from typing import IO

from audit.errors import WorkbookError
from audit.read.sheet_scan import clean, sheet_parts

MAX_COLUMNS_LETTERS = 3  # XFD; longer column references are treated as huge, not parsed
_HUGE = 10**12  # stands for a row or column reference too long to be genuine
_CHUNK = 2**20
_MAX_CARRY = 2**20  # an unfinished tag longer than this sends the sheet to the parser

# Where a worksheet's cells live; parts without it are never read as a sheet.
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s/>]")
_CELL_REF = re.compile(rb'<c r="[A-Z]{1,3}\d{1,7}"')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,7})"')
_ROW_REF = re.compile(rb'<row r="(\d{1,7})"')
_ODD_ROW = re.compile(rb'<row(?:[>/]| (?!r="\d{1,7}"))')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"\s*/>')
_WHITESPACE_TO_SPACE = bytes.maketrans(b"\t\n\r", b"   ")
# Bytes that never occur in a plainly written sheet, each of which could hide where a
# reader puts a cell from the counts below: a cell tag with no attributes, a prefixed cell
# or row tag, an attribute ending in r with a space before its "=", or no space before it.
# (Comments, CDATA and processing instructions need no check: a real tag is counted
# wherever it is, so anything they hold can only make the reach larger.)
_NOT_PLAIN = (b"<c>", b"<c/", b":c ", b":c>", b":c/", b":row", b"r =", b'"r=', b"'r=")


@dataclass
class Reach:
    """The furthest row and column (1-based) a sheet's cells or declared dimension reach."""

    rows: int = 0
    columns: int = 0

    @property
    def cells(self) -> int:
        """The used range from A1, as a reader allocates it."""
        return self.rows * self.columns

    def widen(self, rows: int, columns: int) -> None:
        self.rows = max(self.rows, rows)
        self.columns = max(self.columns, columns)


class SheetXmlError(Exception):
    """The sheet's XML cannot be parsed (or declares a DOCTYPE), so its reach is unknown."""


def column_number(letters: str | bytes) -> int:
    """'A' -> 1, 'XFD' -> 16384; longer than three letters counts as huge."""
    text = letters.decode("ascii") if isinstance(letters, bytes) else letters
    if len(text) > MAX_COLUMNS_LETTERS:
        return _HUGE
    n = 0
    for ch in text.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _row_number(digits: str) -> int:
    """Digits to a row number; too many digits to be genuine counts as huge."""
    return int(digits) if len(digits) <= 9 else _HUGE


def _parse_ref(ref: str) -> tuple[int, int] | None:
    """'B4' -> (4, 2); a reference without digits or letters gives 0 for that part; None if malformed."""
    i = 0
    while i < len(ref) and ref[i].isascii() and ref[i].isalpha():
        i += 1
    letters, digits = ref[:i], ref[i:]
    if digits and not (digits.isascii() and digits.isdigit()):
        return None
    if not letters and not digits:
        return None
    return (_row_number(digits) if digits else 0), (column_number(letters) if letters else 0)


# ----------------------------------------------------------------- fast path


def _fast_reach(chunks: Iterator[bytes]) -> Reach | None:
    """The reach of a plainly written sheet, or None if it is not plain (use the parser)."""
    reach = Reach()
    carry = b""
    prolog = True  # the XML declaration, the one place "<?" may appear, is still to be passed
    for chunk in chunks:
        buf = carry + chunk
        if prolog:
            if buf.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in buf[:256]:
                return None  # UTF-16: only the parser reads it
            buf = buf.removeprefix(b"\xef\xbb\xbf")
            unfinished = (len(buf) < 5 and b"<?xml".startswith(buf)) or (buf.startswith(b"<?xml") and b"?>" not in buf)
            if unfinished:
                if len(buf) > _MAX_CARRY:
                    return None
                carry = buf
                continue
            prolog = False
            if buf.startswith(b"<?xml"):
                buf = buf[buf.index(b"?>") + 2 :]
        cut = buf.rfind(b"<")
        body, carry = (buf[:cut], buf[cut:]) if cut >= 0 else (buf, b"")
        if len(carry) > _MAX_CARRY or not _fast_chunk(body, reach):
            return None
    if carry and not _fast_chunk(carry, reach):
        return None
    return reach


def _fast_chunk(body: bytes, reach: Reach) -> bool:
    """Widen ``reach`` by one run of whole tags; False if the run is not plainly written.

    Every cell and row start tag must begin ``<c r="A1"`` / ``<row r="1"``, and the
    ``r="`` attributes must number exactly one per cell and row (a second r on a tag,
    or one written another way, is not plain). A run in which no cell lies beyond the
    furthest row and column seen so far then costs one search; others are counted out.
    """
    body = body.translate(_WHITESPACE_TO_SPACE)
    if any(marker in body for marker in _NOT_PLAIN):
        return False
    if body.count(b"r=") != body.count(b'r="'):
        return False
    if b":r=" in body and body.count(b":r=") != body.count(b"xmlns:r="):
        return False
    cells = body.count(b"<c ")
    row_refs = _ROW_REF.findall(body)
    if body.count(b' r="') != cells + len(row_refs) or _ODD_ROW.search(body):
        return False
    if row_refs:
        reach.rows = max(reach.rows, _max_number(set(row_refs)))
    if body.count(b'<c r="') != cells:
        return False
    if cells and _cell_beyond(reach.rows, reach.columns).search(body):
        if len(_CELL_REF.findall(body)) != cells:
            return False
        reach.widen(
            _max_number(set(_CELL_ROW.findall(body))),
            max(column_number(c) for c in set(_CELL_COLUMN.findall(body))),
        )
    if b"<dimension" in body:
        found = _DIMENSION.findall(body)
        if len(found) != body.count(b"<dimension"):
            return False
        for c1, r1, c2, r2 in found:
            reach.widen(max(int(r1), int(r2 or 0)), max(column_number(c1), column_number(c2 or b"")))
    return True


def _max_number(digits: set[bytes]) -> int:
    """The largest of some digit strings, compared as numbers."""
    return max(int(d) for d in digits) if digits else 0


def _up_to(value: bytes, cls: bytes, low: int) -> bytes:
    """A pattern for strings of ``cls`` characters ordered no later than ``value`` (shorter, or same length)."""
    alternatives = [re.escape(value)]
    if len(value) > 1:
        alternatives.append(cls + b"{1,%d}" % (len(value) - 1))
    for k, ch in enumerate(value):
        if ch > low:
            alternatives.append(
                re.escape(value[:k]) + b"[%c-%c]" % (low, ch - 1) + (cls + b"{%d}" % (len(value) - k - 1))
            )
    return b"(?:" + b"|".join(alternatives) + b")"


@functools.lru_cache(maxsize=64)
def _cell_beyond(rows: int, columns: int) -> re.Pattern[bytes]:
    """Finds a cell whose reference is not a plain one within ``rows`` and ``columns``.

    Any cell, while nothing has been seen. A row number with leading zeros may be
    found too: the run is then counted out exactly, so it errs only on the safe side.
    """
    if not rows or not columns:
        return re.compile(b'<c r="')
    within = _up_to(column_letters(columns).encode(), b"[A-Z]", ord("A")) + _up_to(str(rows).encode(), rb"\d", ord("0"))
    return re.compile(b'<c r="(?!' + within + b'")')


def column_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ----------------------------------------------------------------- parser


class _ReachScanner:
    """Expat handlers that track the furthest position of any row or cell, as an upper bound."""

    def __init__(self) -> None:
        self.reach = Reach()
        self.row = 0
        self.col = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            col = self.col + 1
            for key, value in attrs.items():
                if key.rpartition(":")[2] == "r" and (ref := _parse_ref(value)) is not None:
                    self.row = max(self.row, ref[0])
                    col = max(col, ref[1])
            self.col = col
            self.reach.widen(max(self.row, 1), col)
        elif tag == "row":
            row = self.row + 1
            for key, value in attrs.items():
                if key.rpartition(":")[2] == "r" and value.isascii() and value.isdigit():
                    row = max(row, _row_number(value))
            self.row = row
            self.col = 0
            self.reach.rows = max(self.reach.rows, row)
        elif tag == "dimension":
            for part in attrs.get("ref", "").split(":"):
                if (ref := _parse_ref(part.replace("$", ""))) is not None:
                    self.reach.widen(*ref)

    @staticmethod
    def refuse_dtd(*_args: object) -> None:
        raise SheetXmlError("it contains an XML DOCTYPE/entity declaration")


def _parsed_reach(chunks: Iterator[bytes]) -> Reach:
    scanner = _ReachScanner()
    parser = ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = scanner.start
    parser.StartDoctypeDeclHandler = scanner.refuse_dtd
    parser.EntityDeclHandler = scanner.refuse_dtd
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except ExpatError as exc:
        raise SheetXmlError(f"its XML is malformed ({exc})") from None
    return scanner.reach


# ----------------------------------------------------------------- entry points


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def is_sheet_like(stream: IO[bytes]) -> bool:
    """True if a part could be read as a worksheet: it has ``<sheetData>``, or is UTF-16 (checked by parsing)."""
    tail = b""
    first = True
    for chunk in _chunks(stream):
        if first:
            first = False
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:256]:
                return True
        buf = tail + chunk
        if _SHEET_DATA.search(buf):
            return True
        tail = buf[-64:]
    return False


def sheet_reach(open_stream: Callable[[], IO[bytes]]) -> Reach:
    """The reach of one worksheet part; ``open_stream`` opens its XML afresh (it may be read twice).

    Raises SheetXmlError if the XML cannot be parsed.
    """
    with open_stream() as stream:
        reach = _fast_reach(_chunks(stream))
    if reach is not None:
        return reach
    with open_stream() as stream:
        return _parsed_reach(_chunks(stream))


def check_sheet_bounds(zf: zipfile.ZipFile, label: str, max_cells: int) -> None:
    """Refuse a workbook any of whose worksheets reaches over ``max_cells`` cells from A1.

    Every part that could be read as a worksheet is measured, whether or not the
    workbook lists it, so a reader following other relationships is covered too.
    Sheets are named as the workbook names them (else by part). Run after the zip
    checks, which bound each part's expanded size. Raises WorkbookError.
    """
    names = _sheet_names(zf)
    for info in zf.infolist():
        if info.is_dir():
            continue
        with zf.open(info) as stream:
            if not is_sheet_like(stream):
                continue
        name = names.get(info.filename)
        where = f"sheet {clean(name, 60)!r}" if name is not None else f"part {clean(info.filename)}"
        try:
            reach = sheet_reach(lambda info=info: zf.open(info))
        except SheetXmlError as problem:
            raise WorkbookError(
                f"{label}: {where}: {problem}, so how far it reaches cannot be checked; refusing it. "
                "Ask the sender to save it again from Excel as .xlsx and send it again.",
                code="sheet-reach-unchecked",
            ) from None
        if reach.cells > max_cells:
            raise WorkbookError(
                f"{label}: {where} reaches row {reach.rows:,} and column {_column_name(reach.columns)}, "
                f"a used range of {reach.cells:,} cells, over the limit of {max_cells:,}; refusing it "
                "(reading it would exhaust memory). Usually a stray value or formatting far from the "
                "data: delete the rows and columns beyond the data, save, and send it again. If the "
                "sheet really is that large, raise the limit (--max-sheet-cells).",
                code="sheet-too-large",
            )


def _column_name(columns: int) -> str:
    return column_letters(columns) if columns < _HUGE else "beyond XFD"


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Zip part -> sheet name, as far as the workbook's relationships can be followed."""
    try:
        return {part: name for name, part in sheet_parts(zf) if part is not None}
    except Exception:  # names only make the message clearer; a broken workbook.xml fails later, clearly
        return {}
