"""Hostile text in the scored workbook stays harmless text, and the same result always gives the same bytes.

XlsxWriter's ``write()`` would turn ``=...`` into a formula, ``http://...`` into a
link and ``1e5`` into a number; the workbook writes every string as a string,
cleaned and capped as :mod:`audit.xlsx_text` cleans it, with the quote prefix
where it starts like a formula.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.scored_style import FIXED_TIMESTAMP, Sheet, workbook_bytes
from audit.render.scored_workbook import scored_workbook_bytes
from audit.xlsx_text import FORMULA_LEADS, MAX_CELL_TEXT, append, clean_text
from tests.conftest import SAMPLE_DATA, case_row, header_for
from tests.test_scored_workbook_same import assert_reads_the_same

HOSTILE = (
    "=1+1",
    '=HYPERLINK("http://evil.example/","click")',
    "+44 20 7946 0000",
    "-3-4",
    "@SUM(A1:A2)",
    "\tled by a tab",
    "\rled by a carriage return",
    "http://evil.example/path?q=1",
    "https://example.org",
    "mailto:someone@example.org",
    "www.example.org",
    "external:c:/temp/file.xlsx",
    "1e5",
    "0012",
    "1,000",
    " 3.50 ",
    "TRUE",
    "#N/A",
    "#DIV/0!",
    "2025-01-02",
    "50%",
    "a bell\x07 and a null\x00 inside",
    "a lone surrogate \udc80 from a file name",
    "two lines\r\nof text",
    "<b>markup</b> & 'quotes' \"too\"",
    "_x000D_ looks escaped",
    "n" * 40_000,
)


def _sheet_xml(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        names = z.namelist()
        assert not [n for n in names if "_rels/sheet" in n], "a sheet has relationships (links)"
        return "".join(z.read(n).decode() for n in names if n.startswith("xl/worksheets/"))


def test_hostile_text_comes_back_as_the_same_text_never_a_formula_link_or_number():
    ws = Sheet("Cases")
    for text in HOSTILE:
        ws.append([text])
    xlsx = workbook_bytes([ws])
    xml = _sheet_xml(xlsx)
    assert not re.search(r"<(?:\w+:)?f[ >/]", xml) and "<hyperlink" not in xml and 't="e"' not in xml
    # Read as Excel and the toolkit's own reader read text (openpyxl leaves OOXML's _x000D_ escapes undecoded).
    texts = [row[0] for row in CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_name("Cases").to_python()]
    assert texts == [clean_text(t) for t in HOSTILE]
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    got = [row[0] for row in book["Cases"].iter_rows()]
    assert all(c.data_type == "s" for c in got)
    assert [bool(c.quotePrefix) for c in got] == [clean_text(t).startswith(FORMULA_LEADS) for t in HOSTILE]
    assert len(texts[-1]) == MAX_CELL_TEXT and texts[5][0] == "\t" and texts[6][0] == "\r"
    assert not book["Cases"]._hyperlinks


def test_hostile_text_reads_as_openpyxl_wrote_it(tmp_path, framework):
    """The same texts through a whole area (Case IDs, evidence, free text): the same cells as the openpyxl writer's.

    Except carriage returns and text like ``_x000D_``: openpyxl wrote a bare CR, which XML reads as a line feed,
    and left ``_x000D_`` unescaped, which Excel reads as a CR; XlsxWriter escapes both, so they come back as
    written (the test above).
    """
    extra = ("V1 evidence", "What difference did it make", "Good practice", "Escalated", "Escalation note")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    append(ws, header_for(framework, extra))
    kept = [t for t in HOSTILE if "\r" not in t and "_x" not in t]
    for i, text in enumerate(kept):
        row = case_row(framework, f"{text[:30]}#{i}", answer=("Yes", "No", "Partly")[i % 3])
        append(ws, [*row[:6], text, text, text, "Yes" if i % 2 else "No", text, *row[6:]])
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    data = load_audit(path, framework, scan=False)
    result = analyse_area(data, "Testshire")
    assert result.cases_scored == len(kept)
    assert_reads_the_same(result)
    xlsx = scored_workbook_bytes(publish(result, None))
    xml = _sheet_xml(xlsx)
    assert not re.search(r"<(?:\w+:)?f[ >/]", xml) and "<hyperlink" not in xml and 't="e"' not in xml


@pytest.fixture(scope="module")
def amberlow(framework):
    return publish(analyse_area(load_audit(SAMPLE_DATA, framework, scan=False), "Amberlow Vale"), None)


def test_the_same_result_gives_the_same_bytes_with_a_fixed_time_in_the_document_properties(amberlow):
    first, second = scored_workbook_bytes(amberlow), scored_workbook_bytes(amberlow)
    assert first == second
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode()
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == [stamp, stamp]
    props = openpyxl.load_workbook(io.BytesIO(first)).properties
    assert props.created == props.modified == FIXED_TIMESTAMP.replace(tzinfo=None)
