"""Comparisons: an area beside the rest of the batch and a national figure, and change between audit rounds."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from audit.analyse.area_result import analyse_area
from audit.analyse.compare import (
    ABOVE,
    BELOW,
    DOWN,
    NO_CLEAR_CHANGE,
    SIMILAR,
    UP,
    NationalFigures,
    area_results,
    audit_rounds,
    change_since_previous,
    difference_interval,
    position,
    read_national,
    results_long,
    rounds_table,
)
from audit.analyse.compare_areas import benchmark
from audit.check.validate import load_audit
from audit.errors import AuditError
from audit.publish.published import publish
from tests.conftest import SAMPLE_DATA, case_row, header_for


@pytest.fixture(scope="module")
def sample(framework):
    return load_audit(SAMPLE_DATA, framework, scan=False)


def test_area_results_match_each_area_report(sample):
    results = area_results(sample)
    assert list(dict.fromkeys(results["area"])) == sample.areas
    for area in sample.areas:
        r = analyse_area(sample, area)
        expected = results_long(r.criteria, r.themes, r.framework).reset_index()
        got = results[results["area"] == area].reset_index(drop=True)
        assert list(got["id"]) == list(expected["id"])
        for k in ("yes", "partly", "no", "answered"):
            assert got[k].tolist() == expected[k].astype(int).tolist()
        for k in ("pct_yes", "ci_low", "ci_high"):
            assert np.allclose(got[k].astype(float), expected[k].astype(float), equal_nan=True)


def _two_areas(make_workbook, framework, strong: int, weak: int, n: int = 20):
    """Area Strong with `strong` Yes of n on V1, area Weak with `weak` Yes of n; other answers Partly."""
    rows = [case_row(framework, f"S{i}", "Strong", "Partly", V1="Yes" if i < strong else "No") for i in range(n)] + [
        case_row(framework, f"W{i}", "Weak", "Partly", V1="Yes" if i < weak else "No") for i in range(n)
    ]
    return load_audit(make_workbook(rows), framework, scan=False)


def test_benchmark_against_the_rest_of_the_batch(make_workbook, framework):
    data = _two_areas(make_workbook, framework, strong=18, weak=4)
    results = area_results(data)
    bench = benchmark(results, "Strong", framework).set_index("id")
    v1 = bench.loc["V1"]
    assert (v1["yes"], v1["answered"], v1["rest_yes"], v1["rest_answered"]) == (18, 20, 4, 20)
    assert v1["rest_pct"] == pytest.approx(20.0)
    low, high = proportion_confint(4, 20, method="wilson")
    assert (v1["rest_low"], v1["rest_high"]) == pytest.approx((low * 100, high * 100))
    assert v1["vs_rest"] == ABOVE and v1["rank"] == 1 and v1["areas"] == 2
    assert (v1["lowest"], v1["highest"]) == (20.0, 90.0)
    assert benchmark(results, "Weak", framework).set_index("id").loc["V1", "vs_rest"] == BELOW
    # Every other criterion is all Partly in both areas: 0% Yes everywhere, so the interval holds the figure.
    assert bench.loc["A1", "vs_rest"] == SIMILAR


def test_benchmark_against_a_national_figure(make_workbook, framework):
    data = _two_areas(make_workbook, framework, strong=18, weak=4)
    national = NationalFigures({"V1": 50.0, "assessment": 1.0}, "national figure")
    bench = benchmark(area_results(data), "Weak", framework, national).set_index("id")
    assert bench.loc["V1", "national"] == 50.0 and bench.loc["V1", "vs_national"] == BELOW
    assert bench.loc["assessment", "vs_national"] == ABOVE  # 4 of 100 answers: interval 1.6% to 9.8%
    assert not isinstance(bench.loc["A1", "vs_national"], str)  # no figure given


def test_unknown_area_is_an_error(make_workbook, framework):
    data = _two_areas(make_workbook, framework, 10, 10)
    with pytest.raises(AuditError):
        benchmark(area_results(data), "Nowhere", framework)


@pytest.mark.parametrize(
    ("low", "high", "figure", "expected"),
    [(60, 80, 50, ABOVE), (20, 40, 50, BELOW), (40, 60, 50, SIMILAR), (50, 60, 50, SIMILAR), (None, None, 5, None)],
)
def test_position(low, high, figure, expected):
    assert position(low, high, figure) == expected


def test_read_national_figures_from_yaml_and_json(tmp_path: Path, framework):
    yml = tmp_path / "national.yml"
    yml.write_text('source: "JTAI 2024/25"\nv1: 41.5\nassessment: 50\n', encoding="utf-8")
    figures = read_national(yml, framework)
    assert figures.figures == {"V1": 41.5, "assessment": 50.0} and figures.source == "JTAI 2024/25"
    js = tmp_path / "national.json"
    js.write_text(json.dumps({"P2": 30}), encoding="utf-8")
    assert read_national(js, framework).figures == {"P2": 30.0}


@pytest.mark.parametrize(
    ("text", "message"),
    [("Z9: 40\n", "not a criterion"), ("V1: 140\n", "percentage"), ("V1: lots\n", "percentage"), ("- 1\n", "map")],
)
def test_bad_national_figures(tmp_path: Path, framework, text, message):
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuditError, match=message):
        read_national(path, framework)


# Change over time -------------------------------------------------------------------------------------


def _round_rows(framework, spec, with_round_column: bool):
    """spec: (case ID, date, round, V1 answer) tuples."""
    rows = []
    for cid, date, rnd, v1 in spec:
        row = case_row(framework, cid, V1=v1)
        row[2] = date
        if with_round_column:
            row.insert(6, rnd)
        rows.append(row)
    return rows


def test_round_column_sets_rounds_and_case_ids_may_repeat_across_rounds(make_workbook, framework):
    spec = [("C1", dt.date(2025, 1, 10), "1", "No"), ("C2", dt.date(2025, 1, 11), "1", "No")]
    spec += [("C1", dt.date(2025, 2, 10), "2", "Yes"), ("C2", dt.date(2025, 2, 11), "2", "Yes")]
    spec += [("C3", dt.date(2025, 2, 12), "2", "Yes"), ("C3", dt.date(2025, 2, 13), "2", "Yes")]
    header = header_for(framework, extra=("Audit round",))
    data = load_audit(make_workbook(_round_rows(framework, spec, True), header=header), framework, scan=False)
    # C1 and C2 appear once in each round: both kept. C3 twice in round 2: both copies excluded.
    assert sorted(data.scored["case_id"]) == ["C1", "C1", "C2", "C2"]
    assert set(data.excluded["case_id"]) == {"C3"}
    assert data.scored["audit_round"].tolist() == ["1", "1", "2", "2"]
    rounds = rounds_table(data.scored, framework)
    assert rounds["round"].tolist() == ["1", "2"] and rounds["cases"].tolist() == [2, 2]


def test_rounds_are_ordered_by_date_then_naturally(framework):
    import pandas as pd

    cases = pd.DataFrame(
        {
            "audit_round": ["10", "2", "Spring", "2"],
            "audit_date": [dt.date(2025, 6, 1), dt.date(2025, 1, 1), None, dt.date(2025, 1, 2)],
        }
    )
    from audit.analyse.compare import round_order

    assert round_order(cases, audit_rounds(cases, framework)) == ["2", "10", "Spring"]


def test_without_a_round_column_a_long_gap_starts_a_new_round(make_workbook, framework):
    # A six-week audit across the end of March is one round; a gap of over 90 days starts the next.
    spec = [
        ("A1", dt.date(2025, 3, 10), None, "No"),
        ("A2", dt.date(2025, 4, 18), None, "No"),
        ("B1", dt.date(2025, 9, 1), None, "Yes"),
        ("B2", dt.date(2025, 9, 2), None, "Yes"),
    ]
    data = load_audit(make_workbook(_round_rows(framework, spec, False)), framework, scan=False)
    rounds = rounds_table(data.scored, framework)
    assert rounds["round"].tolist() == ["March to April 2025", "September 2025"]
    assert rounds["cases"].tolist() == [2, 2]


def test_one_round_has_no_change(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, "C1")]), framework, scan=False)
    assert change_since_previous(data.scored, framework) is None


def test_change_since_previous_round_with_newcombe_interval(make_workbook, framework):
    before = [(f"P{i}", dt.date(2024, 6, 1), "Round A", "Yes" if i < 3 else "No") for i in range(15)]
    after = [(f"L{i}", dt.date(2025, 6, 1), "Round B", "Yes" if i < 13 else "No") for i in range(15)]
    header = header_for(framework, extra=("Audit round",))
    data = load_audit(make_workbook(_round_rows(framework, before + after, True), header=header), framework, scan=False)
    change = change_since_previous(data.scored, framework).set_index("id")
    v1 = change.loc["V1"]
    assert (v1["previous_round"], v1["latest_round"]) == ("Round A", "Round B")
    assert (v1["previous_yes"], v1["previous_answered"], v1["latest_yes"], v1["latest_answered"]) == (3, 15, 13, 15)
    low, high = confint_proportions_2indep(13, 15, 3, 15, method="newcomb", compare="diff")
    assert v1["change"] == pytest.approx((13 - 3) / 15 * 100)
    assert (v1["change_low"], v1["change_high"]) == pytest.approx((low * 100, high * 100))
    assert v1["direction"] == UP
    assert change.loc["A1", "direction"] == NO_CLEAR_CHANGE  # all Yes in both rounds
    assert set(change["level"]) == {"criterion", "theme"}


def test_difference_interval_direction_and_empty_groups():
    diff, low, high = difference_interval(2, 20, 18, 20)
    assert diff == pytest.approx(-80) and high < 0
    assert (DOWN if high < 0 else UP) == DOWN
    assert difference_interval(1, 0, 1, 5) == (None, None, None)


def test_change_over_time_section(make_workbook, framework):
    from audit.render import present

    before = [(f"P{i}", dt.date(2024, 6, 1), "Round A", "Yes" if i < 3 else "No") for i in range(15)]
    after = [(f"L{i}", dt.date(2025, 6, 1), "Round B", "Yes" if i < 13 else "No") for i in range(15)]
    header = header_for(framework, extra=("Audit round",))
    data = load_audit(make_workbook(_round_rows(framework, before + after, True), header=header), framework, scan=False)
    fragment = present.change_over_time(publish(analyse_area(data), None))
    assert "Rounds come from the Audit round column" in fragment
    assert "Clear changes: V1 Child's voice recorded (up: Yes in 3 of 15 answers, then 13 of 15)" in html.unescape(
        fragment
    )
    assert "survives Holm's correction for the 21 comparisons" in html.unescape(fragment)
    assert '<th scope="col" class="num">Round A</th>' in fragment and "+67 points" in fragment
    single_data = load_audit(make_workbook([case_row(framework, "C1")]), framework)
    single = present.change_over_time(publish(analyse_area(single_data), None))
    assert "no earlier round to compare with" in single and "gap of more than 90 days" in single
