"""Warm kernels for a batch, started in the background once the batch knows it has a report to make.

Starting a kernel costs seconds of CPU: a first run starts them while it still
analyses the areas, and a re-run with nothing to make again starts none.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any


class LazyKernels:
    """Warm kernels, started in the background on first need (while the batch still analyses), closed at the end.

    A re-run with nothing to report starts none. ``given``: a runner to use instead (any object with ``execute``).
    """

    def __init__(self, workers: int, given: Any, start: Callable[[int, int], Any]) -> None:
        self.workers, self.pool, self._start = workers, given, start
        self._stack = contextlib.ExitStack()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def warm(self, reports: int) -> None:
        """Start enough kernels for ``reports`` reports, unless started already (returns at once)."""
        if self.pool is not None or self._thread is not None or reports < 1:
            return

        def start() -> None:
            try:
                self.pool = self._stack.enter_context(self._start(self.workers, reports))
            except BaseException as exc:  # raised again where a report first needs a kernel
                self._error = exc

        self._thread = threading.Thread(target=start, name="audit-kernels-start", daemon=True)
        self._thread.start()

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        if self.pool is None:
            self.warm(1)
            return self.execute(*args, **kwargs)
        return self.pool.execute(*args, **kwargs)

    def __enter__(self) -> LazyKernels:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._thread.join()
        self._stack.close()
