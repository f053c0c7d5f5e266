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


def test_answers_match_without_regard_to_case(cases, framework):
    lower = explore.filter_cases(cases, framework, criterion="V1", answer="no")
    assert len(lower) > 0
    assert lower.equals(explore.filter_cases(cases, framework, criterion="V1", answer="No"))
    assert explore.answer_values(framework, ["n/a", " PARTLY "]) == ("N/A", "Partly")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"criterion": "V1", "answer": "Nope"}, "no answer 'Nope'; the answers are: Yes, Partly, No, N/A"),
        ({"age_band": "0 to 2"}, "no age band '0 to 2'; the bands are: Unborn, 0-2, 3-7, 8-12, 13-17, focus"),
        ({"age_band": ["0-2", "teen"]}, "no age band 'teen'"),
        ({"answer": "No"}, "answer 'No' needs a criterion to answer; choose one of: I1, I2"),
    ],
)
def test_unknown_answers_and_bands_say_what_exists(cases, framework, kwargs, message):
    with pytest.raises(AuditError, match=message.replace("(", r"\(")):
        explore.filter_cases(cases, framework, **kwargs)


def test_case_table_holds_evidence_and_comments(data, cases, framework):
    for cid in framework.criterion_ids:
        assert f"free_evidence_{cid}" in cases.columns
    given = data.scored["free_evidence_I1"].notna()
    assert given.any()
    assert cases["free_evidence_I1"].tolist() == data.scored["free_evidence_I1"].tolist()
    assert {"comments", "impact", "good_practice"} <= set(cases.columns)


def test_cases_behind_a_criterion_and_answer(cases, framework):
    whole = explore.cases_behind(cases, framework, "Amberlow Vale", "V1")
    drill = explore.cases_behind(cases, framework, "Amberlow Vale", "v1", answer="no")
    assert drill.answer == "No" and drill.answered == whole.answered
    assert drill.count == len(drill.cases) == int((whole.cases["V1 answer"] == "No").sum()) > 0
    assert set(drill.cases["V1 answer"]) == {"No"}
    assert f"No in {drill.count} of {drill.answered} cases" in drill.describe()


def test_cases_behind_an_agency_or_age_band_reproduce_its_figure(data, cases, framework):
    from audit.analyse.age_bands import age_band_results
    from audit.analyse.agencies import involvement

    area_cases = data.scored[data.scored["area"] == "Amberlow Vale"]
    drill = explore.cases_behind(cases, framework, "Amberlow Vale", "V1", age_band="0-2")
    chosen = area_cases[area_cases["age_band"] == "0-2"]
    answered = chosen["V1"].isin(["Yes", "Partly", "No"])
    assert (drill.yes, drill.answered) == (int((chosen["V1"] == "Yes").sum()), int(answered.sum()))
    assert "age 0-2" in drill.describe()
    assert "0-2" in age_band_results(area_cases, framework).index
    police = explore.cases_behind(cases, framework, None, "V1", agency="police")
    counted = data.scored[involvement(data.scored, framework)["police"]]
    assert police.answered == int(counted["V1"].isin(["Yes", "Partly", "No"]).sum())
    assert police.describe().startswith("Every area, Police, V1")


def test_only_area_is_picked_when_there_is_one(data):
    one = explore.load_folder(SAMPLE_DATA / "amberlow-vale.xlsx")
    assert explore.only_area(one, None) == "Amberlow Vale"
    assert explore.only_area(data, None) is None  # several areas: None stays every area


def test_frameworks_are_named_by_id_and_version(framework):
    groups = explore.load_frameworks(SAMPLE_DATA)
    assert list(groups) == [f"{framework.id} {framework.version}"]
