"""Hostile notebooks for joined stream text (notebook_run.join_streams and the pool's hook after each cell).

The kernel cuts printed text by timing; the pool joins neighbouring pieces of one
stream after each cell and moves the places of the displays a later cell updates.
Here: displays shown twice and updated from near and far, clear_output between
pieces, carriage returns and backspaces, other streams, results and errors after
text, a cell timed out or a kernel killed mid-text, text as a file's list of lines,
and a great many pieces. Every notebook is synthetic. One warm kernel serves the
module; ``send_ahead`` is switched between runs (see tests/test_pipelined.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from audit.run.engine import KernelPool, normalise_for_comparison
from audit.run.kernel_pool import _join_streams
from audit.run.notebook_run import join_streams, join_streams_at
from tests.test_engine import papermill_fresh, write_nb
from tests.test_pipelined import run

BOTH = pytest.mark.parametrize("ahead", [True, False], ids=["sent-ahead", "one-at-a-time"])

# Printed text cut into pieces: flushed part way through a line, with a pause so the kernel sends it apart.
CUT = "print('{0}', end='', flush=True); time.sleep(0.03); print('{0}', flush=True)\n"


def cut(*words: str) -> str:
    return "".join(CUT.format(w) for w in words)


@pytest.fixture(scope="module")
def pool() -> Iterator[KernelPool]:
    with KernelPool(1, cell_timeout=60, preload=(), send_ahead=True) as p:
        yield p


def shown(nb: dict, cell: int) -> list[tuple[str, str | None]]:
    """One cell's outputs, each as its type and its text (stream text, or a display's text/plain)."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [(o["output_type"], o.get("text") or o.get("data", {}).get("text/plain")) for o in code[cell]["outputs"]]


def twice(pool: KernelPool, notebook: Path, out: Path, ahead: bool) -> tuple[dict, tuple | None]:
    """The notebook run twice the same way: the same notebook both times, apart from timings; returns one."""
    first = run(pool, notebook, {}, out / f"{notebook.stem}-{ahead}-1.ipynb", ahead)
    second = run(pool, notebook, {}, out / f"{notebook.stem}-{ahead}-2.ipynb", ahead)
    assert first == second
    return first


# Displays a later cell updates, with text cut before, between and after them.

SAME_ID = (
    "import time\nfrom IPython.display import display\n"
    + cut("a", "b")
    + "h = display('one', display_id='X')\n"
    + cut("c")
    + "display('two', display_id='X')\n"
    + cut("d"),
    cut("e") + "display('three', display_id='X')\n" + cut("f"),
    *(cut(str(i)) for i in range(5)),
    "h.update('far')",
)


@BOTH
def test_one_display_id_shown_in_two_cells_is_updated_everywhere_from_far_below(pool, tmp_path, ahead):
    """Shown twice in one cell and once in the next, updated five cells later: every place follows its display."""
    nb, error = twice(pool, write_nb(tmp_path / "same-id.ipynb", *SAME_ID), tmp_path, ahead)
    assert error is None
    assert shown(nb, 0) == [
        ("stream", "aa\nbb\n"),
        ("display_data", "'far'"),
        ("stream", "cc\n"),
        ("display_data", "'far'"),
        ("stream", "dd\n"),
    ]
    assert shown(nb, 1) == [("stream", "ee\n"), ("display_data", "'far'"), ("stream", "ff\n")]


CLEARED = (
    "import time\nfrom IPython.display import display, clear_output\n"
    + cut("a")
    + "h = display('one', display_id=True)\n"
    + cut("b")
    + "g = display('kept', display_id=True)\nclear_output(wait=True)\n"
    + cut("c", "d")
    + "g = display('again', display_id=True)\n"
    + cut("e"),
    "h.update('gone'); g.update('updated')",
)


@BOTH
def test_a_display_cleared_with_wait_then_text_is_not_updated_and_a_new_one_is(pool, tmp_path, ahead):
    nb, error = twice(pool, write_nb(tmp_path / "cleared.ipynb", *CLEARED), tmp_path, ahead)
    assert error is None
    assert shown(nb, 0) == [("stream", "cc\ndd\n"), ("display_data", "'updated'"), ("stream", "ee\n")]


# Text the kernel and the notebook treat as one: clears between pieces, "\r" and "\b", other streams.

TEXT = (
    "import sys, time\nfrom IPython.display import clear_output\n"
    "print('a', flush=True); time.sleep(0.03); clear_output(wait=True)\n" + cut("b") + "clear_output()\n" + cut("c"),
    "import sys, time\nfor i in range(5): print(f'\\r{i * 20}%', end='', flush=True); time.sleep(0.02)\n"
    "print('\\b\\bdone', flush=True); sys.stderr.write('x\\b\\r'); sys.stderr.flush(); time.sleep(0.02)\n"
    "sys.stderr.write('y\\n'); sys.stderr.flush()",
    "k = get_ipython().kernel\nfor t in ('p', 'q'):\n"
    "    k.session.send(k.iopub_socket, 'stream', {'name': 'custom', 'text': t}, parent=k.get_parent())\n"
    "print('x')",
    "import time\n" + cut("r") + "42",
    "import time\n" + cut("s") + "1 / 0",
)


@BOTH
def test_text_around_clears_returns_other_streams_results_and_errors_is_joined_as_read(pool, tmp_path, ahead):
    nb, error = twice(pool, write_nb(tmp_path / "text.ipynb", *TEXT), tmp_path, ahead)
    assert error[:2] == (4, "ZeroDivisionError")
    assert shown(nb, 0) == [("stream", "cc\n")]
    assert shown(nb, 1) == [("stream", "\r0%\r20%\r40%\r60%\r80%\b\bdone\n"), ("stream", "x\b\ry\n")]
    assert shown(nb, 2) == [("stream", "x\n"), ("stream", "pq")]  # stdout's text first, another stream's after
    assert shown(nb, 3) == [("stream", "rr\n"), ("execute_result", "42")]
    assert [o["output_type"] for o in [c for c in nb["cells"] if c["cell_type"] == "code"][4]["outputs"]] == [
        "stream",
        "error",
    ]


def test_the_pool_s_notebook_is_papermill_s_own_after_normalising(pool, tmp_path):
    """Papermill's own engine leaves the pieces apart; normalised, its notebook is the pool's."""
    notebook = write_nb(tmp_path / "mixed.ipynb", *SAME_ID[:2], SAME_ID[-1], *CLEARED, *TEXT[:3])
    ours, _ = run(pool, notebook, {}, tmp_path / "OUT.ipynb", True)
    theirs = tmp_path / "theirs" / "OUT.ipynb"
    theirs.parent.mkdir()
    papermill_fresh(notebook, {}, theirs)
    assert normalise_for_comparison(nbformat.read(theirs, as_version=4)) == ours


# A cell stopped mid-text: the error papermill would see comes after the text joined.


@BOTH
def test_a_kernel_killed_mid_text_keeps_its_text_joined_before_the_error(pool, tmp_path, ahead):
    dies = "import os, time\n" + cut("a", "b") + "time.sleep(0.3); os._exit(1)"  # the text sent before it dies
    notebook = write_nb(tmp_path / "dies.ipynb", "'before'", dies, "'never'")
    nb, error = run(pool, notebook, {}, tmp_path / "dies-out.ipynb", ahead)
    assert error[:2] == (1, "DeadKernelError")
    assert shown(nb, 1) == [("stream", "aa\nbb\n"), ("error", None)]


@BOTH
def test_a_cell_timed_out_mid_text_keeps_its_text_joined_before_the_error(pool, tmp_path, ahead):
    pool.cell_timeout = 1
    try:
        slow = "import time\n" + cut("a", "b") + "time.sleep(30)"
        notebook = write_nb(tmp_path / "slow.ipynb", slow, "'never'")
        nb, error = run(pool, notebook, {}, tmp_path / "slow-out.ipynb", ahead)
    finally:
        pool.cell_timeout = 60
    assert error[:2] == (0, "CellTimeoutError")
    assert shown(nb, 0) == [("stream", "aa\nbb\n"), ("error", None)]


def test_output_widget_text_is_joined_in_the_widget_and_the_cell(pool, tmp_path):
    pytest.importorskip("ipywidgets")
    cell = "import time, ipywidgets as w\nfrom IPython.display import display\no = w.Output(); display(o)\nwith o:\n"
    cell += "".join("    " + line + "\n" for line in cut("a", "b").splitlines()) + cut("c")
    nb, error = run(pool, write_nb(tmp_path / "widget.ipynb", cell), {}, tmp_path / "widget-out.ipynb", True)
    assert error is None
    assert [kind for kind, _ in shown(nb, 0)] == ["display_data", "stream"]
    assert shown(nb, 0)[1] == ("stream", "cc\n")
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    captured = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    assert captured == [[{"name": "stdout", "output_type": "stream", "text": "aa\nbb\n"}]]


# Faults found.


def test_a_great_many_pieces_are_joined_in_linear_time():
    """A cell printing line by line with flush=True gives one output a line: 50,000 took 24 s to join (quadratic)."""
    pieces = [{"output_type": "stream", "name": "stdout", "text": "x" * 79 + "\n"} for _ in range(50_000)]
    display = {"output_type": "display_data", "data": {"text/plain": "'d'"}, "metadata": {}}
    client = SimpleNamespace(_display_id_map={"d": {3: [50_000]}})
    cell = SimpleNamespace(outputs=[*pieces, display, *pieces])
    started = time.perf_counter()
    _join_streams(client, cell, cell_index=3)
    took = time.perf_counter() - started
    assert [len(o.get("text", "")) for o in cell.outputs] == [4_000_000, 0, 4_000_000]
    assert client._display_id_map == {"d": {3: [1]}}
    assert took < 1.0, f"joining 100,000 pieces took {took:.1f} s"


def test_text_that_arrived_stderr_first_in_whole_pieces_is_put_in_order_too():
    """Two whole outputs, stderr's first: nothing to join, but stdout's text still goes first, displays follow."""
    err, out = ({"output_type": "stream", "name": n, "text": f"{n}\n"} for n in ("stderr", "stdout"))
    display = {"output_type": "display_data", "data": {"text/plain": "'d'"}, "metadata": {}}
    client = SimpleNamespace(_display_id_map={"d": {0: [2]}})
    cell = SimpleNamespace(outputs=[err, out, display])
    _join_streams(client, cell, cell_index=0)
    assert cell.outputs == [out, err, display]
    assert client._display_id_map == {"d": {0: [2]}}


def test_a_notebook_file_s_lines_normalise_as_the_same_text_cut_into_pieces():
    """In a notebook file stream text is a list of lines; one output or three, normalised it is the same."""

    def notebook(*texts: list[str]) -> dict:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('a'); print('b')")])
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="".join(t)) for t in texts]
        return json.loads(nbformat.writes(nb))  # as a file holds it: each text a list of lines

    whole = notebook(["a\n", "b\n"])
    pieces = notebook(["a"], ["\n"], ["b\n"])
    assert whole["cells"][0]["outputs"][0]["text"] == ["a\n", "b\n"]
    whole["cells"][0]["id"] = pieces["cells"][0]["id"] = "same"
    assert normalise_for_comparison(whole) == normalise_for_comparison(pieces)
    joined = [{"name": "stdout", "output_type": "stream", "text": "a\nb\n"}]
    assert join_streams_at(whole["cells"][0]["outputs"]) == (joined, [0])
    assert join_streams(pieces["cells"][0]["outputs"]) == join_streams(whole["cells"][0]["outputs"])


@BOTH
def test_a_cell_that_may_fail_has_its_display_updated_after_its_text_is_joined(pool, tmp_path, ahead):
    """A ``raises-exception`` cell runs as papermill runs it (nbclient's own loop): the hook and its places too."""
    first = "import time\nfrom IPython.display import display\n" + cut("a") + "h = display('one', display_id=True)\n"
    nb = nbformat.read(write_nb(tmp_path / "may-fail.ipynb", first + cut("b") + "1 / 0", "h.update('u')"), 4)
    nb.cells[0].metadata["tags"] = ["raises-exception"]
    nbformat.write(nb, tmp_path / "may-fail.ipynb")
    ran, error = twice(pool, tmp_path / "may-fail.ipynb", tmp_path, ahead)
    assert error[:2] == (0, "ZeroDivisionError")  # papermill reports it after the run, as its own engine does
    assert [kind for kind, _ in shown(ran, 0)] == ["stream", "display_data", "stream", "error"]
    assert shown(ran, 0)[:3] == [("stream", "aa\n"), ("display_data", "'u'"), ("stream", "bb\n")]


def test_text_to_stdout_and_stderr_gives_one_notebook_however_long_the_cell_takes(pool, tmp_path):
    """stdout and stderr are flushed each on its own timer, so their order is the cell's timing (1 run in 12 of one
    cell differed; here a pause puts e before a): each stream's text is put together, stdout's first."""
    quick = "import sys, time\nprint('a'); print('e', file=sys.stderr); print('b')"
    slow = "import sys, time\nprint('a'); print('e', file=sys.stderr); time.sleep(0.5); print('b')"  # [e, ab]
    nb, _ = run(pool, write_nb(tmp_path / "order.ipynb", quick, slow), {}, tmp_path / "order-out.ipynb", True)
    assert shown(nb, 0) == [("stream", "a\nb\n"), ("stream", "e\n")]
    assert shown(nb, 0) == shown(nb, 1)


def test_the_hostile_notebook_run_again_is_the_same_bytes_apart_from_timings(pool, tmp_path):
    """Not only normalised: the files written, sent ahead and one cell at a time, differ only in their timings."""
    timing = re.compile(r'"(start_time|end_time|duration|iopub\.[a-z_.]+|shell\.execute_reply)": .*')
    notebook = write_nb(tmp_path / "bytes.ipynb", *SAME_ID, *CLEARED, *TEXT[:4])
    written = set()
    for n, ahead in enumerate((True, True, False)):
        out = tmp_path / f"run{n}" / "out.ipynb"
        out.parent.mkdir()
        pool.send_ahead = ahead
        try:
            pool.execute(notebook, {}, out)
        finally:
            pool.send_ahead = True
        written.add(timing.sub('"T"', out.read_text().replace(str(out.parent), "RUN")))
    assert len(written) == 1
