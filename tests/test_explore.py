"""Exploring cases: filters by area, agency, age band and criterion, and the cases behind a figure."""

from __future__ import annotations

import pytest

from audit.analyse import explore
from audit.analyse.area_result import analyse_area
from audit.errors import AuditError
from tests.conftest import SAMPLE_DATA


@pytest.fixture(scope="module")
def data(framework):
    return explore.load_folder(SAMPLE_DATA)


@pytest.fixture(scope="module")
def cases(data):
    return explore.case_table(data)


def test_case_table_holds_every_scored_case(data, cases, framework):
    assert len(cases) == len(data.scored)
    assert {"area", "case_id", "age_band", "derived_grade", *framework.criterion_ids} <= set(cases.columns)
    assert explore.areas(cases)["cases"].sum() == len(cases)


def test_filters_combine(cases, framework):
    chosen = explore.filter_cases(
        cases, framework, area="amberlow vale", agency="Midwife", age_band="focus", criterion="v1", answer="No"
    )
    assert len(chosen) > 0
    assert (chosen["area"] == "Amberlow Vale").all()
    assert chosen["age_band"].isin(["Unborn", "0-2", "3-7"]).all()
    assert (chosen["V1"] == "No").all()
    assert all("health" in a or not a for a in chosen["agencies"])
    several = explore.filter_cases(cases, framework, age_band=["8-12", "13-17"])
    assert set(several["age_band"]) <= {"8-12", "13-17"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"area": "Nowhere"}, "no area"), ({"agency": "Fire"}, "no agency"), ({"criterion": "Z9"}, "no criterion")],
)
def test_unknown_filters_say_what_exists(cases, framework, kwargs, message):
    with pytest.raises(AuditError, match=message):
        explore.filter_cases(cases, framework, **kwargs)


def test_cases_behind_a_figure_reproduce_it(data, cases, framework):
    result = analyse_area(data, "Amberlow Vale")
    drill = explore.cases_behind(cases, framework, "Amberlow Vale", "V1")
    v1 = result.criteria.loc["V1"]
    assert (drill.yes, drill.answered) == (int(v1["yes"]), int(v1["answered"]))
    assert drill.pct_yes == pytest.approx(v1["pct_yes"])
    assert len(drill.cases) == drill.answered
    assert set(drill.cases["V1 answer"]) <= {"Yes", "Partly", "No"}
    assert drill.describe().startswith(f"Amberlow Vale, V1 Child's voice recorded: Yes in {drill.yes} of")
    assert "<table" in drill._repr_html_()


def test_selection_results_score_like_the_report(data, cases, framework):
    result = analyse_area(data, "Fennistow Bay")
    selection = explore.filter_cases(cases, framework, area="Fennistow Bay")
    table = explore.selection_results(selection, framework)
    assert table["yes"].tolist() == result.criteria["yes"].tolist()
    assert table["answered"].tolist() == result.criteria["answered"].tolist()
