"""Batch runs end to end: every sample area reported, an index, failures named, not fatal."""

from __future__ import annotations

import base64
import html
import json
import re

from click.testing import CliRunner

from audit.cli import main
from audit.run import batch as batch_module
from tests.conftest import SAMPLE_DATA, case_row
from tests.fakes import use_fake_runner

SAMPLE_AREAS = {
    "amberlow-vale": "Amberlow Vale",
    "brackenholt-moor": "Brackenholt Moor",
    "cindersey-fen": "Cindersey Fen",
    "dunmerrow-hythe": "Dunmerrow Hythe",
    "elderwyke-downs": "Elderwyke Downs",
    "fennistow-bay": "Fennistow Bay",
}


def test_batch_reports_every_sample_area(sample_batch):
    out, result = sample_batch
    assert result.exit_code == 0, result.output
    for slug, name in SAMPLE_AREAS.items():
        summary = json.loads((out / slug / "summary.json").read_text())
        assert summary["area"] == name
        assert summary["rows_read"] == summary["cases_scored"] + summary["cases_excluded"]
        assert 15 <= summary["cases_scored"] <= 40
        assert (out / slug / "report.html").is_file()
    index = (out / "index.html").read_text()
    for slug, name in SAMPLE_AREAS.items():
        assert f'href="{slug}/report.html"' in index and name in index


def test_report_html_is_a_report_not_a_notebook_dump(sample_batch):
    out, _ = sample_batch
    page = (out / "amberlow-vale" / "report.html").read_text()
    assert '<html lang="en-GB">' in page
    assert re.search(r"<title>Amberlow Vale: case-file audit report", page)
    for leftover in ("In&nbsp;[", "In [", "import ", "analyse_area(", "jp-InputArea", "<script"):
        assert leftover not in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page), "the page must not load from other hosts"
    images = re.findall(r'<img [^>]*src="([^"]+)"[^>]*alt="([^"]+)"|<img [^>]*alt="([^"]+)"[^>]*src="([^"]+)"', page)
    assert len(images) == 4  # themes, criteria, information-sharing heatmap, grades
    for found in images:
        src = found[0] or found[3]
        alt = found[1] or found[2]
        assert src.startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
        # The chart draws only from itself (the heatmap's colour bar is an inline PNG): nothing fetched, no script.
        assert not re.search(r"""href=["'](?!#|data:image/png;base64,)|<script""", svg)
        assert len(alt) > 40
    for heading in ("Summary", "The sample", "Results by theme", "Results by criterion", "Case grades",
                    "Data quality", "About this report"):
        assert re.search(rf"<h2[^>]*>{heading}</h2>", page), heading


def test_data_quality_section_shows_the_invalid_answer(sample_batch):
    out, _ = sample_batch
    page = (out / "brackenholt-moor" / "report.html").read_text()
    assert "brackenholt-moor.xlsx: Cases!J17" in page
    summary = json.loads((out / "brackenholt-moor" / "summary.json").read_text())
    assert summary["criteria"]["I2"]["invalid"] == 1


def test_report_numbers_match_summary(sample_batch):
    out, _ = sample_batch
    summary = json.loads((out / "fennistow-bay" / "summary.json").read_text())
    page = html.unescape((out / "fennistow-bay" / "report.html").read_text())
    v1 = summary["criteria"]["V1"]
    assert (
        f"Child's voice recorded</strong> (key criterion). In {v1['yes']} of {v1['answered']} cases "
        f"({v1['pct_yes']:.0f}%;" in page
    )


def test_one_failing_area_does_not_stop_the_others(make_workbook, framework, tmp_path, monkeypatch):
    rows = [case_row(framework, "C1", area="Good Place"), case_row(framework, "C2", area="Bad Place")]
    path = make_workbook(rows)

    def fake_report(result, sources, out_dir, criteria=None, **options):
        if result.area == "Bad Place":
            raise RuntimeError("the kernel died")
        (out_dir / result.slug).mkdir(parents=True)
        return {}

    monkeypatch.setattr(batch_module, "make_report", fake_report)
    use_fake_runner(monkeypatch)  # no kernels: the subject is the batch's messages and index
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(path), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert "Good Place: ok" in result.output and "Bad Place: FAILED" in result.output
    index = (out / "index.html").read_text()
    assert "Bad Place: the report failed" in index and "the kernel died" in index
    assert 'href="good-place/report.html"' in index


def test_unreadable_file_named_in_index_and_exit_status(make_workbook, framework, tmp_path, monkeypatch):
    make_workbook([case_row(framework, "C1")], name="fine.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"\x00" * 64)
    monkeypatch.setattr(batch_module, "make_report", lambda result, *a, **k: {})
    use_fake_runner(monkeypatch)  # no kernels: the subject is the batch's messages and index
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--out", str(out), "--quiet"])
    assert result.exit_code == 1
    assert "broken.xlsx could not be read" in (out / "index.html").read_text()


def test_national_summary_beside_the_area_reports(sample_batch):
    out, _ = sample_batch
    page = (out / "national" / "report.html").read_text()
    assert '<html lang="en-GB">' in page and "National summary" in page
    for name in SAMPLE_AREAS.values():
        assert name in page
    assert 'href="national/report.html"' in (out / "index.html").read_text()
    assert (out / "restricted" / "national" / "report.ipynb").is_file()


def test_bad_national_figures_file_stops_before_any_report(tmp_path, make_workbook, framework):
    bad = tmp_path / "national.yml"
    bad.write_text("V1: lots\n")
    path = make_workbook([case_row(framework, "C1")])
    result = CliRunner().invoke(main, ["batch", str(path), "--out", str(tmp_path / "o"), "--national", str(bad)])
    assert result.exit_code == 1 and "national.yml" in result.output
    assert not (tmp_path / "o").exists()


def test_batch_fast_path_matches_a_plain_papermill_report(sample_batch, tmp_path):
    """The batch's warm kernels and prepared data give the report that papermill with a fresh kernel gives."""
    out, _ = sample_batch
    result = CliRunner().invoke(main, ["report", str(SAMPLE_DATA), "--area", "Fennistow Bay", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    def page(path):  # the breadcrumb back to the batch's index is the one intended difference
        text = re.sub(r'<nav [^>]*aria-label="Breadcrumb".*?</nav>', "", path.read_text(), flags=re.S)
        return re.sub(r">\s+<", "><", text)

    assert page(out / "fennistow-bay" / "report.html") == page(tmp_path / "fennistow-bay" / "report.html")
