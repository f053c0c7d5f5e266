"""The explorer's display: readable tables and linked dropdowns (driven here without a browser)."""

from __future__ import annotations

import pytest

from audit.analyse import explore
from audit.errors import AuditError
from audit.render import explore_view
from tests.conftest import SAMPLE_DATA


@pytest.fixture(scope="module")
def groups(framework):
    return explore.load_frameworks(SAMPLE_DATA)


@pytest.fixture()
def explorer(groups):
    return explore_view.Explorer(groups, area="Amberlow Vale", age_band="focus", criterion="V1", answer="no")


def test_cases_are_readable(groups, framework):
    data = next(iter(groups.values()))
    shown = explore_view.readable_cases(explore.case_table(data), framework)
    assert shown.loc[0, "Agencies"] == "Children's social care, Police, Health, Education and early years"
    assert not shown["Agencies"].str.contains(r"[()]|\bcsc\b", regex=True).any()
    assert all(round(v, 2) == v for v in shown["Mean points"].dropna())
    columns = list(shown.columns)
    for cid in framework.criterion_ids:  # every criterion, its evidence beside it
        assert columns[columns.index(cid) + 1] == f"{cid} evidence"
    assert shown["I1 evidence"].str.len().gt(0).any()
    assert shown["Comments"].str.contains("Auditor comments: ").any()  # a dict of comments as text


def test_results_are_rounded(groups, framework):
    data = next(iter(groups.values()))
    results = explore.selection_results(explore.case_table(data), framework)
    shown = explore_view.readable_results(results)
    assert (shown["pct_yes"].dropna() % 1 == 0).all()
    assert not (results["pct_yes"].dropna() % 1 == 0).all()  # the raw figures had decimals


def test_dropdowns_start_at_the_parameters(explorer, framework):
    assert explorer.selection() == {
        "area": "Amberlow Vale",
        "agency": None,
        "age_band": "focus",
        "criterion": "V1",
        "answer": "No",
    }
    assert len(explorer.table.df) == len(explorer.chosen()) > 0
    assert set(explorer.table.df["V1"]) == {"No"}
    assert "V1 Child&#x27;s voice recorded: No in 13 of" in explorer.summary.value
    assert explorer.table.df.columns.tolist()[-1] == "Workbook row"


def test_changing_a_dropdown_changes_the_table(explorer):
    before = len(explorer.table.df)
    explorer.dropdowns["answer"].value = "Yes"
    assert set(explorer.table.df["V1"]) == {"Yes"}
    explorer.dropdowns["criterion"].value = None  # the answer goes with its criterion
    assert explorer.dropdowns["answer"].disabled and explorer.dropdowns["answer"].value is None
    assert len(explorer.table.df) > before
    assert explorer.summary.value.startswith(f"<p><strong>{len(explorer.table.df)} cases match")
    explorer.dropdowns["agency"].value = "police"
    explorer.dropdowns["area"].value = None
    assert set(explorer.table.df["Area"]) > {"Amberlow Vale"}


def test_dropdowns_offer_what_the_data_holds(explorer, framework):
    values = {name: [v for _, v in d.options] for name, d in explorer.dropdowns.items()}
    assert values["age_band"] == [None, "focus", *framework.age_bands]
    assert values["criterion"] == [None, *framework.criterion_ids]
    assert values["answer"] == [None, "Yes", "Partly", "No", "N/A"]
    assert values["agency"] == [None, *framework.agencies]
    assert list(explorer.framework.options) == [f"{framework.id} {framework.version}"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"age_band": "0 to 2"}, "no age band '0 to 2'; the bands are: Unborn, 0-2"),
        ({"criterion": "V1", "answer": "nope"}, "no answer 'nope'"),
        ({"answer": "No"}, "needs a criterion"),
        ({"area": "Nowhere"}, "no area called 'Nowhere'; the data has: Amberlow Vale"),
        ({"framework": "other 1"}, "no framework 'other 1' in the data; it has: "),
    ],
)
def test_unknown_starting_values_say_what_exists(groups, kwargs, message):
    with pytest.raises(AuditError, match=message):
        explore_view.Explorer(groups, **kwargs)


def test_the_only_area_is_chosen(framework):
    one = explore.load_frameworks(SAMPLE_DATA / "amberlow-vale.xlsx")
    assert explore_view.Explorer(one, area=None).dropdowns["area"].value == "Amberlow Vale"


def test_choosing_another_framework_changes_every_dropdown(groups, framework, small_framework, make_workbook):
    path = make_workbook(
        [["S1", "Southmere", "2025-01-10", "Under 5", "Police", "Good", "Yes", "No", "Yes"]],
        header=["Case ID", "Area", "Audit date", "Age band", "Agencies involved", "Overall grade"]
        + [c.header for c in small_framework.criteria],
        name="south.xlsx",
    )
    small = explore.load_folder(path, small_framework.path)
    both = {**groups, "small-test 1": small}
    explorer = explore_view.Explorer(both, area=None, criterion="V1", answer="No")
    explorer.framework.value = "small-test 1"
    values = {name: [v for _, v in d.options] for name, d in explorer.dropdowns.items()}
    assert values["criterion"] == [None, *small_framework.criterion_ids]
    assert values["area"] == [None, "Southmere"]
    assert explorer.dropdowns["criterion"].value is None and explorer.dropdowns["answer"].value is None
    assert explorer.table.df["Case"].tolist() == ["S1"]
    assert [c for c in explorer.table.df.columns if c in small_framework.criterion_ids] == list(
        small_framework.criterion_ids
    )


def test_without_widgets_the_selection_shows_as_text_and_a_table(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # JupyterLab shows the dropdowns
    assert bundle["text/plain"] == explorer.describe()
    assert bundle["text/html"].count("</tr>") == len(explorer.chosen()) + 1  # the header and each case
    assert "V1 evidence" in bundle["text/html"]
