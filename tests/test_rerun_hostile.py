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

from audit.errors import AuditError
from audit.run import incremental as inc
from audit.run import rerun_hint as hint
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
    assert record_of(out)["inputs"] == hint.input_stamps([data])
    assert [Path(p).name for p, _, _ in record_of(out)["inputs"]] == sorted(p.name for p in data.glob("*.xlsx"))


@pytest.mark.parametrize(
    "inputs",
    ["not a list", [["a.xlsx", True, 1]], [["a.xlsx", 1]], [[["nested"], 1, 2]]],
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
    assert record_of(out)["inputs"] == hint.input_stamps([data])


@pytest.mark.parametrize(
    "inputs",
    [[["/etc/passwd", -1, -(2**63)]], [[f"/nowhere/{i}.xlsx", i, i] for i in range(20000)]],
    ids=["negative", "many"],
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
    real = hint.rerun_hint
    victim = data / "Elderwyke.xlsx"
    if not victim.exists():
        victim = sorted(data.glob("*.xlsx"))[-1]

    def changed_after_the_hint(out_dir, paths):
        got = real(out_dir, paths)
        victim.unlink()
        if situation == "replaced by a folder":
            victim.mkdir()
        elif situation == "symlink loop":
            victim.symlink_to(victim)
        elif situation == "fifo":
            os.mkfifo(victim)
        return got

    monkeypatch.setattr(hint, "rerun_hint", changed_after_the_hint)
    done = batch(data, out)
    assert not done.ok or len({a.area for a in done.areas}) < len(AREAS)
    monkeypatch.setattr(hint, "rerun_hint", real)
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
    stamps_, ahead = hint.rerun_hint(out, named)
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


# --- a kernel's start, attacked (real kernels: the start itself is the subject) --------------------------------

PRELOADS = {
    # writes a mark once the kernel runs it, then takes for ever
    "hangs": "import pathlib, time\npathlib.Path('started').write_text('x')\ntime.sleep(600)\n",
    "dies": "import os\nos._exit(3)\n",
    "raises": "raise ValueError('a preload that fails')\n",
    "prints": "import sys\nfor _ in range(300):\n    print('x' * 100_000)\n    sys.stderr.write('y' * 100_000)\n",
    "quick": "",
}


class Seen:
    """The kernel processes and private socket folders that kernels started here had (noted as each launched)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, launched: threading.Event | None = None) -> None:
        from audit.run.kernels import Kernel

        self.pids: list[int] = []
        self.folders: list[str] = []
        self.launched = launched or threading.Event()
        real = Kernel._first_reply

        def first_reply(kernel, cancel):
            self.pids.append(kernel.km.provisioner.pid)
            self.folders.append(kernel.km._socket_dir)
            self.launched.set()
            return real(kernel, cancel)

        monkeypatch.setattr(Kernel, "_first_reply", first_reply)

    def assert_gone(self, launched: bool = True) -> None:
        """No kernel process, private folder or start thread left (``launched``: and one kernel was launched)."""
        import psutil

        assert self.pids or not launched, "no kernel was launched"
        for pid in self.pids:
            with contextlib.suppress(psutil.NoSuchProcess):
                assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, "a kernel process was left running"
        assert not [f for f in self.folders if f and os.path.exists(f)], "a kernel's private folder was left"
        assert not [c for c in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(c.cmdline())]
        left = [t.name for t in threading.enumerate() if t.name.startswith(("audit-kernel", "audit-kernel-start"))]
        assert not [t for t in threading.enumerate() if t.name == "audit-kernel-start" and t.is_alive()], left


def kernel(tmp_path: Path, preload: str, timeout: float = 60):
    from audit.run.kernels import Kernel

    (tmp_path / "hostile_preload.py").write_text(PRELOADS[preload], encoding="utf-8")
    return Kernel(0, "python3", timeout, ("hostile_preload",), str(tmp_path))


def test_a_start_called_off_before_launch_launches_nothing(tmp_path):
    from audit.run.kernels import StartCancelled

    cancel = threading.Event()
    cancel.set()
    k = kernel(tmp_path, "quick")
    with pytest.raises(StartCancelled):
        k.start(cancel)
    assert k.km is None and k.kc is None
    k.home.shutdown()


def test_a_start_called_off_while_the_kernel_imports_ends_it(tmp_path, monkeypatch):
    from audit.run.kernels import StartCancelled

    seen = Seen(monkeypatch)
    cancel = threading.Event()
    k = kernel(tmp_path, "hangs")

    def call_off():
        for _ in range(600):  # the kernel is part way through its imports: then the start is called off
            if (tmp_path / "started").exists():
                break
            threading.Event().wait(0.05)
        cancel.set()

    threading.Thread(target=call_off, daemon=True).start()
    with pytest.raises(StartCancelled):
        k.start(cancel)
    assert (tmp_path / "started").exists()
    assert k.km is None and k.kc is None
    seen.assert_gone()


@pytest.mark.parametrize(
    ("preload", "message"),
    [
        ("dies", "Kernel died before replying to kernel_info"),
        ("hangs", "Kernel didn't respond in 3 seconds"),
        ("raises", "the kernel was not prepared"),
    ],
)
def test_a_kernel_whose_preload_dies_hangs_or_raises_fails_its_start_and_is_ended(
    tmp_path, monkeypatch, preload, message
):
    seen = Seen(monkeypatch)
    k = kernel(tmp_path, preload, timeout=3)
    with pytest.raises(RuntimeError, match=message):
        k.start(threading.Event())
    assert k.km is None
    seen.assert_gone()


def test_a_preload_that_prints_a_flood_still_starts(tmp_path, monkeypatch):
    seen = Seen(monkeypatch)
    k = kernel(tmp_path, "prints", timeout=30)
    k.start(threading.Event())
    try:
        assert k.alive()
        k.reset(str(tmp_path))
    finally:
        k.stop()
    seen.assert_gone()


@pytest.mark.parametrize("stage", ["first reply", "reset"])
def test_leaving_the_batch_while_its_kernel_starts_ends_that_kernel(tmp_path, monkeypatch, stage):
    """LazyKernels left (the batch needed no kernel, or was stopped) with its kernel part way through its start,
    before or after the kernel's first reply: the kernel is ended, its folder gone, no start thread left."""
    from audit.run.kernel_pool import KernelPool
    from audit.run.kernels import Kernel, StartCancelled
    from audit.run.lazy_kernels import LazyKernels

    (tmp_path / "hostile_preload.py").write_text(PRELOADS["hangs" if stage == "first reply" else "quick"])
    seen = Seen(monkeypatch)
    reached = threading.Event()
    if stage == "reset":
        real = Kernel.reset

        def reset(k, cwd, stop_after_failure=False):
            reached.set()
            lazy.cancelled.wait(30)  # the batch leaves while this kernel is being reset
            return real(k, cwd, stop_after_failure)

        monkeypatch.setattr(Kernel, "reset", reset)

    def start(workers, areas):
        return KernelPool(1, preload=("hostile_preload",), cwd=tmp_path, cancel=lazy.cancelled)

    lazy = LazyKernels(1, None, start)
    with lazy:
        lazy.warm(1)
        for _ in range(600):
            if (tmp_path / "started").exists() or reached.is_set():
                break
            threading.Event().wait(0.05)
    assert (tmp_path / "started").exists() or reached.is_set()
    if stage == "first reply":
        assert [type(e) for e in lazy._errors] == [StartCancelled]
    seen.assert_gone()


@pytest.mark.parametrize(("stage", "stopped"), [("importing", "KeyboardInterrupt"), ("ready", "AuditError")])
def test_a_batch_stopped_while_reading_with_its_early_kernel_starting_ends_promptly(
    data, tmp_path, monkeypatch, stopped, stage
):
    """The workbooks changed, so a kernel starts before they are read; the read is stopped (Ctrl-C, or a bad
    input found): the batch ends with that, and leaves no kernel process, socket folder or start thread."""
    from audit.errors import AuditError
    from audit.run import batch as batch_module
    from audit.run.kernels import Kernel
    from tests.test_incremental_compared import flip_first_yes

    out = tmp_path / "out"
    batch(data, out, runner=FakeRunner())
    flip_first_yes(data / AMBERLOW, "Amberlow Vale")
    seen = Seen(monkeypatch)
    ready = threading.Event()
    real_reset = Kernel.reset

    def reset(k, *args, **kwargs):
        got = real_reset(k, *args, **kwargs)
        ready.set()
        return got

    monkeypatch.setattr(Kernel, "reset", reset)

    def load_audits(*args, **kwargs):
        assert (seen.launched if stage == "importing" else ready).wait(60), "no kernel started early"
        raise KeyboardInterrupt if stopped == "KeyboardInterrupt" else AuditError("a bad input")

    monkeypatch.setattr(batch_module, "load_audits", load_audits)
    with pytest.raises(KeyboardInterrupt if stopped == "KeyboardInterrupt" else AuditError):
        batch(data, out)
    seen.assert_gone()


# --- areas analysed on demand, in their report's job ----------------------------------------------------------

TEN = [f"Area {i:03d} (synthetic)" for i in range(1, 11)]
# The areas whose comparison with the others changes when Area 006's first Yes becomes No (seen in a run).
OTHERS_OF_006 = {f"Area {i:03d} (synthetic)" for i in (1, 2, 3, 4, 5, 7, 10)}


@pytest.fixture(scope="module")
def ten_areas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from audit.framework.model import load_framework
    from audit.workbooks.sample import generate_national, write_workbook

    folder = tmp_path_factory.mktemp("ten")
    fw = load_framework()
    write_workbook(folder / "national.xlsx", generate_national(fw, n_areas=10, cases_per_area=60, seed=2025), fw)
    return folder


@pytest.fixture
def ten(ten_areas: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(ten_areas, tmp_path / "data")
    return tmp_path / "data"


class FailingRunner(FakeRunner):
    """The fake runner, whose report for any of ``failing`` fails with its exception (AuditError if a set)."""

    def __init__(self, failing: set[str] | dict[str, type[Exception]]) -> None:
        super().__init__()
        self.failing = failing if isinstance(failing, dict) else dict.fromkeys(failing, AuditError)

    def execute(self, notebook, parameters, output, access=None):
        if parameters.get("area") in self.failing:
            raise self.failing[parameters["area"]]("could not be analysed")
        return super().execute(notebook, parameters, output, access)


def fail_on_demand(monkeypatch: pytest.MonkeyPatch, failing: dict[str, type[Exception]]) -> list[str]:
    """The analysis of each of ``failing`` fails (its exception) once it is done in a report's job; the areas
    asked for there are listed (returned)."""
    from audit.run import batch as batch_module
    from audit.run import rebuild

    real = batch_module.analyse_area
    asked: list[str] = []

    def analyse(usable, area, **kwargs):
        on_demand = threading.current_thread() is not threading.main_thread()
        if on_demand:
            asked.append(area)
        if on_demand and area in failing:
            raise failing[area]("could not be analysed")
        return real(usable, area, **kwargs)

    monkeypatch.setattr(batch_module, "analyse_area", analyse)
    assert len(TEN) < rebuild.FORK_AT
    return asked


def differences_from_clean(data: Path, out: Path, runner: FakeRunner) -> list[str]:
    from tests.incremental_support import clean_run, differences, snapshot

    made = snapshot(out)
    clean, _ = clean_run(None, out, lambda folder: batch(data, folder, runner))
    return differences(made, clean)


def others_changed(out: Path) -> set[str]:
    return {a for a, why in rebuilt(out).items() if why == ["other areas changed"]}


def test_on_demand_failures_fail_those_reports_as_a_failing_report_would(ten, tmp_path, fake, monkeypatch):
    """Two areas made again for the others' sake fail in their report's job (one as bad data would, one by a
    fault): those two reports fail, named; everything else is what a clean run makes when those two reports fail;
    the next run makes them again, and is a clean run's."""
    from tests.test_incremental_compared import flip_first_yes

    out = tmp_path / "out"
    batch(ten, out)
    flip_first_yes(ten / "national.xlsx", "Area 006 (synthetic)")
    others = OTHERS_OF_006
    bad, faulty = "Area 001 (synthetic)", "Area 002 (synthetic)"
    failing = {bad: AuditError, faulty: RuntimeError}
    asked = fail_on_demand(monkeypatch, failing)
    done = batch(ten, out)
    failed = {a.area: a.error for a in done.areas if a.error}
    assert failed == {bad: "could not be analysed", faulty: "RuntimeError: could not be analysed"}
    assert set(asked) == others
    assert others_changed(out) == others
    assert done.national is True
    # A clean run whose reports for those two fail on the kernel instead: the same but for the data files such a
    # report writes before its notebook runs (an area that could not be analysed has none).
    from audit.names import area_slugs

    slugs = set(area_slugs(failing).values())
    differ = differences_from_clean(ten, out, FailingRunner(failing))
    assert {f.split("/")[-2] for f in differ if f != ".audit-run.json"} <= slugs, differ
    monkeypatch.undo()
    use_fake_runner(monkeypatch)
    batch(ten, out)
    assert rebuilt(out) == {bad: ["failed last time"], faulty: ["failed last time"]}
    same_as_clean(ten, out)


def test_a_report_failing_in_the_kernel_for_an_area_made_for_the_others_sake(ten, tmp_path, fake):
    """An area made again for the others' sake whose report fails on its kernel: the run is a clean run's with
    the same report failing (its national summary made again without it, not reused), and the next is clean."""
    from tests.test_incremental_compared import flip_first_yes

    out = tmp_path / "out"
    batch(ten, out)
    flip_first_yes(ten / "national.xlsx", "Area 006 (synthetic)")
    victim = "Area 010 (synthetic)"
    runner = FailingRunner({victim, "Area 006 (synthetic)"})
    done = batch(ten, out, runner=runner)
    assert {a.area for a in done.areas if a.error} == {victim, "Area 006 (synthetic)"}
    assert victim in others_changed(out)
    same_as_clean(ten, out, runner=runner)
    batch(ten, out)
    same_as_clean(ten, out)


def test_a_published_run_never_analyses_on_demand(ten, tmp_path, fake, monkeypatch):
    """--publish: the comparison depends on each area's own suppression, so the run is decided from every area."""
    from audit.run import rebuild
    from tests.test_incremental_compared import flip_first_yes

    out = tmp_path / "out"
    batch(ten, out, publish=True)

    def refuse(*args, **kwargs):
        raise AssertionError("a published run analysed an area on demand")

    monkeypatch.setattr(rebuild, "_OnDemand", refuse)
    flip_first_yes(ten / "national.xlsx", "Area 006 (synthetic)")
    done = batch(ten, out, publish=True)
    assert done.ok
    same_as_clean(ten, out, publish=True)


@pytest.mark.parametrize("change", ["removed"])
def test_an_area_added_or_removed_beside_a_changed_answer(ten, tmp_path, fake, change):
    """The areas are not the record's: decided from every area (never on demand), and a clean run's."""
    from audit.framework.model import load_framework
    from audit.workbooks.sample import write_workbook
    from audit.workbooks.synthetic import generate_cases
    from tests.test_incremental_compared import flip_first_yes

    fw = load_framework()
    eleventh = ten / "eleventh.xlsx"
    out = tmp_path / "out"
    if change == "removed":
        write_workbook(eleventh, generate_cases(fw, "Area 011 (synthetic)", 30, 7), fw)
    batch(ten, out)
    flip_first_yes(ten / "national.xlsx", "Area 006 (synthetic)")
    if change == "removed":
        eleventh.unlink()
    else:
        write_workbook(eleventh, generate_cases(fw, "Area 011 (synthetic)", 30, 7), fw)
    done = batch(ten, out)
    assert {a.area for a in done.areas if a.ok} == {*TEN, *(["Area 011 (synthetic)"] if change == "added" else [])}
    same_as_clean(ten, out)


@pytest.mark.parametrize("run", ["first", "on demand"])
def test_an_area_whose_full_version_cannot_be_made_fails_its_report_not_the_batch(
    ten, tmp_path, fake, monkeypatch, run
):
    """Publishing an area's full version (in its report's job) fails by a fault: that report fails, named; the
    batch goes on, as for any failure in a report's job."""
    from audit.run import area_input
    from tests.test_incremental_compared import flip_first_yes

    out = tmp_path / "out"
    if run == "on demand":
        batch(ten, out)
        flip_first_yes(ten / "national.xlsx", "Area 006 (synthetic)")
    real = area_input.publish
    victim = "Area 001 (synthetic)"

    def publish(result, *args, **kwargs):
        if result.area == victim:
            raise RuntimeError("could not be published")
        return real(result, *args, **kwargs)

    monkeypatch.setattr(area_input, "publish", publish)
    done = batch(ten, out)
    assert {a.area: a.error for a in done.areas if a.error} == {victim: "RuntimeError: could not be published"}
    monkeypatch.setattr(area_input, "publish", real)
    batch(ten, out)
    assert rebuilt(out) == {victim: ["failed last time"]}
    same_as_clean(ten, out)


# --- the national summary, made from the run's areas as worked out for the decision ---------------------------


@pytest.mark.parametrize(
    ("failing", "change", "publish"),
    [
        ("changed", "answer every comparison shows", False),
        ("other", "answer every comparison shows", True),
        ("other", "answer no comparison shows", False),
        ("none", "evidence note", True),
    ],
)
def test_the_national_summary_is_a_clean_runs_when_reports_fail(data, tmp_path, fake, publish, change, failing):
    """The summary reuses the areas worked out for the run's decision only when they are the summary's own: with a
    report failing (the summary made again without it), or a published run, it is a clean run's all the same."""
    from tests.incremental_support import get_cell, set_cell

    out = tmp_path / "out"
    batch(data, out, publish=publish)
    header = "I1 Child recognised as a victim"
    if change == "evidence note":
        set_cell(data / AMBERLOW, "Cases", "I1 evidence", 0, "A different note about the first case.")
    elif change == "answer no comparison shows":
        assert get_cell(data / AMBERLOW, "Cases", header, 0) == "Partly"
        set_cell(data / AMBERLOW, "Cases", header, 0, "No")
    else:
        assert get_cell(data / AMBERLOW, "Cases", header, 4) == "Yes"
        set_cell(data / AMBERLOW, "Cases", header, 4, "No")
    names = {"changed": {"Amberlow Vale"}, "other": {"Brackenholt Moor"}, "none": set()}[failing]
    runner = FailingRunner(names)
    done = batch(data, out, runner=runner, publish=publish)
    made = set(rebuilt(out))
    assert {a.area for a in done.areas if a.error} == names & made
    assert done.national is True
    # A clean run in which the same reports fail (a kept report did not fail: it was not made).
    same_as_clean(data, out, runner=FailingRunner(names & made), publish=publish)


def test_workbook_names_that_are_not_utf8_are_stamped_and_read_back(data, tmp_path, monkeypatch):
    """A file name with bytes that are not UTF-8 (as Linux allows): its stamp survives the record's round trip, so
    an unchanged re-run starts no kernel early; a changed one does."""
    runner = FakeRunner()
    starts = Starts(runner)
    monkeypatch.setattr("audit.run.batch._kernels", starts)
    odd = os.fsdecode(bytes(data) + b"/caf\xe9-\xff.xlsx")
    os.rename(data / AMBERLOW, odd)
    out = tmp_path / "out"
    assert batch(data, out, runner=runner).ok
    assert any(s[0] == odd for s in record_of(out)["inputs"])
    assert batch(data, out).ok and rebuilt(out) == {}
    assert starts.cancels == []  # the stamps read back equal: nothing changed, no kernel started early
    st = os.stat(odd)
    os.utime(odd, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert batch(data, out).ok and rebuilt(out) == {}
    assert starts.called_off == 1


def test_a_touched_workbook_s_early_kernel_is_ended_when_nothing_is_made(data, tmp_path, monkeypatch):
    """Real kernels: the workbook's time changed, so a kernel starts as the batch begins; the data read shows
    nothing to make: the batch ends without waiting for it, and leaves no kernel process or folder behind."""
    out = tmp_path / "out"
    batch(data, out, runner=FakeRunner())
    seen = Seen(monkeypatch)
    st = (data / AMBERLOW).stat()
    os.utime(data / AMBERLOW, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    before = stamps(out)
    done = batch(data, out)
    assert done.ok and rebuilt(out) == {}
    after = stamps(out)
    assert {f for f in before if before[f] != after.get(f)} <= {
        "manifest.json",
        f"restricted/{CACHE}",
        ".audit-run.json",
    }
    seen.assert_gone(launched=False)  # called off before it launched, or after: either way, gone


def test_an_on_demand_failure_in_one_framework_of_a_run_of_two(tmp_path, fake, monkeypatch):
    """Two framework versions in one run: North Vale is made again for East Vale's sake and fails on demand; only
    its report fails (the other framework's folder is as a clean run makes it), and the next run is a clean run's."""
    from audit.framework.model import load_framework
    from tests.test_frameworks import name_framework
    from tests.test_frameworks_change import NEW, OLD, _rows
    from tests.test_incremental_compared_hostile import as_clean, workbook

    old, new = load_framework(OLD), load_framework(NEW)
    data = tmp_path / "data"
    data.mkdir()

    def write(east):
        books = {
            "north-2026.xlsx": (new, _rows(new, "North Vale", 2026, 12, I1="Yes")),
            "east-2026.xlsx": (new, _rows(new, "East Vale", 2026, 12, I1=east)),
            "south-2025.xlsx": (old, _rows(old, "South Vale", 2025, 12)),
        }
        for name, (fw, rows) in books.items():
            workbook(data / name, rows, fw)
            name_framework(data / name, "jtai-domestic-abuse", fw.version)

    out = tmp_path / "out"
    write("No")
    batch(data, out)
    write("Yes")
    asked = fail_on_demand(monkeypatch, {"North Vale": RuntimeError})
    done = batch(data, out)
    assert asked == ["North Vale"]
    assert {a.area: a.error for a in done.areas if a.error} == {"North Vale": "RuntimeError: could not be analysed"}
    assert rebuilt(out / "jtai-domestic-abuse-2026-1") == {
        "East Vale": ["inputs changed"],
        "North Vale": ["other areas changed"],
    }
    monkeypatch.undo()
    use_fake_runner(monkeypatch)
    batch(data, out)
    assert rebuilt(out / "jtai-domestic-abuse-2026-1") == {"North Vale": ["failed last time"]}
    as_clean(data, out)
