"""Publish mode in the analysis sections: no count from 1 to the threshold, and none worked out from a total."""

from __future__ import annotations

import re

import pytest

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.disclosure import SUPPRESSED
from audit.render import charts, present
from tests.conftest import SAMPLE_DATA
from tests.published import published
from tests.test_consistency import tables

COUNT_COLUMNS = ("Cases", "Answers", "Pairs")
SENTENCES = (
    r"In (\S+) of (\S+) (?:cases|answers)",
    r"(?:audited|for) (\S+) of (?:the )?(\S+)? ?cases",
    r"On [^,]+, (\S+) of (\S+) answers",
)


@pytest.fixture(scope="module")
def data(framework):
    return load_audit(SAMPLE_DATA, framework, scan=False)


def _sections(data, area: str, threshold: int = 5, publish: bool = True) -> str:
    pub = published(data, area, threshold if publish else None)
    return "".join(
        [
            present.findings(pub),
            present.benchmarks(pub),
            present.agencies(pub, charts.sharing_heatmap(pub).html()),
            present.age_bands(pub),
            present.moderation(pub),
            present.change_over_time(pub),
        ]
    )


def _small(text: str, threshold: int) -> bool:
    return text.isdigit() and 0 < int(text) <= threshold


@pytest.mark.parametrize("area", ["Amberlow Vale", "Brackenholt Moor", "Fennistow Bay"])
def test_no_small_count_is_shown(data, area):
    page = _sections(data, area)
    for caption, rows in tables(page).items():
        for row in rows:
            for column in COUNT_COLUMNS:
                if column in row:
                    assert not _small(row[column], 5), (caption, row)
    for pattern in SENTENCES:
        for m in re.finditer(pattern, page):
            assert not any(_small(g or "", 5) for g in m.groups()), m.group(0)


def test_no_hidden_band_can_be_worked_out_from_the_focus_total(data):
    for area in data.areas:
        page = _sections(data, area)
        rows = {r["Age band"]: r["Cases"] for r in tables(page)[f"Results by age band, {area}"]}
        focus = [rows[b] for b in ("Unborn", "0-2", "3-7")] + [rows["Unborn babies and children aged 0 to 7"]]
        assert sum(v == SUPPRESSED for v in focus) != 1, (area, rows)


def test_case_ids_stay_out_of_published_sections(data):
    page = _sections(data, "Amberlow Vale")
    assert not re.search(r"\bAV-\d{4}\b", page)
    full = present.moderation(published(data, "Amberlow Vale"))
    assert re.search(r"\bAV-\d{4}\b", full)  # the full report lists the moderated cases


def test_a_high_threshold_hides_moderation(data):
    page = _sections(data, "Amberlow Vale", threshold=10)
    assert "A second auditor audited [c] of the cases again" in page
    assert "Agreement is not published" in page


@pytest.mark.parametrize("publish", [False, True])
def test_sections_cope_with_nothing_scored(make_workbook, framework, publish):
    from tests.conftest import case_row

    data = load_audit(make_workbook([case_row(framework, "C1", answer=None)]), framework, scan=False)
    assert analyse_area(data).cases_scored == 0
    page = _sections(data, "Testshire", publish=publish)
    assert "Too small to conclude" in page and "no earlier round" in page
