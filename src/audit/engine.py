"""Fast notebook execution: a pool of warm kernels that gives the same executed notebook as papermill.

Starting a kernel, importing pandas and matplotlib in it and shutting it down
costs about 2 s a notebook, more than the report itself. :class:`KernelPool`
starts its kernels once, runs each notebook with papermill's own parameter
injection, notebook client and metadata, and between notebooks puts the kernel
back into the state of a fresh one (names, execution count, working directory,
environment, warnings, matplotlib and pandas settings, modules the notebook
imported from outside the installed packages). The executed notebook is the one
``papermill.execute_notebook`` would write, apart from timings and paths;
:func:`normalise_for_comparison` strips those so the two can be compared.

The functions whose names start with ``_kernel_`` run inside the kernels.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import logging
import os
import queue
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from audit.errors import ReportError
from audit.restricted import OWNER_ONLY, Access, write_file

if TYPE_CHECKING:
    from nbformat import NotebookNode

log = logging.getLogger(__name__)

T = TypeVar("T")

# Imported once in every kernel: what the area report needs, so no report pays for them.
# The charts draw on bare matplotlib Figures, never pyplot, so no backend (inline or other) is set up.
DEFAULT_PRELOAD = (
    "audit.charts",
    "pandas",
    "audit",
    "audit.present",
    "audit.load",
    "audit.safety",
    "audit.identifiers",
    "python_calamine",
    "statsmodels.stats.proportion",
)
DEFAULT_CELL_TIMEOUT = 600  # seconds; a cell running longer is stopped and its kernel replaced
DEFAULT_STARTUP_TIMEOUT = 60

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


# --- imports -------------------------------------------------------------------------------------

_IMPORT_LOCK = threading.RLock()


def import_jupyter_quietly() -> None:
    """Import nbformat, nbclient, jupyter_client and papermill without the 2 s URI grammar.

    jsonschema builds an RFC 3987 grammar with lark when ``rfc3987_syntax`` is
    installed (jupyterlab pulls it in) the first time it is imported, which
    nbformat does; that is about 2 s of a 2.5 s import. The grammar only checks
    the ``iri`` string format, which the notebook schema never uses, so the
    package is hidden while jsonschema loads and made importable again after.
    """
    with _IMPORT_LOCK:
        if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
            sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes the import fail
            try:
                import jsonschema  # noqa: F401
            finally:
                if sys.modules.get("rfc3987_syntax", ...) is None:
                    del sys.modules["rfc3987_syntax"]
        import jupyter_client  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
        import papermill.engines  # noqa: F401
        import papermill.parameterize  # noqa: F401


# --- what runs inside each kernel ----------------------------------------------------------------

_BASELINE: dict[str, Any] = {}


def _kernel_prepare(preload: Sequence[str]) -> None:
    """In a kernel: import the heavy modules once and record the clean state to return to.

    A module that cannot be imported is skipped: the notebook will meet the same
    error itself, where papermill would show it. Objects alive at this point are
    moved out of the garbage collector's sight (``gc.freeze``), so the full
    collection IPython runs on every reset costs milliseconds, not 100 ms.
    """
    import gc

    for name in preload:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _BASELINE.clear()
    _BASELINE.update(
        environ=dict(os.environ),
        path=list(sys.path),
        meta_path=list(sys.meta_path),
        modules=set(sys.modules),
        warnings=list(_warnings().filters),
        streams=(sys.stdout, sys.stderr, sys.displayhook, sys.excepthook),
        logging=_logging_state(),
        roots=_installed_roots(),
    )
    if "matplotlib" in sys.modules:
        _BASELINE["rc"] = dict(sys.modules["matplotlib"].rcParams)
    if "numpy" in sys.modules:
        np = sys.modules["numpy"]
        _BASELINE["numpy"] = (np.geterr(), np.get_printoptions())
    gc.collect()
    gc.freeze()


def _warnings() -> Any:
    import warnings

    return warnings


def _installed_roots() -> tuple[str, ...]:
    """Folders of the standard library and installed packages: modules from there are kept."""
    import sysconfig

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(p for p in sysconfig.get_paths().values() if p)
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots}))


def _logging_state() -> tuple[int, list[Any]]:
    root = logging.getLogger()
    return root.level, list(root.handlers)


def _kernel_reset(cwd: str) -> int:
    """In a kernel, between notebooks: back to a fresh kernel's state, with the same modules loaded.

    Returns the execution count the next cell will get (1, as in a new kernel).
    """
    if not _BASELINE:
        raise RuntimeError("the kernel was not prepared")
    from IPython import get_ipython

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    shell = get_ipython()
    shell.reset(new_session=True)  # names, In/Out history, the execution count
    shell.execution_count = 1
    os.chdir(cwd)
    if dict(os.environ) != _BASELINE["environ"]:
        os.environ.clear()
        os.environ.update(_BASELINE["environ"])
    sys.path[:] = _BASELINE["path"]
    sys.meta_path[:] = _BASELINE["meta_path"]
    sys.stdout, sys.stderr, sys.displayhook, sys.excepthook = _BASELINE["streams"]
    _forget_new_modules()
    warnings = _warnings()
    warnings.filters[:] = _BASELINE["warnings"]
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()  # every module's registry of shown warnings is stale: "once" warnings show again
    level, handlers = _BASELINE["logging"]
    root = logging.getLogger()
    root.setLevel(level)
    root.handlers[:] = handlers
    if "rc" in _BASELINE:
        rc = sys.modules["matplotlib"].rcParams
        if dict(rc) != _BASELINE["rc"]:
            dict.update(rc, _BASELINE["rc"])  # already validated values, so no re-validation
    if "numpy" in _BASELINE:
        np = sys.modules["numpy"]
        err, printing = _BASELINE["numpy"]
        np.seterr(**err)
        np.set_printoptions(**printing)
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
    _clear_audit_caches()
    _reseed()
    return int(shell.execution_count)


def _forget_new_modules() -> None:
    """Drop modules a notebook imported from outside the installed packages (e.g. beside it).

    A fresh kernel would import them again, so their module-level state must not
    carry over. Installed packages stay loaded, as re-importing them is the cost
    the pool exists to avoid.
    """
    roots: tuple[str, ...] = _BASELINE["roots"]
    known: set[str] = _BASELINE["modules"]
    for name in set(sys.modules) - known:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file and not os.path.realpath(file).startswith(roots):
            del sys.modules[name]
        else:
            known.add(name)  # installed: kept from now on, and not looked at again


def _clear_audit_caches() -> None:
    """Empty functools caches in the audit package, so no result is remembered between areas."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "audit" or name.startswith("audit.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()


def _reseed() -> None:
    """Fresh random state, as a new kernel would have: a notebook's seed must not fix the next one's."""
    import random

    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()


# --- where kernels listen ------------------------------------------------------------------------


@functools.cache
def private_kernel_manager() -> type:
    """A kernel manager whose kernels listen on Unix sockets in a folder only this user can open.

    Jupyter's default is TCP on localhost, where any local user can reach the
    kernel's ports (its messages are signed, not encrypted) and ipykernel warns
    about it at every start. A report's kernel holds case data, so on systems
    with Unix sockets it gets a private folder (mode 700) for them and for its
    connection file (which holds the key that signs its messages), removed when
    the kernel is cleaned up. The kernel runs with umask 077, so its sockets and
    anything else it makes are the user's alone. Windows keeps TCP. Works for
    papermill too, as its ``kernel_manager_class``.
    """
    import shutil

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class PrivateKernelManager(AsyncKernelManager):
        _socket_dir: str | None = None

        @default("transport")
        def _private_transport(self) -> str:
            return "tcp" if os.name == "nt" else "ipc"

        def _private_dir(self) -> str:
            if self._socket_dir is None:
                self._socket_dir = tempfile.mkdtemp(prefix="audit-kernel-")  # short: socket paths are limited to ~100
            return self._socket_dir

        @default("ip")
        def _private_ip(self) -> str:
            if self.transport != "ipc":
                return super()._ip_default()
            return os.path.join(self._private_dir(), "k")

        @default("connection_file")
        def _private_connection_file(self) -> str:
            return "" if self.transport != "ipc" else os.path.join(self._private_dir(), "kernel.json")

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if os.name == "posix":
                kw.setdefault("umask", 0o077)  # passed on to Popen: the kernel's sockets are made mode 0700
            await super()._async_launch_kernel(kernel_cmd, **kw)

        _launch_kernel = _async_launch_kernel

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart and self._socket_dir:
                shutil.rmtree(self._socket_dir, ignore_errors=True)
                self._socket_dir = None

        cleanup_resources = _async_cleanup_resources

    return PrivateKernelManager


# --- one kernel and its home thread --------------------------------------------------------------


@dataclass
class _Kernel:
    """A kernel manager and client, used only from their own thread and its event loop."""

    number: int
    kernel_name: str
    startup_timeout: float
    preload: Sequence[str]
    cwd: str
    home: ThreadPoolExecutor = field(init=False)
    km: Any = None
    kc: Any = None
    broken: bool = False
    runs: int = 0
    starts: int = 0

    def __post_init__(self) -> None:
        self.home = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"audit-kernel-{self.number}")

    def call(self, func: Callable[..., T], *args: Any) -> T:
        """Run ``func`` on this kernel's own thread and wait for it."""
        return self.home.submit(func, *args).result()

    # The methods below run on the home thread.

    def start(self) -> None:
        """Start the kernel process, connect to it and import the preloaded modules."""
        from jupyter_core.utils import run_sync

        self.km = private_kernel_manager()(kernel_name=self.kernel_name)
        # As nbclient starts kernels for papermill: an in-memory IPython history.
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=self.cwd)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            self.kc.allow_stdin = False
            self.run_silently(f"__import__('audit.engine').engine._kernel_prepare({list(self.preload)!r})")
            self.reset(self.cwd)
        except BaseException:
            self.stop()
            raise
        self.broken = False
        self.starts += 1

    def run_silently(self, code: str, timeout: float | None = None) -> dict[str, Any]:
        """Run code in the kernel without a cell, output or history; raise if it fails."""
        from jupyter_core.utils import run_sync

        reply: dict[str, Any] = run_sync(self.kc.execute_interactive)(
            code,
            silent=True,
            store_history=False,
            user_expressions={"count": "get_ipython().execution_count"},
            timeout=timeout or self.startup_timeout,
            output_hook=lambda msg: None,
        )
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"kernel housekeeping failed: {content.get('ename')}: {content.get('evalue')}")
        return content

    def reset(self, cwd: str) -> None:
        """Put the kernel back in a fresh kernel's state, working in ``cwd``."""
        content = self.run_silently(f"__import__('audit.engine').engine._kernel_reset({cwd!r})")
        count = content["user_expressions"]["count"]
        if count.get("status") != "ok" or count["data"]["text/plain"] != "1":
            raise RuntimeError(f"kernel reset left the execution count at {count}")

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def stop(self) -> None:
        """Close the client and end the kernel process, whatever state it is in."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            with contextlib.suppress(Exception):
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            with contextlib.suppress(Exception):
                run_sync(self.km.cleanup_resources)()
            self.km = None

    def restart(self) -> None:
        self.stop()
        self.start()


# --- the pool ------------------------------------------------------------------------------------


class KernelPool:
    """Warm kernels that run parameterised notebooks one after another, as papermill would.

    ``execute`` may be called from several threads at once: each call checks out
    a kernel (waiting for one when all are busy), so ``size`` notebooks run at a
    time. A kernel that dies or times out is replaced before it is used again.

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
    ) -> None:
        if size < 1:
            raise ValueError("a kernel pool needs at least one kernel")
        self.size = size
        self.kernel_name = kernel_name
        self.cell_timeout = cell_timeout
        self.startup_timeout = startup_timeout
        self.preload = tuple(preload)
        self.cwd = str(Path(cwd or Path.cwd()).resolve())
        self._kernels: list[_Kernel] = []
        self._idle: queue.Queue[_Kernel] = queue.Queue()
        self._templates: dict[tuple[str, int, int], NotebookNode] = {}
        self._lock = threading.Lock()
        self._closed = False

    # Lifecycle.

    def start(self) -> KernelPool:
        """Start every kernel, all at once; called by ``with``."""
        import_jupyter_quietly()
        if self._kernels:
            return self
        kernels = [_Kernel(i, self.kernel_name, self.startup_timeout, self.preload, self.cwd) for i in range(self.size)]
        starting = [k.home.submit(k.start) for k in kernels]
        self._kernels = kernels
        try:
            for fut in starting:
                fut.result()
        except BaseException:
            self.close()
            raise
        for k in kernels:
            self._idle.put(k)
        return self

    def close(self) -> None:
        """Shut every kernel down. Call it once no ``execute`` is running."""
        self._closed = True
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
    def _checkout(self) -> Iterator[_Kernel]:
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
        """Run a notebook with ``parameters`` in a warm kernel; write it to ``output_path`` if given.

        The working directory is the notebook's folder unless ``cwd`` is given. On
        a failing cell the executed notebook, error included and marked as
        papermill marks it, is still written, and :class:`NotebookCellError` is raised.
        The written notebook holds case data: it is a restricted file with ``access``.
        """
        notebook_path = Path(notebook_path).resolve()
        output = Path(output_path).resolve() if output_path is not None else None
        workdir = str(Path(cwd).resolve()) if cwd is not None else str(notebook_path.parent)
        nb = self._prepare(notebook_path, dict(parameters), output)
        with self._checkout() as kernel:
            failure = kernel.call(self._run, kernel, nb, workdir)
        return self._finish(nb, notebook_path, output, failure, access)

    def _template(self, path: Path) -> NotebookNode:
        """The notebook as papermill loads it, read once per file version and copied per run."""
        from papermill.iorw import load_notebook_node

        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            nb = self._templates.get(key)
            if nb is None:
                nb = self._templates[key] = load_notebook_node(str(path))
        return copy.deepcopy(nb)

    def _prepare(self, path: Path, parameters: dict[str, Any], output: Path | None) -> NotebookNode:
        """Inject parameters and set metadata exactly as ``papermill.execute_notebook`` does."""
        from papermill.execute import prepare_notebook_metadata, remove_error_markers
        from papermill.inspection import _infer_parameters
        from papermill.parameterize import parameterize_notebook

        nb = self._template(path)
        if parameters:
            known = {p.name for p in _infer_parameters(nb, name=self.kernel_name)}
            for name in parameters:
                if name not in known:
                    log.warning("Passed unknown parameter: %s", name)
            nb = parameterize_notebook(nb, parameters, kernel_name=self.kernel_name)
        nb = prepare_notebook_metadata(nb, str(path), str(output) if output else None)
        return remove_error_markers(nb)

    def _run(self, kernel: _Kernel, nb: NotebookNode, workdir: str) -> BaseException | None:
        """On the kernel's thread: reset, run every cell with papermill's client, note any failure.

        A timeout or a dead kernel stops the run where papermill would raise; the
        cell that was running is marked failed, as papermill marks a cell that
        raised, so the kept notebook points at it.
        """
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NotebookExecutionManager
        from papermill.log import logger as papermill_logger

        if kernel.broken or not kernel.alive():
            kernel.restart()
        try:
            kernel.reset(workdir)
        except Exception:
            kernel.restart()
            kernel.reset(workdir)
        nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=False, log_output=False)
        started: list[int] = []
        cell_start = nb_man.cell_start

        def note_start(cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            if cell_index is not None:
                started.append(cell_index)
            cell_start(cell, cell_index, **kwargs)

        nb_man.cell_start = note_start  # type: ignore[method-assign]
        nb_man.notebook_start()
        client = PapermillNotebookClient(
            nb_man,
            km=kernel.km,
            timeout=self.cell_timeout,
            startup_timeout=self.startup_timeout,
            kernel_name=self.kernel_name,
            log=papermill_logger,
        )
        client.kc = kernel.kc  # nbclient would otherwise open a new client and never close it
        failure: BaseException | None = None
        try:
            client.execute()
        except Exception as exc:  # a timeout or a dead kernel: the cells after it never ran
            failure = exc
            if started:
                nb_man.cell_exception(nb.cells[started[-1]], cell_index=started[-1])
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
            kernel.runs += 1
        if failure is not None:
            kernel.broken = True
            with contextlib.suppress(Exception):
                kernel.restart()  # on this thread, before any other notebook is given the kernel
        return failure

    def _finish(
        self,
        nb: NotebookNode,
        path: Path,
        output: Path | None,
        failure: BaseException | None,
        access: Access = OWNER_ONLY,
    ) -> NotebookNode:
        """Raise papermill's error as a NotebookCellError, after writing the notebook as papermill does."""
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import raise_for_execution_errors

        error: NotebookCellError | None = None
        try:
            raise_for_execution_errors(nb, None)  # adds papermill's error markers; no path, so no write
        except PapermillExecutionError as exc:
            ename, evalue = (exc.ename, exc.evalue) if failure is None else (type(failure).__name__, str(failure))
            error = _cell_error(path, output, exc.cell_index, exc.exec_count, ename, evalue, exc.traceback or ())
        if error is None and failure is not None:
            error = _cell_error(path, output, None, None, type(failure).__name__, str(failure))
        if output is not None:
            write_notebook(nb, output, access)
        if error is not None:
            raise error
        return nb


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
    where = f"cell {count}" if count is not None else f"cell index {index}" if index is not None else "start"
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


# --- comparing executed notebooks ----------------------------------------------------------------


def normalise_for_comparison(nb: Mapping[str, Any]) -> dict[str, Any]:
    """An executed notebook without what differs between two runs of the same report.

    Dropped: papermill's timings and input/output paths, nbclient's per-cell
    ``execution`` timestamps, and the random IDs of the cells papermill adds
    (injected parameters, error markers).
    Kept: cell order, types, sources, tags, execution counts, papermill's status
    and parameters, and every output (text, HTML, images, errors) as it is.
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
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
    return out
