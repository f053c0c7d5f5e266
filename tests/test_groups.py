"""Group results: answers pooled over chosen criteria for chosen cases, counted as score.py counts them."""

from __future__ import annotations

import pandas as pd
import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.groups import answer_counts, group_results
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
