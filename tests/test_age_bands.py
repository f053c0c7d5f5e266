"""Age bands: each band, and the inspections' focus group (unborn babies and children 0 to 7) on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from audit.analyse.age_bands import age_band_results, focus_by_criterion
from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.framework.model import DEFAULT_CRITERIA, load_framework
from audit.publish.published import publish
from audit.render import present
from tests.conftest import case_row


def _row(fw, cid, band, **answers):
    row = case_row(fw, cid, **answers)
    row[3] = band
    return row


@pytest.fixture
def result(make_workbook, framework):
    rows = [_row(framework, f"U{i}", "Unborn", V1="Yes" if i < 2 else "No") for i in range(6)]
    rows += [_row(framework, f"Y{i}", "3-7", V1="No") for i in range(4)]
    rows += [_row(framework, f"O{i}", "13-17", V1="Yes") for i in range(8)]
    rows += [_row(framework, "X1", None, V1="Yes")]
    return analyse_area(load_audit(make_workbook(rows), framework, scan=False))


def test_bands_then_focus_group_then_older(result, framework):
    table = age_band_results(result.cases, framework)
    focus = "Unborn babies and children aged 0 to 7"
    assert list(table.index) == [*framework.age_bands, "Not recorded", focus, "Older children (8-12, 13-17)"]
    assert table["group"].tolist()[-2:] == ["focus", "older"]
    assert table.loc["Unborn", "cases"] == 6 and table.loc["0-2", "cases"] == 0
    assert table.loc[focus, "cases"] == 10 and table.loc["Not recorded", "cases"] == 1
    for k in ("yes", "answered"):
        assert table.loc[focus, k] == table.loc[["Unborn", "0-2", "3-7"], k].sum()


def test_focus_beside_older_children_with_newcombe_interval(result, framework):
    v1 = focus_by_criterion(result.cases, framework).set_index("id").loc["V1"]
    assert (v1["focus_yes"], v1["focus_answered"], v1["older_yes"], v1["older_answered"]) == (2, 10, 8, 8)
    low, high = confint_proportions_2indep(2, 10, 8, 8, method="newcomb", compare="diff")
    assert (v1["gap_low"], v1["gap_high"]) == pytest.approx((low * 100, high * 100))
    assert v1["gap"] == pytest.approx(-80) and v1["direction"] == "down"


def test_no_focus_bands_in_the_framework(tmp_path: Path, make_workbook):
    text = DEFAULT_CRITERIA.read_text(encoding="utf-8")
    path = tmp_path / "nofocus.yml"
    path.write_text(text.split("# The age bands the current inspections focus on")[0], encoding="utf-8")
    fw = load_framework(path)
    data = load_audit(make_workbook([case_row(fw, "C1")], fw=fw), fw, scan=False)
    result = analyse_area(data)
    assert focus_by_criterion(result.cases, fw) is None
    assert set(age_band_results(result.cases, fw)["group"]) == {"band"}
    assert "Results by age band" in present.age_bands(publish(result, None))


def test_age_section_names_clear_differences(result):
    fragment = present.age_bands(publish(result, None))
    assert "beside older children" in fragment and "V1 Child" in fragment and "worse for the younger group" in fragment
    assert "Yes in 2 of 10 answers, against 8 of 8 for older children" in fragment
    assert "Holm's method was used for the 17 comparisons" in fragment


def test_a_difference_must_survive_holm(make_workbook, framework):
    """V1 differs with p about 0.01 alone, but not after allowing for 17 comparisons; 2 children are too few."""
    rows = [_row(framework, f"U{i}", "3-7", V1="Yes" if i < 4 else "No") for i in range(12)]
    rows += [_row(framework, f"O{i}", "13-17", V1="Yes" if i < 10 else "No") for i in range(12)]
    result = analyse_area(load_audit(make_workbook(rows), framework, scan=False))
    v1 = focus_by_criterion(result.cases, framework).set_index("id").loc["V1"]
    assert v1["gap_high"] < 0 and v1["p_value"] < 0.05  # clear on its own
    assert v1["direction"] == "no clear change"  # but not after Holm over 17 criteria
    assert "No criterion shows a clear difference" in present.age_bands(publish(result, None))
    few = [_row(framework, f"U{i}", "3-7", V1="No") for i in range(10)]
    few += [_row(framework, f"O{i}", "13-17", V1="Yes") for i in range(2)]
    result = analyse_area(load_audit(make_workbook(few, name="few.xlsx"), framework, scan=False))
    table = focus_by_criterion(result.cases, framework)
    assert set(table["direction"]) == {"too few answers"} and table.attrs["comparisons"] == 0
    assert "so the groups are not compared" in present.age_bands(publish(result, None))
