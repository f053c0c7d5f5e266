"""Benchmark for issue 6: national batch reports measured against the usual way, in one run.

    .venv/bin/python benchmarks/run.py [--areas 153] [--subset 6] [--workers 2] [--quick]

It writes a synthetic national data set (``audit.workbooks.sample.generate_national``) to
``benchmarks/out/data/`` as one workbook and as one workbook per area, then times,
on this machine and in this run:

- the usual way: a shell loop of the ``papermill`` and ``jupyter nbconvert --to html
  --no-input`` commands, over ``--subset`` areas, scaled per report;
- papermill called in this process with a fresh kernel per report (plus HTML), same subset;
- ``audit.run.engine.KernelPool`` with one warm kernel (plus HTML), same subset;
- the floor: the notebook's code cells run directly in this process, with no kernel,
  alternating with the pool's reports so both see the same machine load;
- ``audit batch --workers N`` over every area, as a subprocess: whatever it does today;
- a KernelPool of N kernels driving ``audit.run.batch.run_batch`` over every area (the target);
- peak memory of both batches; reading and scoring a 10,000-case workbook against
  ``pandas.read_excel(engine="openpyxl")``; ``audit --help`` wall time.

Seconds per report and ratios are printed and written to ``benchmarks/out/results.json``.
``--quick`` shrinks everything for a smoke run of a minute or two.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "area_report.ipynb"
SEED = 2025
PARTS = ["shell", "fresh", "pool", "floor", "batch", "pool-batch", "load", "help", "scaling", "reruns"]

TARGETS = {
    "batch_vs_shell_loop": 25.0,  # at least this many times faster per report (issue 16; 10x in issue 6)
    "batch_vs_fresh_papermill": 3.0,
    "one_worker_vs_floor": 1.5,  # at most this many times the floor
    "batch_wall_seconds": 60.0,  # every area, all outputs, on 2 cores (issue 16; 180 s in issue 6)
    "peak_memory_mb": 1024.0,  # the whole process tree (issue 16; 1.5 GB in issue 6)
    "load_vs_read_excel": 4.0,  # at least this many times faster
    "help_seconds": 0.5,
}


# --- small helpers -------------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the results table."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def timer(into: list[float]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - start)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        ram_gb = round(kb / 1024 / 1024, 1)
    versions = {}
    for pkg in ("papermill", "nbclient", "nbconvert", "jupyter_client", "ipykernel", "matplotlib", "pandas"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[pkg] = version(pkg)
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "versions": versions,
    }


# --- data ----------------------------------------------------------------------------------------


def area_name(i: int) -> str:
    return f"Area {i:03d} (synthetic)"


def make_data(n_areas: int, cases: int, out: Path, per_area: bool = True) -> dict[str, Any]:
    """The national data set as one workbook (and, with ``per_area``, one per area); reused when already written.

    The folder's stamp records the Cases sheet's columns and the framework version: data
    written by an older layout of the workbook is written again rather than measured.
    """
    from audit.framework.model import load_framework
    from audit.workbooks.sample import generate_national, slug, write_workbook
    from audit.workbooks.template import case_columns

    data_dir = out / "data" / f"national-{n_areas}x{cases}-seed{SEED}"
    workbook = data_dir / "national.xlsx"
    per_area_dir = data_dir / "areas"
    stamp = data_dir / "complete"
    areas = [area_name(i) for i in range(1, n_areas + 1)]
    fw = load_framework()
    layout = json.dumps({"framework": fw.version, "columns": case_columns(fw)}) + "\n"
    written = stamp.read_text() if stamp.exists() else None
    if written != layout or (per_area and not per_area_dir.exists()):
        why = "written by an older layout" if written is not None and written != layout else "not written yet"
        log(f"writing {n_areas} areas x {cases} cases to {data_dir} ({why})")
        shutil.rmtree(data_dir, ignore_errors=True)
        frame = generate_national(fw, n_areas=n_areas, cases_per_area=cases, seed=SEED)
        write_workbook(workbook, frame, fw)
        if per_area:
            for area in areas:
                write_workbook(per_area_dir / f"{slug(area)}.xlsx", frame[frame["Area"] == area], fw)
        stamp.write_text(layout)
    return {
        "workbook": workbook,
        "per_area": {a: per_area_dir / f"{slug(a)}.xlsx" for a in areas},
        "areas": areas,
        "dir": data_dir,
    }


def subset(areas: list[str], n: int) -> list[str]:
    """``n`` areas spread evenly through the list."""
    n = max(1, min(n, len(areas)))
    step = len(areas) / n
    return [areas[int(i * step)] for i in range(n)]


def report_params(area: str, source: Path, prepared: Path | dict[str, Path] | None = None) -> dict[str, Any]:
    """The parameters `audit batch` gives the notebook for one area (others keep their defaults)."""
    params: dict[str, Any] = {"source": [str(source)], "area": area, "criteria": None}
    if isinstance(prepared, dict):  # one prepared result per area
        prepared = prepared.get(area)
    if prepared is not None:
        params["prepared"] = str(prepared)
    return params


def make_prepared(source: Path, out: Path, areas: list[str]) -> Path | dict[str, Path] | None:
    """What `audit batch` hands its notebooks, when the notebook takes it.

    Now each area's published result (``audit.run.area_input``), one file per
    area; before, one copy of the validated data for every area. The
    kernel-based methods and the floor then get the same input as the batch.
    ``None`` when this version of the notebook or toolkit has no such thing.
    """
    import importlib.util

    import nbformat

    from audit.check import validate

    params = nbformat.read(NOTEBOOK, as_version=4).cells
    if not any("parameters" in c.metadata.get("tags", []) and "prepared" in c.source for c in params):
        return None
    out.mkdir(parents=True, exist_ok=True)
    data = validate.load_audit([str(source)], None)
    if importlib.util.find_spec("audit.run.area_input") is not None:
        from audit.run import area_input

        results = area_input.report_results(data, False, 5)  # every area published once, as the batch does
        return {
            area: area_input.save_prepared(results[area], out / f"prepared-{i}{area_input.PREPARED_SUFFIX}")
            for i, area in enumerate(areas)
        }
    save = getattr(validate, "save_prepared", None)
    suffix = getattr(validate, "PREPARED_SUFFIX", None)
    if save is None or suffix is None:
        return None
    return save(data, out / f"prepared{suffix}")


# --- the ways of making one report ---------------------------------------------------------------

_EXPORTERS = threading.local()


def to_html(nb: Any) -> str:
    """The executed notebook as HTML without code, as ``jupyter nbconvert --to html --no-input``."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _EXPORTERS.html = HTMLExporter(exclude_input=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def report_html(nb: Any) -> str:
    """The executed notebook as the report page ``audit batch`` writes (its template, no code)."""
    from audit.run.report import ReportMeta, notebook_to_html

    return notebook_to_html(nb, ReportMeta("Benchmark report", "Multi-agency case-file audit", "Benchmark run."))


def warm_up() -> None:
    """Import the Jupyter libraries and build the HTML exporter off the clock, for every in-process method."""
    import nbformat

    from audit.run.engine import import_jupyter_quietly

    import_jupyter_quietly()
    to_html(nbformat.v4.new_notebook())
    report_html(nbformat.v4.new_notebook())


def shell_loop(areas: list[str], source: Path, work: Path) -> dict[str, Any]:
    """The usual way: one `papermill` then one `jupyter nbconvert` command per area, from a shell loop."""
    work.mkdir(parents=True, exist_ok=True)
    lines = ["set -e"]
    for i, area in enumerate(areas):
        nb_out = work / f"area-{i}.ipynb"
        lines.append(
            " ".join(
                [
                    shlex.quote(str(BIN / "papermill")),
                    shlex.quote(str(NOTEBOOK)),
                    shlex.quote(str(nb_out)),
                    "-r source",
                    shlex.quote(str(source)),
                    "-r area",
                    shlex.quote(area),
                    "--cwd",
                    shlex.quote(str(NOTEBOOK.parent)),
                    "-k python3 --no-progress-bar",
                ]
            )
        )
        lines.append(
            f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --no-input {shlex.quote(str(nb_out))}"
            f" --output-dir {shlex.quote(str(work))}"
        )
    script = work / "loop.sh"
    script.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    subprocess.run(["bash", str(script)], check=True, capture_output=True)
    wall = time.perf_counter() - start
    return {"reports": len(areas), "wall_s": wall, "per_report_s": wall / len(areas)}


def fresh_papermill(areas: list[str], source: Path, work: Path, prepared: Any) -> dict[str, Any]:
    """papermill in this process: a new kernel for every report, then the HTML."""
    from audit.run.engine import import_jupyter_quietly

    import_jupyter_quietly()
    import papermill as pm

    work.mkdir(parents=True, exist_ok=True)
    runs: list[float] = []
    for i, area in enumerate(areas):
        with timer(runs):
            nb = pm.execute_notebook(
                str(NOTEBOOK),
                str(work / f"area-{i}.ipynb"),
                parameters=report_params(area, source, prepared),
                cwd=str(NOTEBOOK.parent),
                progress_bar=False,
                kernel_name="python3",
            )
            to_html(nb)
    return {"reports": len(areas), "per_report_s": median(runs), "runs_s": runs}


def pool_one_worker(
    areas: list[str],
    source: Path,
    work: Path,
    prepared: Any,
    between: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """One warm kernel: each report executed by the pool, then exported to HTML here as ``audit batch`` does.

    One report is run first, off the clock, as the floor runs one first: both then
    measure the steady state a batch of 153 areas is made of. ``between`` runs after
    each report, off the clock: the floor, so that both see the same machine load.
    """
    from audit.run.engine import KernelPool

    execute: list[float] = []
    html: list[float] = []
    start = time.perf_counter()
    with KernelPool(1) as pool:
        started = time.perf_counter() - start
        pool.execute(NOTEBOOK, report_params(areas[0], source, prepared))  # off the clock, as for the floor
        for i, area in enumerate(areas):
            with timer(execute):
                nb = pool.execute(NOTEBOOK, report_params(area, source, prepared), work / f"area-{i}.ipynb")
            with timer(html):
                report_html(nb)
            if between is not None:
                between(area)
    per = [e + h for e, h in zip(execute, html, strict=True)]
    return {
        "reports": len(areas),
        "start_s": started,
        "per_report_s": median(per),
        "execute_s": median(execute),
        "html_s": median(html),
        "runs_s": per,
    }


def run_cells(nb: Any, parameters: dict[str, Any], namespace: dict[str, Any]) -> None:
    """Run a notebook's code cells in ``namespace`` as a kernel would, rendering each cell's result."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102  # the project's own notebook
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)  # noqa: S307
            if value is not None:
                render = getattr(value, "_repr_html_", None)
                render() if callable(render) else repr(value)
        if "parameters" in cell.metadata.get("tags", []):
            namespace.update(parameters)  # where papermill injects its cell


class Floor:
    """The report's own work with no kernel: the notebook's cells run directly in this process.

    Run with the same input as the batch gives its kernels (the prepared data when
    the notebook takes it), and once more reading the workbook, as a user's run would.
    """

    def __init__(self, source: Path, prepared: Any, first_area: str) -> None:
        import nbformat

        self.source, self.prepared = source, prepared
        self.nb = nbformat.read(NOTEBOOK, as_version=4)
        self.runs: list[float] = []
        self.rereading: list[float] = []
        self._cells(first_area, prepared)  # imports and first drawing, off the clock

    def _cells(self, area: str, prepared: Any) -> None:
        cwd = os.getcwd()
        os.chdir(NOTEBOOK.parent)
        try:
            run_cells(self.nb, report_params(area, self.source, prepared), {"__name__": "__main__"})
        finally:
            os.chdir(cwd)

    def run(self, area: str) -> None:
        with timer(self.runs):
            self._cells(area, self.prepared)
        if self.prepared is not None:
            with timer(self.rereading):
                self._cells(area, None)

    def result(self) -> dict[str, Any]:
        from audit.check.validate import load_audit

        loads: list[float] = []
        for _ in range(3):
            with timer(loads):
                load_audit([str(self.source)], None, scan=False)
        return {
            "reports": len(self.runs),
            "prepared_data": self.prepared is not None,
            "per_report_s": median(self.runs),
            "runs_s": self.runs,
            "per_report_reading_workbook_s": median(self.rereading) if self.rereading else median(self.runs),
            "load_source_s": min(loads),
        }


def loading_share(data: dict[str, Any], area: str) -> dict[str, Any]:
    """How long the notebook's ``load_audit(source)`` takes for each way of giving it the data."""
    import pickle

    from audit.check.validate import load_audit

    def best(func: Callable[[], Any], n: int = 3) -> float:
        times: list[float] = []
        for _ in range(n):
            with timer(times):
                func()
        return min(times)

    whole = load_audit([str(data["workbook"])], None, scan=False)
    folder = sorted(str(p) for p in data["per_area"].values())
    out = {
        "national_workbook_s": best(lambda: load_audit([str(data["workbook"])], None, scan=False)),
        "folder_of_area_workbooks_s": best(lambda: load_audit(folder, None, scan=False), 1),
        "own_area_workbook_s": best(lambda: load_audit([str(data["per_area"][area])], None, scan=False)),
        "own_area_slice_s": best(lambda: whole.for_area(area)),
    }
    with contextlib.suppress(ImportError, AttributeError):
        from audit.analyse.compare import area_results  # the notebook compares each area with all the others

        out["area_comparison_s"] = best(lambda: area_results(whole))
    try:
        blob = pickle.dumps(whole, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # AuditData may one day hold something that does not pickle
        log(f"validated data does not pickle: {exc}")
    else:
        out["pickled_validated_data_s"] = best(lambda: pickle.loads(blob))
        out["pickle_mb"] = round(len(blob) / 1e6, 1)
    return out


# --- whole batches, in a child process so their memory is their own -----------------------------


def measured(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; wall time, the largest single process (rusage) and the peak of the whole tree."""
    import psutil

    wrapper = (
        "import resource, subprocess, sys, json; "
        "rc = subprocess.run(sys.argv[1:]).returncode; "
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(json.dumps({'rc': rc, 'maxrss_kb': ru.ru_maxrss, 'cpu_s': ru.ru_utime + ru.ru_stime}))"
    )
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", wrapper, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    peak = 0
    done = threading.Event()

    cpu_seen: dict[int, tuple[bool, float]] = {}  # pid: (the command itself, CPU seconds when last seen)

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                direct = {c.pid for c in root.children()}
                for p in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                        times = p.cpu_times()
                        cpu_seen[p.pid] = (p.pid in direct, times.user + times.system)
                with contextlib.suppress(psutil.Error):
                    total += root.memory_info().rss
            peak = max(peak, total)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    lines = out.decode().strip().splitlines()
    info = json.loads(lines[-1]) if lines else {"rc": proc.returncode, "maxrss_kb": 0}
    if info["rc"] != 0:
        log(f"command failed ({info['rc']}): {' '.join(cmd)}\n{err.decode()[-3000:]}")
    return {
        "ok": info["rc"] == 0,
        "wall_s": wall,
        "largest_process_mb": round(info["maxrss_kb"] / 1024, 1),
        "cpu_s": round(info.get("cpu_s", 0.0), 1),  # user + system, the command and its kernels
        "command_cpu_s": round(sum(c for own, c in cpu_seen.values() if own), 1),  # sampled: a little low
        "peak_tree_mb": round(peak / 1024 / 1024, 1),
        "stdout_tail": "\n".join(lines[-4:-1]),
    }


def audit_batch(source: Path, out: Path, workers: int, n_areas: int) -> dict[str, Any]:
    """`audit batch` as a user runs it, doing whatever it does today."""
    shutil.rmtree(out, ignore_errors=True)
    res = measured([str(BIN / "audit"), "batch", str(source), "--out", str(out), "--workers", str(workers), "--quiet"])
    res.update(
        reports=n_areas,
        workers=workers,
        per_report_s=res["wall_s"] / n_areas,
        cpu_per_report_s=res["cpu_s"] / n_areas,
    )
    return res


def pool_batch(source: Path, out: Path, workers: int, n_areas: int) -> dict[str, Any]:
    """``audit.run.batch.run_batch`` with its papermill call swapped for a KernelPool, as a subprocess."""
    shutil.rmtree(out, ignore_errors=True)
    res = measured(
        [sys.executable, __file__, "_pool-batch", str(source), str(out), str(workers)],
    )
    res.update(reports=n_areas, workers=workers, per_report_s=res["wall_s"] / n_areas)
    return res


def batch_uses_engine() -> bool:
    """Whether `audit batch` itself runs notebooks on KernelPool (then the driver below is not needed)."""
    import inspect

    from audit.run import batch, report

    return any("KernelPool" in inspect.getsource(module) for module in (batch, report))


def _pool_batch_main(source: str, out: str, workers: int) -> int:
    """Child process: run the batch through a pool of warm kernels (what batch.py will do)."""
    from audit.run.engine import KernelPool, import_jupyter_quietly

    import_jupyter_quietly()
    from audit.run import batch, report

    with KernelPool(workers) as pool:

        def execute_notebook(
            parameters: dict[str, Any], output: Path, notebook: Path = report.AREA_NOTEBOOK, **_: Any
        ) -> Any:
            return pool.execute(notebook, parameters, output)

        report.execute_notebook = execute_notebook  # type: ignore[assignment]
        outcome = batch.run_batch([source], out, workers=workers, progress=False)
    failed = [a.area for a in outcome.areas if not a.ok]
    print(f"{len(outcome.areas)} areas, {len(failed)} failed {failed[:3]}")
    return 0 if not failed else 1


# --- loading at scale, and the command line ------------------------------------------------------


def loading_at_scale(cases: int, out: Path) -> dict[str, Any]:
    """Read, validate and score a large workbook against pandas + openpyxl only reading it."""
    import pandas as pd

    from audit.analyse.area_result import analyse_area
    from audit.analyse.score import score_criteria
    from audit.check.validate import load_audit
    from audit.framework.model import load_framework
    from audit.workbooks.sample import generate_national, write_workbook

    per_area = 100
    n_areas = max(1, cases // per_area)
    path = out / "data" / f"large-{n_areas * per_area}-seed{SEED}.xlsx"
    fw = load_framework()
    if not path.exists():
        log(f"writing a {n_areas * per_area}-case workbook")
        write_workbook(path, generate_national(fw, n_areas=n_areas, cases_per_area=per_area, seed=SEED), fw)
    read_excel: list[float] = []
    load: list[float] = []
    load_all: list[float] = []
    score_all: list[float] = []
    per_area_s: list[float] = []
    for _ in range(2):
        with timer(read_excel):
            pd.read_excel(path, sheet_name="Cases", engine="openpyxl", header=2)
        with timer(load):
            data = load_audit(path, fw)
        with timer(score_all):
            score_criteria(data.scored, fw)
        with timer(per_area_s):
            for area in data.areas:
                analyse_area(data, area)
        with timer(load_all):
            load_audit(path, fw, scan=False)
    ours = min(load) + min(score_all)
    return {
        "cases": len(data.cases),
        "areas": len(data.areas),
        "read_excel_openpyxl_s": min(read_excel),
        "load_audit_s": min(load),
        "load_audit_no_scan_s": min(load_all),
        "score_criteria_all_s": min(score_all),
        "analyse_area_each_s": min(per_area_s),
        "load_and_score_s": ours,
        "load_and_analyse_each_s": min(load) + min(per_area_s),
        "speedup_vs_read_excel": min(read_excel) / ours,
        "speedup_with_analyse_each": min(read_excel) / (min(load) + min(per_area_s)),
    }


def help_time() -> dict[str, Any]:
    times: list[float] = []
    for _ in range(5):
        with timer(times):
            subprocess.run([str(BIN / "audit"), "--help"], check=True, capture_output=True)
    return {"best_s": min(times), "median_s": median(times)}


# --- report --------------------------------------------------------------------------------------


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Each method's seconds per report beside the shell loop, fresh-kernel papermill and the floor."""
    m = results["methods"]
    shell = m.get("shell_loop", {}).get("per_report_s")
    fresh = m.get("fresh_papermill", {}).get("per_report_s")
    fl = m.get("floor", {}).get("per_report_s")
    out = {}
    for name, r in m.items():
        per = r.get("per_report_s")
        if not per:
            continue
        out[name] = {
            "per_report_s": per,
            "x_faster_than_shell_loop": shell / per if shell else None,
            "x_faster_than_fresh_papermill": fresh / per if fresh else None,
            "x_floor": per / fl if fl else None,
        }
    return out


def checks(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, each with the figure it is judged on."""
    import scaling  # benchmarks/scaling.py: issue 16's scaling and re-runs

    m, r = results["methods"], results["ratios"]
    out: dict[str, Any] = {}

    def add(name: str, value: float | None, target: float, higher_is_better: bool) -> None:
        if value is None:
            return
        ok = value >= target if higher_is_better else value <= target
        out[name] = {"value": round(value, 3), "target": target, "met": ok}

    for batch in ("audit_batch", "pool_batch"):
        if batch in r:
            add(
                f"{batch}: x faster than shell loop",
                r[batch]["x_faster_than_shell_loop"],
                TARGETS["batch_vs_shell_loop"],
                True,
            )
            add(
                f"{batch}: x faster than fresh papermill",
                r[batch]["x_faster_than_fresh_papermill"],
                TARGETS["batch_vs_fresh_papermill"],
                True,
            )
            add(f"{batch}: wall seconds, all areas", m[batch]["wall_s"], TARGETS["batch_wall_seconds"], False)
            add(f"{batch}: peak memory MB", m[batch]["peak_tree_mb"], TARGETS["peak_memory_mb"], False)
    if "pool_1_worker" in m and "floor" in m:
        add(
            "pool 1 worker (execute only) x floor",
            m["pool_1_worker"]["execute_s"] / m["floor"]["per_report_s"],
            TARGETS["one_worker_vs_floor"],
            False,
        )
        add(
            "pool 1 worker (execute + HTML) x floor",
            r["pool_1_worker"]["x_floor"],
            TARGETS["one_worker_vs_floor"],
            False,
        )
    if "load_at_scale" in results:
        add(
            "load+score x faster than read_excel(openpyxl)",
            results["load_at_scale"]["speedup_vs_read_excel"],
            TARGETS["load_vs_read_excel"],
            True,
        )
    if "help" in results:
        add("audit --help seconds (best of 5)", results["help"]["best_s"], TARGETS["help_seconds"], False)
    out.update(scaling.checks(results))
    return out


def table(results: dict[str, Any]) -> str:
    import scaling

    rows = ["method                      s/report   vs shell   vs fresh   x floor   note"]
    notes = {
        "shell_loop": "papermill + nbconvert commands",
        "fresh_papermill": "in-process, new kernel each",
        "pool_1_worker": "KernelPool(1) + HTML",
        "floor": "cells run in-process, no HTML",
        "audit_batch": "audit batch (today), all areas",
        "pool_batch": "run_batch + KernelPool, all areas",
    }
    for name, r in results["ratios"].items():

        def f(v: float | None, fmt: str = "{:8.2f}") -> str:
            return fmt.format(v) if v is not None else "       -"

        rows.append(
            f"{name:26s} {r['per_report_s']:9.3f} {f(r['x_faster_than_shell_loop'])}x "
            f"{f(r['x_faster_than_fresh_papermill'])}x {f(r['x_floor'])}x   {notes.get(name, '')}"
        )
    m = results["methods"]
    if "pool_1_worker" in m:
        p = m["pool_1_worker"]
        rows.append(
            f"  pool 1 worker: execute {p['execute_s']:.3f} s + HTML {p['html_s']:.3f} s; start {p['start_s']:.1f} s"
        )
    for b in ("audit_batch", "pool_batch"):
        if b in m:
            x = m[b]
            rows.append(
                f"  {b}: {x['reports']} areas in {x['wall_s']:.1f} s with {x['workers']} workers, "
                f"{x['cpu_s']:.0f} CPU-s ({x['cpu_s'] / x['reports']:.2f} a report, of which the command itself "
                f"{x['command_cpu_s'] / x['reports']:.2f}, its kernels the rest); peak memory "
                f"{x['peak_tree_mb']:.0f} MB (whole tree), largest process {x['largest_process_mb']:.0f} MB"
            )
    if "floor" in m and m["floor"].get("prepared_data"):
        f = m["floor"]
        rows.append(
            f"  floor with the batch's prepared data {f['per_report_s']:.3f} s; reading the workbook in each "
            f"report instead {f['per_report_reading_workbook_s']:.3f} s"
        )
    for note in results.get("notes", []):
        rows.append(f"  note: {note}")
    if "loading" in results:
        ld = results["loading"]
        rows.append(
            "  notebook's load_audit(source): national workbook {national_workbook_s:.3f} s, folder of area "
            "workbooks {folder_of_area_workbooks_s:.3f} s, own area's workbook {own_area_workbook_s:.3f} s, "
            "pickled validated data {pickled:.3f} s; compare.area_results {comparison:.3f} s".format(
                pickled=ld.get("pickled_validated_data_s", -1), comparison=ld.get("area_comparison_s", -1), **ld
            )
        )
    if "load_at_scale" in results:
        s = results["load_at_scale"]
        rows.append(
            f"  {s['cases']} cases: read_excel(openpyxl) {s['read_excel_openpyxl_s']:.2f} s; load_audit "
            f"{s['load_audit_s']:.2f} s + score_criteria {s['score_criteria_all_s']:.2f} s = "
            f"{s['speedup_vs_read_excel']:.1f}x faster; with analyse_area for each of {s['areas']} areas "
            f"{s['speedup_with_analyse_each']:.1f}x"
        )
    if "help" in results:
        rows.append(f"  audit --help: {results['help']['best_s']:.3f} s (best of 5)")
    rows.extend(scaling.table_rows(results))
    rows.append("")
    rows.append("targets:")
    for name, c in results["checks"].items():
        rows.append(f"  [{'met' if c['met'] else 'NOT MET'}] {name}: {c['value']} (target {c['target']})")
    return "\n".join(rows)


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_pool-batch":
        return _pool_batch_main(argv[1], argv[2], int(argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=153, help="areas in the national data set")
    parser.add_argument("--cases", type=int, default=30, help="cases per area")
    parser.add_argument("--subset", type=int, default=6, help="areas for the per-report methods")
    parser.add_argument("--workers", type=int, default=2, help="workers for the two batches")
    parser.add_argument("--large", type=int, default=10_000, help="cases in the loading-at-scale workbook")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 4 areas, 1 in the subset, 1,000 cases, scaling over 2 to 8 areas",
    )
    parser.add_argument("--skip", nargs="*", default=[], metavar="PART", choices=PARTS, help="parts to leave out")
    parser.add_argument("--only", nargs="*", default=[], metavar="PART", choices=PARTS, help="run only these parts")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.only:
        args.skip = [p for p in PARTS if p not in args.only]
    if args.quick:
        args.areas, args.subset, args.large = min(args.areas, 4), min(args.subset, 1), min(args.large, 1_000)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "issue": [6, 16],
        "machine": machine(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "methods": {},
    }
    data = make_data(args.areas, args.cases, out)
    areas = subset(data["areas"], args.subset)
    source = data["workbook"]
    runs = out / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    warm_up()
    m = results["methods"]
    prepared = make_prepared(source, runs, areas)
    results["settings"]["prepared_data"] = prepared is not None
    if "shell" not in args.skip:
        log(f"shell loop over {len(areas)} areas")
        m["shell_loop"] = shell_loop(areas, source, runs / "shell")
    if "fresh" not in args.skip:
        log("papermill in-process, fresh kernels")
        m["fresh_papermill"] = fresh_papermill(areas, source, runs / "fresh", prepared)
    fl = Floor(source, prepared, areas[0]) if "floor" not in args.skip else None
    if "pool" not in args.skip:
        log("KernelPool, one worker" + (", each report followed by the floor" if fl else ""))
        between = fl.run if fl else None
        m["pool_1_worker"] = pool_one_worker(areas, source, runs / "pool", prepared, between)
    elif fl is not None:
        log("floor: the notebook's cells in this process")
        for area in areas:
            fl.run(area)
    if fl is not None:
        m["floor"] = fl.result()
        results["loading"] = loading_share(data, areas[0])
    if "batch" not in args.skip:
        log(f"audit batch --workers {args.workers} over {args.areas} areas")
        m["audit_batch"] = audit_batch(source, runs / "audit-batch", args.workers, args.areas)
    if "pool-batch" not in args.skip and batch_uses_engine():
        results["notes"] = ["audit batch already runs its notebooks on audit.run.engine.KernelPool: no separate driver"]
    elif "pool-batch" not in args.skip:
        log(f"run_batch + KernelPool({args.workers}) over {args.areas} areas")
        m["pool_batch"] = pool_batch(source, runs / "pool-batch", args.workers, args.areas)
    if "load" not in args.skip:
        log(f"loading at scale: {args.large} cases")
        results["load_at_scale"] = loading_at_scale(args.large, out)
    if "help" not in args.skip:
        results["help"] = help_time()
    import scaling

    if "scaling" not in args.skip:
        points, reference = scaling.plan(args.areas, args.cases, args.quick)
        known = {(args.areas, args.cases): m["audit_batch"]} if "audit_batch" in m else None
        results["scaling"] = scaling.scaling(points, reference, args.workers, out, known)
    if "reruns" not in args.skip:
        results["reruns"] = scaling.reruns(data, args.workers, out)
    results["ratios"] = ratios(results)
    results["checks"] = checks(results)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results["benchmark_process_maxrss_mb"] = round(own / 1024, 1)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(results))
    print(f"\nwritten: {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
