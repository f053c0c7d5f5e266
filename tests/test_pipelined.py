"""Cells sent ahead (audit.run.pipelined): the notebook as one cell at a time gives it, and no cell after a failure.

One warm kernel serves the module; ``send_ahead`` is switched between runs so
each comparison is made on the same kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from jupyter_core.utils import run_sync

from audit.run.batch import _kernels
from audit.run.engine import KernelPool, NotebookCellError, normalise_for_comparison
from audit.run.notebook_run import join_streams, join_streams_at
from audit.run.pipelined import PipelinedClient
from audit.run.report import AREA_NOTEBOOK
from tests.test_engine import area_params, outputs_text, write_nb


@pytest.fixture(scope="module")
def pool() -> Iterator[KernelPool]:
    with KernelPool(1, cell_timeout=120, preload=("pandas", "audit.render.charts"), send_ahead=True) as p:
        yield p


def run(pool: KernelPool, notebook: Path, params: dict, output: Path, ahead: bool) -> tuple[dict, tuple | None]:
    """The notebook run sent ahead or one cell at a time: normalised (its output path's name too), and its error."""
    pool.send_ahead = ahead
    error = None
    try:
        pool.execute(notebook, params, output)
    except NotebookCellError as exc:
        error = (exc.cell_index, exc.ename, exc.evalue)
    finally:
        pool.send_ahead = True
    text = output.read_text().replace(output.name, "OUT")
    return normalise_for_comparison(nbformat.reads(text, as_version=4)), error


def both_ways(pool: KernelPool, notebook: Path, params: dict, out: Path) -> tuple[dict, dict]:
    """The notebook run with cells sent ahead and one at a time, each normalised."""
    ahead, _ = run(pool, notebook, params, out / f"{notebook.stem}-True.ipynb", True)
    one_by_one, _ = run(pool, notebook, params, out / f"{notebook.stem}-False.ipynb", False)
    return ahead, one_by_one


def test_the_area_report_is_the_same_sent_ahead(pool, tmp_path):
    ahead, one_by_one = both_ways(pool, AREA_NOTEBOOK, area_params("Amberlow Vale"), tmp_path)
    assert ahead == one_by_one
    counts = [c["execution_count"] for c in ahead["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert all(c["metadata"]["papermill"]["status"] == "completed" for c in ahead["cells"])


RICH = (
    "import sys\nprint('out 1', flush=True); print('err 1', file=sys.stderr, flush=True); print('out 2', flush=True)",
    "from IPython.display import display, HTML, clear_output\nh = display(HTML('<b>first</b>'), display_id=True)",
    "h.update(HTML('<b>updated from a later cell</b>'))\n41 + 1",
    "",
    "print('before clearing'); clear_output(wait=True); print('after clearing')",
    "import time; time.sleep(0.05); display('slow'); 'last value'",
    "for i in range(3): print(i, flush=True)",
)


def test_outputs_of_every_kind_land_in_their_own_cells(pool, tmp_path):
    nb = nbformat.read(write_nb(tmp_path / "rich.ipynb", *RICH, parameters="n = 0"), as_version=4)
    nb.cells.insert(2, nbformat.v4.new_markdown_cell("Some prose between cells."))
    skipped = nbformat.v4.new_code_cell("print('skipped by its tag')")
    skipped.metadata["tags"] = ["skip-execution"]
    nb.cells.append(skipped)
    path = tmp_path / "rich-full.ipynb"
    nbformat.write(nb, path)
    ahead, one_by_one = both_ways(pool, path, {"n": 1}, tmp_path)
    assert ahead == one_by_one
    texts = outputs_text(nbformat.from_dict(ahead))
    assert texts[2] == "out 1\nout 2\nerr 1\n"  # after the parameters and the injected cell: stdout's text first
    assert "updated from a later cell" in str(ahead["cells"][4]["outputs"])
    assert texts[6] == "after clearing\n"
    assert texts[-1] == ""  # the tagged cell never ran


def first_cell_outputs(pool: KernelPool, tmp_path: Path, ahead: bool, *sources: str) -> list[tuple]:
    """The first cell's outputs as the notebook of ``sources`` was written (not normalised): kind, stream, text."""
    output = tmp_path / "out.ipynb"
    _, error = run(pool, write_nb(tmp_path / "in.ipynb", *sources), {}, output, ahead)
    assert error is None, error
    cell = nbformat.read(output, as_version=4).cells[0]
    return [(o.output_type, o.get("name"), o.get("text") or o.get("data", {}).get("text/plain")) for o in cell.outputs]


# The kernel cuts printed text by timing (a sleep makes it cut): the notebook written must not depend on where.
CUT = "import sys, time\nfrom IPython.display import display\nout = lambda t, **k: print(t, flush=True, **k)\n"
PIECES = {
    "text": (
        (CUT + "out('a', end=''); time.sleep(0.05); out('b'); out('e', file=sys.stderr); time.sleep(0.05); out('c')",),
        [("stream", "stdout", "ab\nc\n"), ("stream", "stderr", "e\n")],  # each stream on its own timer
    ),
    # nbclient finds a display a later cell updates by its place among its cell's outputs: joining text moves it
    "displays-updated-later": (
        (
            CUT + "out('a', end=''); time.sleep(0.05); out('b'); time.sleep(0.05); out('c'); time.sleep(0.05)\n"
            "h = display('before', display_id=True); out('d'); time.sleep(0.05); out('e')\n"
            "g = display('other', display_id=True)",
            "h.update('after'); g.update('other after')",
        ),
        [
            ("stream", "stdout", "ab\nc\n"),
            ("display_data", None, "'after'"),
            ("stream", "stdout", "d\ne\n"),
            ("display_data", None, "'other after'"),
        ],
    ),
}


@pytest.mark.parametrize("ahead", [True, False], ids=["sent-ahead", "one-at-a-time"])
@pytest.mark.parametrize("case", list(PIECES))
def test_text_the_kernel_sends_in_pieces_is_one_output_in_the_notebook(pool, tmp_path, ahead, case):
    sources, expected = PIECES[case]
    assert first_cell_outputs(pool, tmp_path, ahead, *sources, "'last'") == expected


def test_joining_streams_puts_each_stream_s_text_together_between_other_outputs():
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "out 1"},
        {"output_type": "stream", "name": "stdout", "text": ["\n", "more\n"]},
        {"output_type": "stream", "name": "stderr", "text": "err\n"},
        {"output_type": "display_data", "data": {"text/plain": "'x'"}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "out 2\n"},
        {"output_type": "stream", "name": "stdout", "text": "out 3\n"},
    ]
    before = [dict(o) for o in outputs]
    assert [o.get("text") for o in join_streams(outputs)] == ["out 1\nmore\n", "err\n", None, "out 2\nout 3\n"]
    assert join_streams_at(outputs)[1] == [0, 0, 1, 2, 3, 3]
    mixed = [{"output_type": "stream", "name": n, "text": t} for n, t in [("stderr", "e"), ("x", "?"), ("stdout", "a")]]
    assert join_streams_at(mixed + mixed) == (
        [{**mixed[2], "text": "aa"}, {**mixed[0], "text": "ee"}, {**mixed[1], "text": "??"}],
        [1, 2, 0, 1, 2, 0],
    )
    assert outputs == before  # the outputs given are left as they were
    assert join_streams([]) == []


def test_a_failing_cell_is_kept_as_one_at_a_time_and_nothing_after_it_runs(pool, tmp_path):
    """The cell after a quick failure is sent before the failure is known: it must never run."""
    marker = tmp_path / "ran-after-failure"
    failing = write_nb(
        tmp_path / "failing.ipynb",
        "x = 1",
        "raise ValueError('no such area')",
        f"open({str(marker)!r}, 'w').close()",
        "print('never')",
    )
    ahead, one_by_one = both_ways(pool, failing, {}, tmp_path)
    assert ahead == one_by_one
    statuses = [c["metadata"]["papermill"]["status"] for c in ahead["cells"] if c["cell_type"] == "code"]
    assert statuses[-3:] == ["failed", "pending", "pending"]
    for _ in range(25):  # the race the kernel's guard closes is lost only now and then
        with pytest.raises(NotebookCellError):
            pool.execute(failing, {})
        assert not marker.exists()
    assert outputs_text(pool.execute(write_nb(tmp_path / "ok.ipynb", "'still working'"), {})) == ["'still working'"]


def test_the_kernel_s_guard_runs_nothing_after_a_failed_cell_until_the_next_reset(pool, tmp_path):
    """Requests sent without ipykernel's own abort (stop_on_error=False): only the guard can stop the second."""
    marker = tmp_path / "written"

    def run(*codes: str, guard: bool) -> list[str]:
        kernel = pool._kernels[0]

        def on_kernel() -> list[str]:
            kernel.reset(str(tmp_path), stop_after_failure=guard)
            ids = [kernel.kc.execute(c, stop_on_error=False) for c in codes]
            replies = {}
            while len(replies) < len(ids):
                msg = run_sync(kernel.kc.shell_channel.get_msg)(timeout=30)
                replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
            return [replies[i] for i in ids]

        return kernel.call(on_kernel)

    write = f"open({str(marker)!r}, 'w').close()"
    assert run("1 / 0", write, guard=True) == ["error", "ok"]
    assert not marker.exists()
    assert run(write, guard=True) == ["ok"]  # the reset cleared the failure
    assert marker.exists()
    marker.unlink()
    assert run("1 / 0", write, guard=False) == ["error", "ok"]
    assert marker.exists()  # unarmed, as papermill's own engine runs a notebook


def test_a_dead_kernel_sent_ahead_is_blamed_on_its_cell_and_replaced(pool, tmp_path):
    """The death could be the cell's or the next one's (sent ahead): run again one cell at a time, it is told.

    A timeout, and a death in the first or last cell, both ways: tests/test_pipelined_hostile.py.
    """
    restarts = pool.restarts
    output = tmp_path / "dying-out.ipynb"
    with pytest.raises(NotebookCellError) as dead:
        pool.execute(write_nb(tmp_path / "dying.ipynb", "1 + 1", "import os; os._exit(1)", "'never'"), {}, output)
    assert (dead.value.ename, dead.value.cell_index) == ("DeadKernelError", 1)
    kept = {
        c.source: c.metadata.papermill.status
        for c in nbformat.read(output, as_version=4).cells
        if c.cell_type == "code"
    }
    assert (kept["1 + 1"], kept["import os; os._exit(1)"], kept["'never'"]) == ("completed", "failed", "pending")
    assert outputs_text(nbformat.read(output, as_version=4))[0] == "2"  # the cell before it kept its result
    assert pool.restarts == restarts + 2  # the death sent ahead, and again one cell at a time
    assert outputs_text(pool.execute(write_nb(tmp_path / "ok.ipynb", "'after'"), {})) == ["'after'"]


def test_a_notebook_that_lets_a_cell_fail_runs_one_cell_at_a_time(pool, tmp_path):
    nb = nbformat.read(write_nb(tmp_path / "lets.ipynb", "1 / 0", "'went on'"), as_version=4)
    nb.cells[0].metadata["tags"] = ["raises-exception"]
    nbformat.write(nb, tmp_path / "lets.ipynb")
    assert not PipelinedClient(SimpleNamespace(nb=nb)).pipelines()
    with pytest.raises(NotebookCellError):  # papermill still reports the error, once every cell has run
        pool.execute(tmp_path / "lets.ipynb", {}, tmp_path / "lets-out.ipynb")
    assert outputs_text(nbformat.read(tmp_path / "lets-out.ipynb", as_version=4))[-1] == "'went on'"


def test_the_batch_s_kernels_send_cells_ahead():
    with _kernels(1, 1) as pool:
        assert pool.send_ahead


def test_the_pool_s_kernels_reply_without_ipykernel_s_sleep(pool, tmp_path):
    """The client reads outputs until the kernel is idle, so the kernel's pause before each reply is not needed."""
    nb = write_nb(tmp_path / "sleep.ipynb", "get_ipython().kernel._execute_sleep")
    assert outputs_text(pool.execute(nb, {})) == ["0.0"]
