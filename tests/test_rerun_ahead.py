"""A re-run whose workbooks changed starts a kernel before it reads them, and calls it off if no report is needed.

The record keeps each workbook's size and modification time as the run began (``Record.inputs``): only a hint of
whether a report is likely, never a key of what is made again.
"""

from __future__ import annotations

import contextlib
import os
import threading

import pytest

from audit.run import incremental as inc
from audit.run import rerun_hint as hint
from tests.fakes import FakeRunner
from tests.incremental_support import AMBERLOW, rebuilt, sample_fixtures, set_cell, stamps
from tests.test_incremental import batch, same_as_clean

sample, data = sample_fixtures()


@pytest.fixture
def watched(monkeypatch):
    """The order in which a batch asks for kernels and reads its workbooks, on the fake runner.

    Each kernel's start waits until it is called off when ``slow`` is set, as a real one still starting would.
    """
    from audit.run import batch as batch_module
    from audit.run.lazy_kernels import LazyKernels

    seen: dict[str, object] = {"events": [], "slow": False, "called_off": 0}
    real_load, real_warm = batch_module.load_audits, LazyKernels.warm

    def load_audits(*args, **kwargs):
        seen["events"].append("read")
        return real_load(*args, **kwargs)

    def warm(self, reports):
        if reports:
            seen["events"].append("kernel asked for")
        return real_warm(self, reports)

    @contextlib.contextmanager
    def kernels(workers, areas, cancel=None):
        if seen["slow"]:
            assert cancel is not None and cancel.wait(timeout=60), "the start was never called off"
            seen["called_off"] += 1
            raise RuntimeError("called off")
        yield FakeRunner()

    monkeypatch.setattr(batch_module, "load_audits", load_audits)
    monkeypatch.setattr(LazyKernels, "warm", warm)
    monkeypatch.setattr(batch_module, "_kernels", kernels)
    return seen


def test_a_kernel_is_asked_for_before_changed_workbooks_are_read_and_never_for_unchanged_ones(data, tmp_path, watched):
    out = tmp_path / "out"
    batch(data, out)
    assert watched["events"][0] == "read"  # a first run: kernels start once it knows what it will make
    record, _ = inc.read_record(out)
    assert record.inputs == hint.input_stamps([data]) and len(record.inputs) == 3
    watched["events"].clear()
    batch(data, out)
    assert watched["events"] == ["read"]  # the same files: no kernel at all
    set_cell(data / AMBERLOW, "Judgements", "Reason", 0, "Plans rarely drew on what children said.")
    watched["events"].clear()
    batch(data, out)
    assert watched["events"][:2] == ["kernel asked for", "read"]
    assert rebuilt(out) == {"Amberlow Vale": ["inputs changed"]}
    same_as_clean(data, out)


def test_a_kernel_started_for_a_workbook_saved_again_unchanged_is_called_off(data, tmp_path, watched):
    """The hint says the workbook changed (a new modification time), the data say nothing did: no report is made, no
    file is touched, and the kernel still starting is called off rather than waited for."""
    out = tmp_path / "out"
    batch(data, out)
    before = stamps(out)
    later = os.stat(data / AMBERLOW).st_mtime_ns + 5_000_000_000
    os.utime(data / AMBERLOW, ns=(later, later))
    watched["events"].clear()
    watched["slow"] = True
    outcome = batch(data, out)
    assert outcome.ok and watched["events"][0] == "kernel asked for"
    assert watched["called_off"] == 1
    assert rebuilt(out) == {}
    after = stamps(out)
    changed = {f for f in before.keys() | after.keys() if before.get(f) != after.get(f)}
    assert changed <= {"manifest.json", ".audit-run.json", f"restricted/{inc.CACHE}"}, changed  # as any re-run
    watched["events"].clear()
    watched["slow"] = False
    batch(data, out)
    assert watched["events"] == ["read"]  # the record now holds the new time: no kernel asked for


def test_a_batch_of_two_frameworks_also_starts_its_kernel_before_reading_changed_workbooks(tmp_path, watched):
    """Its records are in each framework's folder (OUT/<framework>/restricted/), none in OUT/restricted/."""
    import openpyxl

    from audit.framework.model import load_framework
    from tests.conftest import header_for
    from tests.test_frameworks import name_framework
    from tests.test_frameworks_change import NEW, OLD, _rows

    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()

    def write(name, version, area, answer):
        fw = load_framework(version)
        wb = openpyxl.Workbook()
        wb.active.title = "Cases"
        for row in [header_for(fw), *_rows(fw, area, 2026, 6, I1=answer)]:
            wb.active.append(row)
        wb.save(data / name)
        name_framework(data / name, "jtai-domestic-abuse", fw.version)

    write("north.xlsx", OLD, "North Vale", "No")
    write("east.xlsx", NEW, "East Vale", "No")
    batch(data, out)
    assert not (out / "restricted" / inc.CACHE).exists()
    assert len(list(out.glob(f"*/restricted/{inc.CACHE}"))) == 2
    watched["events"].clear()
    batch(data, out)
    assert watched["events"] == ["read"]  # the same files: no kernel at all
    write("east.xlsx", NEW, "East Vale", "Yes")
    watched["events"].clear()
    batch(data, out)
    assert watched["events"][:2] == ["kernel asked for", "read"]


def test_the_hint_never_fails_a_run(tmp_path):
    assert hint.rerun_hint(tmp_path / "no such folder", [tmp_path / "missing.xlsx"]) == ([], False)
    assert hint.rerun_hint(tmp_path, [tmp_path / "bad\0name.xlsx"]) == ([], False)
    assert hint.rerun_hint(f"{tmp_path}/bad\0folder", [tmp_path]) == ([], False)


def test_a_kernel_start_called_off_ends_its_process_and_leaves_nothing_behind(monkeypatch):
    """Called off while it waits for the kernel's first reply (its imports): the process is ended and its private
    socket folder removed, and the start says it was called off."""
    from audit.run.kernels import Kernel, StartCancelled, import_jupyter_quietly

    import_jupyter_quietly()
    cancel = threading.Event()
    seen = {}
    real = Kernel._first_reply

    def first_reply(self, cancel_):
        seen["process"] = self.km.provisioner.process
        seen["folder"] = self.km._socket_dir
        cancel.set()  # as the batch does on leaving, while the kernel is still importing
        return real(self, cancel_)

    monkeypatch.setattr(Kernel, "_first_reply", first_reply)
    # The client's own threads too: a heartbeat thread left to make its socket after the start was called off
    # failed ("Too many open files") and printed a traceback.
    failed: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failed.append(args.exc_type.__name__))
    before = set(threading.enumerate())
    kernel = Kernel(0, "python3", 60, ("pandas",), os.getcwd())
    with pytest.raises(StartCancelled):
        kernel.call(kernel.start, cancel)
    kernel.home.shutdown(wait=True)
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)
    assert failed == []
    assert seen["process"].poll() is not None  # ended
    assert not os.path.exists(seen["folder"])
    assert kernel.km is None and kernel.kc is None
    with pytest.raises(StartCancelled):
        Kernel(1, "python3", 60, (), os.getcwd()).start(cancel)  # called off before it launches anything


def test_areas_made_again_for_the_others_sake_are_analysed_in_their_own_report_s_job(tmp_path, monkeypatch):
    """A changed answer: the changed area is analysed while the run is decided; each area made again only because
    its comparison reads differently is analysed in its report's job (beside the kernels), and the national
    summary is made from the run's areas worked out for the decision (not worked out again)."""
    from audit.framework.model import load_framework
    from audit.run import batch as batch_module
    from audit.run import rebuild
    from audit.workbooks.sample import generate_national, write_workbook
    from tests.fakes import use_fake_runner
    from tests.test_incremental_compared import flip_first_yes

    use_fake_runner(monkeypatch)
    folder = tmp_path / "data"
    folder.mkdir()
    fw = load_framework()
    write_workbook(folder / "national.xlsx", generate_national(fw, n_areas=10, cases_per_area=60, seed=2025), fw)
    out = tmp_path / "out"
    batch(folder, out)
    where: dict[str, str] = {}
    real_analyse, real_run_areas = batch_module.analyse_area, rebuild.run_areas
    worked_out: list[int] = []

    def analyse(usable, area, **kwargs):
        where[area] = threading.current_thread().name
        return real_analyse(usable, area, **kwargs)

    def run_areas(*args, **kwargs):
        worked_out.append(1)
        return real_run_areas(*args, **kwargs)

    monkeypatch.setattr(batch_module, "analyse_area", analyse)
    monkeypatch.setattr(rebuild, "run_areas", run_areas)
    flip_first_yes(folder / "national.xlsx", "Area 006 (synthetic)")
    batch(folder, out)
    why = rebuilt(out)
    others = [a for a, w in why.items() if w == ["other areas changed"]]
    assert why["Area 006 (synthetic)"] == ["inputs changed"] and others
    assert where["Area 006 (synthetic)"] == "MainThread"
    assert all(where[a] != "MainThread" for a in others), where
    assert set(where) == {"Area 006 (synthetic)", *others}  # the areas kept are not analysed at all
    assert len(worked_out) == 1  # the decision's; the national summary reads the same
    same_as_clean(folder, out)
