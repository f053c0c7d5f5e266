"""Every page says what it is: the full version holds case-level detail and is not for publication,
the published version says it is the published version. At the top of every HTML page (the index,
each area's report, the national summary) and in the running header of every PDF page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from audit.render.html_page import text_of
from audit.render.marking import FULL, version_banner

PUBLISHED = "Published version"


def _pages(made: Path) -> list[Path]:
    pages = [made / "index.html", *sorted(made.glob("*/report.html"))]
    assert len(pages) >= 7 and (made / "national" / "report.html") in pages
    return pages


def _top(page: Path) -> str:
    """The words of a page before its main content: what a reader sees first."""
    text = page.read_text(encoding="utf-8")
    head, _, _ = text.partition('<main id="main">')
    return text_of(head.split("<body>", 1)[1])


def test_full_pages_say_at_the_top_they_are_not_for_publication(sample_batch: tuple[Path, Any]) -> None:
    made, run = sample_batch
    assert run.exit_code == 0, run.output
    for page in _pages(made):
        top = _top(page)
        assert FULL in top, page
        assert "case-level detail" in top and "Not for publication" in top
        assert PUBLISHED not in top


def test_published_pages_say_at_the_top_they_are_the_published_version(published_batch: tuple[Path, Any]) -> None:
    made, run = published_batch
    assert run.exit_code == 0, run.output
    for page in _pages(made):
        top = _top(page)
        assert top.startswith(f"Skip to main content {PUBLISHED}"), (page, top[:120])
        assert "Not for publication" not in top and "case-level" not in top


def test_banner_words() -> None:
    assert version_banner(False) == FULL
    assert version_banner(True, 5) == "Published version: counts from 1 to 5 suppressed."
    assert version_banner(True).startswith(PUBLISHED)


def _pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of a PDF, by poppler's pdftotext."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    pages = out.stdout.split("\f")
    return [p for p in pages if p.strip()]


def _pdf_of(batch: str, slug: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The area's report.html from the batch as WeasyPrint's PDF (the full sample one is the run's shared PDF)."""
    if (batch, slug) == ("sample_batch", "amberlow-vale"):
        return request.getfixturevalue("sample_area_pdf")
    from audit.render.pdf import html_to_pdf, pdf_available

    if pdf_available():
        pytest.skip(f"PDF checks skipped: {pdf_available()}")
    made, _ = request.getfixturevalue(batch)
    return html_to_pdf((made / slug / "report.html").read_text(encoding="utf-8"), tmp_path / "report.pdf")


@pytest.mark.parametrize(
    ("batch", "slug", "expected"),
    [("sample_batch", "amberlow-vale", FULL), ("published_batch", "brackenholt-moor", "Published version: counts")],
)
def test_every_pdf_page_has_the_marking_in_its_header(
    batch: str, slug: str, expected: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    pages = _pdf_pages(_pdf_of(batch, slug, request, tmp_path))
    assert len(pages) > 2
    for i, page in enumerate(pages, start=1):
        first = next(line for line in page.splitlines() if line.strip())
        assert expected in " ".join(first.split()), (i, first)
        assert re.search(rf"Page {i} of {len(pages)}", page), i
