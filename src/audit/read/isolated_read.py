"""Reading a workbook's cells in a child process, so that a crash in the reader fails one file, not the run.

python-calamine is Rust: on input it cannot handle it may abort the whole process
(SIGABRT, exit 134) rather than raise, and nothing in Python can catch that. The
safety checks refuse every such file we know of, but a reader bug we do not know of
must still cost only the file that triggers it. So each workbook is read in a
short-lived child process, and the cells come back as plain Python lists. If the child
dies, the file is reported as unreadable and the run goes on.

On Linux the child is forked: it starts in milliseconds
with the reader already loaded, and runs nothing but the reader and a pipe write, so
the usual hazard of forking a process with threads (a lock held by another thread)
does not arise. Elsewhere (macOS system libraries are not fork-safe) it is spawned,
which costs a fresh interpreter a workbook.
(A fork server would re-run the main script in every child: in a Jupyter kernel,
all of ipykernel.)

Measured on the 2-core machine this was written on: about 10 ms of overhead a
workbook for a small one, and for the 10,000-case benchmark workbook about 0.1 s
(sending the cells back) on top of the read itself.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from audit.errors import WorkbookError

_context: Any = None


@dataclass(frozen=True)
class SheetCells:
    """One sheet as the reader saw it: its name in the workbook, whether Excel shows it, its cells from A1."""

    name: str
    visible: bool
    rows: list[list[Any]]


def _mp_context() -> Any:
    """Fork on Linux (the child starts at once, reader loaded), else spawn."""
    global _context
    if _context is None:
        import audit.read.reader_child  # noqa: F401 - loaded once here, so a forked child has it already

        _context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    return _context


def read_cells(data: bytes, wanted: Sequence[str], label: str) -> tuple[list[str], dict[str, SheetCells]]:
    """The workbook's sheet names, and the cells of each sheet in ``wanted`` that it has.

    ``wanted`` holds folded names (see ``audit.read.load.fold``); the result is keyed the
    same way. Raises WorkbookError naming ``label`` if the reader refuses the file or
    the child process dies (for instance on SIGABRT).
    """
    ctx = _mp_context()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_run_child, args=(send, data, list(wanted)), daemon=True)
    child.start()
    send.close()
    try:
        outcome = receive.recv()
    except EOFError:  # the child died before it could answer
        child.join()
        raise WorkbookError(
            f"{label}: the spreadsheet reader stopped abnormally on this file ({_how(child.exitcode)}), "
            "so it was not read. Open it in Excel, save it again as .xlsx and send it again.",
            code="reader-crashed",
        ) from None
    except BaseException:  # Ctrl-C or SIGTERM in the parent: the child goes too, at once
        child.kill()
        child.join()
        raise
    finally:
        receive.close()
    child.join(timeout=10)  # it exits as soon as it has answered
    if child.is_alive():
        child.kill()
        child.join()
    from audit.read.reader_child import Refusal  # loaded already, by _mp_context

    if isinstance(outcome, Refusal):
        raise WorkbookError(f"{label}: {outcome.reason}", code=outcome.code)
    names, sheets = outcome
    return names, {key: SheetCells(*value) for key, value in sheets.items()}


def _how(exitcode: int | None) -> str:
    """A process's end in words: 'signal SIGABRT', 'exit status 1'."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit status {exitcode}"


def _run_child(send: Any, data: bytes, wanted: list[str]) -> None:
    """Child process entry point: read, send the outcome, exit. Ctrl-C is the parent's to handle."""
    from audit.read.reader_child import Refusal, read

    # The cells hold no reference cycles, and a collection would touch (and so copy) every
    # object the forked child shares with its parent.
    gc.disable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()  # a crash here is reported by the parent, once, without a stack dump
    with contextlib.suppress(ImportError, ValueError, OSError):  # no resource module on Windows
        import resource

        # A crash must not leave a core file: it would hold the workbook's cells.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        try:
            outcome = read(data, wanted)
        except Exception as exc:  # e.g. MemoryError: one line home, no traceback on the console
            outcome = Refusal(code="reader-refused", reason=f"cannot be read ({type(exc).__name__})")
        send.send(outcome)
    finally:
        send.close()
