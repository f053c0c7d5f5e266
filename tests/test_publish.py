"""Published outputs: small counts suppressed, no case IDs or identifiers outside restricted/."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from audit.cli import main
from audit.publish.disclosure import SUPPRESSED
from audit.run import batch as batch_module
from tests.conftest import SAMPLE_DATA
from tests.fakes import use_fake_runner

CASE_ID = re.compile(r"\b[A-Z]{2}-\d{4}\b")  # the sample data's case IDs, e.g. AV-0001
COUNT_KEYS = {
    "yes",
    "partly",
    "no",
    "na",
    "missing",
    "invalid",
    "answered",
    "rows_read",
    "cases_scored",
    "cases_excluded",
}


@pytest.fixture
def published(published_batch) -> tuple[Path, object]:
    return published_batch  # made once per test run (tests/conftest.py), shared with the browser checks


NOT_CHILDREN = {"Strengths", "Areas for improvement", "Areas for priority action"}


def _numeric_cells(page: str):
    """(column header, value) for every right-aligned data cell of every table."""
    for table in re.findall(r"<table>.*?</table>", page, flags=re.S):
        headers = re.findall(r'<th[^>]*scope="col"[^>]*>([^<]*)</th>', table)
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = re.findall(r"<t[hd]([^>]*)>([^<]*)</t[hd]>", row)
            for (attrs, value), header in zip(cells, headers, strict=False):
                if "<td" not in row or 'class="num"' not in attrs or "scope=" in attrs:
                    continue
                yield header, value


def _public_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and "restricted" not in p.relative_to(out).parts]


def _counts(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _counts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _counts(v, key)
    elif key in COUNT_KEYS or key is None:
        yield key, node


def test_publish_batch_succeeds_and_keeps_case_data_restricted(published):
    out, result = published
    assert result.exit_code == 0, result.output
    assert {p.name for p in (out / "restricted").rglob("*") if p.is_file()} >= {
        "report.ipynb",
        "scored.xlsx",
        "summary.json",
    }
    assert not list(out.glob("*/scored.xlsx")) and not list(out.glob("*/report.ipynb"))


def test_no_count_from_1_to_5_in_published_summaries(published):
    out, _ = published
    summaries = [p for p in _public_files(out) if p.name == "summary.json"]
    assert len(summaries) == 6
    suppressed = 0
    for path in summaries:
        data = json.loads(path.read_text())
        assert data["mode"] == "published"
        for key, value in [*_counts(data["criteria"]), *_counts(data["themes"])]:
            assert value == SUPPRESSED or value == 0 or value > 5, (path, key, value)
            suppressed += value == SUPPRESSED
        for group in data["sample"].values():
            for value in group.values():
                assert value == SUPPRESSED or value == 0 or value > 5, (path, group)
        assert data["excluded"] == [] and data["problems"] == []
    assert suppressed > 50  # the sample areas are small, so plenty is hidden


def test_no_case_id_or_small_count_in_any_published_file(published):
    out, _ = published
    for path in _public_files(out):
        text = path.read_text(errors="replace")
        assert not CASE_ID.search(text), path
        if path.suffix == ".html":
            for header, cell in _numeric_cells(text):
                if header in NOT_CHILDREN:
                    continue  # numbers of criteria, not of children
                assert cell in ("", SUPPRESSED) or not re.fullmatch(r"[1-5]", cell), (path, header, cell)
            for n in re.findall(r"Yes in (\d+) of", text):
                assert not 1 <= int(n) <= 5, path


def test_restricted_outputs_keep_the_detail(published):
    out, _ = published
    full = json.loads((out / "restricted" / "brackenholt-moor" / "summary.json").read_text())
    assert full["mode"] == "full"
    assert any("Cases!J17" in p["where"] for p in full["problems"])


def test_report_says_which_mode_it_was_made_in(published):
    out, _ = published
    page = (out / "amberlow-vale" / "report.html").read_text()
    assert "Published version" in page


def test_manifest_records_inputs_framework_and_parameters(published):
    import hashlib

    out, _ = published
    manifest = json.loads((out / "manifest.json").read_text())
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_DATA.glob("*.xlsx")}
    assert {i["file"]: i["sha256"] for i in manifest["inputs"]} == expected
    assert manifest["framework"]["version"] == "2025.1"
    assert manifest["parameters"]["publish"] is True and manifest["parameters"]["threshold"] == 5
    assert manifest["packages"]["pandas"]


def test_seeded_identifier_stops_that_workbook_unless_allowed(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_DATA, data)
    wb = openpyxl.load_workbook(data / "fennistow-bay.xlsx")
    wb["Cases"]["G9"] = "Mother's NHS number 943 476 5919 noted"
    wb.save(data / "fennistow-bay.xlsx")
    monkeypatch.setattr(batch_module, "make_report", lambda result, *a, **k: {})
    use_fake_runner(monkeypatch)  # no kernels: the subject is the batch's messages and index
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(data), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert "Fennistow Bay: FAILED: not reported: 1 cell(s) look like personal data" in result.output
    assert "fennistow-bay.xlsx: Cases!G9 (NHS number)" in result.output
    assert "943" not in result.output and "943" not in (out / "index.html").read_text()
    assert "Amberlow Vale: ok" in result.output
    allowed = CliRunner().invoke(main, ["batch", str(data), "--out", str(out), "--quiet", "--allow-identifiers"])
    assert allowed.exit_code == 0, allowed.output
