"""What runs inside a warm kernel: record a fresh kernel's state once, and go back to it between notebooks.

:class:`audit.run.kernel_pool.KernelPool` keeps its kernels warm across notebooks.
After starting a kernel it calls :func:`prepare` in it (import the heavy
modules, note the clean state); before each notebook it calls :func:`reset`,
which puts back names, execution count, working directory, environment,
warnings, logging, matplotlib, numpy and pandas settings, random state, audit
caches, and forgets modules a notebook imported from outside the installed
packages. Nothing here is called in the toolkit's own process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

_BASELINE: dict[str, Any] = {}
_GUARD: dict[str, bool] = {}  # the stop-after-failure guard's state, once installed (see _guard)
_HOOKS: dict[str, Any] = {}  # the guard's IPython event callbacks and AST transformer
#: The interpreter's gc.freeze, and whether a notebook has called it since the last reset.
_FREEZE: dict[str, Any] = {"by_notebook": False}


def prepare(preload: Sequence[str]) -> None:
    """In a kernel: import the heavy modules once and record the clean state to return to.

    A module that cannot be imported is skipped: the notebook will meet the same
    error itself, where papermill would show it. Objects alive at this point are
    moved out of the garbage collector's sight (``gc.freeze``), so the full
    collection IPython runs on every reset costs milliseconds, not 100 ms.
    """
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
        gc=(gc.isenabled(), gc.get_threshold()),
    )
    if "matplotlib" in sys.modules:
        _BASELINE["rc"] = dict(sys.modules["matplotlib"].rcParams)
    if "numpy" in sys.modules:
        np = sys.modules["numpy"]
        _BASELINE["numpy"] = (np.geterr(), np.get_printoptions())
    gc.collect()
    if gc.freeze is not _notebook_freeze:
        _FREEZE["real"] = gc.freeze
        gc.freeze = _notebook_freeze  # so a reset knows when a notebook froze objects itself
    _FREEZE["real"]()


def _notebook_freeze() -> None:
    """gc.freeze as a notebook in the kernel calls it: noted, so the next reset thaws what it froze."""
    _FREEZE["by_notebook"] = True
    _FREEZE["real"]()


def _warnings() -> Any:
    import warnings

    return warnings


def _installed_roots() -> tuple[str, ...]:
    """Folders of the standard library and installed packages: modules from there are kept.

    Every folder on the kernel's path as it starts counts as installed (user site, PYTHONPATH, a ``.pth``
    file's): forgetting a module from there would import it twice, which a compiled module refuses to do.
    Only the working directory (``''``) is left out: a notebook's own modules are found through it.
    """
    import sysconfig

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(p for p in sysconfig.get_paths().values() if p)
    roots.update(p for p in sys.path if p and os.path.isabs(p))
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots}))


def _logging_state() -> tuple[int, list[Any]]:
    root = logging.getLogger()
    return root.level, list(root.handlers)


def reset(cwd: str, stop_after_failure: bool = False) -> int:
    """In a kernel, between notebooks: back to a fresh kernel's state, with the same modules loaded.

    ``stop_after_failure``: for a notebook whose cells are sent ahead
    (:mod:`audit.run.pipelined`), once a cell fails no later cell runs anything.
    Returns the execution count the next cell will get (1, as in a new kernel).
    """
    if not _BASELINE:
        raise RuntimeError("the kernel was not prepared")
    from IPython import get_ipython

    if getattr(get_ipython(), "exit_now", False):
        # exit() or quit() in the last notebook: ipykernel stops this kernel a moment later, in the next notebook.
        raise RuntimeError("the last notebook asked its kernel to exit")
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    # What the last notebook left outside its names goes before IPython's reset collects the garbage: the audit
    # caches, modules it imported from beside it, and the last error (whose frames hold that notebook's data).
    _clear_audit_caches()
    _forget_new_modules()
    shell = get_ipython()
    _drop_notebook_hooks(shell)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            delattr(sys, name)
    if getattr(shell.InteractiveTB, "tb", None) is not None:
        shell.InteractiveTB.tb = None  # IPython's traceback formatter keeps the last one it showed
    enabled, threshold = _BASELINE["gc"]
    if enabled:
        gc.enable()  # a notebook's gc.disable() would leave the next one's cycles until the next reset
    gc.set_threshold(*threshold)
    if _FREEZE["by_notebook"]:
        # The notebook froze objects itself: its own would never be collected. (Told by the call, not by
        # gc.get_freeze_count(), which counts the whole frozen heap, 10 ms a call, and falls by itself as
        # frozen objects are freed.)
        gc.unfreeze()
        _FREEZE["by_notebook"] = False
    shell.reset(new_session=True)  # names, In/Out history, the execution count
    # IPython collected the garbage before it cleared the names: the notebook's own data is collected now. All
    # that is left is the kernel's, kept from one notebook to the next: moved out of the collector's sight, as
    # prepare() does, so each collection looks only at what the last notebook made (a reset took 46 ms more
    # otherwise, once the first reports had imported what they use).
    gc.collect()
    _FREEZE["real"]()
    shell.execution_count = 1
    _guard(shell).update(armed=stop_after_failure, failed=False, skip=False)
    os.chdir(cwd)
    if dict(os.environ) != _BASELINE["environ"]:
        os.environ.clear()
        os.environ.update(_BASELINE["environ"])
    sys.path[:] = _BASELINE["path"]
    sys.meta_path[:] = _BASELINE["meta_path"]
    sys.stdout, sys.stderr, sys.displayhook, sys.excepthook = _BASELINE["streams"]
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
    _reseed()
    return int(shell.execution_count)


def _guard(shell: Any) -> dict[str, bool]:
    """The kernel's stop-after-failure guard, installed in IPython on first use.

    A cell (never a silent housekeeping request) that arrives after a failed cell
    while the guard is armed has its code replaced by nothing, after IPython has
    parsed it: it runs nothing and shows nothing. ipykernel's own abort of queued
    requests misses a request that reaches the kernel just after the failure.
    """
    import ast

    state = _GUARD
    if not state:
        state.update(armed=False, failed=False, skip=False)

        def before_any(*_: Any) -> None:  # every request, silent ones included: runs as written
            state["skip"] = False

        def before_cell(*_: Any) -> None:  # a notebook's cell
            state["skip"] = state["armed"] and state["failed"]

        def after_cell(result: Any) -> None:  # as ipykernel decides that a cell failed
            failed = result is None or not result.success or getattr(shell, "_last_traceback_during_displayhook", False)
            if state["armed"] and failed:
                state["failed"] = True

        class SkipAfterFailure(ast.NodeTransformer):
            def visit_Module(self, node: ast.Module) -> ast.Module:
                return ast.Module(body=[], type_ignores=[]) if state["skip"] else node

        _HOOKS.update(pre_execute=before_any, pre_run_cell=before_cell, post_run_cell=after_cell)
        _HOOKS["transformer"] = SkipAfterFailure()
    # Installed again whenever missing: a notebook may have unregistered IPython's events or cleared its transformers.
    for event in ("pre_execute", "pre_run_cell", "post_run_cell"):
        if _HOOKS[event] not in shell.events.callbacks[event]:
            shell.events.register(event, _HOOKS[event])
    if _HOOKS["transformer"] not in shell.ast_transformers:
        shell.ast_transformers.append(_HOOKS["transformer"])
    return state


def _drop_notebook_hooks(shell: Any) -> None:
    """Unregister IPython event callbacks and transformers a notebook defined (in ``__main__`` or beside it).

    They would otherwise run in every later notebook on this kernel. Those of installed packages (matplotlib's
    inline backend, say) stay, as do the kernel's own; the stop-after-failure guard is installed again by reset.
    """
    known: set[str] = _BASELINE["modules"]

    def kept(hook: Any) -> bool:
        module = getattr(hook, "__module__", None)
        return module != "__main__" and module in known

    for hooks in (*shell.events.callbacks.values(), shell.ast_transformers, shell.input_transformers_post):
        hooks[:] = [h for h in hooks if kept(h)]


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


#: Set to True on a functools cache that holds no area's data, only a pure function's answers
#: (a label's measured width, say): it is kept between areas, as re-filling it costs every report.
KEEP_BETWEEN_AREAS = "keep_between_areas"


def _clear_audit_caches() -> None:
    """Empty functools caches in the audit package, so no result is remembered between areas.

    Caches marked with :data:`KEEP_BETWEEN_AREAS` are kept: what they remember is the
    same whichever area asked, so a report reads the same with or without them.
    """
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "audit" or name.startswith("audit.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            mine = callable(clear) and getattr(value, "__module__", None) == name
            if mine and getattr(value, KEEP_BETWEEN_AREAS, False) is not True:
                clear()


def _reseed() -> None:
    """Fresh random state, as a new kernel would have: a notebook's seed must not fix the next one's."""
    import random

    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
