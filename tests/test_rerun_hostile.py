"""Hostile input and hostile situations against a re-run's early kernel and its on-demand analyses.

A re-run whose workbooks changed starts one kernel before it reads them (a hint from the record's input stamps);
a kernel's start can be called off part way; areas made again only for the others' sake are analysed in their
report's job; the national summary reuses the run's areas. None of it may fail a run, leave a kernel or its
private folder behind, or change what is made: the outputs are a clean run's wherever they were before.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

import pytest

from audit.run import incremental as inc
from audit.run.batch import BatchOptions, run_batch
from audit.run.incremental import CACHE
from tests.fakes import FakeRunner, use_fake_runner
from tests.incremental_support import AMBERLOW, build, rebuilt, sample_fixtures, stamps
from tests.test_incremental import AREAS, batch, same_as_clean

sample, data = sample_fixtures()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRunner:
    return use_fake_runner(monkeypatch)


def record_of(out: Path) -> dict:
    return json.loads((out / "restricted" / CACHE).read_text(encoding="utf-8"))


def write_record(out: Path, raw: dict) -> None:
    (out / "restricted" / CACHE).write_text(json.dumps(raw), encoding="utf-8")


class Starts:
    """A stand-in for the batch's kernel start that takes until it is called off (as a real kernel's start may
    while a batch reads its workbooks); each start's cancel event kept, to show it was set."""

    def __init__(self, runner: FakeRunner) -> None:
        self.runner, self.cancels, self.called_off = runner, [], 0

    @contextlib.contextmanager
    def __call__(self, workers: int, areas: int, cancel: threading.Event | None = None):
        self.cancels.append(cancel)
        if cancel is not None and cancel.wait(timeout=30):
            self.called_off += 1
            from audit.run.kernels import StartCancelled

            raise StartCancelled
        yield self.runner


# --- the hint and the record ------------------------------------------------------------------------------------


def test_a_first_run_records_its_inputs_stamps(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    assert record_of(out)["inputs"] == inc.input_stamps([data])
    assert [Path(p).name for p, _, _ in record_of(out)["inputs"]] == sorted(p.name for p in data.glob("*.xlsx"))


@pytest.mark.parametrize(
    "inputs",
    [
        "not a list",
        {"a": 1},
        [None],
        [[1, 2, 3]],
        [["a.xlsx", True, 1]],
        [["a.xlsx", 1, False]],
        [["a.xlsx", 1.5, 2]],
        [["a.xlsx", 1]],
        [["a.xlsx", 1, 2, 3]],
        [["a.xlsx", "1", 2]],
        [[["nested"], 1, 2]],
    ],
    ids=repr,
)
def test_damaged_input_stamps_never_change_what_is_rebuilt(data, tmp_path, fake, inputs):
    """The stamps are a hint for starting a kernel early, never a key: damaged, the record is still used (nothing
    changed, nothing is made again), and the run's own stamps replace them."""
    out = tmp_path / "out"
    batch(data, out)
    raw = record_of(out)
    raw["inputs"] = inputs
    write_record(out, raw)
    before = stamps(out)
    done = batch(data, out)
    assert done.ok
    assert rebuilt(out) == {} and build(out)["national summary"] == {"rebuilt": False}
    assert "note" not in build(out)
    after = stamps(out)
    assert {f for f in before if before[f] != after.get(f)} <= {
        "manifest.json",
        f"restricted/{CACHE}",
        ".audit-run.json",
    }
    assert record_of(out)["inputs"] == inc.input_stamps([data])


@pytest.mark.parametrize(
    "inputs",
    [
        [],
        [["/etc/passwd", -1, -(2**63)]],
        [["../../outside.xlsx", 0, 0]],
        [["a.xlsx", 2**70, 2**70]],
        [[f"/nowhere/{i}.xlsx", i, i] for i in range(20000)],
    ],
    ids=["none", "negative", "outside", "huge numbers", "many"],
)
def test_odd_but_well_formed_stamps_only_start_a_kernel_that_is_called_off(data, tmp_path, monkeypatch, inputs):
    """Stamps that name other files (outside, negative, far too many) say only "changed": one kernel starts, and is
    called off when the data read shows nothing to make. The run ends with nothing made again."""
    runner = FakeRunner()
    starts = Starts(runner)
    monkeypatch.setattr("audit.run.batch._kernels", starts)
    out = tmp_path / "out"
    batch(data, out, runner=runner)  # a first run on the runner given: no kernel start at all
    raw = record_of(out)
    raw["inputs"] = inputs
    write_record(out, raw)
    calls = len(runner.calls)
    done = batch(data, out)
    assert done.ok and rebuilt(out) == {}
    assert len(runner.calls) == calls  # no notebook ran
    assert len(starts.cancels) == 1 and starts.called_off == 1
    assert not [t for t in threading.enumerate() if t.name == "audit-kernel-start"]


def test_a_workbook_touched_or_saved_again_unchanged_leaves_every_output_untouched(data, tmp_path, monkeypatch):
    """The hint says "changed" (new time, new bytes) but the cells are the same: the kernel started early is called
    off, no notebook runs, and every output keeps its bytes and its time."""
    from tests.incremental_support import get_cell, set_cell

    runner = FakeRunner()
    starts = Starts(runner)
    monkeypatch.setattr("audit.run.batch._kernels", starts)
    out = tmp_path / "out"
    batch(data, out, runner=runner)
    before = stamps(out)
    st = (data / AMBERLOW).stat()
    os.utime(data / AMBERLOW, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    header = "I1 Child recognised as a victim"
    set_cell(data / AMBERLOW, "Cases", header, 0, get_cell(data / AMBERLOW, "Cases", header, 0))
    calls = len(runner.calls)
    assert batch(data, out).ok
    assert rebuilt(out) == {} and len(runner.calls) == calls
    assert starts.called_off == 1
    after = stamps(out)
    assert {f for f in before if before[f] != after.get(f)} <= {
        "manifest.json",
        f"restricted/{CACHE}",
        ".audit-run.json",
    }
    assert set(after) == set(before)
    # The run after it: the stamps now match, so no kernel starts early at all.
    batch(data, out)
    assert len(starts.cancels) == 1


@pytest.mark.parametrize("situation", ["vanished", "replaced by a folder", "symlink loop", "fifo"])
def test_an_input_that_changes_between_its_stamp_and_its_read_is_only_what_the_run_says(
    data, tmp_path, fake, monkeypatch, situation
):
    """A workbook removed (or turned into something else) after the stamps were taken and before it is read: the
    run says so as it would have anyway, and the outputs are a clean run's of what it read."""
    out = tmp_path / "out"
    batch(data, out)
    real = inc.rerun_hint
    victim = data / "Elderwyke.xlsx"
    if not victim.exists():
        victim = sorted(data.glob("*.xlsx"))[-1]

    def hint(out_dir, paths):
        got = real(out_dir, paths)
        victim.unlink()
        if situation == "replaced by a folder":
            victim.mkdir()
        elif situation == "symlink loop":
            victim.symlink_to(victim)
        elif situation == "fifo":
            os.mkfifo(victim)
        return got

    monkeypatch.setattr(inc, "rerun_hint", hint)
    done = batch(data, out)
    assert not done.ok or len({a.area for a in done.areas}) < len(AREAS)
    monkeypatch.setattr(inc, "rerun_hint", real)
    if situation == "vanished":
        same_as_clean(data, out)


@pytest.mark.parametrize("situation", ["folder", "symlink", "symlink loop", "missing", "fifo", "nul"])
def test_the_hint_never_fails_on_odd_inputs(tmp_path, data, situation):
    """Whatever the inputs name, the stamps are taken (or not) without raising."""
    odd = tmp_path / "odd.xlsx"
    if situation == "folder":
        odd.mkdir()
    elif situation == "symlink":
        odd.symlink_to(data / AMBERLOW)
    elif situation == "symlink loop":
        odd.symlink_to(odd)
    elif situation == "fifo":
        os.mkfifo(odd)
    named = [data, odd] if situation != "nul" else [data, Path(str(odd) + "\0x")]
    out = tmp_path / "out"
    stamps_, ahead = inc.rerun_hint(out, named)
    assert ahead is False  # no record there
    assert all(inc._stamp(s) for s in stamps_)


def test_a_symlink_loop_among_the_inputs_is_a_file_not_read_not_a_crash(data, tmp_path, fake):
    """A loop named directly, and one inside an input folder: each is a file the run could not read, named."""
    (data / "loop.xlsx").symlink_to(data / "loop.xlsx")
    out = tmp_path / "out"
    done = batch(data, out)
    assert {a.area for a in done.areas if a.ok} == AREAS
    assert list(done.failed_files) == ["loop.xlsx"]
    done = run_batch([data / "loop.xlsx", data], out, BatchOptions(), progress=False)
    assert {a.area for a in done.areas if a.ok} == AREAS and list(done.failed_files) == ["loop.xlsx"]
