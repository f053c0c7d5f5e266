"""Reading worksheet parts of a workbook that has passed the safety checks, without a spreadsheet library.

Two scans the toolkit makes of the raw sheet XML: which zip part holds each named
sheet (following the workbook's relationships, as readers do), and which formula
cells were saved without a stored result. openpyxl and calamine read such a cell as
blank, which would silently turn an answer into "not answered". Sheets are streamed
through expat, so memory stays flat however large they are.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pyexpat import ExpatError, ParserCreate
from typing import IO, Any, BinaryIO

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from audit.errors import LayoutError, WorkbookError

__all__ = ["clean", "find_formulas_without_values", "sheet_parts"]

_READ_CHUNK = 256 * 1024
_OUT_CHUNK = 2**20
_RESAVE = "Ask the sender to save it again from Excel as .xlsx and send it again."


def clean(text: object, limit: int = 120) -> str:
    """Make attacker-controlled text (part and sheet names, library messages) safe to print."""
    s = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return s if len(s) <= limit else s[: limit - 3] + "..."


class _DoctypeFound(Exception):
    """Internal: a sheet declares a DOCTYPE or entity; raised from expat handlers."""


def _local(tag: object) -> str:
    """An XML tag without its namespace."""
    s = str(tag)
    return s.rsplit("}", 1)[-1]


def _iterparse(stream: IO[bytes], events: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """defusedxml's streaming parser, refusing any DTD."""
    return SafeET.iterparse(stream, events=events, forbid_dtd=True)


def _read_rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship Id -> (Type, resolved target part) for a package part."""
    base = posixpath.dirname(part)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(part) + ".rels")
    if rels_name not in zf.NameToInfo:
        return {}
    rels: dict[str, tuple[str, str]] = {}
    with zf.open(rels_name) as fh:
        for _event, elem in _iterparse(fh, ("end",)):
            if _local(elem.tag) == "Relationship" and elem.get("TargetMode") != "External":
                target = elem.get("Target") or ""
                resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
                rels[elem.get("Id") or ""] = (elem.get("Type") or "", posixpath.normpath(resolved))
            elem.clear()
    return rels


def sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str | None]]:
    """Each sheet the workbook lists, in order, with the zip part holding it (None if missing).

    Follows the package and workbook relationships, as readers do. Run the safety
    checks first: the XML parser used here refuses DTDs but trusts sizes.
    """
    workbook = "xl/workbook.xml"
    for rel_type, target in _read_rels(zf, "").values():
        if rel_type.endswith("/officeDocument"):
            workbook = target
    sheets: list[tuple[str, str]] = []
    with zf.open(workbook) as fh:
        for _event, elem in _iterparse(fh, ("end",)):
            if _local(elem.tag) == "sheet":
                rid = next((v for k, v in elem.attrib.items() if k.startswith("{") and _local(k) == "id"), "")
                sheets.append((elem.get("name") or "", rid))
                elem.clear()
    rels = _read_rels(zf, workbook)
    found: list[tuple[str, str | None]] = []
    for name, rid in sheets:
        part = rels[rid][1] if rid in rels else None
        found.append((name, part if part in zf.NameToInfo else None))
    return found


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str, label: str) -> str:
    """Find the zip part holding the named sheet (matched exactly, else ignoring case)."""
    sheets = sheet_parts(zf)
    matches = [part for name, part in sheets if name == sheet_name] or [
        part for name, part in sheets if name.casefold() == sheet_name.casefold()
    ]
    if not matches:
        names = ", ".join(clean(n, 40) for n, _ in sheets) or "none"
        raise LayoutError(f"{label}: has no sheet named {clean(sheet_name)!r} (sheets: {names}).", code="sheet-missing")
    if matches[0] is None:
        raise WorkbookError(
            f"{label}: sheet {clean(sheet_name)!r} is listed but its data part is missing. {_RESAVE}",
            code="sheet-unreadable",
        )
    return matches[0]


def _column_letters(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _split_ref(ref: str) -> tuple[int, int] | None:
    """'B4' -> (4, 2); None if malformed."""
    col = 0
    i = 0
    while i < len(ref) and ref[i].isascii() and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    digits = ref[i:]
    if i == 0 or not digits.isdigit() or not digits.isascii():
        return None
    return int(digits), col


# A formula element, or a DTD (so that the parser sees it and refuses the sheet).
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]|<!DOCTYPE|<!ENTITY")


def _may_have_formulas(stream: IO[bytes]) -> bool:
    """Cheap first pass: False only if the sheet's bytes contain no formula element (or DTD).

    Most sheets have no formulas, and a byte search is far faster than parsing.
    Sheets not in UTF-8 are left to the parser.
    """
    tail = b""
    first = True
    while chunk := stream.read(_OUT_CHUNK):
        if first:
            first = False
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:256]:
                return True
        buf = tail + chunk
        if _FORMULA_TAG.search(buf):
            return True
        tail = buf[-256:]
    return False


class _FormulaScanner:
    """Expat handlers that note formula cells (<c> with an <f>) lacking a cached <v> value.

    Plain expat callbacks are several times faster than ElementTree's iterparse on
    big sheets; any DOCTYPE or entity declaration is refused, as defusedxml would.
    """

    def __init__(self) -> None:
        self.found: list[str] = []
        self.row = 0
        self.col = 0
        self.in_cell = False
        self.cell_type = ""
        self.has_formula = False
        self.has_v = False
        self.v_text = False
        self.in_v = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            parsed = _split_ref(attrs.get("r", ""))
            if parsed is not None:
                self.row, self.col = parsed
            else:
                self.col += 1
            self.in_cell = True
            self.cell_type = attrs.get("t", "")
            self.has_formula = self.has_v = self.v_text = False
        elif not self.in_cell:
            if tag == "row":
                r = attrs.get("r", "")
                self.row = int(r) if r.isdigit() and r.isascii() else self.row + 1
                self.col = 0
        elif tag == "f":
            self.has_formula = True
        elif tag == "v":
            self.has_v = self.in_v = True

    def end(self, name: str) -> None:
        tag = name.rpartition(":")[2]
        if tag == "v":
            self.in_v = False
        elif tag == "c" and self.in_cell:
            self.in_cell = False
            # An empty cached string result (t="str", <v></v>) is still a stored result.
            if self.has_formula and not (self.v_text or (self.has_v and self.cell_type == "str")):
                self.found.append(f"{_column_letters(self.col)}{self.row}")

    def text(self, data: str) -> None:
        if self.in_v and data:
            self.v_text = True

    @staticmethod
    def refuse_dtd(*_args: object) -> None:
        raise _DoctypeFound


def _formula_cells_without_values(stream: IO[bytes]) -> list[str]:
    """Stream a worksheet's XML through expat and list formula cells with no cached value."""
    scanner = _FormulaScanner()
    parser = ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.text
    parser.StartDoctypeDeclHandler = scanner.refuse_dtd
    parser.EntityDeclHandler = scanner.refuse_dtd
    while chunk := stream.read(_READ_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    return scanner.found


def _open_source(source: str | os.PathLike[str] | bytes) -> BinaryIO:
    """A binary file object for a path or for in-memory (e.g. decrypted) workbook bytes."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    return open(source, "rb")  # noqa: SIM115 - the caller closes it


def find_formulas_without_values(path_or_bytes: str | os.PathLike[str] | bytes, sheet_name: str) -> list[str]:
    """A1 references of formula cells in ``sheet_name`` that have no stored (cached) result.

    openpyxl and calamine read such cells as blank, which would silently turn an
    answer into "not answered"; callers report these cells instead. Files written
    by scripts (or saved without recalculation) have them; Excel itself always
    stores results. A formula whose stored result is an empty string is not listed.
    The sheet XML is streamed, so memory stays flat. Run :func:`check_workbook_file`
    first. Raises WorkbookError if the workbook cannot be read and LayoutError if
    it has no sheet of that name (matched exactly, else ignoring case).
    """
    label = "workbook" if isinstance(path_or_bytes, bytes | bytearray) else str(path_or_bytes)
    try:
        with _open_source(path_or_bytes) as fh, zipfile.ZipFile(fh) as zf:
            part = _sheet_part(zf, sheet_name, label)
            with zf.open(part) as stream:
                if not _may_have_formulas(stream):
                    return []
            with zf.open(part) as stream:
                return _formula_cells_without_values(stream)
    except (LayoutError, WorkbookError):
        raise
    except _DoctypeFound:
        raise WorkbookError(
            f"{label}: sheet {clean(sheet_name)!r} contains an XML DOCTYPE/entity declaration, which "
            "workbooks never need; refusing it (XML entity expansion attack).",
            code="xml-entity",
        ) from None
    except (DefusedXmlException, SafeET.ParseError, ExpatError) as exc:
        raise WorkbookError(
            f"{label}: sheet {clean(sheet_name)!r} has unreadable XML ({clean(exc)}).", code="sheet-unreadable"
        ) from None
    except Exception as exc:
        raise WorkbookError(
            f"{label}: cannot be read as a workbook ({clean(exc) or type(exc).__name__}). {_RESAVE}",
            code="reader-refused",
        ) from None
