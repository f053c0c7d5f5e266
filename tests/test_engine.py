"""The warm-kernel engine: the same notebook as plain papermill, nothing carried between runs, failures kept.

One pool of one kernel serves the whole module, so runs follow each other on
the same warm kernel, as they do in a batch.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from audit.errors import ReportError
from audit.run.engine import KernelPool, NotebookCellError, normalise_for_comparison
from audit.run.report import AREA_NOTEBOOK
from tests.conftest import SAMPLE_DATA

AREAS = ("Amberlow Vale", "Fennistow Bay")


@pytest.fixture(scope="module")
def pool() -> Iterator[KernelPool]:
    with KernelPool(1, cell_timeout=120) as p:
        yield p


@pytest.fixture(scope="module")
def light_pool() -> Iterator[KernelPool]:
    """A kernel with nothing preloaded, quick to replace, for the tests that kill kernels."""
    with KernelPool(1, cell_timeout=120, preload=()) as p:
        yield p


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("engine")


def area_params(area: str) -> dict[str, Any]:
    return {"source": str(SAMPLE_DATA.resolve()), "area": area, "criteria": None}


def papermill_fresh(notebook: Path, parameters: dict[str, Any], output: Path) -> Any:
    """Plain papermill with a fresh kernel, as `audit report` ran it before the engine."""
    import papermill as pm

    return pm.execute_notebook(
        str(notebook),
        str(output),
        parameters=parameters,
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_name="python3",
    )


def write_nb(path: Path, *sources: str, parameters: str | None = None) -> Path:
    """A small notebook of code cells, with a tagged parameters cell first if given."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(s) for s in sources)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def outputs_text(nb: Any) -> list[str]:
    """Each code cell's text/plain result or stream text, for readable assertions."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
        texts.append("".join(parts))
    return texts


PLAIN_AREA = "Fennistow Bay"  # the area the plain papermill command reports


@pytest.fixture(scope="module")
def plain_command_run(out_dir: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The plain `papermill` command on a fresh kernel, outside the toolkit, as a user would type it: run once,
    read both as the command's own result and as the plain papermill report the pool's must equal."""
    bin_dir = Path(sys.executable).parent
    out = out_dir / "plain-command.ipynb"
    params = [x for k, v in area_params(PLAIN_AREA).items() for x in ("-p", k, str(v))]  # None is read as None
    run = subprocess.run(
        [str(bin_dir / "papermill"), str(AREA_NOTEBOOK), str(out), *params,
         "--cwd", str(AREA_NOTEBOOK.parent), "--no-progress-bar"],
        capture_output=True, text=True, timeout=600,
    )
    return run, out


@pytest.fixture(scope="module")
def pool_runs(pool: KernelPool, out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Each sample area reported on the warm kernel in the order A, B, B, A."""
    runs: dict[str, list[dict[str, Any]]] = {a: [] for a in AREAS}
    for i, area in enumerate((*AREAS, *reversed(AREAS))):
        output = out_dir / f"pool-{i}.ipynb"
        nb = pool.execute(AREA_NOTEBOOK, area_params(area), output)
        runs[area].append(normalise_for_comparison(nb))
        assert normalise_for_comparison(nbformat.read(output, as_version=4)) == runs[area][-1]
    return runs


@pytest.mark.parametrize("area", AREAS)
def test_pool_report_equals_plain_papermill(area, pool_runs, out_dir, request):
    """One area from papermill's Python API, the other from the plain command (also checked on its own below)."""
    if area == PLAIN_AREA:
        run, path = request.getfixturevalue("plain_command_run")
        assert run.returncode == 0, run.stderr[-2000:]
        fresh = nbformat.read(path, as_version=4)
    else:
        fresh = papermill_fresh(AREA_NOTEBOOK, area_params(area), out_dir / f"papermill-{area}.ipynb")
    expected = normalise_for_comparison(fresh)
    assert pool_runs[area][0] == expected
    cells = expected["cells"]
    counts = [c["execution_count"] for c in cells if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
    html = "".join(o["data"].get("text/html", "") for c in cells for o in c.get("outputs", []) if "data" in o)
    assert html.count("data:image/svg+xml;base64,") >= 1  # the charts, byte for byte the same in both
    assert expected["metadata"]["papermill"]["parameters"]["area"] == area


def test_area_order_does_not_change_a_report(pool_runs):
    for area in AREAS:
        first, second = pool_runs[area]
        assert first == second, f"{area} differs when run after the other area"


def test_nothing_leaks_from_one_notebook_to_the_next(pool, tmp_path):
    (tmp_path / "helper.py").write_text("STATE = []\n")
    dirty = write_nb(
        tmp_path / "dirty.ipynb",
        "leaked = 42\nimport helper; helper.STATE.append(1)",
        "import os; os.environ['AUDIT_LEAK'] = '1'; os.chdir('/')",
        "import matplotlib as mpl, matplotlib.pyplot as plt, numpy as np, pandas as pd, warnings\n"
        "mpl.rcParams['lines.linewidth'] = 9; plt.figure(); pd.set_option('display.max_rows', 3)\n"
        "np.set_printoptions(precision=1); warnings.simplefilter('error')",
    )
    check = write_nb(
        tmp_path / "check.ipynb",
        "print('leaked' in globals(), 'helper' in globals())",
        f"import helper, os; print(helper.STATE, os.environ.get('AUDIT_LEAK'), os.getcwd() == {str(tmp_path)!r})",
        "import matplotlib as mpl, matplotlib.pyplot as plt, numpy as np, pandas as pd, warnings\n"
        "print(mpl.rcParams['lines.linewidth'], plt.get_fignums(), pd.get_option('display.max_rows'),\n"
        "      np.get_printoptions()['precision'], ('error', None, Warning, None, 0) in warnings.filters)",
        "len(In)",
    )
    pool.execute(dirty, {})
    nb = pool.execute(check, {})
    assert outputs_text(nb) == [
        "False False\n",
        "[] None True\n",
        "1.5 [] 60 8 False\n",
        "5",
    ]
    assert [c.execution_count for c in nb.cells] == [1, 2, 3, 4]


def test_failing_cell_is_kept_and_named_like_papermill(pool, tmp_path):
    failing = write_nb(
        tmp_path / "failing.ipynb",
        "x = 1",
        "raise ValueError('no such area')",
        "y = 2",
        parameters="area = 'x'",
    )
    output = tmp_path / "restricted" / "failing.ipynb"
    with pytest.raises(NotebookCellError) as caught:
        pool.execute(failing, {"area": "Elderwyke Downs"}, output)
    error = caught.value
    assert isinstance(error, ReportError)
    assert (error.exec_count, error.ename, error.evalue) == (4, "ValueError", "no such area")
    assert "at cell 4 (ValueError)" in str(error) and str(output) in str(error)
    assert "no such area" not in str(error)  # an error's text may quote a workbook cell
    assert any("no such area" in line for line in error.traceback)

    kept = nbformat.read(output, as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.evalue for e in errors] == ["no such area"]
    with pytest.raises(Exception, match="no such area"):
        papermill_fresh(failing, {"area": "Elderwyke Downs"}, tmp_path / "papermill-failing.ipynb")
    expected = nbformat.read(tmp_path / "papermill-failing.ipynb", as_version=4)
    assert normalise_for_comparison(kept) == normalise_for_comparison(expected)

    ok = write_nb(tmp_path / "ok.ipynb", "'still working'")
    assert outputs_text(pool.execute(ok, {})) == ["'still working'"]


def test_dead_kernel_is_replaced(light_pool, tmp_path):
    pool = light_pool
    restarts = pool.restarts
    dying = write_nb(tmp_path / "dying.ipynb", "1 + 1", "import os; os._exit(1)", "'never'")
    output = tmp_path / "dying-out.ipynb"
    with pytest.raises(NotebookCellError) as caught:
        pool.execute(dying, {}, output)
    assert caught.value.ename == "DeadKernelError"
    assert caught.value.cell_index == 1
    kept = nbformat.read(output, as_version=4)
    assert "papermill-error-cell-tag" in kept.cells[0].metadata.tags  # marked as papermill marks errors
    (died,) = [c for c in kept.cells if "_exit" in c.source]
    assert died.metadata.papermill.status == "failed"
    assert pool.restarts == restarts + 1
    ok = write_nb(tmp_path / "ok.ipynb", "'after a death'")
    assert outputs_text(pool.execute(ok, {})) == ["'after a death'"]


def test_cell_timeout_replaces_the_kernel(light_pool, tmp_path):
    pool = light_pool
    restarts = pool.restarts
    slow = write_nb(tmp_path / "slow.ipynb", "import time; time.sleep(60)")
    pool.cell_timeout = 1
    try:
        with pytest.raises(NotebookCellError) as caught:
            pool.execute(slow, {})
    finally:
        pool.cell_timeout = 120
    assert caught.value.ename == "CellTimeoutError"
    assert pool.restarts == restarts + 1
    assert outputs_text(pool.execute(write_nb(tmp_path / "ok.ipynb", "'after a timeout'"), {})) == ["'after a timeout'"]


def test_two_kernels_serve_threads_at_once(tmp_path):
    nb_path = write_nb(tmp_path / "echo.ipynb", "import os\nprint(n, os.getpid())", parameters="n = 0")
    results: dict[int, list[str]] = {}

    def run(n: int) -> None:
        results[n] = outputs_text(pool2.execute(nb_path, {"n": n}))

    with KernelPool(2, preload=()) as pool2:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [0, 1, 2, 3]
    pids = set()
    for n, texts in results.items():
        number, pid = texts[-1].split()
        assert int(number) == n
        pids.add(pid)
    assert len(pids) == 2


@pytest.mark.skipif(os.name == "nt", reason="Windows has no Unix sockets; kernels keep TCP there")
def test_kernels_listen_only_in_a_private_folder(light_pool, capfd):
    kernel = light_pool._kernels[0]
    km = kernel.km
    assert km.transport == "ipc"  # no TCP port on localhost for another local user to reach
    folder = Path(km.ip).parent
    assert stat.S_IMODE(folder.stat().st_mode) & 0o777 == 0o700  # jupyter_client adds the sticky bit
    assert Path(km.connection_file).parent == folder  # the key that signs messages is there too
    sockets = [p for p in folder.iterdir() if p.is_socket()]
    assert sockets and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in sockets)
    kernel.call(kernel.restart)  # a replaced kernel cleans up after itself and gets a folder of its own
    assert not folder.exists()
    assert Path(kernel.km.ip).parent.is_dir()
    assert "without encryption" not in capfd.readouterr().err


@pytest.mark.skipif(os.name == "nt", reason="Windows has no Unix sockets; kernels keep TCP there")
def test_a_report_without_a_pool_runs_through_papermill_on_one_kernel_of_its_own(tmp_path, capfd, monkeypatch):
    import papermill as pm

    from audit.run.report import execute_notebook

    monkeypatch.setattr("audit.run.kernel_pool._OPEN", [])  # no pool open (this module's pools stay out of it)
    calls: list[dict[str, Any]] = []
    real = pm.execute_notebook

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pm, "execute_notebook", recording)
    notebook = tmp_path / "tiny.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("x")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebook)
    private_tmp = tmp_path / "tmp"  # this test's own, as other runs on the machine share /tmp
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    executed = execute_notebook({"x": 2}, tmp_path / "out.ipynb", notebook)
    assert executed.cells[-1].outputs[0]["data"]["text/plain"] == "2"
    assert [c["engine_name"] for c in calls] == ["audit"]
    assert list(private_tmp.iterdir()) == []  # its kernel was stopped and its private folder removed
    assert "without encryption" not in capfd.readouterr().err  # the private kernel manager: Unix sockets


def test_the_engine_is_registered_with_papermill_through_its_entry_point():
    from importlib.metadata import entry_points

    from papermill.engines import Engine, papermill_engines

    from audit.run.engine import ENGINE_NAME, PoolEngine

    (entry,) = entry_points(group="papermill.engine", name=ENGINE_NAME)
    assert entry.load() is PoolEngine
    assert papermill_engines.get_engine(ENGINE_NAME) is PoolEngine
    assert issubclass(PoolEngine, Engine)


def test_papermill_calls_in_a_pool_s_block_run_on_its_warm_kernel(tmp_path):
    import papermill as pm

    from audit.run.kernel_pool import current_pool

    nb_path = write_nb(tmp_path / "pid.ipynb", "import os\nprint(n, os.getpid())", parameters="n = 0")
    with KernelPool(1, preload=()) as warm:
        assert current_pool() is warm
        pids = {
            outputs_text(pm.execute_notebook(str(nb_path), None, parameters={"n": n}, engine_name="audit",
                                             progress_bar=False))[-1].split()[1]
            for n in range(2)
        }
        assert warm._kernels[0].runs == 2 and warm.restarts == 0
        assert pids == {str(warm._kernels[0].km.provisioner.process.pid)}
    assert current_pool() is not warm


def test_papermill_command_runs_the_area_report_on_the_engine(tmp_path):
    """The command in the README, from the checkout's root, with relative paths."""
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    run = subprocess.run(
        [str(papermill), "--engine", "audit", "notebooks/area_report.ipynb", str(out),
         "-p", "area", "Fennistow Bay", "-p", "source", "sample_data", "--no-progress-bar"],
        capture_output=True, text=True, timeout=600, cwd=root,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "Fennistow Bay" in html and html.count("data:image/svg+xml;base64,") == 4
    unknown = subprocess.run(
        [str(papermill), "--engine", "no-such-engine", "notebooks/area_report.ipynb", str(tmp_path / "x.ipynb")],
        capture_output=True, text=True, timeout=600, cwd=root,
    )
    assert unknown.returncode != 0 and "No engine named 'no-such-engine'" in unknown.stderr


def test_report_notebook_runs_under_the_plain_papermill_command(plain_command_run, tmp_path):
    """The commands a user would type, outside the toolkit: papermill, then nbconvert to HTML."""
    run, made = plain_command_run
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "fennistow.ipynb"
    out.write_bytes(made.read_bytes())
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "Fennistow Bay" in html and html.count("data:image/svg+xml;base64,") == 4
    bin_dir = Path(sys.executable).parent
    run = subprocess.run(
        [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Fennistow Bay" in out.with_suffix(".html").read_text(encoding="utf-8")
