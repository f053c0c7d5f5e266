"""A pool of warm kernels that papermill's engine runs notebooks on, one after another.

Starting a kernel, importing pandas and matplotlib in it and shutting it down
costs about 2 s a notebook, more than the report itself. :class:`KernelPool`
starts its kernels once; the toolkit's papermill engine (:mod:`audit.run.engine`)
runs each notebook on one of them with papermill's own notebook client, after
putting the kernel back into a fresh kernel's state (:mod:`audit.run.kernel_state`).
The executed notebook is the one papermill's default engine would write, apart
from timings, paths and printed text, which is put together per stream between a
cell's other outputs, where papermill keeps it as the kernel happened to cut it
(see :func:`audit.run.notebook_run.normalise_for_comparison` and ``join_streams``).

While a pool is open it is also the engine's default: a plain
``papermill.execute_notebook(..., engine_name="audit")`` in the same process runs
on the pool opened last.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.restricted import OWNER_ONLY, Access
from audit.run.kernels import Kernel, import_jupyter_quietly
from audit.run.notebook_run import join_streams, join_streams_at, run_notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

log = logging.getLogger(__name__)

# Imported once in every kernel: what the area report needs, so no report pays for them.
# The charts draw on bare matplotlib Figures, never pyplot, so no backend (inline or other) is set up.
DEFAULT_PRELOAD = (
    "audit.render.charts",
    "pandas",
    "audit",
    "audit.render.present",
    "audit.run.area_input",  # open_report: the area's published result, loaded
    "audit.read.load",
    "audit.read.safety",
    "audit.read.identifiers",
    "python_calamine",
    "scipy.special",  # the statistics' normal and chi-square tails (statsmodels and scipy.stats are not needed)
)
DEFAULT_CELL_TIMEOUT = 600  # seconds; a cell running longer is stopped and its kernel replaced
DEFAULT_STARTUP_TIMEOUT = 60

# Pools that are running, oldest first: the engine's default is the last one.
_OPEN: list[KernelPool] = []
_OPEN_LOCK = threading.Lock()


def current_pool() -> KernelPool | None:
    """The pool opened last and still running, if any."""
    with _OPEN_LOCK:
        return _OPEN[-1] if _OPEN else None


class KernelPool:
    """Warm kernels that run parameterised notebooks one after another, as papermill would.

    ``execute`` may be called from several threads at once: each call checks out
    a kernel (waiting for one when all are busy), so ``size`` notebooks run at a
    time. A kernel that dies or times out is replaced before it is used again.
    With ``send_ahead`` each cell's request waits in the kernel before the cell
    above it ends (:mod:`audit.run.pipelined`): for the toolkit's own notebooks.
    Setting ``cancel`` while the pool starts stops its kernels' starts part way.

    >>> with KernelPool(2) as pool:  # doctest: +SKIP
    ...     nb = pool.execute(AREA_NOTEBOOK, {"source": src, "area": "Amberlow Vale"}, out / "report.ipynb")
    """

    def __init__(
        self,
        size: int = 1,
        *,
        kernel_name: str = "python3",
        cell_timeout: int | None = DEFAULT_CELL_TIMEOUT,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        cwd: str | Path | None = None,
        send_ahead: bool = False,
        cancel: threading.Event | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("a kernel pool needs at least one kernel")
        self.size = size
        self.kernel_name = kernel_name
        self.cell_timeout = cell_timeout
        self.startup_timeout = startup_timeout
        self.preload = tuple(preload)
        self.cwd = str(Path(cwd or Path.cwd()).resolve())
        self.send_ahead = send_ahead
        self.cancel = cancel  # once set, kernels still starting stop (kernels.StartCancelled)
        self._kernels: list[Kernel] = []
        self._idle: queue.Queue[Kernel] = queue.Queue()
        self._closed = False

    # Lifecycle.

    def start(self) -> KernelPool:
        """Start every kernel, all at once; called by ``with``."""
        import_jupyter_quietly()
        if self._kernels:
            return self
        kernels = [Kernel(i, self.kernel_name, self.startup_timeout, self.preload, self.cwd) for i in range(self.size)]
        starting = [k.home.submit(k.start, self.cancel) for k in kernels]
        self._kernels = kernels
        try:
            for fut in starting:
                fut.result()
        except BaseException:
            self.close()
            raise
        for k in kernels:
            self._idle.put(k)
        with _OPEN_LOCK:
            _OPEN.append(self)
        return self

    def close(self) -> None:
        """Shut every kernel down. Call it once no ``execute`` is running."""
        self._closed = True
        with _OPEN_LOCK:
            if self in _OPEN:
                _OPEN.remove(self)
        for k in self._kernels:
            with contextlib.suppress(Exception):
                k.call(k.stop)
            k.home.shutdown(wait=True)
        self._kernels = []

    def __enter__(self) -> KernelPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def restarts(self) -> int:
        """How many kernels have been replaced since the pool started."""
        return sum(k.starts - 1 for k in self._kernels)

    @contextlib.contextmanager
    def _checkout(self) -> Iterator[Kernel]:
        if self._closed or not self._kernels:
            raise RuntimeError("the kernel pool is not running; use it in a with block")
        kernel = self._idle.get()
        try:
            yield kernel
        finally:
            self._idle.put(kernel)

    # Running notebooks.

    def execute(
        self,
        notebook_path: str | Path,
        parameters: Mapping[str, Any],
        output_path: str | Path | None = None,
        *,
        cwd: str | Path | None = None,
        access: Access = OWNER_ONLY,
    ) -> NotebookNode:
        """Run a notebook with ``parameters`` through papermill on a warm kernel; write it to ``output_path``.

        The working directory is the notebook's folder unless ``cwd`` is given. On
        a failing cell the executed notebook, error included and marked as
        papermill marks it, is still written, and
        :class:`audit.run.notebook_run.NotebookCellError` is raised. The written
        notebook holds case data: it is a restricted file with ``access``.
        """
        return run_notebook(notebook_path, parameters, output_path, pool=self, cwd=cwd, access=access)

    def run_managed(self, nb_man: Any, cwd: str, **client_options: Any) -> None:
        """Run the cells of papermill's managed notebook ``nb_man`` on a free kernel, working in ``cwd``.

        Called by the engine, between papermill's ``notebook_start`` and
        ``notebook_complete``. ``client_options`` go to papermill's notebook client
        (``log_output``, ``stdout_file``, ``stderr_file``).
        """
        with self._checkout() as kernel:
            kernel.call(self._run, kernel, nb_man, cwd, client_options)

    def _run(self, kernel: Kernel, nb_man: Any, workdir: str, client_options: dict[str, Any]) -> None:
        """On the kernel's thread: reset, run every cell with papermill's client, note any failure.

        A timeout or a dead kernel stops the run where papermill's default engine
        would raise. Here the cell that was running gets the error as its output
        and is marked failed, as papermill marks a cell that raised, so papermill
        keeps the notebook and reports the cell; the kernel is replaced. A kernel
        that died with a cell sent ahead could have died in either of two cells:
        the notebook is run again from the start one cell at a time, so the cell
        to blame is the one papermill would blame.
        """
        from audit.run.pipelined import KernelDiedAhead

        try:
            self._run_once(kernel, nb_man, workdir, client_options, self.send_ahead)
        except KernelDiedAhead:
            _start_again(nb_man)
            self._run_once(kernel, nb_man, workdir, client_options, False)
        finally:
            kernel.runs += 1

    def _run_once(
        self, kernel: Kernel, nb_man: Any, workdir: str, client_options: dict[str, Any], send_ahead: bool
    ) -> None:
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.log import logger as papermill_logger

        from audit.run.pipelined import KernelDiedAhead, PipelinedClient

        client = (PipelinedClient if send_ahead else PapermillNotebookClient)(
            nb_man,
            km=kernel.km,
            timeout=self.cell_timeout,
            startup_timeout=self.startup_timeout,
            kernel_name=self.kernel_name,
            log=papermill_logger,
            **{k: v for k, v in client_options.items() if v is not None},
        )
        client.on_cell_executed = functools.partial(_join_streams, client)
        ahead = isinstance(client, PipelinedClient) and client.pipelines()
        if kernel.broken or not kernel.alive():
            kernel.restart()
        try:
            kernel.reset(workdir, stop_after_failure=ahead)
        except Exception:
            kernel.restart()
            kernel.reset(workdir, stop_after_failure=ahead)
        client.km = kernel.km  # the kernel may have been replaced just above
        client.kc = kernel.kc  # nbclient would otherwise open a new client and never close it
        try:
            client.execute()
        except Exception as exc:  # a timeout or a dead kernel: the cells after it never ran
            kernel.broken = True
            with contextlib.suppress(Exception):
                kernel.restart()  # on this thread, before any other notebook is given the kernel
            if isinstance(exc, KernelDiedAhead) or not _mark_failed(nb_man, exc):
                raise


def _join_streams(client: Any, cell: Any, cell_index: int | None = None, **_: Any) -> None:
    """nbclient's hook once a cell has run: each stream's text put together, however the kernel cut and sent it.

    So the same report gives the same notebook every run (see :func:`audit.run.notebook_run.join_streams`).
    A later cell updates a display by its place among this cell's outputs (nbclient's ``_display_id_map``),
    so each such place is moved to where the display is now.
    """
    cell.outputs, where = join_streams_at(cell.outputs)
    for places in getattr(client, "_display_id_map", {}).values():
        if cell_index in places:
            places[cell_index] = [where[i] for i in places[cell_index]]


def _start_again(nb_man: Any) -> None:
    """Papermill's managed notebook as it was before its first cell: every cell pending, no outputs, no timings."""
    nb_man.notebook_start()
    for cell in nb_man.nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's timings of the first attempt


def _mark_failed(nb_man: Any, failure: BaseException) -> bool:
    """Give the cell that was running ``failure`` as its error output and mark it failed.

    False when no cell had started (then there is no cell to blame).
    """
    import nbformat

    started = [i for i, c in enumerate(nb_man.nb.cells) if c.metadata.papermill.get("status") != nb_man.PENDING]
    if not started:
        return False
    cell = nb_man.nb.cells[started[-1]]
    if cell.cell_type == "code":
        cell.outputs = join_streams(cell.outputs)  # nothing runs after: no display of it is updated
        name = type(failure).__name__
        # What failed (the kernel died; a cell timed out, with a preview of its code): no case data.
        cell.outputs.append(
            nbformat.v4.new_output("error", ename=name, evalue=str(failure), traceback=[f"{name}: {failure}"])
        )
    nb_man.cell_exception(cell, cell_index=started[-1], exception=failure)
    return True
