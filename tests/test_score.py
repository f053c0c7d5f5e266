"""Scoring: counts, rates with Wilson intervals, mean points and derived grades."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.summary_json import summary_dict
from tests.conftest import case_row


@pytest.fixture
def result(make_workbook, framework):
    answers = ["Yes", "Yes", "Partly", "No", "N/A", None, "bad"]
    rows = [case_row(framework, f"C{i}", V1=a) for i, a in enumerate(answers)]
    return analyse_area(load_audit(make_workbook(rows), framework))


def test_criterion_counts_rate_and_interval(result):
    v1 = result.criteria.loc["V1"]
    assert (v1["yes"], v1["partly"], v1["no"], v1["na"], v1["missing"], v1["invalid"]) == (2, 1, 1, 1, 1, 1)
    assert v1["answered"] == 4
    assert v1["pct_yes"] == pytest.approx(50.0)
    low, high = proportion_confint(2, 4, method="wilson")
    assert v1["ci_low"] == pytest.approx(low * 100) and v1["ci_high"] == pytest.approx(high * 100)
    assert v1["score"] == pytest.approx((1 + 1 + 0.5 + 0) / 4)


def test_nothing_answered_gives_nulls(make_workbook, framework):
    rows = [case_row(framework, "C1", V1="N/A")]
    summary = summary_dict(publish(analyse_area(load_audit(make_workbook(rows), framework)), None))
    v1 = summary["criteria"]["V1"]
    assert v1["answered"] == 0 and v1["pct_yes"] is None and v1["ci_low"] is None and v1["score"] is None


def test_theme_pools_its_criteria(result, framework):
    ids = [c.id for c in framework.criteria_in("assessment")]
    theme = result.themes.loc["assessment"]
    assert theme["answered"] == result.criteria.loc[ids, "answered"].sum()
    assert theme["yes"] == result.criteria.loc[ids, "yes"].sum()


@pytest.mark.parametrize(
    ("answers", "grade"),
    [
        ({}, "Outstanding"),
        (
            {"I1": "Partly", "I2": "Partly", "I3": "Partly", "I4": "Partly", "I5": "Partly", "A1": "Partly"},
            "Good",
        ),
        ({"V1": "No"}, "Requires improvement"),  # a key criterion answered No caps the grade
        ({"A1": "No"}, "Outstanding"),
    ],
)
def test_derived_grade_bands_and_key_cap(make_workbook, framework, answers, grade):
    result = analyse_area(load_audit(make_workbook([case_row(framework, "C1", **answers)]), framework))
    assert result.cases.loc[0, "derived_grade"] == grade


def test_all_no_is_inadequate(make_workbook, framework):
    result = analyse_area(load_audit(make_workbook([case_row(framework, "C1", answer="No")]), framework))
    assert result.cases.loc[0, "derived_grade"] == "Inadequate"
    assert result.cases.loc[0, "mean_points"] == 0


def test_summary_accounting_and_shape(make_workbook, framework):
    rows = [
        case_row(framework, "C1"),
        case_row(framework, "C1"),
        case_row(framework, "C2"),
        case_row(framework, "C3", answer=None),
    ]
    summary = summary_dict(publish(analyse_area(load_audit(make_workbook(rows), framework)), None))
    assert summary["rows_read"] == 4
    assert summary["cases_scored"] == 1 and summary["cases_excluded"] == 3
    assert summary["rows_read"] == summary["cases_scored"] + summary["cases_excluded"]
    assert [e["cell"] for e in summary["excluded"]] == ["Cases!A2", "Cases!A3", "Cases!A5"]
    assert set(summary["criteria"]) == set(framework.criterion_ids)
    assert set(summary["criteria"]["V1"]) == {
        "yes",
        "partly",
        "no",
        "na",
        "missing",
        "invalid",
        "answered",
        "pct_yes",
        "ci_low",
        "ci_high",
        "score",
    }
