"""A changed answer changes what every other area is compared with; a re-run makes again only the areas whose
comparison now reads differently, and its outputs equal a clean run's.

The fake runner writes each area's comparison section as the real report shows it (tests/fakes.py), so an area
kept whose comparison changed would differ from the clean run. The data (10 areas of 60 cases) are chosen so that
one changed answer changes some areas' comparisons and not others', in both versions.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.framework.model import load_framework
from audit.publish.published import Compared
from audit.render import present
from audit.run.area_input import decide_run, run_areas
from audit.workbooks.sample import generate_national, write_workbook
from tests.conftest import SAMPLE_DATA
from tests.fakes import use_fake_runner
from tests.incremental_support import rebuilt, stamps
from tests.test_incremental import batch, same_as_clean

AREA = "Area 006 (synthetic)"
WORKBOOK = "national.xlsx"


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("national")
    fw = load_framework()
    write_workbook(folder / WORKBOOK, generate_national(fw, n_areas=10, cases_per_area=60, seed=2025), fw)
    return folder


@pytest.fixture
def data(national: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(national, folder)
    return folder


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> object:
    return use_fake_runner(monkeypatch)


def flip_first_yes(path: Path, area: str) -> None:
    """The first Yes among ``area``'s answers becomes No (found by the header row, not assumed)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Cases"]
    header = next(r for r in range(1, 20) if any(c.value == "Area" for c in ws[r]))
    columns = {c.value: c.column for c in ws[header] if c.value}
    criteria = [columns[c.header] for c in load_framework().criteria if c.header in columns]
    rows = [r for r in range(header + 1, ws.max_row + 1) if ws.cell(r, columns["Area"]).value == area]
    cell = next(ws.cell(r, c) for r in rows for c in criteria if ws.cell(r, c).value == "Yes")
    cell.value = "No"
    wb.save(path)


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_a_changed_answer_remakes_only_the_areas_whose_comparison_reads_differently(data, tmp_path, fake, publish):
    out = tmp_path / "out"
    batch(data, out, publish=publish)
    before = stamps(out)
    flip_first_yes(data / WORKBOOK, AREA)
    batch(data, out, publish=publish)
    why = rebuilt(out)
    assert why.pop(AREA) == ["inputs changed"]
    assert all(w == ["other areas changed"] for w in why.values()), why
    areas = {f"Area {i:03d} (synthetic)" for i in range(1, 11)}
    kept = areas - set(why) - {AREA}
    assert why and kept, (why, kept)  # some areas made again for the others' sake, some kept
    after = stamps(out)
    for area in kept:
        slug = area.lower().replace(" (synthetic)", "").replace(" ", "-") + "-synthetic"
        mine = [f for f in before if f.split("/")[-2:-1] == [slug]]
        assert mine and all(after[f] == before[f] for f in mine), area  # same bytes, same modification time
    same_as_clean(data, out, publish=publish)


@pytest.mark.parametrize("source", ["sample", "national"])
def test_a_full_version_s_comparison_from_the_run_alone_reads_as_from_its_result(source, national):
    """What a re-run tells from the run's areas alone is what the area's report would show."""
    data = load_audit(SAMPLE_DATA if source == "sample" else national)
    results = {a: analyse_area(data, a) for a in data.areas}
    pubs, _, _ = decide_run(data, results, False, 5)
    areas = run_areas(data, False, 5)
    for area in data.areas:
        assert str(present.benchmarks(Compared.from_run(area, areas))) == str(present.benchmarks(pubs[area]))
    with pytest.raises(ValueError, match="own suppression"):
        Compared.from_run(data.areas[0], run_areas(data, True, 5))
