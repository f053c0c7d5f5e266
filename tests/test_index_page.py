"""The batch's index for many areas: one table of areas (key criteria, cases, recorded strengths and
priorities, links to HTML and PDF), sorted and filtered by a script written into the page itself."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from audit.framework.model import load_framework
from audit.render.html_page import text_of
from audit.run.batch import index_html


def _area(i: int, **kw: Any) -> SimpleNamespace:
    fields = dict(
        area=f"Area {i:03d}",
        slug=f"area-{i:03d}",
        ok=True,
        error=None,
        cases_scored=10 + i,
        key_results={},
        pdf=True,
        strengths=None,
        priorities=None,
    )
    fields.update(kw)
    return SimpleNamespace(**fields)


def _index(areas: list[SimpleNamespace], publish: bool = False) -> str:
    batch = SimpleNamespace(
        areas=areas, failed_files={}, unassigned_rows=0, publish=publish, threshold=5, pdf=True, national=True
    )
    return index_html(batch, load_framework())  # type: ignore[arg-type]


def test_one_table_of_153_areas_with_recorded_judgements_and_links() -> None:
    areas = [_area(i) for i in range(153)]
    areas[0] = _area(0, strengths=["I2 Children present recorded"], priorities=["V1 Child's voice recorded"])
    areas[1] = _area(1, strengths=[], priorities=["P2 Safety plan"])
    page = _index(areas)
    assert page.count("<table") == 1 and 'class="area-list"' not in page  # no cards repeating the figures
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = body.split("<tr>")[1:]
    assert len(rows) == 153
    first, second, third = (text_of(r) for r in rows[:3])
    assert "I2 Children present recorded" in first and "V1 Child's voice recorded" in first
    assert "none P2 Safety plan" in second  # recorded judgements, but no strength among them
    assert third.count("none recorded") == 2  # no Judgements sheet: said, not left blank
    for a in areas:
        assert f'href="{a.slug}/report.html"' in page and f'href="{a.slug}/report.pdf"' in page
    heads = text_of(page.split("<thead>", 1)[1].split("</thead>", 1)[0])
    assert "Strengths recorded" in heads and "Areas for priority action recorded" in heads and "Cases scored" in heads


def test_the_filter_and_sort_are_written_inline_and_ask_nothing_of_other_hosts() -> None:
    page = _index([_area(i) for i in range(3)])
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    attrs, code = scripts[0]
    assert "src" not in attrs
    assert not re.search(r"https?:|//[a-z]|fetch\(|XMLHttpRequest|import\(", code)
    assert 'id="areas-filter"' in code and "aria-sort" in code
    # Without the script the table still reads: every figure is in the markup, in the batch's order.
    assert [m for m in re.findall(r'<th scope="row">([^<]+)</th>', page)] == ["Area 000", "Area 001", "Area 002"]


def test_real_index_lists_the_sample_judgements(sample_batch: tuple[Path, Any]) -> None:
    made, _ = sample_batch
    page = text_of((made / "index.html").read_text(encoding="utf-8"))
    assert "V1 Child's voice recorded" in page  # Amberlow Vale's recorded area for priority action
