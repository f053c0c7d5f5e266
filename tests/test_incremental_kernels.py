"""The incremental batch on real kernels: the real report's pages equal a clean run's, and kernels start only
when, and as many as, the reports to make need."""

from __future__ import annotations

import pytest

from tests.incremental_support import rebuilt, sample_fixtures, set_cell, stamps
from tests.test_incremental import AMBERLOW, batch, same_as_clean

sample, data = sample_fixtures()


def test_the_real_report_notebook_gives_the_same_pages_when_one_judgement_changes(data, tmp_path):
    """Real kernels: a changed judgement reason rebuilds its area only, and the pages equal a clean run's."""
    from audit.run.engine import KernelPool

    out = tmp_path / "out"
    with KernelPool(1) as pool:
        batch(data, out, pool, publish=True)
        before = stamps(out)
        set_cell(data / AMBERLOW, "Judgements", "Reason", 0, "Plans rarely drew on what children said.")
        batch(data, out, pool, publish=True)
        assert rebuilt(out) == {"Amberlow Vale": ["inputs changed"]}
        after = stamps(out)
        assert before["amberlow-vale/report.html"] != after["amberlow-vale/report.html"]
        assert before["brackenholt-moor/report.html"] == after["brackenholt-moor/report.html"]
        same_as_clean(data, out, pool, publish=True)


def test_kernels_start_only_when_needed_and_as_many_as_needed():
    import contextlib

    from audit.run.lazy_kernels import LazyKernels

    started: list[int] = []

    class Runner:
        def execute(self, *args: object, **kwargs: object) -> str:
            return "ran"

    @contextlib.contextmanager
    def start(workers: int, areas: int):
        started.append(workers)
        yield Runner()

    with LazyKernels(2, None, start) as kernels:
        kernels.warm(0)
        assert kernels.started == 0  # nothing to make: no kernel
        kernels.warm(1)
        assert kernels.execute() == "ran"
        assert kernels.started == 1  # one area to make again: one kernel
        kernels.warm(5)
        assert kernels.started == 2  # more found to make: up to --workers
    assert started == [1, 1]

    @contextlib.contextmanager
    def broken(workers: int, areas: int):
        raise RuntimeError("no kernel")
        yield

    with LazyKernels(1, None, broken) as kernels, pytest.raises(RuntimeError):
        kernels.execute()


def test_a_rerun_with_nothing_changed_starts_no_kernel(data, tmp_path, monkeypatch):
    import contextlib

    from tests.fakes import FakeRunner

    starts: list[int] = []

    @contextlib.contextmanager
    def kernels(workers: int, areas: int, cancel=None):
        starts.append(areas)
        yield FakeRunner()

    monkeypatch.setattr("audit.run.batch._kernels", kernels)
    out = tmp_path / "out"
    batch(data, out)
    first = len(starts)
    batch(data, out)
    assert first >= 1 and len(starts) == first
    set_cell(data / AMBERLOW, "Judgements", "Reason", 0, "Plans rarely drew on what children said.")
    batch(data, out)
    assert len(starts) == first + 1  # one area to make again: one kernel
