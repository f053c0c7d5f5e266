"""Every area of a run analysed in several processes, so a batch's analysis uses every core.

:func:`analyse_areas` gives what a loop of :func:`audit.analyse.area_result.analyse_area`
over the areas gives, in the order of the areas asked for, with each area's failure
in place of its result. The worker processes are forked, so they start with the run's
data already in memory (nothing is sent to them but area names); each sends its results
back pickled. What every result shares is not sent back: the run's framework objects
and the table of every area's results (``analysis.others``, the same for every area)
are put back on the parent's side from its own copies, which keeps the results small
and the framework objects the very ones the serial loop gives.

Where fork is not available (Windows, and macOS, where forking is unsafe), with one
worker or with few areas, the areas are analysed here, one after another.
"""

from __future__ import annotations

import io
import math
import pickle
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from audit.analyse import compare
from audit.analyse.area_result import AreaResult, analyse_area
from audit.check.audit_data import AuditData
from audit.errors import AuditError

#: Below this many areas a batch's analysis is done in this process (starting processes costs more).
MIN_AREAS = 8
#: Chunks per worker: enough that a slow chunk does not leave the other worker idle for long.
CHUNKS_PER_WORKER = 4

Outcome = AreaResult | str | BaseException

_job: tuple[AuditData, bool] | None = None  # set in each worker process when it starts


def analyse_areas(
    data: AuditData, areas: list[str], publish: bool, workers: int, meanwhile: Callable[[], None] | None = None
) -> dict[str, Outcome]:
    """Each area's result, or why it has none, in the order of ``areas``.

    ``meanwhile`` is called once the worker processes are running (so after they
    have forked), while this process would wait for them; not at all when the
    areas are analysed here.

    An area whose analysis raised :class:`AuditError` gets its message (a str); any
    other exception is given as the exception itself, since its text may quote a
    cell: the caller decides what to show (in a worker process the exception
    carries its traceback as a note, as the traceback object cannot travel).
    """
    if workers <= 1 or len(areas) < MIN_AREAS or not _can_fork():
        return {area: _analyse_one(data, area, publish) for area in areas}
    compare.area_results(data)  # worked out once here and kept on data, so no worker works it out again
    size = max(1, math.ceil(len(areas) / (workers * CHUNKS_PER_WORKER)))
    chunks = [areas[i : i + size] for i in range(0, len(areas), size)]
    shared = _shared(data)
    out: dict[str, Outcome] = {}
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(data, publish)) as pool:
        futures = [pool.submit(_analyse_chunk, chunk) for chunk in chunks]  # the first forks every worker
        if meanwhile is not None:
            meanwhile()
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                out.update(_loads(future.result(), data, shared))
            except BrokenProcessPool as exc:  # a worker died (killed, out of memory): its areas are not analysed
                out.update(dict.fromkeys(chunk, exc))
    return {area: out[area] for area in areas}


def _can_fork() -> bool:
    """Fork only on Linux: elsewhere it is missing (Windows) or unsafe with system libraries (macOS)."""
    import multiprocessing

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _analyse_one(data: AuditData, area: str, publish: bool) -> Outcome:
    """One area's result, its AuditError's message, or the unexpected exception itself."""
    try:
        return analyse_area(data, area, publish=publish)
    except AuditError as exc:
        return str(exc)
    except Exception as exc:  # one area's failure must not stop the others; the caller decides what to show
        return exc


def _start(data: AuditData, publish: bool) -> None:
    """In a worker process: keep the run's data (inherited through fork, not sent)."""
    global _job
    _job = (data, publish)


def _shared(data: AuditData) -> list[Any]:
    """Objects every result refers to, sent back by reference: the frameworks of the run and of its older rounds."""
    return [data.framework, *(e.framework for e in data.earlier)]


class _Pickler(pickle.Pickler):
    """Pickles results, leaving out what the parent has: the shared objects and each result's ``others``."""

    def __init__(self, file: io.BytesIO, shared: list[Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.ids = {id(obj): i for i, obj in enumerate(shared)}
        self.others: set[int] = set()

    def persistent_id(self, obj: Any) -> Any:
        if id(obj) in self.others:
            return "others"
        return self.ids.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, data: AuditData, shared: list[Any]) -> None:
        super().__init__(file)
        self.data, self.shared = data, shared

    def persistent_load(self, pid: Any) -> Any:
        if pid == "others":
            return compare.area_results(self.data)  # a fresh copy of the run's table, as analyse_area gives
        return self.shared[pid]


def _analyse_chunk(areas: list[str]) -> bytes:
    """In a worker process: some areas analysed, their outcomes pickled for the parent."""
    assert _job is not None
    data, publish = _job
    outcomes = []
    for area in areas:
        outcome = _analyse_one(data, area, publish)
        if isinstance(outcome, BaseException):
            outcome = _portable(outcome)
        outcomes.append((area, outcome))
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, _shared(data))
    pickler.others = {id(o.analysis.others) for _, o in outcomes if isinstance(o, AreaResult)}
    pickler.dump(outcomes)
    return buffer.getvalue()


def _portable(exc: BaseException) -> BaseException:
    """An exception that survives pickling, with where it was raised as a note (its traceback cannot travel)."""
    where = "".join(traceback.format_exception(exc))
    try:
        exc.add_note(f"Raised in an analysis worker process:\n{where}")
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # an exception class that does not pickle: its kind and text, in one that does
        stand_in = RuntimeError(f"{type(exc).__name__} in an analysis worker process: {exc}")
        stand_in.add_note(where)
        return stand_in


def _loads(payload: bytes, data: AuditData, shared: list[Any]) -> list[tuple[str, Outcome]]:
    return _Unpickler(io.BytesIO(payload), data, shared).load()
