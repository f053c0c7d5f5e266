"""Hostile stops of a batch, and hostile folders for the re-run hint (audit.run.lazy_kernels, rerun_hint.rerun_hint).

Each test is one kind of fault found by attacking those two changes; none runs a kernel.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import asdict

import pytest

from audit.run import incremental as inc
from audit.run import rerun_hint as hint
from tests.conftest import case_row
from tests.fakes import FakeRunner, run_cli, stop_during_first_report

AREAS = ["North", "South", "East", "West"]


def _record_with_inputs(folder, inputs) -> None:
    """A valid record of an earlier run in ``folder``/restricted/, whose workbooks were ``inputs``."""
    record = inc.Record({}, "", [], "", inputs=inputs)
    (folder / "restricted").mkdir(parents=True, exist_ok=True)
    (folder / "restricted" / inc.CACHE).write_text(json.dumps({"format": inc.FORMAT, **asdict(record)}))


def _pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor")]


def test_the_hint_reads_no_record_through_a_framework_folders_restricted_link(tmp_path):
    # OUT/<folder> is a real folder, but its restricted/ is a link out of OUT: the record there is not OUT's.
    workbook = tmp_path / "audit.xlsx"
    workbook.write_bytes(b"not read")
    elsewhere = tmp_path / "elsewhere"
    _record_with_inputs(elsewhere, [["another workbook", 1, 1]])
    out = tmp_path / "out"
    (out / "jtai-2025-1").mkdir(parents=True)
    (out / "jtai-2025-1" / "restricted").symlink_to(elsewhere / "restricted")
    assert list(hint._records_in(out.resolve())) == []
    assert hint.rerun_hint(out, [workbook])[1] is False
    # OUT's own restricted/ as a link out of OUT: not read either (the batch itself drops that link unread)
    (out / "restricted").symlink_to(elsewhere / "restricted")
    assert hint.rerun_hint(out, [workbook])[1] is False


def test_the_hint_looks_at_each_of_thousands_of_folders_once(tmp_path, monkeypatch):
    # A first run into a folder of 2,000 (a shared drive, a home folder), or OUT of 2,000 areas with no record:
    # one directory read and one call for each folder, well under 50 ms on a busy machine.
    workbook = tmp_path / "audit.xlsx"
    workbook.write_bytes(b"not read")
    out = tmp_path / "out"
    for i in range(2000):
        (out / f"area-{i}" / ("restricted" if i % 2 else "charts")).mkdir(parents=True)
    calls = []
    for name in ("stat", "lstat"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *a, _real=real, **k: calls.append(a) or _real(*a, **k))
    assert hint.rerun_hint(out, [workbook])[1] is False
    assert len(calls) < 2000 + 20, f"{len(calls)} calls for 2,000 folders"
    monkeypatch.undo()
    took = []
    for _ in range(3):
        start = time.perf_counter()
        hint.rerun_hint(out, [workbook])
        took.append(time.perf_counter() - start)
    assert min(took) < 0.04, f"{min(took) * 1000:.0f} ms"


def test_the_hint_trusts_no_folder_of_an_out_whose_own_record_is_damaged(tmp_path):
    # OUT's own record is there but damaged: OUT is one framework's, so its folders are areas', and a record in one
    # of them (left there by hand, or by another tool) is not OUT's. The run rebuilds everything from its data.
    workbook = tmp_path / "audit.xlsx"
    workbook.write_bytes(b"not read")
    out = tmp_path / "out"
    (out / "restricted").mkdir(parents=True)
    (out / "restricted" / inc.CACHE).write_text("{ damaged")
    _record_with_inputs(out / "north", [["another workbook", 1, 1]])
    assert list(hint._records_in(out.resolve())) == []
    assert hint.rerun_hint(out, [workbook])[1] is False


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stopped_batch_on_a_runner_given_by_the_caller_starts_no_report_still_waiting_for_it(
    make_workbook, framework, tmp_path, workers, ctrl_c
):
    # The caller's runner has one kernel, as a KernelPool of one (size 1) would: a report the batch's threads took
    # while another ran waits inside the runner for that kernel. A stop (Ctrl-C) while the first runs refuses it.
    from audit.run.batch import run_batch

    source = make_workbook([case_row(framework, f"C{i}", area) for area in AREAS for i in range(1, 7)])
    one_kernel, ran = threading.Lock(), []

    class OneKernel(FakeRunner):
        size = 1

        def execute(self, notebook, parameters, output, access=None):
            with one_kernel:
                ran.append(parameters.get("area"))
                if len(ran) == 1:
                    end = time.monotonic() + 10  # this report and two more taken by the batch's threads, waiting
                    while len(_pool_threads()) < 3 and time.monotonic() < end:
                        time.sleep(0.01)
                    time.sleep(0.2)
                    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: a real signal wakes the batch wherever it waits
                    time.sleep(0.5)  # the report still running when the batch takes the stop
                return super().execute(notebook, parameters, output, access)

    try:
        run_batch([source], tmp_path / "out", workers=workers, progress=False, runner=OneKernel())
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the stop was lost")
    assert len(ran) == 1, f"reports run after the stop: {ran[1:]}"
    assert not _pool_threads()
    assert not (tmp_path / "out" / "restricted" / "prepared").exists()


def test_a_second_stop_while_the_first_unwinds_still_lets_the_running_report_finish_and_clean_up(
    make_workbook, framework, tmp_path, monkeypatch
):
    # SIGTERM while a report runs, then SIGTERM again while the batch waits for that report: the batch must not
    # leave it running on its own (writing after "stopped", its prepared data removed under it).
    source = make_workbook([case_row(framework, f"C{i}", area) for area in AREAS for i in range(1, 7)])
    ran = stop_during_first_report(monkeypatch, stops=2)  # the second while the batch waits for the first
    out = tmp_path / "out"
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    result = run_cli("batch", source, "--out", out, "--workers", 1, "--quiet")
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    assert {s: signal.getsignal(s) for s in handlers} == handlers  # put back as they were
    assert "stopped" in result.output
    assert "stopping: the report running on a kernel finishes first" in result.output  # the second stop, answered
    assert not _pool_threads(), "a report was still running after the batch said it stopped"
    assert len(ran) == 1, f"reports run after the stop: {ran[1:]}"
    assert not (out / "restricted" / "prepared").exists()
    assert not list((out / "restricted").glob("*/error.txt"))


def test_a_report_refused_by_a_stop_leaves_no_file_of_its_area(make_workbook, framework, tmp_path, monkeypatch):
    # Reports taken by the batch's threads write their area's data files (summary.json, the scored workbook) and
    # then wait for the kernel; a stop refuses them there: the files of an area whose report never ran go too.
    source = make_workbook([case_row(framework, f"C{i}", area) for area in AREAS for i in range(1, 7)])
    out = tmp_path / "out"

    def other_reports_waiting():  # the other reports taken, their data files written, waiting for the kernel
        end = time.monotonic() + 10
        while len(list(out.glob("*/summary.json"))) < 2 and time.monotonic() < end:
            time.sleep(0.01)

    ran = stop_during_first_report(monkeypatch, wait_for=other_reports_waiting)
    result = run_cli("batch", source, "--out", out, "--workers", 1, "--quiet")
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    ran_slugs = {str(a).lower() for a in ran if a is not None}
    left = sorted(
        p.relative_to(out).as_posix()
        for slug in ("north", "south", "east", "west")
        if slug not in ran_slugs
        for folder in (out / slug, out / "restricted" / slug)
        if folder.exists()
        for p in [folder, *folder.rglob("*")]
    )
    assert not left, f"files of areas whose report never ran: {left}"


def test_a_runner_given_by_the_caller_still_runs_as_many_reports_at_once_as_it_has_kernels():
    # Handing the caller's runner out as a kernel (so a stop can refuse a report waiting for it) must not make a
    # pool of three kernels run one report at a time.
    from audit.run.lazy_kernels import LazyKernels

    inside, release = threading.Semaphore(0), threading.Event()

    class ThreeKernels:
        size = 3

        def execute(self, name):
            inside.release()
            assert release.wait(10)

    kernels = LazyKernels(1, ThreeKernels(), lambda w, n: None)
    threads = [threading.Thread(target=kernels.execute, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    try:
        assert all(inside.acquire(timeout=5) for _ in threads)
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
