"""Areas analysed in worker processes give what the serial loop gives, in the order asked, failures included."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import pandas as pd
import pytest

from audit.analyse import compare
from audit.analyse.area_result import AreaResult, analyse_area
from audit.check.validate import load_audit
from audit.errors import AuditError
from audit.run import parallel
from tests.conftest import SAMPLE_DATA

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux")


@pytest.fixture(scope="module")
def data(framework):
    return load_audit(SAMPLE_DATA, framework, scan=False)


@pytest.fixture
def few_areas_enough(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_AREAS", 2)  # the sample's six areas go to the workers


def assert_same(x: Any, y: Any, where: str = "") -> None:
    """Equal to the last bit: frames (with their attrs), dataclasses, containers and plain values."""
    if isinstance(x, pd.DataFrame):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
        assert x.attrs == y.attrs, where
    elif isinstance(x, pd.Series):
        pd.testing.assert_series_equal(x, y, check_exact=True)
    elif dataclasses.is_dataclass(x) and not isinstance(x, type):
        assert type(x) is type(y), where
        for f in dataclasses.fields(x):
            assert_same(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}")
    elif isinstance(x, (list, tuple)):
        assert len(x) == len(y), where
        for i, (a, b) in enumerate(zip(x, y, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(x, dict):
        assert list(x) == list(y), where
        for k in x:
            assert_same(x[k], y[k], f"{where}.{k}")
    else:
        assert x == y or (x != x and y != y), where


@needs_fork
@pytest.mark.parametrize("publish", [False, True])
def test_workers_give_the_serial_results_in_the_order_asked(data, few_areas_enough, publish):
    areas = list(reversed(data.areas))
    serial = {area: analyse_area(data, area, publish=publish) for area in areas}
    results = parallel.analyse_areas(data, areas, publish, workers=2)
    assert list(results) == areas
    for area in areas:
        assert isinstance(results[area], AreaResult)
        assert_same(results[area], serial[area], area)
        assert results[area].framework is data.framework  # the run's framework object, not a copy of it
    others = [results[a].analysis.others for a in areas]
    assert len({id(o) for o in others}) == len(areas)  # each area its own copy, as analyse_area gives
    assert_same(others[0], compare.area_results(data))


def _failing(data, area, *, publish=False):
    if area == data.areas[0]:
        raise AuditError("area refused for a reason")
    if area == data.areas[1]:
        raise KeyError("a cell's text")
    if area == data.areas[2]:
        raise Unpicklable("another cell's text")
    return analyse_area(data, area, publish=publish)


class Unpicklable(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.handle = lambda: None  # a lambda does not pickle


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=needs_fork)])
def test_failures_come_back_as_a_message_or_the_exception(data, few_areas_enough, monkeypatch, workers):
    monkeypatch.setattr(parallel, "analyse_area", _failing)  # forked workers inherit it
    results = parallel.analyse_areas(data, data.areas, False, workers=workers)
    first, second, third, *rest = data.areas
    assert results[first] == "area refused for a reason"
    assert isinstance(results[second], KeyError) and results[second].args == ("a cell's text",)
    assert isinstance(results[third], Exception) and "another cell's text" in str(results[third])
    if workers > 1:  # where it was raised travels as a note; an exception that cannot travel has a stand-in
        assert "_failing" in "".join(results[second].__notes__)
        assert type(results[third]) is RuntimeError and str(results[third]).startswith("Unpicklable")
    assert all(isinstance(results[a], AreaResult) for a in rest)


def test_one_worker_or_few_areas_or_no_fork_stay_in_this_process(data, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("no worker processes expected")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    areas = data.areas[:3]
    assert list(parallel.analyse_areas(data, areas, False, workers=1)) == areas
    assert list(parallel.analyse_areas(data, areas, False, workers=2)) == areas  # fewer than MIN_AREAS
    monkeypatch.setattr(parallel, "MIN_AREAS", 1)
    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    assert list(parallel.analyse_areas(data, areas, False, workers=2)) == areas


@needs_fork
def test_meanwhile_runs_once_after_every_worker_has_forked(data, few_areas_enough):
    import multiprocessing

    seen: list[int] = []
    results = parallel.analyse_areas(
        data, data.areas, False, workers=2, meanwhile=lambda: seen.append(len(multiprocessing.active_children()))
    )
    assert seen == [2]  # both workers already forked: what it imports is not copied into them
    assert all(isinstance(r, AreaResult) for r in results.values())
    called: list[int] = []
    parallel.analyse_areas(data, data.areas[:1], False, workers=2, meanwhile=lambda: called.append(1))
    assert called == []  # analysed in this process: nothing to do meanwhile
