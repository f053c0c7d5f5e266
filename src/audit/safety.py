"""Checks run on an untrusted workbook file before any spreadsheet parser opens it.

Spreadsheet parsers trust their input far more than we can: python-calamine aborts
the whole process on a zip bomb and quietly reads a legacy .xls renamed .xlsx, and
openpyxl reads a formula with no stored result as a blank cell. So every file goes
through :func:`check_workbook_file` first, which refuses anything that is not a sane
.xlsx with a :class:`~audit.errors.WorkbookError` naming the file, saying what is
wrong and what to do about it. Nothing here raises any other exception type for a
bad file.

What is checked, in order: the path is a readable, non-empty regular file under the
size cap; it is not an OLE2 compound file (encrypted workbook or legacy .xls); it is
a zip (not CSV, text, HTML or random bytes renamed .xlsx) whose central directory
is intact; the declared sizes, compression ratios and part count are under the caps
(read from the central directory, so a zip bomb is refused without being expanded);
the zip holds ``[Content_Types].xml`` and ``xl/workbook.xml``; and finally every
part is expanded in bounded chunks to confirm its data matches its declared size
and CRC (a tampered header cannot smuggle a bomb past the size check) and that no
XML part declares a DOCTYPE or entity; and last, how far each worksheet reaches
(rows x columns), which readers allocate in full (see :mod:`audit.sheet_bounds`).
"""

from __future__ import annotations

import codecs
import io
import math
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from pyexpat import ExpatError, ParserCreate
from typing import Any, BinaryIO

from audit.errors import WorkbookError
from audit.sheet_bounds import check_sheet_bounds
from audit.sheet_scan import clean as _clean
from audit.sheet_scan import find_formulas_without_values

__all__ = [
    "Limits",
    "check_workbook_file",
    "decrypt_to_bytes",
    "find_formulas_without_values",
]

_MB = 2**20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_RATIO_MIN_BYTES = 1 * _MB  # the ratio cap applies only to parts larger than this
_CD_BYTES_PER_MEMBER = 512  # generous average central-directory entry size
_READ_CHUNK = 64 * 1024
_OUT_CHUNK = 1 * _MB
_SNIFF_BYTES = 8 * 1024
_DOCTYPE_FALLBACK_SCAN = 64 * 1024
_MAX_SPIN_COUNT = 10_000_000  # MS-OFFCRYPTO's upper bound for the password hash spin count
_XML_SUFFIXES = (".xml", ".rels", ".vml")

_ZIP_FLAG_ENCRYPTED = 0x01
_ZIP_FLAG_DATA_DESCRIPTOR = 0x08
_ZIP_FLAG_PATCHED = 0x20
_ZIP_FLAG_STRONG_ENCRYPTION = 0x40
_ZIP_FLAG_UTF8 = 0x800

_RESAVE = "Ask the sender to save it again from Excel as .xlsx and send it again."


@dataclass(frozen=True)
class Limits:
    """Caps applied before a workbook is parsed; raise them only for a file you trust.

    ``max_member_ratio`` is uncompressed/compressed size per zip part and is applied
    only to parts over 1 MB uncompressed, since small XML parts often compress very well.
    ``max_sheet_cells`` caps each worksheet's used range (rows x columns from A1), which
    python-calamine allocates in full: about 40 bytes and 1 microsecond a cell, so the
    default of 20 million (200,000 rows by 100 columns) costs at most about 800 MB.
    """

    max_file_bytes: int = 50 * _MB
    max_expanded_bytes: int = 500 * _MB
    max_member_ratio: float = 200.0
    max_members: int = 10_000
    max_sheet_cells: int = 20_000_000

    @classmethod
    def from_env(cls) -> Limits:
        """The caps, changed where ``AUDIT_MAX_FILE_MB``, ``AUDIT_MAX_EXPANDED_MB`` or ``AUDIT_MAX_SHEET_CELLS`` say so.

        Environment variables, so that report kernels started by a batch apply the
        same caps as the batch itself.
        """
        limits = cls()
        for var, attr, unit, what in _ENV_LIMITS:
            value = os.environ.get(var)
            if value:
                try:
                    number = float(value)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number) or number <= 0:
                    raise WorkbookError(f"{var} should be a positive number of {what}, not {_clean(value, 20)!r}")
                # A finite number can still overflow once scaled (1e308 MB): such a limit is no limit.
                limits = replace(limits, **{attr: max(1, int(min(number * unit, 2**62)))})
        return limits


_ENV_LIMITS = (
    ("AUDIT_MAX_FILE_MB", "max_file_bytes", _MB, "megabytes"),
    ("AUDIT_MAX_EXPANDED_MB", "max_expanded_bytes", _MB, "megabytes"),
    ("AUDIT_MAX_SHEET_CELLS", "max_sheet_cells", 1, "cells"),
)


# --------------------------------------------------------------------------- helpers


def _mb(n: float) -> str:
    """Human-readable size in MB."""
    return f"{n / _MB:,.1f} MB"


class _PartProblem(Exception):
    """Internal: a zip part is damaged or tampered with; turned into a WorkbookError."""

    def __init__(self, reason: str, tampered: bool = False) -> None:
        super().__init__(reason)
        self.tampered = tampered


# ------------------------------------------------------------------- file basics


def _check_file_basics(path: Path, label: str, limits: Limits) -> int:
    """Refuse missing, non-regular, unreadable, empty and oversized files; return the size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise WorkbookError(f"{label}: file not found. Check the path and the file name.") from None
    except OSError as exc:
        raise WorkbookError(
            f"{label}: cannot be read ({_clean(exc.strerror or exc)}). Check the path and the file's permissions."
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise WorkbookError(f"{label}: is a folder, not a workbook file. Give the path of an .xlsx file.")
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError(
            f"{label}: is not a regular file (it is a device, pipe or socket). Give the path of an .xlsx file."
        )
    if st.st_size == 0:
        raise WorkbookError(
            f"{label}: is empty (0 bytes); the save, upload or copy probably failed. Ask the sender to send it again."
        )
    if st.st_size > limits.max_file_bytes:
        raise WorkbookError(
            f"{label}: is {_mb(st.st_size)}, over the {_mb(limits.max_file_bytes)} limit for one "
            "workbook. Check it is the right file; audit workbooks are normally far smaller. "
            "If it is, raise the file-size limit."
        )
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise WorkbookError(
            f"{label}: cannot be read ({_clean(exc.strerror or exc)}). Check the file's permissions, "
            "and close it if another program has it open or locked."
        ) from None
    return st.st_size


def _sniff_non_zip(head: bytes, label: str) -> WorkbookError:
    """Explain what a file that is neither a zip nor an OLE2 file seems to be."""
    if head.startswith(b"%PDF"):
        return WorkbookError(
            f"{label}: is not an Excel workbook; it looks like a PDF file. "
            "Ask the sender for the .xlsx workbook itself."
        )
    text = _decode_as_text(head)
    if text is not None:
        if text.lstrip().startswith("<"):
            return WorkbookError(
                f"{label}: is not an Excel workbook; it looks like an HTML/XML text file "
                "(some systems export these with a spreadsheet name). "
                "Open it in Excel and save it as .xlsx (Excel Workbook)."
            )
        return WorkbookError(
            f"{label}: is not an Excel workbook; it looks like a CSV/text file (perhaps renamed to "
            ".xlsx). Open it in Excel and save it as .xlsx (Excel Workbook)."
        )
    return WorkbookError(
        f"{label}: is not an Excel workbook (its contents are not in .xlsx format). "
        "Check you have the right file; if it opens in Excel, save it again as .xlsx."
    )


def _decode_as_text(head: bytes) -> str | None:
    """Return the start of the file as text if it plausibly is text, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in head:
        return None
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            # An incremental decoder tolerates a multi-byte character cut at the end.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not text:
            return None
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
        if controls <= len(text) // 100:
            return text
    return None


# ------------------------------------------------------------------------- OLE2


def _open_ole(source: BinaryIO, label: str) -> Any:
    """Open an OLE2 compound file with olefile, turning any failure into a WorkbookError."""
    import olefile

    try:
        return olefile.OleFileIO(source)
    except Exception:
        raise WorkbookError(f"{label}: starts like an older Office file (OLE2) but is damaged. {_RESAVE}") from None


def _classify_ole(path: Path, label: str) -> None:
    """Raise the right WorkbookError for an OLE2 file unless it is an encrypted workbook.

    Returns normally only for an encrypted OOXML package (EncryptionInfo plus
    EncryptedPackage streams), after refusing a DOCTYPE in its encryption XML.
    """
    with path.open("rb") as fh:
        ole = _open_ole(fh, label)
        try:
            if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
                try:
                    info = ole.openstream("EncryptionInfo").read()
                except Exception:
                    raise WorkbookError(
                        f"{label}: is an encrypted workbook whose encryption header is damaged. {_RESAVE}"
                    ) from None
                if _has_doctype(iter([info[8:]])):
                    raise WorkbookError(
                        f"{label}: its encryption header contains an XML DOCTYPE/entity declaration, "
                        "which workbooks never need; refusing it (XML entity expansion attack)."
                    )
                return
            if ole.exists("Workbook") or ole.exists("Book"):
                raise WorkbookError(
                    f"{label}: is a legacy Excel 97-2003 .xls file, which this toolkit does not read. "
                    "Open it in Excel and save it as .xlsx (Excel Workbook)."
                )
            if ole.exists("WordDocument"):
                kind = "a Word 97-2003 document (.doc)"
            elif ole.exists("PowerPoint Document"):
                kind = "a PowerPoint 97-2003 presentation (.ppt)"
            else:
                kind = "an older Microsoft Office (OLE2) file of an unknown kind"
            raise WorkbookError(f"{label}: is {kind}, not an Excel workbook. Check you have the right file.")
        finally:
            ole.close()


def _encrypted_message(label: str) -> str:
    return (
        f"{label}: is password-protected (encrypted). Give the password with --password-env VAR "
        "(the name of an environment variable holding it), or ask the sender for an unprotected "
        "copy (in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it, save)."
    )


def _decrypt(path: Path, label: str, password: str) -> bytes:
    """Decrypt an encrypted OOXML workbook with msoffcrypto; never mention the password."""
    import msoffcrypto
    from msoffcrypto import exceptions as mso_errors

    if not password:
        raise WorkbookError(f"{label}: is password-protected, but the password given is empty.")
    wrong = (
        f"{label}: the password given does not open this workbook. Check the password, and that "
        "--password-env names the environment variable that holds it."
    )
    try:
        with path.open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            info = getattr(office, "info", None) or {}
            spin = info.get("spinValue", 0) if isinstance(info, dict) else 0
            if not isinstance(spin, int) or spin > _MAX_SPIN_COUNT:
                raise WorkbookError(
                    f"{label}: its encryption settings are outside the Office specification "
                    "(password hashing spin count too large); refusing it."
                )
            office.load_key(password=password, verify_password=True)
            out = io.BytesIO()
            office.decrypt(out)
    except WorkbookError:
        raise
    except mso_errors.InvalidKeyError:
        raise WorkbookError(wrong) from None
    except Exception:
        # Library messages are not echoed: they are unhelpful and must never risk the password.
        raise WorkbookError(
            f"{label}: is encrypted in a way this toolkit cannot decrypt, or is damaged. "
            "Ask the sender for an unprotected .xlsx copy."
        ) from None
    return out.getvalue()


def decrypt_to_bytes(path: str | os.PathLike[str], password: str, limits: Limits = Limits()) -> bytes:
    """Decrypt a password-protected .xlsx and return the plain workbook bytes.

    Raises WorkbookError (never containing the password) if the file is missing, is
    not an encrypted workbook, or the password is wrong. The returned bytes are not
    yet checked as a zip: prefer :func:`check_workbook_file`, which does both.
    """
    p = Path(path)
    label = str(path)
    _check_file_basics(p, label, limits)
    with p.open("rb") as fh:
        head = fh.read(len(_OLE_MAGIC))
    if head != _OLE_MAGIC:
        raise WorkbookError(f"{label}: is not a password-protected (encrypted) workbook.")
    _classify_ole(p, label)
    return _decrypt(p, label, password)


# ------------------------------------------------------------------------- zip


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
        "check it for huge formatted or empty ranges, save a trimmed copy, or raise the limit."
    )


def _damaged(label: str, detail: str) -> WorkbookError:
    return WorkbookError(
        f"{label}: is damaged or incomplete (the .xlsx zip container is truncated or corrupt: "
        f"{_clean(detail)}). {_RESAVE}"
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
        raise _damaged(label, str(exc) or type(exc).__name__) from None


def _check_central_directory(zf: zipfile.ZipFile, label: str, limits: Limits) -> list[zipfile.ZipInfo]:
    """Apply the part-count, size and ratio caps and refuse unsupported zip features."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise _bomb_message(label, f"it has {len(infos):,} parts, over the limit of {limits.max_members:,}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = _clean(info.filename)
        if info.filename in seen:
            raise WorkbookError(
                f"{label}: contains two parts with the same name ({name}); refusing it (tampered or "
                f"corrupt file). {_RESAVE}"
            )
        seen.add(info.filename)
        if info.flag_bits & (_ZIP_FLAG_ENCRYPTED | _ZIP_FLAG_STRONG_ENCRYPTION | _ZIP_FLAG_PATCHED):
            raise WorkbookError(
                f"{label}: part {name} uses zip-level encryption or patching, which Excel never writes. {_RESAVE}"
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WorkbookError(
                f"{label}: part {name} uses an unsupported zip compression method ({info.compress_type}). {_RESAVE}"
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
            "Open it in Excel and save it as .xlsx (Excel Workbook)."
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
                "Open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook)."
            )
        kind = " (it looks like an OpenDocument file)"
    raise WorkbookError(
        f"{label}: is a zip file but not an Excel workbook{kind}; it has no [Content_Types].xml "
        "and xl/workbook.xml. Check you have the right file; if it opens in Excel, save it again as .xlsx."
    )


def _member_data_offset(fp: BinaryIO, info: zipfile.ZipInfo, size: int) -> int:
    """Validate a part's local header against the central directory; return where its data starts."""
    header = _read_at(fp, info.header_offset, _LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _PartProblem("its local header is cut off")
    sig, _ver, flags, method, _t, _d, crc, csize, usize, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    if sig != _ZIP_LOCAL:
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


def _has_doctype(chunks: Iterator[bytes]) -> bool:
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
    if _looks_like_xml(info.filename, first[:_SNIFF_BYTES]):
        tee: list[bytes] = [first]

        def replay() -> Iterator[bytes]:
            yield from tee
            yield from data

        doctype = _has_doctype(replay())
    for _ in data:  # expand the rest to verify size and CRC
        pass
    if produced != info.file_size:
        raise _PartProblem("its data does not match the size its zip header declares")
    if crc != info.CRC:
        raise _PartProblem("its checksum (CRC) does not match")
    return doctype


def _check_zip(fp: BinaryIO, size: int, label: str, limits: Limits) -> None:
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
                        f"{label}: part {name}: {problem}; refusing it (tampered file, possible zip bomb). {_RESAVE}"
                    ) from None
                raise _damaged(label, f"part {name}: {problem}") from None
            except OSError as exc:
                raise _damaged(label, f"part {name}: {exc}") from None
            if doctype:
                raise WorkbookError(
                    f"{label}: part {name} contains an XML DOCTYPE/entity declaration, which workbooks "
                    "never need; refusing it (XML entity expansion attack). Ask the sender to save a "
                    "fresh copy from Excel."
                )
        check_sheet_bounds(zf, label, limits.max_sheet_cells)


def check_workbook_file(
    path: str | os.PathLike[str],
    limits: Limits = Limits(),
    password: str | None = None,
    label: str | None = None,
) -> bytes | None:
    """Check an untrusted .xlsx before any parser opens it; raise WorkbookError if unsafe or unreadable.

    Returns None when the file on disk passed every check: open ``path`` as usual.
    Returns the decrypted workbook bytes when the file was password-protected and
    ``password`` opened it; those bytes have passed the same zip checks, so open
    them (e.g. via ``io.BytesIO``) instead of the path. A password given for a file
    that is not encrypted is ignored. The password never appears in any message.
    """
    from audit.names import safe_text

    p = Path(path)
    label = label or safe_text(str(path), 240)  # the path as given, but never raw bytes or control codes
    size = _check_file_basics(p, label, limits)
    try:
        with p.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
            if head.startswith(_ZIP_LOCAL):
                _check_zip(fh, size, label, limits)
                return None
    except OSError as exc:
        raise WorkbookError(f"{label}: cannot be read ({_clean(exc.strerror or exc)}).") from None
    if head.startswith(_OLE_MAGIC):
        _classify_ole(p, label)  # raises unless it is an encrypted workbook
        if password is None:
            raise WorkbookError(_encrypted_message(label))
        data = _decrypt(p, label, password)
        inner = f"{label} (after decryption)"
        if len(data) > limits.max_file_bytes:
            raise WorkbookError(
                f"{inner}: is {_mb(len(data))}, over the {_mb(limits.max_file_bytes)} limit for one workbook."
            )
        if not data.startswith(_ZIP_LOCAL):
            raise _damaged(inner, "the decrypted contents are not a zip")
        _check_zip(io.BytesIO(data), len(data), inner, limits)
        return data
    if head.startswith(_ZIP_EMPTY):
        raise WorkbookError(f"{label}: is an empty zip file, not an Excel workbook. {_RESAVE}")
    if head.startswith(b"PK"):
        raise _damaged(label, "unexpected zip layout")
    raise _sniff_non_zip(head, label)
