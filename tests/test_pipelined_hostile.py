"""Hostile notebooks for cells sent ahead (audit.run.pipelined): the same both ways, and nothing left behind.

One warm kernel serves the module; ``send_ahead`` is switched between runs so
each comparison is made on the same kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.run.engine import KernelPool
from tests.test_engine import outputs_text, write_nb
from tests.test_pipelined import run


@pytest.fixture(scope="module")
def pool() -> Iterator[KernelPool]:
    with KernelPool(1, cell_timeout=60, preload=("pandas",), send_ahead=True) as p:
        yield p


def both_ways(pool: KernelPool, notebook: Path, out: Path, params: dict | None = None) -> tuple[dict, tuple | None]:
    """The notebook run sent ahead and one cell at a time: equal notebooks and equal errors; returns one."""
    ahead = run(pool, notebook, params or {}, out / f"{notebook.stem}-ahead.ipynb", True)
    one = run(pool, notebook, params or {}, out / f"{notebook.stem}-one.ipynb", False)
    assert ahead[1] == one[1]
    assert ahead[0] == one[0]
    return ahead


CASES = {
    "exit0": ("1", "import sys; sys.exit(0)", "'after'"),
    "exit3": ("1", "import sys; sys.exit(3)", "'after'"),
    "systemexit": ("raise SystemExit", "'after'"),
    "keyboard": ("1", "raise KeyboardInterrupt", "'after'"),
    "syntax": ("1", "def (:", "'after'"),
    "input": ("x = input('name?')", "'after'"),
    "hugemsg": ("raise ValueError('x' * 200_000)", "'after'"),
    "comments": ("# only a comment", "   \n  ", "# another\n# one", "'after'"),
    "huge": ("print('y' * 2_000_000)", "'after'"),
    "many": ("for i in range(3000): print(i)", "'after'"),  # one stream: two interleave by timing, either way
    "both": ("from IPython.display import display\ndisplay('shown'); 'result'", "'after'"),
    "clearend": ("from IPython.display import clear_output\nprint('a'); clear_output(wait=True)", "print('b')"),
    "thread": (
        "import threading\nt = threading.Thread(target=lambda: print('from thread', flush=True)); t.start(); t.join()",
        "'after'",
    ),
    "displayhook_error": ("class R:\n    def __repr__(self): raise ValueError('repr')\nR()", "'after'"),
    "late_thread": (
        "import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.2), print('late', flush=True))).start()",
        "import time; time.sleep(0.6)",
        "'after'",
    ),
    "orphan": (
        "k = get_ipython().kernel\nk.session.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'orphan'});",
        "'after'",
    ),
    "exit": ("1", "exit()", "'after'"),
    "count": ("get_ipython().execution_count = 50", "1", "'after'"),
    "rich": ("import pandas as pd\npd.DataFrame({'a': [1, 2]})", "'after'"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_cells_run_the_same_both_ways(pool, tmp_path, name):
    both_ways(pool, write_nb(tmp_path / f"{name}.ipynb", *CASES[name], parameters="n = 0"), tmp_path, {"n": 1})
    assert outputs_text(pool.execute(write_nb(tmp_path / "ok.ipynb", "'fine'"), {})) == ["'fine'"]


DIES = "import os, time; time.sleep(0.3); os._exit(1)"  # started, so its execution count is known both ways


@pytest.mark.parametrize("where", [0, 2])  # the middle cell: tests/test_pipelined.py
def test_a_kernel_killed_in_any_cell_is_blamed_on_that_cell(pool, tmp_path, where):
    cells = ["'one'", "'two'", "'three'"]
    cells[where] = DIES
    _, error = both_ways(pool, write_nb(tmp_path / f"die{where}.ipynb", *cells), tmp_path)
    assert error[:2] == (where, "DeadKernelError")


@pytest.mark.xfail(
    strict=True,
    reason="a kernel that dies with a cell sent ahead is run again from the start: the cells before it run twice",
)
def test_the_cells_before_a_kernel_s_death_run_once(pool, tmp_path):
    log = tmp_path / "log.txt"
    both_ways(pool, write_nb(tmp_path / "append.ipynb", f"open({str(log)!r}, 'a').write('x')", DIES, "'z'"), tmp_path)
    assert log.read_text() == "xx"  # once each way


def test_a_cell_that_times_out_is_named_both_ways(pool, tmp_path):
    pool.cell_timeout = 1
    try:
        slow = write_nb(tmp_path / "slow.ipynb", "1", "import time; time.sleep(30)", "'x'")
        _, error = both_ways(pool, slow, tmp_path)
    finally:
        pool.cell_timeout = 60
    assert error[:2] == (1, "CellTimeoutError")


CYCLE = "import gc, weakref, builtins\nclass B: pass\nb = B(); b.me = b; b.data = bytearray(10**6)\n"
PROBE = "import builtins, gc\nprint(gc.isenabled(), builtins._hostile_ref() is None, gc.get_threshold())"


@pytest.mark.parametrize("call", ["gc.freeze()", "gc.disable(); gc.set_threshold(0)", "gc.unfreeze()"])
def test_a_notebook_s_garbage_collector_settings_do_not_keep_its_data(pool, tmp_path, call):
    """Its cyclic data is freed by the next reset, and the next notebook has a collector as a new kernel's."""
    import gc

    pool.execute(write_nb(tmp_path / "gc.ipynb", CYCLE + "builtins._hostile_ref = weakref.ref(b)\n" + call), {})
    out = outputs_text(pool.execute(write_nb(tmp_path / "probe.ipynb", PROBE), {}))
    assert out == [f"True True {gc.get_threshold()}\n"]


def guard_holds(pool, tmp_path) -> bool:
    """Whether the kernel's guard stops a cell queued behind a failure that ipykernel does not abort."""
    from jupyter_core.utils import run_sync

    marker = tmp_path / "written"
    kernel = pool._kernels[0]

    def on_kernel() -> None:
        kernel.reset(str(tmp_path), stop_after_failure=True)
        ids = {kernel.kc.execute(c, stop_on_error=False) for c in ("1 / 0", f"open({str(marker)!r}, 'w').close()")}
        while ids:
            ids.discard(run_sync(kernel.kc.shell_channel.get_msg)(timeout=30)["parent_header"]["msg_id"])

    kernel.call(on_kernel)
    return not marker.exists()


UNREGISTER = (
    "ip = get_ipython()\nfor ev in ('pre_execute', 'pre_run_cell', 'post_run_cell'):\n"
    "    for cb in list(ip.events.callbacks[ev]):\n        ip.events.unregister(ev, cb)"
)


@pytest.mark.parametrize("code", ["get_ipython().ast_transformers.clear()", UNREGISTER])
def test_the_guard_is_back_after_a_notebook_that_removed_it(pool, tmp_path, code):
    pool.execute(write_nb(tmp_path / "unguard.ipynb", code), {})
    assert guard_holds(pool, tmp_path)


def test_a_notebook_s_ipython_hooks_do_not_reach_the_next(pool, tmp_path):
    code = (
        "import ast\nclass T(ast.NodeTransformer):\n    def visit_Constant(self, n):\n"
        "        return type(n)(99) if n.value == 1 else n\nget_ipython().ast_transformers.append(T())\n"
        "get_ipython().events.register('post_run_cell', lambda r: print('hooked'))\n"
        "get_ipython().input_transformers_post.append(lambda lines: lines)"
    )
    pool.execute(write_nb(tmp_path / "hooks.ipynb", code, "1"), {})
    assert outputs_text(pool.execute(write_nb(tmp_path / "next.ipynb", "1"), {})) == ["1"]


def test_rebound_and_deleted_builtins_are_back_for_the_next_notebook(pool, tmp_path):
    pool.execute(write_nb(tmp_path / "del.ipynb", "import builtins\nbuiltins.sorted = print; del builtins.min"), {})
    assert outputs_text(pool.execute(write_nb(tmp_path / "next.ipynb", "sorted('ba'), min(2, 1)"), {})) == [
        "(['a', 'b'], 1)"
    ]


def test_a_report_whose_kernel_died_before_its_cell_was_counted_names_the_cell(tmp_path):
    """The kernel may die before it says which count a cell has: the message names the cell, never "cell None"."""
    from audit.errors import ReportError
    from audit.run.notebook_run import NotebookCellError
    from audit.run.report import execute_notebook

    class DiesUncounted:
        def execute(self, notebook, parameters, output, access=None):
            output.write_text("{}")
            raise NotebookCellError(
                "died", cell_index=10, exec_count=None, ename="DeadKernelError", evalue="", output_path=output
            )

    with pytest.raises(ReportError) as failed:
        execute_notebook({}, tmp_path / "area" / "report.ipynb", runner=DiesUncounted())
    assert str(failed.value).startswith("the report notebook failed at cell index 10 (DeadKernelError);")
