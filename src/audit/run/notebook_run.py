"""Run one notebook through papermill on the toolkit's engine, and what comes out of it.

:func:`run_notebook` is the one way the toolkit runs a notebook:
``papermill.execute_notebook`` with ``engine_name="audit"``, the engine
registered through papermill's ``papermill.engine`` entry point
(:class:`audit.run.engine.PoolEngine`). It runs on a warm
:class:`audit.run.kernel_pool.KernelPool` when given one, or on one kernel started
and stopped for it. The executed notebook holds case data, so it is written
into a restricted file; a failing cell raises :class:`NotebookCellError`, with
the executed notebook (error included, marked as papermill marks it) kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.errors import ReportError
from audit.restricted import OWNER_ONLY, Access, open_file, write_file
from audit.run.kernels import import_jupyter_quietly

if TYPE_CHECKING:
    from nbformat import NotebookNode

ENGINE_NAME = "audit"  # the name in pyproject.toml's [project.entry-points."papermill.engine"]

# Per-cell and per-notebook papermill metadata that changes from run to run.
_VOLATILE_PAPERMILL = ("start_time", "end_time", "duration", "input_path", "output_path")
# Cells papermill adds, each with a new random ID.
_RANDOM_ID_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})


class NotebookCellError(ReportError):
    """A cell of an executed notebook failed; the executed notebook, with the error, is kept."""

    def __init__(
        self,
        message: str,
        *,
        cell_index: int | None,
        exec_count: int | None,
        ename: str,
        evalue: str,
        output_path: Path | None,
        traceback: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        self.output_path = output_path
        self.traceback = list(traceback)  # the cell's traceback lines (with ANSI colour codes), as papermill's

    @property
    def where(self) -> str:
        """The failed cell, by its execution count; by its index when the kernel died before it gave one."""
        return cell_place(self.cell_index, self.exec_count)


def cell_place(index: int | None, count: int | None) -> str:
    """A cell named for a message: ``cell 7`` (its count), ``cell index 10``, or ``start`` (before any cell)."""
    return f"cell {count}" if count is not None else f"cell index {index}" if index is not None else "start"


def run_notebook(
    notebook: str | Path,
    parameters: Mapping[str, Any],
    output: str | Path | None = None,
    *,
    pool: Any = None,
    cwd: str | Path | None = None,
    kernel_name: str = "python3",
    access: Access = OWNER_ONLY,
) -> NotebookNode:
    """Run ``notebook`` with ``parameters`` through papermill on the toolkit's engine; write it to ``output``.

    ``pool`` is a running :class:`audit.run.kernel_pool.KernelPool`; without one the
    engine uses the pool last opened, or starts one kernel for this notebook.
    The kernel works in ``cwd``, by default the notebook's folder (papermill's
    own ``cwd`` would change the whole process's working directory, which races
    with a batch's other threads). Papermill writes ``output`` once, at the end,
    into a file made restricted with ``access`` before it runs.
    """
    import_jupyter_quietly()
    import papermill as pm

    path = Path(notebook).resolve()
    out = Path(output).resolve() if output is not None else None
    if out is not None:
        with open_file(out, access):
            pass  # made owner-only (or ``access``) from the start; papermill writes into it in place
    try:
        return pm.execute_notebook(
            str(path),
            str(out) if out is not None else None,
            parameters=dict(parameters),
            engine_name=ENGINE_NAME,
            kernel_name=getattr(pool, "kernel_name", kernel_name),
            progress_bar=False,
            request_save_on_cell_execute=False,  # one write at the end, not one per cell
            kernel_pool=pool,
            kernel_cwd=str(Path(cwd).resolve()) if cwd is not None else str(path.parent),
        )
    except pm.PapermillExecutionError as exc:
        lines = exc.traceback or ()
        raise _cell_error(path, out, exc.cell_index, exc.exec_count, exc.ename, exc.evalue, lines) from None
    except BaseException as exc:
        if out is not None and out.is_file() and out.stat().st_size == 0:
            out.unlink()  # nothing ran: leave no empty notebook behind
        if isinstance(exc, OSError) and not exc.filename and out is not None:
            exc.filename = str(out)  # papermill's write failed (a full disk): the message must name the file
        raise


def _cell_error(
    path: Path,
    output: Path | None,
    index: int | None,
    count: int | None,
    ename: str,
    evalue: str,
    traceback: Sequence[str] = (),
) -> NotebookCellError:
    """The error for a failed cell. Its message names the cell and the error type but not the
    error's text, which may quote a cell of the workbook; that stays in the kept notebook and in
    the exception's ``evalue``."""
    where = cell_place(index, count)
    kept = f"; the executed notebook is kept at {output}" if output is not None else ""
    return NotebookCellError(
        f"the notebook {path.name} failed at {where} ({ename}){kept}",
        cell_index=index,
        exec_count=count,
        ename=ename,
        evalue=evalue,
        output_path=output,
        traceback=traceback,
    )


def write_notebook(nb: NotebookNode, path: Path, access: Access = OWNER_ONLY) -> Path:
    """Write a notebook as papermill does (``nbformat.writes``), via a temporary file and a rename.

    An executed notebook holds case data, so it is a restricted file (see :mod:`audit.restricted`).
    """
    import nbformat

    return write_file(path, nbformat.writes(nb), access)


def normalise_for_comparison(nb: Mapping[str, Any]) -> dict[str, Any]:
    """An executed notebook without what differs between two runs of the same report.

    Dropped: papermill's timings and input/output paths, nbclient's per-cell
    ``execution`` timestamps, and the random IDs of the cells papermill adds
    (injected parameters, error markers).
    Kept: cell order, types, sources, tags, execution counts, papermill's status
    and parameters, and every output (text, HTML, images, errors) as it is, apart
    from stream text cut where the kernel happened to cut it (:func:`join_streams`).
    """
    import json

    out: dict[str, Any] = json.loads(json.dumps(nb, default=str))
    meta = out.get("metadata", {})
    for key in _VOLATILE_PAPERMILL:
        meta.get("papermill", {}).pop(key, None)
    for cell in out.get("cells", []):
        cmeta = cell.get("metadata", {})
        cmeta.pop("execution", None)
        for key in _VOLATILE_PAPERMILL:
            cmeta.get("papermill", {}).pop(key, None)
        if _RANDOM_ID_TAGS.intersection(cmeta.get("tags", [])):
            cell.pop("id", None)
        if "outputs" in cell:
            cell["outputs"] = join_streams(cell["outputs"])
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
    return out


def join_streams(outputs: Sequence[Any]) -> list[Any]:
    """A cell's outputs with the text of each stream put together between its other outputs, stdout's first.

    The kernel sends what a cell prints in pieces cut by timing: ``print("a")`` can
    arrive as one message or as "a" and a newline, and stdout and stderr each go on
    their own timer, so how their pieces interleave is timing too, not the program.
    Before a display, a result or an error the kernel sends both streams, so those
    are firm points: between two of them, each stream's text becomes one output,
    stdout's, then stderr's, then any other stream's by name. The same cell then
    gives the same notebook every run. The outputs given are not changed.
    """
    return join_streams_at(outputs)[0]


def join_streams_at(outputs: Sequence[Any]) -> tuple[list[Any], list[int]]:
    """:func:`join_streams`, and where each output given now is: its own place, or its stream's joined output's.

    A display a later cell updates is found by its place among its cell's outputs, so the places must follow.
    """
    joined: list[Any] = []
    where = [0] * len(outputs)
    run: dict[str, list[int]] = {}  # the text outputs since the last other output: their places given, by stream

    def end_run() -> None:
        for name in sorted(run, key=lambda n: (n != "stdout", n != "stderr", n)):
            first = outputs[run[name][0]]
            text = "".join(_text(outputs[i]) for i in run[name])  # put together once, however many pieces
            joined.append(first if first.get("text") == text else type(first)({**first, "text": text}))
            for i in run[name]:
                where[i] = len(joined) - 1
        run.clear()

    for i, output in enumerate(outputs):
        if output.get("output_type") == "stream":
            run.setdefault(str(output.get("name", "")), []).append(i)
        else:
            end_run()
            joined.append(output)
            where[i] = len(joined) - 1
    end_run()
    return joined, where


def _text(output: Mapping[str, Any]) -> str:
    """A stream output's text, which a notebook file may hold as a list of lines."""
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else str(text)
