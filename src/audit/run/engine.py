"""The toolkit's papermill engine: notebooks run on warm kernels, through papermill's own machinery.

Registered with papermill under the name ``audit`` through the ``papermill.engine``
entry point (pyproject.toml), so it works wherever papermill does::

    papermill --engine audit notebooks/area_report.ipynb out.ipynb -p area "Fennistow Bay" -p source sample_data

Papermill loads and parameterises the notebook, wraps it in its
``NotebookExecutionManager`` and writes the result; :class:`PoolEngine` only
runs the cells, on a kernel of a :class:`audit.run.kernel_pool.KernelPool`: the one
passed as ``kernel_pool=``, else the pool opened last in this process, else one
kernel started and stopped for this notebook (as from the shell). The toolkit
runs every notebook this way (:func:`audit.run.notebook_run.run_notebook`).

The class is made on first use (:func:`pool_engine`, also reachable as
``audit.run.engine.PoolEngine``) because papermill loads its entry points while
``papermill.engines`` is itself being imported: a class statement here that
imported papermill at the top would, when this module is imported first,
re-enter this half-made module and fail. The names the rest of the toolkit
used from this module before it was split are re-exported here.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from audit.run.kernel_pool import DEFAULT_CELL_TIMEOUT, DEFAULT_PRELOAD, KernelPool, current_pool
from audit.run.kernels import import_jupyter_quietly, private_kernel_manager
from audit.run.notebook_run import (
    ENGINE_NAME,
    NotebookCellError,
    normalise_for_comparison,
    run_notebook,
    write_notebook,
)

__all__ = [
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_PRELOAD",
    "ENGINE_NAME",
    "KernelPool",
    "NotebookCellError",
    "import_jupyter_quietly",
    "normalise_for_comparison",
    "pool_engine",
    "private_kernel_manager",
    "run_notebook",
    "write_notebook",
]


def __getattr__(name: str) -> Any:
    if name == "PoolEngine":
        return pool_engine()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def pool_engine() -> type:
    """The papermill engine class (a subclass of ``papermill.engines.Engine``) that runs cells on a KernelPool."""
    from papermill.engines import Engine  # defined before papermill loads entry points, so safe mid-import

    class PoolEngine(Engine):
        """A papermill engine that runs a notebook's cells on a warm kernel of a :class:`KernelPool`."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            *,
            kernel_pool: KernelPool | None = None,
            kernel_cwd: str | None = None,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: float = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            """Run ``nb_man``'s cells; papermill calls this between ``notebook_start`` and ``notebook_complete``.

            ``kernel_pool`` and ``kernel_cwd`` come from ``papermill.execute_notebook``'s
            engine keywords. Without ``kernel_cwd`` the kernel works in the process's
            working directory, as with papermill's own engine (so ``--cwd`` works).
            """
            cwd = kernel_cwd or os.getcwd()
            options = {"log_output": log_output, "stdout_file": stdout_file, "stderr_file": stderr_file}
            pool = kernel_pool or current_pool()
            if pool is not None:
                pool.run_managed(nb_man, cwd, **options)
                return nb_man.nb
            # Nothing to keep warm for: one kernel, no preloading, stopped when the notebook is done.
            with KernelPool(
                1,
                kernel_name=kernel_name,
                cell_timeout=execution_timeout or DEFAULT_CELL_TIMEOUT,
                startup_timeout=start_timeout,
                preload=(),
                cwd=cwd,
            ) as one:
                one.run_managed(nb_man, cwd, **options)
            return nb_man.nb

    PoolEngine.__module__ = __name__
    PoolEngine.__qualname__ = "PoolEngine"
    return PoolEngine
