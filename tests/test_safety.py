"""Hostile-file corpus for audit.read.safety, built in tmp_path by the tests themselves."""

from __future__ import annotations

import contextlib
import io
import os
import random
import struct
import tempfile
import traceback
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.errors import LayoutError, WorkbookError
from audit.read.safety import (
    Limits,
    check_workbook_file,
    decrypt_to_bytes,
    find_formulas_without_values,
)

PASSWORD = "Correct-Horse-7731"
WRONG_PASSWORD = "Wrong-Battery-4402"


# ----------------------------------------------------------------- builders


def make_xlsx(path: Path, rows: int = 5) -> Path:
    """A small genuine workbook written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Cases"
    ws.append(["Case ID", "Area", "V1 Child's voice recorded"])
    for i in range(rows):
        ws.append([f"AV-{i + 1:04d}", "North", "Yes"])
    wb.save(path)
    return path


def rewrite_member(src: Path, dst: Path, name: str, new: bytes) -> Path:
    """Copy a zip, replacing one member's contents."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = new if info.filename == name else zin.read(info.filename)
            zout.writestr(info.filename, data)
    return dst


def raw_zip(path: Path, members: Iterable[tuple[str, int, list[bytes], int, int]]) -> Path:
    """Write a zip by hand: (name, method, compressed pieces, crc, declared uncompressed size).

    Lets a test declare sizes that differ from the data, and write a large bomb from a
    repeated compressed piece without compressing hundreds of MB.
    """
    central = b""
    with path.open("wb") as fh:
        for name, method, pieces, crc, usize in members:
            offset = fh.tell()
            csize = sum(len(p) for p in pieces)
            encoded = name.encode()
            fh.write(
                struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, csize, usize, len(encoded), 0)
            )
            fh.write(encoded)
            for piece in pieces:
                fh.write(piece)
            central += (
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    method,
                    0,
                    0x21,
                    crc,
                    csize,
                    usize,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + encoded
            )
        cd_offset = fh.tell()
        fh.write(central)
        count = central.count(b"PK\x01\x02")
        fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), cd_offset, 0))
    return path


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def workbook_members(src: Path) -> list[tuple[str, int, list[bytes], int, int]]:
    """A genuine workbook's members in raw_zip form."""
    out = []
    with zipfile.ZipFile(src) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            out.append((info.filename, zipfile.ZIP_DEFLATED, [deflate(data)], zlib.crc32(data), len(data)))
    return out


def spaces_bomb_members(total_mb: int) -> list[tuple[str, int, list[bytes], int, int]]:
    """A sheet part of ``total_mb`` MB of spaces, deflated without compressing it all.

    A full flush resets the compressor, so compressing the same 1 MB chunk again gives
    the same bytes: repeat that piece, then end the stream with an empty final block.
    """
    chunk = b" " * 2**20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    for _ in range(total_mb):
        crc = zlib.crc32(chunk, crc)
    return [
        ("[Content_Types].xml", 8, [deflate(b"<Types/>")], zlib.crc32(b"<Types/>"), 8),
        ("xl/workbook.xml", 8, [deflate(b"<workbook/>")], zlib.crc32(b"<workbook/>"), 11),
        ("xl/worksheets/sheet1.xml", 8, [piece] * total_mb + [final], crc, total_mb * 2**20),
    ]


def ole_file(path: Path, streams: dict[str, bytes]) -> Path:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding the given streams.

    Each stream is padded to at least 4096 bytes so it lives in ordinary sectors and no
    mini-stream is needed.
    """
    sector = 512
    end, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    datas = [d.ljust(max(4096, -(-len(d) // sector) * sector), b"\0") for d in streams.values()]
    next_sector = 2  # 0: FAT, 1: directory
    fat = [fatsect, end]
    starts = []
    for data in datas:
        n = len(data) // sector
        starts.append(next_sector)
        fat += [next_sector + i + 1 for i in range(n - 1)] + [end]
        next_sector += n
    assert len(fat) <= sector // 4
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", nostream, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, end, 0, 1, nostream)
    for i, (name, start) in enumerate(zip(names, starts, strict=True)):
        right = i + 2 if i + 1 < len(names) else nostream
        directory += entry(name, 2, start, len(streams[name]), nostream, right)
    directory = directory.ljust(sector, b"\0")
    assert len(directory) == sector
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == sector
    path.write_bytes(header + struct.pack(f"<{sector // 4}I", *fat) + directory + b"".join(datas))
    return path


def encrypt(src: Path, dst: Path, password: str = PASSWORD) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with src.open("rb") as fh, dst.open("wb") as out:
        OOXMLFile(fh).encrypt(password, out)
    return dst


def refused(path: Path, *phrases: str, code: str, limits: Limits | None = None, password: str | None = None) -> str:
    """Assert the file is refused with a WorkbookError naming it, containing the phrases, with that problem code."""
    with pytest.raises(WorkbookError) as info:
        check_workbook_file(path, limits or Limits(), password)
    message = str(info.value)
    assert path.name in message
    for phrase in phrases:
        assert phrase in message, message
    assert info.value.exit_code == 2
    assert info.value.code == code, message
    return message


# ------------------------------------------------------------------ genuine files


def test_genuine_workbook_passes(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "ok.xlsx", rows=200)
    assert check_workbook_file(path) is None
    assert check_workbook_file(str(path), Limits(), password="ignored when not encrypted") is None


class _Unseekable(io.RawIOBase):
    """A write-only stream that cannot seek, so zipfile writes data descriptors (flag bit 3)."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:
        return self.buffer.write(b)


def test_streamed_zip_with_data_descriptors_passes(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "src.xlsx")
    sink = _Unseekable()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            with zout.open(info.filename, "w") as member:
                member.write(zin.read(info.filename))
    path = tmp_path / "streamed.xlsx"
    path.write_bytes(sink.buffer.getvalue())
    with zipfile.ZipFile(path) as zf:
        assert all(i.flag_bits & 0x08 for i in zf.infolist())
    assert check_workbook_file(path) is None


def test_genuine_workbook_with_real_default_ratio(tmp_path: Path) -> None:
    """A big but honest sheet is well under the default caps."""
    path = make_xlsx(tmp_path / "big.xlsx", rows=5_000)
    assert check_workbook_file(path) is None


# ----------------------------------------------------------------- file basics


def test_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "nope.xlsx", "not found", code="file-not-found")


def test_directory(tmp_path: Path) -> None:
    d = tmp_path / "folder.xlsx"
    d.mkdir()
    refused(d, "is a folder", code="file-is-folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file", code="file-not-regular")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "locked.xlsx")
    path.chmod(0)
    try:
        refused(path, "cannot be read", code="file-unreadable")
    finally:
        path.chmod(0o600)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    refused(path, "is empty (0 bytes)", code="file-empty")


def test_over_size_cap(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "large.xlsx")
    refused(path, "over the", "limit", limits=Limits(max_file_bytes=1000), code="file-too-large")


# ------------------------------------------------------------------- not a zip


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "random.xlsx"
    path.write_bytes(random.Random(1).randbytes(10_000))
    refused(path, "is not an Excel workbook", code="file-not-workbook")


def test_csv_renamed(tmp_path: Path) -> None:
    path = tmp_path / "cases.xlsx"
    path.write_text("Case ID,Area,V1\nAV-0001,North,Yes\nAV-0002,South,No\n", encoding="utf-8")
    refused(path, "looks like a CSV/text file", "save it as .xlsx", code="file-not-workbook")


def test_text_file_cp1252_and_utf16(tmp_path: Path) -> None:
    latin = tmp_path / "notes.xlsx"
    latin.write_bytes("Auditor notes \u2013 caf\u00e9\r\n".encode("cp1252"))
    refused(latin, "looks like a CSV/text file", code="file-not-workbook")
    unicode_text = tmp_path / "unicode.xlsx"  # Excel's "Unicode Text" export
    unicode_text.write_bytes("Case ID\tArea\r\nAV-0001\tNorth\r\n".encode("utf-16"))
    refused(unicode_text, "looks like a CSV/text file", code="file-not-workbook")


def test_html_renamed(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_text("<html><body><table><tr><td>AV-0001</td></tr></table></body></html>")
    refused(path, "HTML/XML", code="file-not-workbook")


def test_pdf_renamed(tmp_path: Path) -> None:
    path = tmp_path / "scan.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    refused(path, "PDF", code="file-not-workbook")


# ----------------------------------------------------------- damaged zips


def test_truncated_xlsx(tmp_path: Path) -> None:
    whole = make_xlsx(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    refused(path, "damaged or incomplete", code="file-damaged")


def test_crc_corruption(tmp_path: Path) -> None:
    members = workbook_members(make_xlsx(tmp_path / "src.xlsx"))
    name, method, pieces, crc, size = members[0]
    members[0] = (name, method, pieces, crc ^ 0xFFFF, size)
    path = raw_zip(tmp_path / "badcrc.xlsx", members)
    refused(path, "damaged or incomplete", "CRC", code="file-damaged")


def test_flipped_compressed_bytes(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "src.xlsx", rows=50)
    members = workbook_members(src)
    idx = next(i for i, m in enumerate(members) if m[0].endswith("sheet1.xml"))
    name, method, pieces, crc, size = members[idx]
    data = bytearray(pieces[0])
    for k in range(10, len(data) - 10, 7):
        data[k] ^= 0x55
    members[idx] = (name, method, [bytes(data)], crc, size)
    path = raw_zip(tmp_path / "flipped.xlsx", members)
    refused(path, "damaged or incomplete", code="file-damaged")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("img/a.png", b"\x89PNG....")
    refused(path, "is a zip file but not an Excel workbook", code="file-not-workbook")


def test_word_document_renamed(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    refused(path, "is a zip file but not an Excel workbook", "Word", code="file-not-workbook")


def test_ods_renamed(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    refused(path, "OpenDocument spreadsheet", code="file-ods")


def test_empty_zip(tmp_path: Path) -> None:
    path = tmp_path / "emptyzip.xlsx"
    with zipfile.ZipFile(path, "w"):
        pass
    refused(path, "empty zip", code="file-not-workbook")


def test_duplicate_member_names(tmp_path: Path) -> None:
    members = workbook_members(make_xlsx(tmp_path / "src.xlsx"))
    members.append(members[-1])
    path = raw_zip(tmp_path / "dupes.xlsx", members)
    refused(path, "same name", code="zip-part-duplicate")


# --------------------------------------------------------------- zip bombs


def test_zip_bomb_streamed_with_small_cap(tmp_path: Path) -> None:
    """A real zipfile-written bomb (30 MB of spaces) against a 10 MB cap."""
    path = tmp_path / "bomb_small.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(30):
                member.write(b" " * 2**20)
    limits = Limits(max_expanded_bytes=10 * 2**20, max_member_ratio=1e9)
    refused(path, "possible zip bomb", "expand", limits=limits, code="zip-bomb")


def test_zip_bomb_600mb_default_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """600 MB of spaces in a ~600 KB file: refused from the central directory, before expanding a byte."""
    import zlib

    path = raw_zip(tmp_path / "bomb.xlsx", spaces_bomb_members(600))
    assert path.stat().st_size < 2 * 2**20
    inflaters: list[object] = []
    real = zlib.decompressobj

    def counted(*args: object, **kwargs: object) -> object:
        inflaters.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(zlib, "decompressobj", counted)
    message = refused(path, "possible zip bomb", code="zip-bomb")
    assert inflaters == []
    assert "sheet1.xml" in message  # the ratio check names the part


def test_zip_bomb_total_only(tmp_path: Path) -> None:
    """Declared total over the expansion cap, with the ratio cap out of the way."""
    path = raw_zip(tmp_path / "wide.xlsx", spaces_bomb_members(20))
    limits = Limits(max_expanded_bytes=5 * 2**20, max_member_ratio=1e9)
    refused(path, "possible zip bomb", "would expand to", limits=limits, code="zip-bomb")


def test_too_many_members(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(60):
            zf.writestr(f"xl/media/{i}.bin", b"x")
    refused(path, "possible zip bomb", "parts", limits=Limits(max_members=50), code="zip-bomb")


def test_size_lie_is_caught_while_expanding(tmp_path: Path) -> None:
    """A central directory that under-declares a part's size cannot smuggle a bomb through."""
    real = b" " * (3 * 2**20)
    members = workbook_members(make_xlsx(tmp_path / "src.xlsx"))
    members.append(("xl/worksheets/sheet9.xml", 8, [deflate(real)], zlib.crc32(real[:1000]), 1000))
    path = raw_zip(tmp_path / "liar.xlsx", members)
    refused(path, "more data than its zip header declares", "possible zip bomb", code="zip-bomb")


# ---------------------------------------------------------------- XML attacks

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets>&lol3;</sheets></workbook>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>
"""


def test_openpyxl_uses_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_billion_laughs_in_workbook_xml(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "src.xlsx")
    path = rewrite_member(src, tmp_path / "laughs.xlsx", "xl/workbook.xml", BILLION_LAUGHS)
    message = refused(
        path, "contains an XML DOCTYPE/entity declaration", "XML entity expansion attack", code="xml-entity"
    )
    assert "xl/workbook.xml" in message


def test_external_entity_in_sheet(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "src.xlsx")
    path = rewrite_member(src, tmp_path / "xxe.xlsx", "xl/worksheets/sheet1.xml", EXTERNAL_ENTITY)
    refused(path, "DOCTYPE/entity declaration", code="xml-entity")


def test_doctype_hidden_after_long_comment(tmp_path: Path) -> None:
    """A DOCTYPE may follow any amount of comment; it is still found."""
    xml = b'<?xml version="1.0"?>\n<!--' + b"x" * 200_000 + b"-->\n" + EXTERNAL_ENTITY.split(b"\n", 1)[1]
    src = make_xlsx(tmp_path / "src.xlsx")
    path = rewrite_member(src, tmp_path / "hidden.xlsx", "xl/styles.xml", xml)
    refused(path, "DOCTYPE/entity declaration", code="xml-entity")


def test_doctype_in_utf16_part(tmp_path: Path) -> None:
    xml = EXTERNAL_ENTITY.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    src = make_xlsx(tmp_path / "src.xlsx")
    path = rewrite_member(src, tmp_path / "utf16.xlsx", "docProps/core.xml", xml)
    refused(path, "DOCTYPE/entity declaration", code="xml-entity")


def test_doctype_in_part_without_xml_name(tmp_path: Path) -> None:
    """Parts are found through relationships, so a sheet need not be called *.xml."""
    src = make_xlsx(tmp_path / "src.xlsx")
    path = tmp_path / "renamed_part.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        zout.writestr("xl/worksheets/sheet2.dat", EXTERNAL_ENTITY)
    refused(path, "DOCTYPE/entity declaration", "sheet2.dat", code="xml-entity")


def test_doctype_words_inside_cell_text_are_fine(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "<!DOCTYPE html> and <!ENTITY x> typed by an auditor"
    path = tmp_path / "prose.xlsx"
    wb.save(path)
    assert check_workbook_file(path) is None


# ------------------------------------------------------------- OLE2 files


def test_legacy_xls(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "old.xlsx", {"Workbook": b"\x09\x08" + b"\0" * 100})
    refused(path, "legacy Excel 97-2003 .xls", "save it as .xlsx", code="file-xls")


def test_word_97_document(tmp_path: Path) -> None:
    path = ole_file(tmp_path / "letter.xlsx", {"WordDocument": b"\xec\xa5" + b"\0" * 100})
    refused(path, "Word 97-2003", code="file-not-workbook")


def test_damaged_ole(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600)
    refused(path, "damaged", code="file-damaged")


def test_encrypted_without_password(tmp_path: Path) -> None:
    path = encrypt(make_xlsx(tmp_path / "plain.xlsx"), tmp_path / "locked.xlsx")
    refused(path, "is password-protected (encrypted)", "--password-env", code="password-needed")


def test_encrypted_with_wrong_password(tmp_path: Path) -> None:
    path = encrypt(make_xlsx(tmp_path / "plain.xlsx"), tmp_path / "locked.xlsx")
    with pytest.raises(WorkbookError) as info:
        check_workbook_file(path, password=WRONG_PASSWORD)
    text = "".join(traceback.format_exception(info.value))
    assert "does not open this workbook" in str(info.value)
    assert info.value.code == "password-wrong"
    assert path.name in str(info.value)
    assert WRONG_PASSWORD not in text and PASSWORD not in text


def test_encrypted_with_right_password(tmp_path: Path) -> None:
    path = encrypt(make_xlsx(tmp_path / "plain.xlsx"), tmp_path / "locked.xlsx")
    data = check_workbook_file(path, password=PASSWORD)
    assert isinstance(data, bytes)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["Cases"]
    assert decrypt_to_bytes(path, PASSWORD) == data


def test_encrypted_empty_password(tmp_path: Path) -> None:
    path = encrypt(make_xlsx(tmp_path / "plain.xlsx"), tmp_path / "locked.xlsx")
    refused(path, "password given is empty", password="", code="password-empty")


def test_encrypted_payload_is_checked_after_decryption(tmp_path: Path) -> None:
    src = make_xlsx(tmp_path / "src.xlsx")
    evil = rewrite_member(src, tmp_path / "evil.xlsx", "xl/workbook.xml", BILLION_LAUGHS)
    path = encrypt(evil, tmp_path / "locked_evil.xlsx")
    message = refused(path, "after decryption", "DOCTYPE/entity declaration", password=PASSWORD, code="xml-entity")
    assert PASSWORD not in message


def test_decrypt_to_bytes_refuses_plain_file(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "plain.xlsx")
    with pytest.raises(WorkbookError, match="not a password-protected"):
        decrypt_to_bytes(path, PASSWORD)


# ------------------------------------------------------------ fuzzing


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=4096))
def test_arbitrary_bytes_only_raise_workbook_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.xlsx"
        path.write_bytes(data)
        with pytest.raises(WorkbookError):
            check_workbook_file(path)


_GENUINE: list[bytes] = []


def _genuine_bytes() -> bytes:
    if not _GENUINE:
        with tempfile.TemporaryDirectory() as d:
            _GENUINE.append(make_xlsx(Path(d) / "g.xlsx").read_bytes())
    return _GENUINE[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_mutated_workbook_only_raises_workbook_error(flips: list[tuple[int, int]]) -> None:
    data = bytearray(_genuine_bytes())
    for pos, value in flips:
        data[pos % len(data)] = value
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "mutant.xlsx"
        path.write_bytes(bytes(data))
        with contextlib.suppress(WorkbookError):
            check_workbook_file(path)


# ------------------------------------------------- formulas without values


def test_formulas_without_cached_values(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Cases"
    ws["A1"] = "Case ID"
    ws["B2"] = "=1+1"  # openpyxl stores no result
    ws["C3"] = "plain"
    ws["AA10"] = '=IF(A1="","Yes","No")'
    wb.create_sheet("Other")["A1"] = "=2+2"
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    assert check_workbook_file(path) is None
    assert find_formulas_without_values(path, "Cases") == ["B2", "AA10"]
    assert find_formulas_without_values(path.read_bytes(), "Other") == ["A1"]
    assert find_formulas_without_values(path, "cases") == ["B2", "AA10"]  # sheet names ignore case


def test_formulas_with_cached_values_are_not_listed(tmp_path: Path) -> None:
    sheet = b"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>""</f><v></v></c>
<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1"><f t="shared" si="0"/></c></row>
<row><c><f>3+3</f></c><c><v>5</v></c><c><f>4+4</f><v/></c></row>
</sheetData></worksheet>"""
    src = make_xlsx(tmp_path / "src.xlsx")
    path = rewrite_member(src, tmp_path / "cached.xlsx", "xl/worksheets/sheet1.xml", sheet)
    assert find_formulas_without_values(path, "Cases") == ["D1", "A2", "C2"]


def test_formula_scan_missing_sheet_and_bad_input(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "src.xlsx")
    with pytest.raises(LayoutError, match="no sheet named"):
        find_formulas_without_values(path, "Nope")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(WorkbookError, match="junk.xlsx"):
        find_formulas_without_values(junk, "Cases")
    evil = rewrite_member(path, tmp_path / "evil.xlsx", "xl/worksheets/sheet1.xml", EXTERNAL_ENTITY)
    with pytest.raises(WorkbookError, match="DOCTYPE"):
        find_formulas_without_values(evil, "Cases")


def test_formula_scan_streams_large_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Cases")
    for i in range(12_000):
        ws.append([f"AV-{i:05d}", "Yes", "=1+1" if i % 5_000 == 0 else None])
    path = tmp_path / "large.xlsx"
    wb.save(path)
    assert find_formulas_without_values(path, "Cases") == ["C1", "C5001", "C10001"]


def test_a_part_with_no_name_is_refused_as_damaged(tmp_path: Path) -> None:
    """A central directory entry with an empty name (found by the mutation test) is refused, never an IndexError."""
    members = workbook_members(make_xlsx(tmp_path / "good.xlsx"))
    data = b"<x/>"
    members.append(("", zipfile.ZIP_DEFLATED, [deflate(data)], zlib.crc32(data), len(data)))
    refused(raw_zip(tmp_path / "noname.xlsx", members), "part with no name", code="file-damaged")
