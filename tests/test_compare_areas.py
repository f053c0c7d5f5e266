"""An area beside the rest of the run, from the run's shared sums: the same floats as pooling the other areas' rows."""

from __future__ import annotations

import pytest

from audit.analyse.compare import SUM_KEYS, area_results, pooled_by_item, spread
from audit.analyse.compare_areas import RunRates, benchmark
from audit.analyse.national_figures import NationalFigures
from audit.check.validate import load_audit
from audit.errors import AuditError
from tests.conftest import SAMPLE_DATA


@pytest.fixture(scope="module")
def run():
    data = load_audit(SAMPLE_DATA)
    return data, area_results(data)


def test_every_area_beside_the_rest_is_the_other_areas_pooled_to_the_last_bit(run):
    data, results = run
    shared = RunRates.of(results, data.framework)
    ranges = spread(results).to_dict("index")
    for area in data.areas:
        bench = benchmark(results, area, data.framework, run=shared)
        assert bench.equals(benchmark(results, area, data.framework))  # the shared parts change nothing
        # The other areas pooled the plain way: their rows summed, then rated.
        rest = pooled_by_item(results[results["area"] != area], data.framework).to_dict("index")
        for r in bench.to_dict("records"):
            key = (r["level"], r["id"])
            assert r["rest_yes"] == rest[key]["yes"] and r["rest_answered"] == rest[key]["answered"]
            for mine, theirs in (("rest_pct", "pct_yes"), ("rest_low", "ci_low"), ("rest_high", "ci_high")):
                assert r[mine] == (None if rest[key][theirs] is None else float(rest[key][theirs]))
            for k in ("lowest", "median", "highest"):
                assert r[k] == ranges[key][k]
            rates = results[(results["level"] == key[0]) & (results["id"] == key[1]) & (results["answered"] > 0)]
            higher = sum(float(p) > r["pct_yes"] for p in rates["pct_yes"]) if r["pct_yes"] is not None else None
            assert r["rank"] == (None if higher is None else higher + 1)
            assert r["areas"] == len(rates)


def test_a_table_of_counts_only_pools_answers_one_by_one(run):
    data, results = run
    counts = results.drop(columns=[k for k in SUM_KEYS if k not in ("yes", "answered")] + ["n_eff"])
    area = data.areas[0]
    bench = benchmark(counts, area, data.framework).set_index(["level", "id"])
    others = counts[counts["area"] != area]
    plain = others.assign(
        cases=others["answered"], sum_yy=others["yes"], sum_xy=others["yes"], sum_xx=others["answered"]
    )
    rest = pooled_by_item(plain, data.framework)
    for key, r in rest.iterrows():
        assert bench.loc[key, "rest_yes"] == r["yes"]
        assert bench.loc[key, "rest_pct"] == (None if r["pct_yes"] is None else float(r["pct_yes"]))


def test_an_area_alone_has_no_other_areas_and_an_unknown_area_is_refused(run):
    data, results = run
    area = data.areas[0]
    alone = benchmark(results[results["area"] == area], area, data.framework)
    assert (alone["rest_answered"] == 0).all() and alone["rest_pct"].isna().all()
    assert set(alone["vs_rest"].dropna()) <= {"too few answers"}
    with pytest.raises(AuditError, match="no results for area"):
        benchmark(results, "Nowhere", data.framework)


def test_national_figures_are_compared_with_holm_over_those_made(run):
    data, results = run
    figures = NationalFigures({c.id: 50.0 for c in data.framework.criteria}, "test figures")
    bench = benchmark(results, data.areas[1], data.framework, figures)
    made = bench["vs_national"].isin(["above", "below", "similar"]).sum()
    assert bench.attrs["comparisons_national"] == made > 0
