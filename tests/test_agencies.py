"""Agencies: results from the criteria each is responsible for, and the information-sharing matrix."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from audit.analyse.agencies import agency_results, involvement, sharing_matrix, sharing_pairs, sharing_results
from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render import charts, present
from tests.conftest import case_row


def _row(fw, cid, agencies, **answers):
    row = case_row(fw, cid, answer="No", **answers)
    row[4] = agencies
    return row


@pytest.fixture
def result(make_workbook, framework):
    rows = [
        _row(framework, "C1", "Police, Schools", I3="Yes", S2="Yes", I2="Yes"),  # police and education
        _row(framework, "C2", "Police", I3="No", S2="Yes", I2="Yes"),  # police only
        _row(framework, "C3", "Probation, Children's social care", P3="Yes", S1="Partly"),
        _row(framework, "C4", None, I2="Yes"),  # no agencies listed: counts for every agency
    ]
    return analyse_area(load_audit(make_workbook(rows), framework, scan=False))


def test_involvement_rule(result, framework):
    inv = involvement(result.cases, framework)
    assert inv["police"].tolist() == [True, True, False, True]
    assert inv["education"].tolist() == [True, False, False, True]
    assert inv["probation"].tolist() == [False, False, True, True]


def test_agency_result_pools_its_criteria_over_its_cases(result, framework):
    table = agency_results(result.cases, framework)
    assert "youth_justice" not in table.index  # no criterion names youth justice
    police_ids = [c.id for c in framework.criteria if "police" in c.agencies]
    assert table.loc["police", "criteria"] == ", ".join(police_ids)
    police_cases = result.cases.iloc[[0, 1, 3]]
    answers = police_cases[police_ids].to_numpy().ravel().tolist()
    yes, answered = answers.count("Yes"), sum(a in ("Yes", "Partly", "No") for a in answers)
    row = table.loc["police"]
    assert (row["cases"], row["yes"], row["answered"]) == (3, yes, answered)
    low, high = proportion_confint(yes, answered, method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low * 100, high * 100))


def test_sharing_pairs_come_from_the_framework_tags(framework):
    pairs = sharing_pairs(framework)
    assert pairs[("police", "education")] == ["I3", "S2"]
    assert pairs[("health", "csc")] == ["I5", "S1", "S3"]
    assert pairs[("csc", "probation")] == ["P3"]
    assert all(a != b for a, b in pairs)


def test_sharing_results_and_matrix(result, framework):
    sharing = sharing_results(result.cases, framework).set_index(["from", "to"])
    police_school = sharing.loc[("police", "education")]
    # Cases involving both police and education: C1 (listed) and C4 (lists none). I3 and S2 answered in each.
    assert police_school["cases"] == 2
    assert (police_school["yes"], police_school["answered"]) == (2, 4)
    grid = sharing_matrix(sharing.reset_index(), framework)
    assert grid.loc["Police", "Education and early years"] == pytest.approx(50.0)
    assert grid.isna().loc["Education and early years", "Probation"]  # no criterion for that pair


def test_heatmap_alt_text_and_publish_mode(result):
    chart = charts.sharing_heatmap(publish(result, None))
    assert chart.svg.lstrip().startswith(b"<?xml")
    assert chart.alt.startswith("Heatmap of information sharing")
    # Every pair rests on fewer than 5 answers: none is named best or weakest, and the alt text says why.
    assert "Too few pairs had 5 or more answers to name the best and weakest." in chart.alt
    assert "drawn grey and hatched, not shaded" in chart.alt and "best was" not in chart.alt
    published = charts.sharing_heatmap(publish(analyse_area(result.data, publish=True), 5))
    assert "Too few pairs" in published.alt  # every pair rests on 1 to 5 answers: hidden
    assert b"[c]" in published.svg


def test_heatmap_cells_show_their_n_and_small_ones_are_hatched(make_workbook, framework, figures):
    """Police to education has 12 answers and is shaded; a pair with 1 to 4 is grey and hatched, never shaded."""
    rows = [
        _row(framework, f"P{i}", "Police, Schools, Health", I3="Yes" if i % 3 else "No", S2="Yes") for i in range(6)
    ]
    rows += [_row(framework, "H1", "Health, Children's social care", I5="Yes", S1="N/A", S3="N/A")]
    rows += [_row(framework, "H2", "Health, Children's social care", I5="No", S1="Yes", S3="N/A")]
    result = analyse_area(load_audit(make_workbook(rows), framework, scan=False))
    chart = charts.sharing_heatmap(publish(result, None))
    svg = chart.svg.decode()
    assert "of 12 answers" in svg and "of 3 answers" in svg
    ax = figures[-1].axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert (
        len(hatched) == sum(0 < n < 5 for n in sharing_results(result.cases, framework)["answered"])
        and len(hatched) >= 1
    )
    assert all(p.get_facecolor()[:3] == pytest.approx((0xF3 / 255, 0xF2 / 255, 0xF1 / 255)) for p in hatched)
    assert "Fewer than 5 answers: too few to shade" in svg  # the legend
    assert "the best was Police to Education and early years" in chart.alt
    assert "Health to Children" not in chart.alt.split("answers.")[-1]  # never named best or weakest
    fragment = present.agencies(publish(result, None), chart.html())
    assert "Too few answers to conclude on (fewer than 5)" in fragment


def test_agencies_section(result):
    pub = publish(result, None)
    fragment = present.agencies(pub, charts.sharing_heatmap(pub).html())
    assert "Results by agency" in fragment and "Youth justice" in fragment
    assert fragment.index("<figure") < fragment.index("Information shared, by sharing and receiving agency, Testshire")


def test_a_framework_without_sharing_tags(small_framework, make_workbook):
    header = ["Case ID", "Area", "Agencies involved", *(c.header for c in small_framework.criteria)]
    rows = [["K1", "Smalltown", "Police", "Y", "N", "NA"], ["K2", "Smalltown", None, "P", "Y", "Y"]]
    result = analyse_area(load_audit(make_workbook(rows, header=header, fw=small_framework), small_framework))
    assert sharing_results(result.cases, small_framework).empty
    pub = publish(result, None)
    chart = charts.sharing_heatmap(pub)
    assert chart.alt == "No information-sharing criteria in this framework."
    fragment = present.agencies(pub, chart.html())
    assert "tagged with who shares information with whom" in fragment and "<figure" not in fragment
    assert agency_results(result.cases, small_framework).loc["police", "cases"] == 2
