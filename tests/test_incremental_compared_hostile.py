"""Hostile runs against an incremental batch's record of each area's comparison with the others (AreaRecord.view).

An area kept because its comparison reads as before must be what a clean run makes, whatever came before:
odd data, runs that could not compare at all, sequences of edits, and a record that was damaged.
"""

from __future__ import annotations

import json

import nbformat
import openpyxl
import pytest

from audit.errors import AuditError
from audit.framework.model import load_framework
from audit.run.incremental import CACHE
from audit.workbooks.sample import generate_national, write_workbook
from tests.conftest import case_row, header_for
from tests.fakes import use_fake_runner
from tests.incremental_support import AMBERLOW, differences, rebuilt, sample_fixtures, set_cell, snapshot
from tests.test_incremental import AREAS, batch, same_as_clean

FW = load_framework()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> object:
    return use_fake_runner(monkeypatch)


def fail_analysis(monkeypatch, failing: str) -> list[str]:
    """The batch's analysis of ``failing`` fails as bad data would (an AuditError); every other area's runs.

    Returns the list of failing areas: emptied, the analysis works again.
    """
    from audit.run import batch as batch_module

    real = batch_module.analyse_area
    failing_now = [failing]

    def analyse(usable, area, **kwargs):
        if area in failing_now:
            raise AuditError("could not be analysed")
        return real(usable, area, **kwargs)

    monkeypatch.setattr(batch_module, "analyse_area", analyse)
    return failing_now


def workbook(path, rows, fw=FW):
    """A Cases sheet of ``rows`` (tests.conftest.case_row) at ``path``, headed for ``fw``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(fw))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_national_figures_with_no_scored_case_fail_the_reports_not_the_batch(tmp_path, fake):
    """Every case excluded (nothing answered) and national figures given: no comparison can be made, so each area's
    report fails with a message, as before the record kept comparisons; the batch itself must not stop."""
    data = tmp_path / "data"
    rows = [case_row(FW, f"{a[0]}{i}", a, None) for a in ("Aland", "Bland") for i in range(4)]
    workbook(data / "cases.xlsx", rows)
    national = tmp_path / "national.yaml"
    national.write_text(f"{FW.criteria[0].id}: 50\n", encoding="utf-8")
    done = batch(data, tmp_path / "out", national=str(national))
    assert [(a.area, a.error) for a in done.areas] == [
        ("Aland", "no results for area 'Aland'"),
        ("Bland", "no results for area 'Bland'"),
    ]
    batch(data, tmp_path / "out", national=str(national))  # tried again (failed last time), the same way
    same_as_clean(data, tmp_path / "out", national=str(national))


def test_the_last_scored_case_excluded_while_another_area_never_had_one(tmp_path, fake):
    """Full versions: the one area with a scored case loses it, and an area with none is unchanged. The run's
    results then have no row for the unchanged area, so its comparison cannot be told from them: it is told from
    its result (before: the batch stopped with a traceback)."""
    data = tmp_path / "data"

    def write(answer):
        rows = [case_row(FW, "A0", "Aland", answer)] + [case_row(FW, f"B{i}", "Bland", None) for i in range(3)]
        workbook(data / "cases.xlsx", rows)

    out = tmp_path / "out"
    write("Yes")
    batch(data, out)
    write(None)
    assert batch(data, out).ok
    assert rebuilt(out) == {"Aland": ["inputs changed"], "Bland": ["other areas changed"]}
    same_as_clean(data, out)


sample, sample_data = sample_fixtures()
VIEW_DAMAGE = {
    "missing": lambda area: area.pop("view"),
    "none": lambda area: area.update(view=None),
    "number": lambda area: area.update(view=3),
    "list": lambda area: area.update(view=["a"]),
}


@pytest.mark.parametrize("damage", list(VIEW_DAMAGE))
def test_a_view_in_the_record_that_is_not_text_means_the_record_is_not_used(sample_data, tmp_path, fake, damage):
    """An area's recorded comparison missing or not text: the record is refused and everything made again."""
    out = tmp_path / "out"
    batch(sample_data, out)
    path = out / "restricted" / CACHE
    raw = json.loads(path.read_text(encoding="utf-8"))
    VIEW_DAMAGE[damage](raw["areas"]["Brackenholt Moor"])
    path.write_text(json.dumps(raw), encoding="utf-8")
    set_cell(sample_data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 4, "No")
    assert batch(sample_data, out).ok
    assert rebuilt(out) == dict.fromkeys(AREAS, ["no record of an earlier run"])
    same_as_clean(sample_data, out)


def test_an_unchanged_area_failing_when_analysed_again_for_the_others_sake(tmp_path, fake, monkeypatch):
    """Full versions: Area 006's answer changes Area 001's comparison, and Area 001, analysed again for it (in its
    report's own job, beside the kernels), fails. Its data and everything it is made from are as when the earlier
    run analysed it, so only a fault could fail it: its report fails, named, as a failing kernel's would, and the
    batch goes on. The next run makes it again, and the folder is then what a clean run makes."""
    from tests.test_incremental_compared import flip_first_yes

    data = tmp_path / "data"
    data.mkdir()
    write_workbook(data / "national.xlsx", generate_national(FW, n_areas=10, cases_per_area=60, seed=2025), FW)
    out = tmp_path / "out"
    batch(data, out)
    failing = fail_analysis(monkeypatch, "Area 001 (synthetic)")
    flip_first_yes(data / "national.xlsx", "Area 006 (synthetic)")
    done = batch(data, out)
    assert {a.area: a.error for a in done.areas if a.error} == {"Area 001 (synthetic)": "could not be analysed"}
    why = rebuilt(out)
    assert why["Area 001 (synthetic)"] == ["other areas changed"]
    assert all(len(set(w)) == len(w) for w in why.values()), why  # each reason given once
    failing.clear()
    batch(data, out)
    assert rebuilt(out) == {"Area 001 (synthetic)": ["failed last time"]}
    same_as_clean(data, out)


ODD_RUNS = {
    "an-area-all-n-a": [("Aland", "Yes", 8), ("Bland", "N/A", 8)],
    "an-area-all-blank": [("Aland", "Yes", 8), ("Bland", None, 8)],
    "one-area": [("Aland", "Yes", 8)],
    "rows-with-no-area": [("Aland", "Yes", 8), (None, "No", 3), ("Bland", "No", 8)],
    "a-one-case-area": [("Aland", "No", 8), ("Bland", "Partly", 1), ("Cland", "Yes", 3)],
}


@pytest.mark.parametrize("national", [False, True], ids=["alone", "national"])
@pytest.mark.parametrize("odd", list(ODD_RUNS))
def test_a_comparison_told_from_the_run_alone_reads_as_the_report_s_on_odd_runs(tmp_path, odd, national):
    """What a re-run tells from the run's areas (Compared.from_run) is what the area's report shows, on runs with an
    area that answered nothing, a single area, rows naming no area, and with national figures."""
    from audit.analyse.area_result import analyse_area
    from audit.analyse.national_figures import NationalFigures
    from audit.check.validate import load_audit
    from audit.publish.published import Compared
    from audit.render import present
    from audit.run.area_input import decide_run, run_areas

    rows = [case_row(FW, f"{area or 'X'}{i}", area, answer) for area, answer, n in ODD_RUNS[odd] for i in range(n)]
    data = load_audit(workbook(tmp_path / "cases.xlsx", rows))
    figures = NationalFigures({c.id: 50.0 for c in FW.criteria[:4]} | {FW.themes[0].id: 60.0}) if national else None
    pubs, _, _ = decide_run(data, {a: analyse_area(data, a) for a in data.areas}, False, 5)
    areas = run_areas(data, False, 5)
    for area in data.areas:
        told = str(present.benchmarks(Compared.from_run(area, areas), figures))
        assert told == str(present.benchmarks(pubs[area], figures)), area


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_an_area_whose_analysis_failed_is_in_no_other_area_s_comparison(sample_data, tmp_path, monkeypatch, publish):
    """Elderwyke Downs' analysis fails: the others' comparisons leave it out (as the national summary does), reading
    as a run without it. Before, its rates were pooled and ranged (never through the run's disclosure decision)
    beside counts that left it out, and an area left alone beside it could not be reported at all."""
    import shutil

    use_fake_runner(monkeypatch)
    fail_analysis(monkeypatch, "Elderwyke Downs")
    assert not batch(sample_data, tmp_path / "out", publish=publish).ok  # Elderwyke Downs failed
    without = tmp_path / "without"
    shutil.copytree(sample_data, without)
    (without / "elderwyke-downs.xlsx").unlink()
    batch(without, tmp_path / "out-without", publish=publish)
    for slug in ("amberlow-vale", "brackenholt-moor"):
        # The comparison as each report shows it, from its executed notebook (tests/fakes.py).
        sections = [
            nbformat.read(folder / "restricted" / slug / "report.ipynb", as_version=4).cells[1].source
            for folder in (tmp_path / "out", tmp_path / "out-without")
        ]
        assert "How the area compares" in sections[0] and sections[0] == sections[1], slug


def test_a_comparison_failing_unexpectedly_fails_its_report_not_the_batch(sample_data, tmp_path, fake, monkeypatch):
    """Whatever the comparison section raises for one area, that area's report fails (as on a kernel) and the others
    are made; working out what the record keeps of it never stops the batch."""
    from audit.render import present, present_compare
    from audit.run import rebuild

    def failing(pub, *args, **kwargs):
        if pub.area == "Brackenholt Moor":
            raise KeyError("a cell's text")
        return present_compare.benchmarks(pub, *args, **kwargs)

    monkeypatch.setattr(present, "benchmarks", failing)
    monkeypatch.setattr(rebuild, "benchmarks", failing)
    done = batch(sample_data, tmp_path / "out")
    assert [a.area for a in done.areas if not a.ok] == ["Brackenholt Moor"]
    assert "KeyError" in next(a.error for a in done.areas if not a.ok)


def test_earlier_rounds_and_two_framework_versions_in_one_run(tmp_path, fake):
    """North Vale has a 2025.1 round and a 2026.1 round, East Vale a 2026.1 round, South Vale only a 2025.1 round (a
    group of its own). A changed answer in North Vale's older round changes no comparison (older rounds are in change
    over time only); one in East Vale's changes North Vale's; each re-run is a clean run's."""
    from tests.test_frameworks import name_framework
    from tests.test_frameworks_change import NEW, OLD, _rows

    old, new = load_framework(OLD), load_framework(NEW)
    data = tmp_path / "data"
    data.mkdir()

    def write(north_old, east):
        books = {
            "north-2025.xlsx": (old, _rows(old, "North Vale", 2025, 12, I1=north_old)),
            "north-2026.xlsx": (new, _rows(new, "North Vale", 2026, 12, I1="Yes")),
            "east-2026.xlsx": (new, _rows(new, "East Vale", 2026, 12, I1=east)),
            "south-2025.xlsx": (old, _rows(old, "South Vale", 2025, 12)),
        }
        for name, (fw, rows) in books.items():
            path = data / name
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.title = "Cases"
            ws.append(header_for(fw))
            for row in rows:
                ws.append(row)
            wb.save(path)
            name_framework(path, "jtai-domestic-abuse", fw.version)

    out = tmp_path / "out"
    write("No", "No")
    batch(data, out)
    write("Yes", "No")  # North Vale's older round
    batch(data, out)
    assert rebuilt(out / "jtai-domestic-abuse-2026-1") == {"North Vale": ["inputs changed"]}
    as_clean(data, out)
    write("Yes", "Yes")  # East Vale: North Vale's comparison changes
    batch(data, out)
    assert rebuilt(out / "jtai-domestic-abuse-2026-1") == {
        "East Vale": ["inputs changed"],
        "North Vale": ["other areas changed"],
    }
    as_clean(data, out)


def as_clean(data, out):
    """``out`` holds what a clean run into a new folder of its name makes (several frameworks: no top manifest)."""
    import shutil

    made = snapshot(out)
    kept = out.with_name("kept")
    out.rename(kept)
    try:
        batch(data, out)
        clean = snapshot(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
        kept.rename(out)
    run_files = ("manifest.json", "batch-cache.json")  # each framework's own: what this run did and found
    assert [f for f in differences(made, clean) if not f.endswith(run_files)] == []
