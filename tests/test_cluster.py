"""Theme and pooled intervals treat the case as the cluster: checked against the formula worked out here.

The formula (issue 11): k cases with an answer, y_i Yes and x_i answered per case,
p = Σy/Σx, x̄ = Σx/k, var = Σ(y_i − p·x_i)² / (k(k−1)·x̄²), n_eff = min(Σx, p(1−p)/var)
when var > 0, Σx when var = 0, k when k < 2, and Wilson's interval on p with n_eff.
"""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from audit.analyse.agencies import agency_results
from audit.analyse.area_result import analyse_area
from audit.analyse.compare import area_results
from audit.analyse.compare_areas import benchmark
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.summary_json import summary_dict
from tests.conftest import case_row

ANSWERS = np.array(["Yes", "Partly", "No", "N/A"], dtype=object)


def expected(table: np.ndarray) -> tuple[int, float, float, float, float] | None:
    """(k, p, n_eff, low %, high %) from a cases x criteria table of answers, by the formula above."""
    y = (table == "Yes").sum(axis=1).astype(float)
    x = np.isin(table, ["Yes", "Partly", "No"]).sum(axis=1).astype(float)
    y, x = y[x > 0], x[x > 0]
    k = len(x)
    if k == 0:
        return None
    p = y.sum() / x.sum()
    if k < 2:
        n_eff = float(k)
    else:
        var = ((y - p * x) ** 2).sum() / (k * (k - 1) * x.mean() ** 2)
        n_eff = min(x.sum(), p * (1 - p) / var) if var > 1e-15 else x.sum()
    low, high = proportion_confint(p * n_eff, n_eff, method="wilson")
    return k, p, n_eff, low * 100, high * 100


@pytest.fixture(scope="module")
def generated(tmp_path_factory, framework):
    """A workbook of 24 cases answered at random, each case with its own leaning (so answers cluster)."""
    import openpyxl

    from tests.conftest import header_for

    rng = np.random.default_rng(11)
    ids = list(framework.criterion_ids)
    table = np.empty((24, len(ids)), dtype=object)
    for i in range(24):
        lean = rng.uniform(0.05, 0.95)  # some cases mostly Yes, others mostly No
        weights = np.array([lean, 0.1, 1 - lean, 0.15])
        table[i] = rng.choice(ANSWERS, size=len(ids), p=weights / weights.sum())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(framework))
    for i, answers in enumerate(table):
        ws.append(case_row(framework, f"G{i}", "Genwick", **dict(zip(ids, answers, strict=True))))
    path = tmp_path_factory.mktemp("cluster") / "generated.xlsx"
    wb.save(path)
    return load_audit(path, framework, scan=False), table, ids


def test_theme_intervals_follow_the_formula(generated, framework):
    data, table, ids = generated
    result = analyse_area(data)
    summary = summary_dict(publish(result, None))
    # The cases lean Yes or No, so answers cluster: every theme rests on fewer effective answers than answers.
    assert (result.themes["n_eff"] < result.themes["answered"]).all()
    for theme in framework.themes:
        cols = [ids.index(c.id) for c in framework.criteria_in(theme.id)]
        assert len(cols) > 1
        k, p, n_eff, low, high = expected(table[:, cols])
        row = result.themes.loc[theme.id]
        assert row["cases"] == k
        assert row["pct_yes"] == pytest.approx(p * 100)
        assert row["n_eff"] == pytest.approx(n_eff)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
        assert summary["themes"][theme.id]["cases"] == k
        assert summary["themes"][theme.id]["n_eff"] == pytest.approx(n_eff, abs=0.05)
        # Pooling every answer as if independent would give a narrower interval here.
        naive = proportion_confint(p * row["answered"], row["answered"], method="wilson")
        assert high - low > (naive[1] - naive[0]) * 100 - 1e-9


def test_batch_figures_use_the_same_formula(generated, framework):
    """compare.area_results (the batch's fast path) and the other areas pooled give the same intervals."""
    data, table, ids = generated
    results = area_results(data)
    themes = results[results["level"] == "theme"].set_index("id")
    for theme in framework.themes:
        cols = [ids.index(c.id) for c in framework.criteria_in(theme.id)]
        k, _, n_eff, low, high = expected(table[:, cols])
        r = themes.loc[theme.id]
        assert (r["cases"], r["n_eff"]) == (k, pytest.approx(n_eff))
        assert (r["ci_low"], r["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_other_areas_pooled_with_the_case_as_the_cluster(make_workbook, framework):
    ids = list(framework.criterion_ids)
    rng = np.random.default_rng(5)
    tables = {a: rng.choice(ANSWERS, size=(12, len(ids)), p=[0.5, 0.1, 0.3, 0.1]) for a in ("Ayford", "Bexley Tor")}
    rows = [
        case_row(framework, f"{a[0]}{i}", a, **dict(zip(ids, answers, strict=True)))
        for a, t in tables.items()
        for i, answers in enumerate(t)
    ]
    tables["Cwm Rest"] = rng.choice(ANSWERS, size=(9, len(ids)), p=[0.3, 0.1, 0.5, 0.1])
    rows += [
        case_row(framework, f"C{i}", "Cwm Rest", **dict(zip(ids, t, strict=True)))
        for i, t in enumerate(tables["Cwm Rest"])
    ]
    data = load_audit(make_workbook(rows), framework, scan=False)
    bench = benchmark(area_results(data), "Cwm Rest", framework).set_index("id")
    rest = np.vstack([tables["Ayford"], tables["Bexley Tor"]])
    for theme in framework.themes:
        cols = [ids.index(c.id) for c in framework.criteria_in(theme.id)]
        _, p, _, low, high = expected(rest[:, cols])
        r = bench.loc[theme.id]
        assert r["rest_pct"] == pytest.approx(p * 100)
        assert (r["rest_low"], r["rest_high"]) == (pytest.approx(low), pytest.approx(high))


def _small_rows(rows: list[list[object]]) -> list[list[object]]:
    return [[cid, "Smallham", None, "Under 5", None, "Good", *answers] for cid, *answers in rows]


def test_no_spread_between_cases_gives_every_answer(make_workbook, small_framework):
    """var = 0: every case answered the theme's two criteria Yes and No, so n_eff is Σx."""
    from tests.conftest import header_for

    rows = _small_rows([[f"C{i}", "Yes", "No", "Yes"] for i in range(6)])
    data = load_audit(
        make_workbook(rows, header=header_for(small_framework), fw=small_framework), small_framework, scan=False
    )
    first = analyse_area(data).themes.loc["first"]
    assert (first["cases"], first["n_eff"], first["pct_yes"]) == (6, 12, 50)
    low, high = proportion_confint(6, 12, method="wilson")
    assert (first["ci_low"], first["ci_high"]) == (pytest.approx(low * 100), pytest.approx(high * 100))
    table = np.array([["Yes", "No"]] * 6, dtype=object)
    assert expected(table)[2] == 12


def test_one_case_gives_an_effective_n_of_one(make_workbook, small_framework):
    """k < 2: one case answered the theme (the others N/A), so n_eff is 1 however many answers it gave."""
    from tests.conftest import header_for

    rows = _small_rows([["C1", "Yes", "Yes", "Yes"]] + [[f"C{i}", "N/A", "N/A", "No"] for i in range(2, 6)])
    data = load_audit(
        make_workbook(rows, header=header_for(small_framework), fw=small_framework), small_framework, scan=False
    )
    result = analyse_area(data)
    first = result.themes.loc["first"]
    assert (first["cases"], first["answered"], first["n_eff"]) == (1, 2, 1)
    low, high = proportion_confint(1, 1, method="wilson")
    assert (first["ci_low"], first["ci_high"]) == (pytest.approx(low * 100), pytest.approx(high * 100))
    assert summary_dict(publish(result, None))["themes"]["first"]["cases"] == 1
    # A theme of one criterion has one answer per case: its interval is its criterion's.
    second, y1 = result.themes.loc["second"], result.criteria.loc["Y1"]
    assert (second["ci_low"], second["ci_high"], second["n_eff"]) == (y1["ci_low"], y1["ci_high"], 5)


def test_agency_rates_pool_with_the_case_as_the_cluster(generated, framework):
    data, table, ids = generated
    result = analyse_area(data)
    agencies = agency_results(result.cases, framework)
    for aid, row in agencies.iterrows():
        cols = [ids.index(c) for c in row["criteria"].split(", ")]
        if len(cols) < 2:
            continue
        _, _, n_eff, low, high = expected(table[:, cols])  # every case lists Police and Health: all count
        if aid not in ("police", "health"):
            continue
        assert row["n_eff"] == pytest.approx(n_eff)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_published_summary_hides_a_small_number_of_cases(make_workbook, small_framework):
    from tests.conftest import header_for

    others = [[f"C{i}", "N/A", "N/A", "Yes" if i % 2 else "No"] for i in range(2, 14)]
    rows = _small_rows([["C1", "Yes", "Yes", "Yes"], *others])
    path = make_workbook(rows, header=header_for(small_framework), fw=small_framework)
    data = load_audit(path, small_framework, scan=False)
    themes = summary_dict(publish(analyse_area(data, publish=True), 5))["themes"]
    assert themes["first"]["cases"] == "[c]" and themes["first"]["n_eff"] == "[c]"  # 1 case
    assert themes["second"]["cases"] == 13 and themes["second"]["n_eff"] == 13
