"""Shared fixtures: the default framework and a builder for small audit workbooks."""

from __future__ import annotations

import datetime as dt
import fcntl
import gc
import json
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest

from audit.framework.model import Framework, load_framework

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = ROOT / "sample_data"


# `make test` runs the tests on two processes (pytest-xdist, --dist loadscope --no-loadscope-reorder), each
# module on one of them, handed out in collection order: the modules that take longest go first, so that
# neither process is left running a long one alone at the end. Alone, pytest runs them in the same order.
# The order is each module's measured time (setup, call and teardown of its tests, 2 s or more, in a fresh clone;
# benchmarks/README.md, "Test suite time (issue 16, ninth session)"), longest first, but for the browser checks,
# which go first for the shared batches they make; every other module follows in the usual order.
LONGEST_FIRST = (
    "test_accessibility.py",  # the browser checks; it also makes the run's two shared sample batches
    "test_rerun_hostile.py",
    "test_incremental_hostile.py",
    "test_pipelined_hostile.py",
    "test_engine.py",
    "test_incremental.py",
    "test_session5_hostile.py",
    "test_incremental_compared_hostile.py",
    "test_streams_hostile.py",
    "test_charts.py",
    "test_without_make.py",
    "test_incremental_compared.py",
    "test_explore_lab.py",
    "test_pipeline_frameworks.py",
    "test_pipelined.py",
    "test_practice_hostile.py",
    "test_permissions.py",
    "test_rerun_ahead.py",
    "test_free_text_leaks.py",
    "test_chart_frames.py",
    "test_inputs.py",
    "test_signals.py",
    "test_incremental_kernels.py",
    "test_docs.py",
    "test_install.py",
    "test_chart_replay.py",
    "test_outputs.py",
    "test_stop_hostile.py",
    "test_disk_full.py",
    "test_present_practice.py",
    "test_kernel_state.py",
    "test_frameworks.py",
    "test_scored_workbook_same.py",
    "test_readme_examples.py",
    "test_imports.py",
    "test_parallel.py",
    "test_batch.py",
    "test_safety.py",
    "test_accounting.py",
    "test_notebook_conventions.py",
    "test_page_marking.py",
    "test_published_cells.py",
    "test_frameworks_change.py",
    "test_hostile.py",
    "test_published_numbers.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a module, and of every other module, is kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests are collected, freeze what importing them made (pandas, matplotlib, the toolkit: most of a
    test process's objects) out of the garbage collector's sight, as a report kernel does: every full collection
    after would walk them all again (8 of 116 s in three in-process modules), and they live to the end anyway."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework()


def header_for(fw: Framework, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        "Case ID",
        "Area",
        "Audit date",
        "Age band",
        "Agencies involved",
        "Overall grade",
        *extra,
        *(c.header for c in fw.criteria),
    ]


def case_row(fw: Framework, case_id: Any, area: Any = "Testshire", answer: Any = "Yes", **answers: Any) -> list[Any]:
    """A row with every criterion answered `answer` except those given by ID."""
    return [
        case_id,
        area,
        dt.date(2025, 3, 1),
        "3-7",
        "Police, Health",
        "Good",
        *(answers.get(c.id, answer) for c in fw.criteria),
    ]


@pytest.fixture
def make_workbook(tmp_path: Path) -> Callable[..., Path]:
    """Write rows to a Cases sheet. `title_rows` blank/title rows go above the header."""

    def build(
        rows: list[list[Any]],
        header: list[str] | None = None,
        name: str = "audit.xlsx",
        title_rows: int = 0,
        sheet: str = "Cases",
        fw: Framework | None = None,
    ) -> Path:
        fw = fw or load_framework()
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        for i in range(title_rows):
            ws.append(["Case-file audit" if i == 0 else None])
        ws.append(header or header_for(fw))
        for row in rows:
            ws.append(row)
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    return build


SMALL_YAML = """
id: small-test
title: "A small test framework"
version: "1"
agencies: {csc: "Children's social care", police: Police}
themes:
  - {id: first, label: First theme}
  - {id: second, label: Second theme}
criteria:
  - {id: X1, label: Seen promptly, question: "Was the child seen promptly?", theme: first, agencies: [csc]}
  - {id: X2, label: Police checks done, question: "Were checks done?", theme: first, agencies: [police],
     key: true}
  - {id: Y1, label: Plan agreed, question: "Was a plan agreed?", theme: second, agencies: [csc, police]}
answers:
  "Yes": {points: 1, accept: [Y]}
  "Partly": {points: 0.5, accept: [P]}
  "No": {points: 0, accept: [N]}
  "N/A": {points: null, accept: [NA]}
age_bands: ["Under 5", "5 and over"]
grades:
  bands:
    - {grade: Good, min: 0.6}
    - {grade: Poor, min: 0}
"""


@pytest.fixture
def small_framework(tmp_path: Path) -> Framework:
    path = tmp_path / "small.yml"
    path.write_text(SMALL_YAML, encoding="utf-8")
    return load_framework(path)


BATCH_OPTIONS = ("--workers", "2", "--quiet")

# For a test's own small batch (two or three areas) whose subject is not running areas side by side: under
# pytest-xdist the other test process keeps the second core busy, so a second kernel would only add its
# start-up (importing pandas, matplotlib and statsmodels) to the run. Alone, pytest uses both cores.
KERNELS = "1" if os.environ.get("PYTEST_XDIST_WORKER") else "2"


def node_json(args: list[str], cwd: Path, timeout: int, what: str) -> tuple[int, dict[str, Any], str]:
    """Run a Node browser script that prints JSON: its exit status, its JSON and its stderr.

    No JSON fails the test with the script's stderr; exit status 2 (no browser here) skips it.
    """
    run = subprocess.run(["node", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    try:
        found = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{what} printed no JSON (exit {run.returncode}):\n{run.stderr[-2000:]}")
    if run.returncode == 2:
        pytest.skip(f"{what}: skipped: {found.get('error')}")
    return run.returncode, found, run.stderr


def _once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict[str, Any]]
) -> tuple[Path, Any]:
    """``make(path)`` once in the run, for every test process; its path and its record (a dict of plain data)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        path = tmp_path_factory.mktemp("shared") / name
        return path, SimpleNamespace(**make(path))
    # Under pytest-xdist each worker is its own process: the first to ask makes it in the folder all
    # workers of this run share, the others wait on the lock and read the same files and record.
    shared = tmp_path_factory.getbasetemp().parent
    path, record = shared / name, shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            record.write_text(json.dumps(make(path)), encoding="utf-8")
    return path, SimpleNamespace(**json.loads(record.read_text(encoding="utf-8")))


def _batch(tmp_path_factory: pytest.TempPathFactory, name: str, *options: str) -> tuple[Path, Any]:
    """`audit batch` over the sample data into a new folder; its exit code and output as a result."""
    from click.testing import CliRunner

    from audit.cli import main

    def run(out: Path) -> dict[str, Any]:
        result = CliRunner().invoke(main, ["batch", str(SAMPLE_DATA), "--out", str(out), *BATCH_OPTIONS, *options])
        return {"exit_code": result.exit_code, "output": result.output}

    return _once(tmp_path_factory, name, run)


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """`audit batch` over the sample data, run once for every test that reads its reports.

    Tests read it and never write into it; one that needs to change a page copies it first.
    """
    return _batch(tmp_path_factory, "reports")


@pytest.fixture(scope="session")
def published_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """`audit batch --publish` over the sample data, run once for every test that reads published pages."""
    return _batch(tmp_path_factory, "published", "--publish")


@pytest.fixture(scope="session")
def sample_area_pdf(tmp_path_factory: pytest.TempPathFactory, sample_batch: tuple[Path, Any]) -> Path:
    """Amberlow Vale's report from the sample batch as PDF (WeasyPrint), made once for every test that reads it.

    The browser checks, the page marking and the page layout tests all read this one PDF; none writes to it.
    Skips, saying why, where WeasyPrint cannot run.
    """
    from audit.render.pdf import html_to_pdf, pdf_available

    why = pdf_available()
    if why:
        pytest.skip(f"PDF checks skipped: {why} (`make test` installs Pango with apt-get as root)")
    made, run = sample_batch
    assert run.exit_code == 0, f"audit batch failed:\n{run.output}"
    html = (made / "amberlow-vale" / "report.html").read_text(encoding="utf-8")
    path, _ = _once(tmp_path_factory, "amberlow-vale.pdf", lambda path: {"pdf": str(html_to_pdf(html, path))})
    return path


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in this process, as Ctrl-C in a terminal does, for the test's length.

    A test run started as a background job of a script inherits SIGINT ignored, and the toolkit
    (as Python itself) leaves an ignored Ctrl-C ignored; a test of what Ctrl-C does must not depend on that.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def ctrl_c_as_in_a_terminal() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: the child starts with Ctrl-C's default action, whatever it inherits."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def fake_runner(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`audit batch` in this process runs no kernel: for tests whose subject is files, folders and messages."""
    from tests.fakes import use_fake_runner

    return use_fake_runner(monkeypatch)


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every figure a chart function draws, as drawn, kept so a test can look at its layout.

    Copies: the figure itself is a frame that the next chart of its layout is drawn in
    (audit.render.chart_layout.Frames), emptied of this chart's data once it is drawn.
    """
    import pickle

    from audit.render import chart_layout, chart_sharing, charts

    drawn: list[Any] = []
    render = chart_layout._render

    def keep(fig: Any) -> bytes:
        drawn.append(pickle.loads(pickle.dumps(fig)))
        return render(fig)

    for module in (charts, chart_sharing):  # each module that draws a chart
        monkeypatch.setattr(module, "_render", keep)
    return drawn


@pytest.fixture(scope="module")
def sample_pubs() -> list[Any]:
    """Every sample area's result in full and as published (hidden counts, small cells and whole ones): the
    charts' tests draw each of them."""
    from audit.analyse.area_result import analyse_area
    from audit.check.validate import load_audit
    from audit.publish.published import publish

    sample = load_audit(SAMPLE_DATA)
    return [
        publish(analyse_area(sample, area, publish=published), 5 if published else None)
        for published in (False, True)
        for area in sample.areas
    ]
