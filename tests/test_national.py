"""The national summary: all areas side by side, the weakest criteria everywhere, the spread between areas."""

from __future__ import annotations

import re

import pytest
from statsmodels.stats.proportion import proportion_confint, proportions_chisquare

from audit.analyse.compare import area_results
from audit.analyse.findings import PRIORITY, classify
from audit.analyse.national import SelectionMethods
from audit.check.validate import load_audit
from audit.framework.settings import finding_rules
from audit.render import charts, national
from audit.run.area_input import run_areas
from tests.conftest import SAMPLE_DATA, case_row


@pytest.fixture(scope="module")
def data(framework):
    return load_audit(SAMPLE_DATA, framework, scan=False)


def alike(areas) -> SelectionMethods:
    """Every area recorded the same way of choosing its cases: the areas may be ranked."""
    return SelectionMethods(dict.fromkeys(areas, "Random sample"))


@pytest.fixture(scope="module")
def results(data):
    return area_results(data)


@pytest.fixture(scope="module")
def table(results, framework):
    return national.national_table(results, framework)


def test_pooled_results_and_spread(results, table):
    v1 = table.set_index("id").loc["V1"]
    per_area = results[(results["level"] == "criterion") & (results["id"] == "V1")]
    yes, n = int(per_area["yes"].sum()), int(per_area["answered"].sum())
    assert (v1["yes"], v1["answered"]) == (yes, n)
    low, high = proportion_confint(yes, n, method="wilson")
    assert (v1["ci_low"], v1["ci_high"]) == pytest.approx((low * 100, high * 100))
    assert v1["lowest"] == pytest.approx(per_area["pct_yes"].min())
    assert v1["highest"] == pytest.approx(per_area["pct_yes"].max())
    assert v1["spread"] == pytest.approx(v1["highest"] - v1["lowest"]) and v1["areas"] == 6
    assert v1["p_spread"] == pytest.approx(proportions_chisquare(per_area["yes"], per_area["answered"])[1])


def test_areas_findings_counted(results, table, framework):
    rules = finding_rules(framework)
    v1 = results[(results["level"] == "criterion") & (results["id"] == "V1")]
    expected = sum(
        classify(int(r["answered"]), r["pct_yes"], r["ci_low"], r["ci_high"], True, rules)[0] == PRIORITY
        for _, r in v1.iterrows()
    )
    assert table.set_index("id").loc["V1", PRIORITY] == expected


def test_weakest_everywhere_and_widest_spread(table):
    weak = national.weakest_everywhere(table, 3)
    crit = table[table["level"] == "criterion"]
    assert weak.iloc[0]["pct_yes"] == pytest.approx(crit["pct_yes"].min())
    assert list(weak["pct_yes"]) == sorted(weak["pct_yes"])
    wide = national.widest_spread(table, 2)
    assert wide.iloc[0]["spread"] == pytest.approx(crit["spread"].max())


def test_key_messages_read_like_a_thematic_report(table, framework, data):
    messages = national.key_messages(table, framework, len(data.areas), len(data.scored), alike(data.areas))
    assert messages[0] == f"Across 6 areas, {len(data.scored)} children's cases were audited against 17 criteria."
    weakest = national.weakest_everywhere(table, 1).iloc[0]
    phrase = finding_rules(framework).phrases[weakest["id"]]
    assert any(phrase in m and "no area with 5 or more answers did better than" in m for m in messages)
    assert any(m.startswith("Among the 6 areas with 5 or more answers, areas differed most on") for m in messages)


def test_national_claims_rest_on_enough_answers(make_workbook, framework):
    """A criterion answered 3 times in all is never named weakest; an area of 2 answers never sets the range."""
    rows = [case_row(framework, f"A{i}", "Ashby", V1="N/A", P2="Yes" if i % 2 else "No") for i in range(10)]
    rows += [case_row(framework, f"B{i}", "Bowfell", V1="No" if i < 3 else "N/A", P2="Yes") for i in range(8)]
    rows += [case_row(framework, f"C{i}", "Cray", V1="N/A", P2="N/A" if i else "No") for i in range(6)]
    data = load_audit(make_workbook(rows), framework, scan=False)
    table = national.national_table(area_results(data), framework)
    by_id = table.set_index("id")
    assert by_id.loc["V1", "answered"] == 3 and by_id.loc["V1", "pct_yes"] == 0
    assert "V1" not in set(national.weakest_everywhere(table, 17)["id"])
    # Cray answered P2 once (0%): it is left out of the range, which runs over Ashby and Bowfell only.
    assert (by_id.loc["P2", "areas"], by_id.loc["P2", "lowest"]) == (2, 50)
    messages = " ".join(national.key_messages(table, framework, 3, len(rows), alike(data.areas)))
    assert "Practice was weak almost everywhere on \u201cChild's voice" not in messages
    assert "Spread beyond chance" in national.national_fragment(table, alike(data.areas))
    assert "Holm's correction" in national.national_fragment(table, alike(data.areas))


def test_one_area_reads_in_the_singular(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, f"C{i}") for i in range(3)]), framework, scan=False)
    results = area_results(data)
    messages = national.key_messages(national.national_table(results, framework), framework, 1, 3, alike(data.areas))
    assert messages[0].startswith("Across 1 area, 3 children's cases")


def test_grid_and_overview(results, framework, data):
    grid = national.area_grid(results, framework)
    assert list(grid.columns) == data.areas and len(grid) == len(framework.criteria)
    overview = national.areas_overview(results, data.scored.groupby("area").size(), framework)
    assert overview["cases"].sum() == len(data.scored)
    assert (overview[["strength", "improvement", "priority", "too_small"]].sum(axis=1) == 17).all()


def test_publish_leaves_out_rates_built_on_small_counts(data, results, framework):
    areas = run_areas(data, True, 5)
    hidden = areas.hidden_rates()
    for _, r in results.iterrows():
        if 0 < r["yes"] <= 5 or 0 < r["answered"] - r["yes"] <= 5:  # primary: always hidden
            assert (r["area"], r["id"]) in hidden
    fragment = national.grid_fragment(areas, "criterion")
    assert "[c]" in fragment
    full = national.grid_fragment(run_areas(data, False, 5), "criterion")
    assert "[c]" not in full


def test_spread_chart_alt_text(data, framework):
    chart = charts.area_spread_chart(run_areas(data, False, 5))
    assert chart.svg.lstrip().startswith(b"<?xml")
    assert chart.alt.startswith("Dot plot of the percentage of cases answered Yes on each of 17 criteria in each of 6")
    assert "Lowest across all areas: Child's voice recorded" in chart.alt


def test_published_spread_leaves_out_hidden_area_rates(data, results, framework):
    """The lowest and highest area of the national table are taken over published rates only."""
    areas = run_areas(data, True, 5)
    table = national.published_table(areas).set_index("id")
    hidden = areas.hidden_rates("criterion")
    for cid in ("V1", "P2"):
        shown = results[(results["id"] == cid) & (results["level"] == "criterion") & (results["answered"] >= 5)]
        shown = shown[[(a, cid) not in hidden for a in shown["area"]]]
        assert table.loc[cid, "areas"] == len(shown)
        if len(shown):
            assert table.loc[cid, "lowest"] == pytest.approx(shown["pct_yes"].min())


def test_published_sentences_say_the_range_is_over_published_rates(data):
    """A hidden area rate is left out of the lowest and highest, so a published page does not claim every area."""
    areas = run_areas(data, True, 5)
    text = " ".join(national.key_messages(national.published_table(areas), areas.framework, 6, 154, alike(data.areas)))
    assert "no area with 5 or more answers and a published rate did better than" in text
    full = run_areas(data, False, 5)
    assert "and a published rate" not in " ".join(
        national.key_messages(national.published_table(full), full.framework, 6, 154, alike(data.areas))
    )


# Ranking areas: only when every area chose its cases the same recorded way ----------------------------------------

RANKING = ("did better than", "differed most", "Lowest area", "Highest area", "Median area", "Spread beyond chance")


def _pages(table, framework, methods) -> str:
    """The national summary's text about the areas' results, given how the areas chose their cases."""
    n = len(methods.by_area)
    parts = national.key_messages(table, framework, n, 154, methods)
    parts += [national.national_fragment(table, methods), national.weakest_fragment(table, methods)]
    return " ".join(map(str, parts))


def test_areas_are_ranked_when_they_share_one_recorded_method(table, framework, data):
    text = _pages(table, framework, alike(data.areas))
    assert all(words in text for words in RANKING)
    assert "not ranked" not in text
    assert alike(data.areas).why().startswith("Every area recorded the same way of choosing its cases (Random sample)")


@pytest.mark.parametrize(
    ("methods", "why"),
    [
        (
            {"A": "Random sample", "B": "Random sample", "C": "Purposive"},
            "The areas chose their cases in different ways (Random sample in 2 areas; Purposive in 1 area)",
        ),
        (
            {"A": "Random sample", "B": None, "C": "Random sample"},
            "How cases were selected was recorded as Random sample for 2 areas but not recorded for 1 area",
        ),
        (
            {"A": "Purposive", "B": "All eligible cases", "C": None},
            "The areas chose their cases in different ways (Purposive in 1 area; All eligible cases in 1 area), "
            "and how cases were selected was not recorded for 1 area",
        ),
        ({"A": None, "B": None}, "No area recorded how its cases were selected"),
        (
            {"A": "Other", "B": "Other"},
            "Every area recorded how its cases were selected only as Other, which does not say how",
        ),
    ],
)
def test_areas_are_not_ranked_when_methods_differ_or_are_not_recorded(table, framework, methods, why):
    chosen = SelectionMethods(methods)
    assert not chosen.ranked
    assert chosen.why().startswith(why + ", so a difference between areas could come from how their cases were chosen")
    text = _pages(table, framework, chosen)
    assert not [words for words in RANKING if words in text]
    messages = national.key_messages(table, framework, len(methods), 154, chosen)
    assert messages[1] == chosen.why()
    assert "The areas are not ranked against one another" in str(national.national_fragment(table, chosen))
    weakest = str(national.weakest_fragment(table, chosen))
    assert "does not name the criteria on which areas differed" in weakest and "the best area" not in weakest
    assert "Practice was weakest on" in " ".join(messages)  # the criteria weakest across all areas, pooled


def test_each_area_carries_its_selection_method_into_the_national_summary(data):
    """The sample's four methods: the summary says why it does not rank, and lists each area's method."""
    areas = run_areas(data, True, 5)
    assert areas.selection == {a: d["selection"] for a, d in data.details.items()}
    assert areas.for_area("Amberlow Vale").selection == areas.selection
    methods = areas.selection_methods
    assert not methods.ranked and methods.methods == {
        "Random sample": 3,
        "Purposive": 1,
        "Selected by inspectors": 1,
        "All eligible cases": 1,
    }
    text = str(national.messages_fragment(areas, national.published_table(areas)))
    assert "The areas chose their cases in different ways (Random sample in 3 areas; Purposive in 1 area;" in text
    overview = str(national.overview_fragment(areas))
    assert "How cases were selected" in overview and "Selected by inspectors" in overview


def test_areas_without_audit_details_are_not_ranked(make_workbook, framework):
    rows = [case_row(framework, f"A{i}", "Ashby") for i in range(6)] + [
        case_row(framework, f"B{i}", "Bowfell", V1="No") for i in range(6)
    ]
    areas = run_areas(load_audit(make_workbook(rows), framework, scan=False), False, 5)
    assert areas.selection == {"Ashby": None, "Bowfell": None}
    text = str(national.messages_fragment(areas, national.published_table(areas)))
    assert "No area recorded how its cases were selected" in text and "differed most" not in text
    assert "Not recorded" in str(national.overview_fragment(areas))


def test_spread_chart_is_paired_with_a_table_naming_every_area(data):
    """The dot chart cannot name 153 areas' dots: the table after it does, one row per area."""
    areas = run_areas(data, False, 5)
    grid = str(national.grid_fragment(areas, "criterion", '<figure class="chart"></figure>'))
    assert re.findall(r'<th scope="row">([^<]*)</th>', grid) == list(areas.areas)
    assert grid.index("Each dot in the chart is one area") < grid.index("<figure") < grid.index("<table")
    assert "Each dot" not in str(national.grid_fragment(areas, "theme"))
