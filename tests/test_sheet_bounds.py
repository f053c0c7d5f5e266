"""How far a worksheet reaches, measured from its XML before any reader opens it.

Each sheet below is written by hand in one of the ways a reader would place its
cells, and the measured reach must be at least where the reader puts them. Plain
sheets take the fast byte-level path; the rest must be sent to the parser and give
the same answer.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from audit.errors import WorkbookError
from audit.read.safety import Limits, check_workbook_file
from audit.read.sheet_bounds import Reach, SheetXmlError, _fast_reach, _parsed_reach, is_sheet_like, sheet_reach
from tests.test_safety import make_xlsx, rewrite_member

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def sheet(data: bytes, dimension: bytes = b"", prolog: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\r\n') -> bytes:
    return (
        prolog
        + b"<worksheet "
        + NS
        + b" "
        + RNS
        + b">"
        + dimension
        + b"<sheetData>"
        + data
        + b"</sheetData></worksheet>"
    )


def reach(xml: bytes) -> Reach:
    return sheet_reach(lambda: io.BytesIO(xml))


def fast(xml: bytes) -> Reach | None:
    return _fast_reach(iter([xml]))


def cell(ref: bytes, value: bytes = b"1") -> bytes:
    return b'<c r="' + ref + b'"><v>' + value + b"</v></c>"


PLAIN = sheet(
    b'<row r="1" spans="1:3">' + cell(b"A1") + cell(b"C1") + b"</row>" + b'<row r="2">' + cell(b"B2") + b"</row>",
    b'<dimension ref="A1:C2"/>',
)


def test_plain_sheet_takes_the_fast_path() -> None:
    assert fast(PLAIN) == Reach(2, 3)
    assert reach(PLAIN) == Reach(2, 3) == _parsed_reach(iter([PLAIN]))


def test_fast_path_across_chunk_boundaries() -> None:
    rows = b"".join(b'<row r="%d">' % r + cell(b"A%d" % r) + cell(b"AD%d" % r) + b"</row>" for r in range(1, 3001))
    xml = sheet(rows)
    for size in (7, 100, 4096):
        chunks = [xml[i : i + size] for i in range(0, len(xml), size)]
        assert _fast_reach(iter(chunks)) == Reach(3000, 30)


# (what it is, sheet XML, the reach a reader gives it, whether the fast path takes it)
CASES = [
    (
        "cell far out",
        sheet(b'<row r="1">' + cell(b"A1") + cell(b"XFD1048576") + b"</row>"),
        Reach(1048576, 16384),
        True,
    ),
    ("cells out of order", sheet(b'<row r="9">' + cell(b"Z9") + cell(b"B3") + b"</row>"), Reach(9, 26), True),
    ("row number with leading zeros", sheet(b'<row r="1">' + cell(b"A0000500") + b"</row>"), Reach(500, 1), True),
    ("dimension lying large", sheet(cell(b"A1"), b'<dimension ref="A1:CV1048576"/>'), Reach(1048576, 100), True),
    (
        "dimension lying small",
        sheet(b'<row r="1">' + cell(b"CV70000") + b"</row>", b'<dimension ref="A1"/>'),
        Reach(70000, 100),
        True,
    ),
    ("dimension with $", sheet(cell(b"A1"), b'<dimension ref="$A$1:$Z$9"/>'), Reach(9, 26), False),
    ("rows without r", sheet(b'<row r="1048575"/><row>' + cell(b"A1") + b"</row>"), Reach(1048576, 1), False),
    ("cells without r", sheet(b'<row r="7">' + b"<c><v>1</v></c>" * 40 + b"</row>"), Reach(7, 40), False),
    ("cell without r after a far one", sheet(b'<row r="1">' + cell(b"XFC1") + b"<c/></row>"), Reach(1, 16384), False),
    (
        "rows counted on from a far one",
        sheet(b'<row r="1048570"/>' + b"<row/>" * 6 + b"<row><c/></row>"),
        Reach(1048577, 1),
        False,
    ),
    (
        "namespace prefix",
        b'<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r="5"><x:c r="AB5"/></x:row></x:sheetData></x:worksheet>',
        Reach(5, 28),
        False,
    ),
    ("second r attribute", sheet(b'<row r="1"><c r="A1" t="n" r="XFD1048576"/></row>'), "malformed", False),
    ("prefixed r attribute", sheet(b'<row r="1"><c r="A1" r:r="XFD1048576"/></row>'), Reach(1048576, 16384), False),
    ("single-quoted r", sheet(b"<row r='1'><c r='XFD1048576'/></row>"), Reach(1048576, 16384), False),
    ("spaces around =", sheet(b'<row r = "1"><c r = "XFD1048576"/></row>'), Reach(1048576, 16384), False),
    ("character reference in r", sheet(b'<row r="1"><c r="&#88;FD1048576"/></row>'), Reach(1048576, 16384), False),
    ("tab before r", sheet(b'<row\tr="1"><c\tr="XFD1048576"/></row>'), Reach(1048576, 16384), True),
    ("no space before a second r", sheet(b'<row r="1"><c r="A1"r="XFD1048576"/></row>'), "malformed", False),
    (  # the fast path counts it all the same, erring on the safe side
        "reference in a comment",
        sheet(b'<!-- <c r="XFD1048576"/> --><row r="1">' + cell(b"A1") + b"</row>"),
        Reach(1, 1),
        True,
    ),
    (
        "cell text in CDATA",
        sheet(b'<row r="1"><c r="B1" t="inlineStr"><is><t><![CDATA[<c r="Z9">]]></t></is></c></row>'),
        Reach(1, 2),
        True,
    ),
    ("r inside another attribute", sheet(b'<row r="1"><c r="A1" t=\' r="XFD1048576"\'/></row>'), Reach(1, 1), False),
    ("reference beyond Excel", sheet(b'<row r="1"><c r="ZZZZ99999999999"/></row>'), None, False),
]


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_reach_is_where_a_reader_puts_the_cells(name: str) -> None:
    _, xml, expected, plain = next(c for c in CASES if c[0] == name)
    assert (fast(xml) is not None) == plain
    if expected == "malformed":  # a reader might take either r: refused, not guessed
        with pytest.raises(SheetXmlError, match="malformed"):
            reach(xml)
        return
    got = reach(xml)
    if expected is None:  # a reference no reader should place: it must be over any sane cap
        assert got.cells > 10**12
        return
    # Never short of where a reader puts a cell, by either path (both may err on the safe side).
    for measured in (got, _parsed_reach(iter([xml]))):
        assert measured.rows >= expected.rows and measured.columns >= expected.columns


def test_utf16_sheet_is_parsed() -> None:
    xml = sheet(b'<row r="1">' + cell(b"XFD1048576") + b"</row>", prolog=b"").decode().encode("utf-16")
    assert is_sheet_like(io.BytesIO(xml))
    assert reach(xml) == Reach(1048576, 16384)


def test_malformed_sheet_xml_is_refused() -> None:
    with pytest.raises(SheetXmlError, match="malformed"):
        reach(sheet(b"<row><c><v>1</c></row>"))
    with pytest.raises(SheetXmlError, match="malformed"):
        reach(b"<worksheet><sheetData><row r='1'><c r='A1'></row></sheetData></worksheet>")


def test_only_parts_with_sheet_data_are_measured() -> None:
    assert is_sheet_like(io.BytesIO(PLAIN))
    assert not is_sheet_like(io.BytesIO(b'<sst><si><t>&lt;c r="XFD1048576"&gt;</t></si></sst>'))


def _with_sheet(tmp_path: Path, xml: bytes, name: str = "wb.xlsx") -> Path:
    src = make_xlsx(tmp_path / "src.xlsx")
    return rewrite_member(src, tmp_path / name, "xl/worksheets/sheet1.xml", xml)


def test_default_cap_lets_200000_rows_by_100_columns_through(tmp_path: Path) -> None:
    """The README's 200,000 rows, with up to 100 columns, is exactly the default cap of 20 million cells."""
    at_cap = _with_sheet(
        tmp_path, sheet(b'<row r="1">' + cell(b"CV1") + b'</row><row r="200000">' + cell(b"A200000") + b"</row>")
    )
    assert check_workbook_file(at_cap) is None
    over = _with_sheet(
        tmp_path,
        sheet(b'<row r="1">' + cell(b"CW1") + b'</row><row r="200000">' + cell(b"A200000") + b"</row>"),
        "over.xlsx",
    )
    with pytest.raises(WorkbookError, match=r"over\.xlsx: sheet 'Cases' reaches row 200,000 and column CW") as caught:
        check_workbook_file(over)
    assert caught.value.code == "sheet-too-large"
    assert check_workbook_file(over, Limits(max_sheet_cells=20_200_000)) is None


def test_sheet_not_listed_in_the_workbook_is_measured_too(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "extra.xlsx")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/worksheets/hidden-extra.xml", sheet(b'<row r="1">' + cell(b"XFD1048576") + b"</row>"))
    with pytest.raises(WorkbookError, match=r"part xl/worksheets/hidden-extra\.xml reaches row 1,048,576"):
        check_workbook_file(path)


def test_unparseable_sheet_is_refused_by_the_file_check(tmp_path: Path) -> None:
    bad = sheet(b'<row r="1"><c r="A1" r="B1"/></row>')
    path = _with_sheet(tmp_path, bad, "broken.xlsx")
    with pytest.raises(WorkbookError, match=r"broken\.xlsx: sheet 'Cases': its XML is malformed") as caught:
        check_workbook_file(path)
    assert caught.value.code == "sheet-reach-unchecked"


def test_excel_extension_elements_keep_the_fast_path() -> None:
    """x14 conditional formatting (x14:cfRule, xm:sqref) is common in Excel files and is not a prefixed cell."""
    ext = (
        b'<extLst><ext uri="{78C0D931}"><x14:conditionalFormattings><x14:conditionalFormatting>'
        b'<x14:cfRule type="dataBar"/><xm:sqref>A1:A9</xm:sqref></x14:conditionalFormatting>'
        b"</x14:conditionalFormattings></ext></extLst>"
    )
    xml = PLAIN.replace(b"</worksheet>", ext + b"</worksheet>")
    assert fast(xml) == Reach(2, 3)
