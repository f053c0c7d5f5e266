"""Zip-level checks on an untrusted .xlsx, from its central directory to every part's bytes.

The part count, sizes and compression ratios are read from the central directory
and capped, so a zip bomb is refused without being expanded; the zip must hold
``[Content_Types].xml`` and ``xl/workbook.xml``; then every part is expanded in
bounded chunks to confirm its data matches its declared size and CRC (a tampered
header cannot smuggle a bomb past the size check) and that no XML part declares a
DOCTYPE or entity; last, how far each worksheet reaches (see :mod:`audit.read.sheet_bounds`).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pyexpat import ExpatError, ParserCreate
from typing import BinaryIO

from audit.errors import WorkbookError
from audit.read.limits import MB, Limits
from audit.read.limits import RESAVE as _RESAVE
from audit.read.limits import mb as _mb
from audit.read.sheet_bounds import check_sheet_bounds
from audit.read.sheet_scan import clean as _clean

ZIP_LOCAL = b"PK\x03\x04"
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_RATIO_MIN_BYTES = 1 * MB  # the ratio cap applies only to parts larger than this
_CD_BYTES_PER_MEMBER = 512  # generous average central-directory entry size
_READ_CHUNK = 64 * 1024
_OUT_CHUNK = 1 * MB
SNIFF_BYTES = 8 * 1024
_DOCTYPE_FALLBACK_SCAN = 64 * 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")

_ZIP_FLAG_ENCRYPTED = 0x01
_ZIP_FLAG_DATA_DESCRIPTOR = 0x08
_ZIP_FLAG_PATCHED = 0x20
_ZIP_FLAG_STRONG_ENCRYPTION = 0x40
_ZIP_FLAG_UTF8 = 0x800


class _PartProblem(Exception):
    """Internal: a zip part is damaged or tampered with; turned into a WorkbookError."""

    def __init__(self, reason: str, tampered: bool = False) -> None:
        super().__init__(reason)
        self.tampered = tampered


def _read_at(fp: BinaryIO, offset: int, n: int) -> bytes:
    fp.seek(offset)
    return fp.read(n)


def _central_directory_bounds(fp: BinaryIO, size: int) -> tuple[int, int] | None:
    """Return (declared entry count, central directory size) from the end records, if found."""
    tail_len = min(size, 22 + 65535)
    tail = _read_at(fp, size - tail_len, tail_len)
    pos = tail.rfind(_EOCD)
    if pos < 0 or len(tail) - pos < 22:
        return None
    _sig, _d1, _d2, _n_disk, count, cd_size, _cd_off, _clen = struct.unpack("<4s4H2LH", tail[pos : pos + 22])
    if count == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc_pos = pos - 20
        if loc_pos >= 0 and tail[loc_pos : loc_pos + 4] == _EOCD64_LOCATOR:
            _s, _disk, rec_off, _disks = struct.unpack("<4sLQL", tail[loc_pos : loc_pos + 20])
            rec = _read_at(fp, rec_off, 56) if rec_off < size else b""
            if len(rec) == 56 and rec[:4] == _EOCD64:
                fields = struct.unpack("<4sQ2H2L4Q", rec)
                count, cd_size = fields[7], fields[8]
    return count, cd_size


def _bomb_message(label: str, what: str) -> WorkbookError:
    return WorkbookError(
        f"{label}: {what}; refusing it (possible zip bomb). If it is a genuine audit workbook, "
        "check it for huge formatted or empty ranges, save a trimmed copy, or raise the limit.",
        code="zip-bomb",
    )


def damaged(label: str, detail: str) -> WorkbookError:
    return WorkbookError(
        f"{label}: is damaged or incomplete (the .xlsx zip container is truncated or corrupt: "
        f"{_clean(detail)}). {_RESAVE}",
        code="file-damaged",
    )


def _open_zip(fp: BinaryIO, size: int, label: str, limits: Limits) -> zipfile.ZipFile:
    """Open the zip after bounding its central directory, so a huge one is never loaded."""
    bounds = _central_directory_bounds(fp, size)
    if bounds is not None:
        count, cd_size = bounds
        if count > limits.max_members:
            raise _bomb_message(label, f"it declares {count:,} parts, over the limit of {limits.max_members:,}")
        if cd_size > limits.max_members * _CD_BYTES_PER_MEMBER:
            raise _bomb_message(label, f"its zip directory is {_mb(cd_size)}, far too large for a workbook")
    try:
        fp.seek(0)
        return zipfile.ZipFile(fp)
    except Exception as exc:  # zipfile raises many types on hostile input
        raise damaged(label, str(exc) or type(exc).__name__) from None


def _check_central_directory(zf: zipfile.ZipFile, label: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """Apply the part-count, size and ratio caps and refuse unsupported zip features."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise _bomb_message(label, f"it has {len(infos):,} parts, over the limit of {limits.max_members:,}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        if not info.filename:  # zipfile itself fails on a part with no name (is_dir reads its last character)
            raise WorkbookError(
                f"{label}: contains a part with no name; refusing it (corrupt file). {_RESAVE}", code="file-damaged"
            )
        name = _clean(info.filename)
        if info.filename in seen:
            raise WorkbookError(
                f"{label}: contains two parts with the same name ({name}); refusing it (tampered or "
                f"corrupt file). {_RESAVE}",
                code="zip-part-duplicate",
            )
        seen.add(info.filename)
        if info.flag_bits & (_ZIP_FLAG_ENCRYPTED | _ZIP_FLAG_STRONG_ENCRYPTION | _ZIP_FLAG_PATCHED):
            raise WorkbookError(
                f"{label}: part {name} uses zip-level encryption or patching, which Excel never writes. {_RESAVE}",
                code="zip-feature-unsupported",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookError(
                f"{label}: part {name} uses an unsupported zip compression method ({info.compress_type}). {_RESAVE}",
                code="zip-feature-unsupported",
            )
        total += info.file_size
        if info.file_size > _RATIO_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_member_ratio:
                raise _bomb_message(
                    label,
                    f"part {name} expands {ratio:,.0f} times (to {_mb(info.file_size)}), over the "
                    f"limit of {limits.max_member_ratio:,.0f} times",
                )
        if total > limits.max_expanded_bytes:
            break
    if total > limits.max_expanded_bytes:
        declared = sum(i.file_size for i in infos)
        raise _bomb_message(
            label,
            f"it would expand to {_mb(declared)} when opened, over the {_mb(limits.max_expanded_bytes)} limit",
        )
    return infos


def _check_is_workbook(zf: zipfile.ZipFile, names: set[str], label: str) -> None:
    """Refuse a zip that is some other kind of document, with a message saying which."""
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    kind = ""
    if "xl/workbook.bin" in names:
        raise WorkbookError(
            f"{label}: is a binary Excel workbook (.xlsb), which this toolkit does not read. "
            "Open it in Excel and save it as .xlsx (Excel Workbook).",
            code="file-xlsb",
        )
    if "word/document.xml" in names:
        kind = " (it looks like a Word document)"
    elif "ppt/presentation.xml" in names:
        kind = " (it looks like a PowerPoint presentation)"
    elif "mimetype" in names:
        try:
            with zf.open("mimetype") as fh:
                mime = fh.read(100)
        except Exception:
            mime = b""
        if mime.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            raise WorkbookError(
                f"{label}: is an OpenDocument spreadsheet (.ods), not an Excel workbook. "
                "Open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook).",
                code="file-ods",
            )
        kind = " (it looks like an OpenDocument file)"
    raise WorkbookError(
        f"{label}: is a zip file but not an Excel workbook{kind}; it has no [Content_Types].xml "
        "and xl/workbook.xml. Check you have the right file; if it opens in Excel, save it again as .xlsx.",
        code="file-not-workbook",
    )


def _member_data_offset(fp: BinaryIO, info: zipfile.ZipInfo, size: int) -> int:
    """Validate a part's local header against the central directory; return where its data starts."""
    header = _read_at(fp, info.header_offset, _LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _PartProblem("its local header is cut off")
    sig, _ver, flags, method, _t, _d, crc, csize, usize, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    if sig != ZIP_LOCAL:
        raise _PartProblem("its local header is missing")
    raw_name = fp.read(name_len)
    try:
        name = raw_name.decode("utf-8" if flags & _ZIP_FLAG_UTF8 else "cp437")
    except UnicodeDecodeError:
        raise _PartProblem("its local name is not valid text") from None
    if name != info.orig_filename:
        raise _PartProblem("its local and central names differ")
    if method != info.compress_type:
        raise _PartProblem("its local and central compression methods differ")
    if not flags & _ZIP_FLAG_DATA_DESCRIPTOR and (
        crc != info.CRC or csize not in (info.compress_size, 0xFFFFFFFF) or usize not in (info.file_size, 0xFFFFFFFF)
    ):
        raise _PartProblem("its local and central sizes or checksums differ")
    start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    if start + info.compress_size > size:
        raise _PartProblem("its data runs past the end of the file")
    return start


def _raw_chunks(fp: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    """Yield a part's compressed bytes in bounded chunks."""
    fp.seek(start)
    left = length
    while left > 0:
        chunk = fp.read(min(_READ_CHUNK, left))
        if not chunk:
            raise _PartProblem("its data is cut off")
        left -= len(chunk)
        yield chunk


def _inflate(raw: Iterator[bytes]) -> Iterator[bytes]:
    """Yield a raw-deflate stream's output in chunks of at most _OUT_CHUNK bytes."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for chunk in raw:
            buf = chunk
            while buf and not d.eof:
                out = d.decompress(buf, _OUT_CHUNK)
                buf = d.unconsumed_tail
                if out:
                    yield out
            if d.eof:
                break
        while not d.eof:
            out = d.decompress(b"", _OUT_CHUNK)
            if not out:
                break
            yield out
    except zlib.error as exc:
        raise _PartProblem(f"its compressed data is corrupt ({exc})") from None
    if not d.eof:
        raise _PartProblem("its compressed data ends early")


def _looks_like_xml(name: str, head: bytes) -> bool:
    """True for parts an XML parser might be pointed at: by name, or by content."""
    if name.lower().endswith(_XML_SUFFIXES) or name == "[Content_Types].xml":
        return True
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return True
    return head.lstrip(b" \t\r\n").startswith(b"<")


class _StopParse(Exception):
    """Internal: raised from expat handlers to stop parsing."""

    def __init__(self, doctype: bool) -> None:
        super().__init__()
        self.doctype = doctype


def has_doctype(chunks: Iterator[bytes]) -> bool:
    """True if the XML in ``chunks`` declares a DOCTYPE or entity before its root element.

    Expat reads only the prolog (it is stopped at the root start tag), which copes with
    any encoding and with long comments before a DOCTYPE. If expat cannot parse the
    prolog, fall back to a byte search of the first 64 KB in UTF-8 and UTF-16.
    """
    parser = ParserCreate()

    def doctype(*_args: object) -> None:
        raise _StopParse(doctype=True)

    def root(*_args: object) -> None:
        raise _StopParse(doctype=False)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    head = bytearray()
    try:
        for chunk in chunks:
            if len(head) < _DOCTYPE_FALLBACK_SCAN:
                head += chunk[: _DOCTYPE_FALLBACK_SCAN - len(head)]
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _StopParse as stop:
        return stop.doctype
    except (ExpatError, ValueError):
        pass
    lowered = bytes(head).lower()
    needles = (b"<!doctype", b"<!entity")
    for needle in needles:
        if needle in lowered:
            return True
        for enc in ("utf-16-le", "utf-16-be"):
            if needle.decode().encode(enc) in lowered:
                return True
    return False


def _scan_member(fp: BinaryIO, info: zipfile.ZipInfo, size: int) -> bool:
    """Expand one part in bounded chunks, checking size and CRC; return True if its XML has a DOCTYPE."""
    start = _member_data_offset(fp, info, size)
    raw = _raw_chunks(fp, start, info.compress_size)
    stream = raw if info.compress_type == zipfile.ZIP_STORED else _inflate(raw)
    produced = 0
    crc = 0

    def checked() -> Iterator[bytes]:
        nonlocal produced, crc
        for out in stream:
            produced += len(out)
            if produced > info.file_size:
                raise _PartProblem("it holds more data than its zip header declares", tampered=True)
            crc = zlib.crc32(out, crc)
            yield out

    data = checked()
    first = next(data, b"")
    doctype = False
    if _looks_like_xml(info.filename, first[:SNIFF_BYTES]):
        tee: list[bytes] = [first]

        def replay() -> Iterator[bytes]:
            yield from tee
            yield from data

        doctype = has_doctype(replay())
    for _ in data:  # expand the rest to verify size and CRC
        pass
    if produced != info.file_size:
        raise _PartProblem("its data does not match the size its zip header declares")
    if crc != info.CRC:
        raise _PartProblem("its checksum (CRC) does not match")
    return doctype


def check_zip(fp: BinaryIO, size: int, label: str, limits: Limits) -> None:
    """All zip-level checks, on an open binary file of known size."""
    with _open_zip(fp, size, label, limits) as zf:
        infos = _check_central_directory(zf, label, limits)
        _check_is_workbook(zf, {i.filename for i in infos}, label)
        for info in infos:
            if info.is_dir():
                continue
            name = _clean(info.filename)
            try:
                doctype = _scan_member(fp, info, size)
            except _PartProblem as problem:
                if problem.tampered:
                    raise WorkbookError(
                        f"{label}: part {name}: {problem}; refusing it (tampered file, possible zip bomb). {_RESAVE}",
                        code="zip-bomb",
                    ) from None
                raise damaged(label, f"part {name}: {problem}") from None
            except OSError as exc:
                raise damaged(label, f"part {name}: {exc}") from None
            if doctype:
                raise WorkbookError(
                    f"{label}: part {name} contains an XML DOCTYPE/entity declaration, which workbooks "
                    "never need; refusing it (XML entity expansion attack). Ask the sender to save a "
                    "fresh copy from Excel.",
                    code="xml-entity",
                )
        check_sheet_bounds(zf, label, limits.max_sheet_cells)
