"""Every area of a run through one disclosure stage: the national summary, each comparison and the kernels' input."""

from __future__ import annotations

import pickle
import re

import pytest

from audit.check.validate import load_audit
from audit.errors import AuditError
from audit.publish import cells
from audit.publish.areas import ALL_CASES, all_row, area_cases, area_row, rest_row
from audit.publish.published import PublishedResult
from audit.render import national
from audit.run import area_input
from audit.run.area_input import (
    PREPARED_SUFFIX,
    load_prepared,
    open_report,
    publish_run,
    report_result,
    run_areas,
    save_prepared,
)
from tests.conftest import case_row
from tests.fakes import run_cli, use_fake_runner


@pytest.fixture
def three_areas(make_workbook, framework):
    """V1 answered Yes 3 times of 14 in North (a small count), 8 of 14 in East and 10 of 16 in West."""
    rows = []
    for area, yes, n in (("North", 3, 14), ("East", 8, 14), ("West", 10, 16)):
        rows += [case_row(framework, f"{area[0]}{i}", area, V1="Yes" if i < yes else "No") for i in range(n)]
    return load_audit(make_workbook(rows), framework, scan=False)


def test_a_hidden_area_rate_cannot_be_worked_out_from_the_published_total(three_areas):
    """North's Yes (3) is small. All areas' Yes (21) is published, and so would be East's (8) and West's (10):
    21 - 8 - 10 gives North away, so another area's V1 is hidden with it (the rule before hid North's alone)."""
    areas = run_areas(three_areas, True, 5)
    hidden = {a for a, i in areas.hidden_rates("criterion") if i == "V1"}
    assert "North" in hidden and len(hidden) >= 2
    assert not areas.rate_hidden(all_row("criterion", "V1"))  # the total stays: two hidden parts protect it
    for measure in ("yes", "not_yes", "answered"):
        parts = [areas.count(area_row(a, "criterion", "V1").cell(measure)) for a in areas.areas]
        total = areas.count(all_row("criterion", "V1").cell(measure))
        assert total.suppressed or sum(p.suppressed for p in parts) != 1
    grid = str(national.grid_fragment(areas, "criterion"))
    heads = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', grid)
    column = next(i for i, h in enumerate(heads) if h.startswith("V1 ")) - 1  # less the Area column
    rows = [re.findall(r"<td[^>]*>([^<]*)</td>", r) for r in grid.split("<tbody>", 1)[1].split("</tr>")[:-1]]
    assert sum(r[column] == "[c]" for r in rows) == len(hidden)


def test_the_published_summary_shows_no_count_from_1_to_the_threshold(three_areas):
    areas = run_areas(three_areas, True, 5)
    assert areas.shown(ALL_CASES) == 44 and areas.shown(area_cases("North")) == 14
    assert all(not 0 < v <= 5 for v in areas.values())


def test_an_area_hidden_by_the_run_is_hidden_in_its_own_report(three_areas):
    """The area chosen to protect North's V1 hides V1 in its own outputs too, or its report would give it away."""
    areas = run_areas(three_areas, True, 5)
    second = next(a for a, i in areas.hidden_rates("criterion") if i == "V1" and a != "North")
    pub = report_result(three_areas, second, True, 5)
    assert pub.rate_hidden(cells.criterion("V1"))
    assert not publish_alone(three_areas, second).rate_hidden(cells.criterion("V1"))  # by its own counts alone


def publish_alone(data, area):
    """The area published without the run's decision about the other areas (its own counts only)."""
    from audit.analyse.area_result import analyse_area
    from audit.publish.cells import area_cells
    from audit.publish.disclosure import Count, protect

    result = analyse_area(data, area, publish=True)
    counts, groups = area_cells(result)
    hidden = protect(counts, groups, 5)
    return PublishedResult(result, True, 5, {c: Count(c, v, c in hidden) for c, v in counts.items()})


def test_the_other_areas_beside_a_hidden_rate_are_hidden(three_areas):
    """North's own V1 is hidden, so the other areas pooled beside it (East and West) are too: all - rest = North."""
    pub = report_result(three_areas, "North", True, 5)
    assert pub.rate_hidden(cells.criterion("V1"))
    rest = rest_row("North", "criterion", "V1")
    assert pub.others.rate_hidden(rest)  # though East and West's 18 Yes of 30 is no small count
    assert (pub.others.count(rest.cell("yes")).value, pub.others.count(rest.cell("answered")).value) == (18, 30)
    for c in three_areas.framework.criteria:  # wherever North's own rate is hidden, so is the rest beside it
        if pub.rate_hidden(cells.criterion(c.id)):
            assert pub.others.rate_hidden(rest_row("North", "criterion", c.id))
    full = report_result(three_areas, "North", False, 5)
    assert not full.others.rate_hidden(rest_row("North", "criterion", "V1")) and not full.others.hidden_rates()


def test_the_kernel_gets_the_published_result_and_reads_no_workbook(tmp_path, make_workbook, framework, monkeypatch):
    runner = use_fake_runner(monkeypatch)
    rows = [case_row(framework, f"N{i}", "North") for i in range(6)] + [
        case_row(framework, f"S{i}", "South") for i in range(6)
    ]
    source = make_workbook(rows)
    kept = {}
    real = runner.execute

    def execute(notebook, parameters, output, access=None):
        kind = area_input.AREA if parameters.get("area") else area_input.NATIONAL
        kept[parameters.get("area")] = load_prepared(parameters["prepared"], kind)
        return real(notebook, parameters, output, access)

    monkeypatch.setattr(runner, "execute", execute)
    result = run_cli("batch", source, "--out", tmp_path / "out", "--quiet", "--publish")
    assert result.exit_code == 0, result.output
    for area in ("North", "South"):
        pub = kept[area]
        assert isinstance(pub, PublishedResult) and pub.area == area and pub.publish
        assert set(pub.analysed.cases["area"]) == {area}  # the area's own cases, not the run's data
    assert kept[None].areas == ["North", "South"] and kept[None].publish

    # A kernel given that file neither reads the workbooks nor analyses anything again.
    prepared = save_prepared(kept["North"], tmp_path / f"north{PREPARED_SUFFIX}")

    def refuse(*args, **kwargs):
        raise AssertionError("the kernel read or analysed the workbooks again")

    monkeypatch.setattr(area_input, "load_audit", refuse)
    monkeypatch.setattr(area_input, "analyse_area", refuse)
    loaded = open_report("no-such-folder", "North", prepared=prepared)
    assert loaded.area == "North" and loaded.shown(cells.CASES) == 6
    assert (tmp_path / f"north{PREPARED_SUFFIX}").stat().st_mode & 0o077 == 0  # the owner's only


def test_a_prepared_file_of_the_wrong_kind_is_refused_with_its_code(tmp_path, three_areas):
    national_file = save_prepared(run_areas(three_areas, True, 5), tmp_path / f"national{PREPARED_SUFFIX}")
    with pytest.raises(AuditError) as caught:
        open_report(None, "North", prepared=national_file)  # a national summary's file given to an area report
    assert caught.value.code == "prepared-invalid" and "does not hold a prepared area report" in str(caught.value)

    data_file = tmp_path / f"data{PREPARED_SUFFIX}"
    data_file.write_bytes(pickle.dumps(three_areas))  # the validated data itself, as the batch used to hand over
    with pytest.raises(AuditError) as caught:
        open_report(None, "North", prepared=data_file)
    assert caught.value.code == "prepared-invalid"

    area_file = save_prepared(report_result(three_areas, "North", True, 5), tmp_path / f"north{PREPARED_SUFFIX}")
    misnamed = area_file.rename(tmp_path / "north.pickle")
    with pytest.raises(AuditError) as caught:
        open_report(None, "North", prepared=misnamed)
    assert caught.value.code == "prepared-invalid" and PREPARED_SUFFIX in str(caught.value)


def test_a_rate_an_area_hides_for_its_own_reasons_is_hidden_for_the_whole_run(three_areas):
    """No other area's range, and no national figure, may show a rate that the area's own report hides."""
    from audit.analyse.area_result import analyse_area

    results = {a: analyse_area(three_areas, a, publish=True) for a in three_areas.areas}
    pubs, areas = publish_run(three_areas, results, True, 5)
    fw = three_areas.framework
    rows = [("criterion", c.id) for c in fw.criteria] + [("theme", t.id) for t in fw.themes]
    own = {(a, i) for a, pub in pubs.items() for lv, i in rows if pub.rate_hidden(cells.result_row(lv, i))}
    assert own, "the data must make some area hide a rate of its own"
    assert own <= areas.hidden_rates()
    for a, pub in pubs.items():  # and each report's view of the other areas leaves them out of its ranges
        assert {(b, i) for b, i in own if b != a} <= pub.others.hidden_rates()
