"""Group results: answers pooled over chosen criteria for chosen cases, counted as score.py counts them."""

from __future__ import annotations

import pandas as pd
import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.groups import answer_counts, group_results
from audit.analyse.score import OTHER, answer_codes, case_counts
from audit.check.validate import load_audit
from tests.conftest import SAMPLE_DATA


@pytest.fixture(scope="module")
def result(framework):
    return analyse_area(load_audit(SAMPLE_DATA, framework, scan=False), "Brackenholt Moor")


def test_a_theme_as_a_group_matches_the_theme_result(result, framework):
    every = pd.Series(True, index=result.cases.index)
    masks = {t.id: every for t in framework.themes}
    ids = {t.id: [c.id for c in framework.criteria_in(t.id)] for t in framework.themes}
    table = group_results(result.cases, masks, framework, ids)
    for t in framework.themes:
        for k in ("yes", "partly", "no", "na", "missing", "invalid", "answered", "pct_yes", "ci_low", "ci_high"):
            assert table.loc[t.id, k] == pytest.approx(result.themes.loc[t.id, k]), (t.id, k)
        assert table.loc[t.id, "cases"] == result.cases_scored


def test_counts_include_invalid_and_blank(result, framework):
    counts = answer_counts(result.cases, framework.criterion_ids)
    assert counts["invalid"] == int(result.criteria["invalid"].sum()) == 1  # the sample's one invalid answer
    assert counts["missing"] == int(result.criteria["missing"].sum())
    assert answer_counts(result.cases.iloc[:0], ["V1"]) == dict.fromkeys(counts, 0)


def test_answers_read_once_give_the_pandas_counts(result, framework):
    """Counts and per-case sums from the answer matrix equal those worked out cell by cell in pandas."""
    ids = list(framework.criterion_ids)
    cases = result.cases.copy()
    cases.loc[cases.index[0], ids[0]] = float("nan")  # a blank read as NaN
    cases.loc[cases.index[1], ids[1]] = 7  # a value of no kind: counted nowhere
    values = cases[ids].to_numpy(dtype=object).ravel().tolist()
    expected = {
        "yes": values.count("Yes"),
        "partly": values.count("Partly"),
        "no": values.count("No"),
        "na": values.count("N/A"),
        "missing": sum(v is None or (isinstance(v, float) and v != v) for v in values),
        "invalid": values.count("Invalid"),
    }
    assert answer_counts(cases, ids) == expected
    yes, answered = case_counts(cases, ids)
    assert yes.tolist() == cases[ids].eq("Yes").sum(axis=1).tolist()
    assert answered.tolist() == cases[ids].isin(["Yes", "Partly", "No"]).sum(axis=1).tolist()
    assert (answer_codes(cases, ids) == OTHER).sum() == 1


def test_a_mask_over_some_cases_only_leaves_the_others_out(result, framework):
    """A mask naming only some cases (another index) chooses those it marks True, as before."""
    cases = result.cases
    some = pd.Series(True, index=cases.index[:5])
    table = group_results(cases, {"first five": some}, framework)
    alone = group_results(cases.iloc[:5], {"first five": pd.Series(True, index=cases.index[:5])}, framework)
    assert table.loc["first five", "cases"] == 5
    pd.testing.assert_frame_equal(table, alone)
