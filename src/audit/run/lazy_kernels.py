"""Warm kernels for a batch, started in the background once the batch knows it has reports to make.

Starting a kernel costs seconds of CPU. A first run starts them while it still
analyses the areas; a re-run with nothing to make again starts none; a re-run
that makes one area again starts one. The number can grow during the run (up
to ``workers``) when the batch finds it has more to make than it first knew:
each kernel is its own one-kernel pool, handed to one report at a time.
A re-run whose inputs changed starts one before it even reads them (see
:func:`audit.run.batch.run_batch`); leaving the ``with`` block calls off any
kernel still starting (``cancelled``), so a run that needed none is not kept
waiting for one. A stopped batch (Ctrl-C, SIGTERM) calls :meth:`LazyKernels.stop`: the
reports already on a kernel finish, and every report still waiting for one is refused.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any


class ReportsStopped(BaseException):
    """A report refused a kernel because its batch was stopped: not a failure of that area (nothing is written
    for it), so it is not an ``Exception`` that a report's own handling would record."""


class LazyKernels:
    """Up to ``workers`` warm kernels, each started on first need; ``given``: a runner to use instead, for as many
    reports at once as its ``size`` (else ``workers``): a report waiting for it waits here, where a stop refuses it."""

    def __init__(self, workers: int, given: Any, start: Callable[[int, int], Any]) -> None:
        self.workers, self.given, self._start = max(1, workers), given, start
        self._ready: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._stack = contextlib.ExitStack()
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self.cancelled = threading.Event()  # set on leaving: a kernel still starting stops (kernels.StartCancelled)
        self.stopped = threading.Event()  # set by stop(): no report starts on a kernel any more
        size = getattr(given, "size", None)  # a KernelPool's kernels: as many reports at once as before
        slots = size if isinstance(size, int) and size > 0 else self.workers
        for _ in range(slots if given is not None else 0):  # the caller's runner, handed out as a kernel, so a
            self._ready.put(given)  # report waits here, where a stop refuses it, not inside the runner

    @property
    def started(self) -> int:
        """How many kernels have been asked for so far."""
        return len(self._threads)

    def warm(self, reports: int) -> None:
        """Have enough kernels starting for ``reports`` reports at once (at most ``workers``); returns at once."""
        if self.given is not None:
            return
        with self._lock:
            while len(self._threads) < min(self.workers, reports):
                thread = threading.Thread(target=self._start_one, name="audit-kernel-start", daemon=True)
                self._threads.append(thread)
                thread.start()

    def settle(self) -> None:
        """Wait until every kernel asked for has started (or failed to): before the batch forks worker processes."""
        for thread in list(self._threads):
            thread.join()

    def _start_one(self) -> None:
        try:
            manager = self._start(1, 1)
            pool = manager.__enter__()
            with self._lock:
                self._stack.push(manager.__exit__)
            self._ready.put(pool)
        except BaseException as exc:  # raised again in the report that waits for this kernel
            self._errors.append(exc)
            self._ready.put(None)

    def stop(self) -> None:
        """The batch was stopped: refuse every report not yet on a kernel, wake those waiting for one, and call
        off kernels still starting. Reports already running finish (the batch waits for them)."""
        self.stopped.set()
        self.cancelled.set()
        self._ready.put(None)  # wakes one waiting report, which passes it on to the next

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Run one notebook on the first kernel free (as ``KernelPool.execute``)."""
        if self.stopped.is_set():
            raise ReportsStopped
        self.warm(1)
        pool = self._ready.get()
        if self.stopped.is_set():
            self._ready.put(pool)  # for the next report waiting, refused the same way
            raise ReportsStopped
        if pool is None:
            self._ready.put(None)  # every other report waiting on it fails the same way
            raise self._errors[0]
        try:
            return pool.execute(*args, **kwargs)
        finally:
            self._ready.put(pool)

    def __enter__(self) -> LazyKernels:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            _release_import_lock()
        self.cancelled.set()
        for thread in self._threads:
            thread.join()
        self._stack.close()


def _release_import_lock() -> None:
    """Let go of Python's import lock, should this thread hold it on leaving a batch that was stopped.

    A stop (Ctrl-C, SIGTERM) is raised in the main thread wherever it is, even inside an import between
    taking the import lock and the code that gives it back; a kernel still starting in another thread then
    waits for that lock for ever, and so does the join below. No thread is part way through an import of
    its own where a batch ends, so whatever this thread holds of the lock here was left by a stop.
    """
    import _imp

    with contextlib.suppress(RuntimeError):  # held by another thread, or not at all
        while _imp.lock_held():
            _imp.release_lock()
