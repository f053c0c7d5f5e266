"""Pages on paper and on a phone: words kept whole in table headers, charts never shrunk below 11 px.

The browser's own measurements at 375 and 1280 px are in tests/test_accessibility.py; these check the
markup that makes them pass, and the PDF's text page by page (poppler's pdftotext).
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from audit.render.chart_layout import MIN_TEXT_PX, Chart, min_width_px
from audit.render.html_page import finish_page, keep_words_whole


def test_one_word_headers_are_kept_whole() -> None:
    page = '<table><thead><tr><th scope="col" class="num">N/A</th><th scope="col">Blank or invalid</th></tr></thead>'
    done = keep_words_whole(page)
    assert '<th scope="col" class="num"><span class="nowrap">N/A</span></th>' in done
    assert '<th scope="col">Blank or invalid</th>' in done
    assert keep_words_whole(done) == done


def test_chart_is_never_shown_narrower_than_its_smallest_text_allows() -> None:
    svg = (
        b'<svg width="600pt" height="200pt" viewBox="0 0 600 200" xmlns="http://www.w3.org/2000/svg">'
        b'<text style="font-size: 10px; fill: #000">a</text><text style="font-size: 12px">b</text></svg>'
    )
    assert min_width_px(svg) == 600 * MIN_TEXT_PX // 10  # 10 units of 600 drawn at 11 px: 660 px wide
    assert min_width_px(b'<svg viewBox="0 0 10 10"></svg>') == 0
    figure = Chart(svg, "Bar chart of 3 things at 50%", "Figure: things.").html()
    assert '<div class="chart-scroll" role="region" aria-label="Chart: Figure: things." tabindex="0">' in figure
    assert 'style="--chart-min: 660px"' in figure


def test_report_charts_carry_their_floor(sample_batch: tuple[Path, Any]) -> None:
    made, _ = sample_batch
    page = (made / "amberlow-vale" / "report.html").read_text(encoding="utf-8")
    floors = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"[^>]*--chart-min: (\d+)px', page)
    assert len(floors) >= 3
    for data, floor in floors:
        assert int(floor) == min_width_px(base64.b64decode(data)) > 375


def test_pdf_headers_are_not_broken_inside_a_word(sample_batch: tuple[Path, Any], sample_area_pdf: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("PDF checks skipped: no pdftotext (poppler-utils)")
    made, _ = sample_batch
    html = (made / "amberlow-vale" / "report.html").read_text(encoding="utf-8")
    assert finish_page(html) == html  # the batch writes the page finished, so the run's one PDF of it serves here
    pdf = sample_area_pdf
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "N/A" in text
    assert not re.search(r"N/\s*$", text, re.M) and not re.search(r"N/ {2,}\S", text), "a header broke after N/"
