"""What the `audit` commands share: their common options, and how a command stops with one clear line.

Errors become one line and an exit status, never a traceback; SIGTERM and SIGHUP
stop a run as Ctrl-C does. Only click and the standard library load here, so
`audit --help` stays quick.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

CRITERIA_HELP = (
    "The criteria framework: a shipped id (its newest version; see `audit frameworks`), ID@VERSION, or a YAML file. "
    "Default: the framework each workbook names on its Audit details sheet (JTAI domestic abuse 2025.1 if none)."
)


class Stopped(KeyboardInterrupt):
    """A stop asked for by a signal: unwinds like Ctrl-C, so every temporary copy of case data is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on(signum: int, _frame: Any) -> None:
    _hold_further_stops()
    raise Stopped(signum)


def _interrupt(_signum: int, _frame: Any) -> None:
    _hold_further_stops()
    raise KeyboardInterrupt


def _hold_further_stops() -> None:
    """A stop unwinds the run: the reports already running finish and every temporary copy of case data goes. A
    second Ctrl-C or signal meanwhile would cut that short (a report left writing after "stopped", data left
    behind), so it is answered with a line and not acted on; the handlers in place before the command are put back
    when it ends."""
    import signal

    for name in _STOPS:
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) in (_stop_on, _interrupt):
            signal.signal(getattr(signal, name), _ignore)


def _ignore(_signum: int, _frame: Any) -> None:
    """Say why nothing happens: the stop is under way, and what ends the process at once if it must."""
    with contextlib.suppress(OSError, ValueError):  # stderr closed: nothing to say it on
        sys.stderr.write("stopping: the report running on a kernel finishes first (kill -9 ends the process now)\n")
        sys.stderr.flush()


_STOPS = ("SIGINT", "SIGTERM", "SIGHUP")


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM (timeout, systemd, CI cancelling a job) and SIGHUP (a closed terminal) stop a run as Ctrl-C does;
    once one has, any further stop is answered with a line, not acted on, while the run unwinds.

    The handlers are the command's own: whatever was there before is put back afterwards.
    """
    import signal
    import threading

    before = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                before[name] = signal.signal(getattr(signal, name), _stop_on)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # Ctrl-C, unless it is ignored
            before["SIGINT"] = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        for name, handler in before.items():
            signal.signal(getattr(signal, name), signal.SIG_DFL if handler is None else handler)


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the toolkit's errors into one clear line and its exit status, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from audit.errors import AuditError

        try:
            with _stop_signals():
                return func(*args, **kwargs)
        except AuditError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException:
            raise
        except OSError as exc:  # a full disk, a read-only folder: say what could not be done, and where
            from audit.names import safe_text

            where = f"{safe_text(exc.filename, 240)}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt as exc:
            click.echo("stopped", err=True)
            sys.exit(128 + exc.signum if isinstance(exc, Stopped) else 130)
        except Exception as exc:  # a bug, not bad input: still one line, with a way to see more
            if os.environ.get("AUDIT_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set AUDIT_DEBUG=1 for details)", err=True)
            sys.exit(3)

    return wrapper


def _password(env_var: str | None) -> str | None:
    """Passwords come from an environment variable, so they never sit in shell history or logs."""
    if not env_var:
        return None
    value = os.environ.get(env_var)
    if value is None:
        raise click.UsageError(f"--password-env names {env_var}, which is not set")
    return value


def _criteria_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A shipped id or ID@VERSION becomes its file, so every later step is given a path as before."""
    if value is None:
        return None
    from audit.errors import FrameworkError
    from audit.framework.registry import framework_path

    try:
        return str(framework_path(value))
    except FrameworkError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


criteria_option = click.option(
    "--criteria", metavar="ID[@VERSION]|FILE", default=None, callback=_criteria_file, help=CRITERIA_HELP
)


def publish_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--threshold",
        default=5,
        show_default=True,
        type=click.IntRange(1, 100),
        help="With --publish, counts from 1 to this are shown as [c].",
    )(func)
    return click.option(
        "--publish",
        is_flag=True,
        help="Apply disclosure control: suppress small counts, leave out case IDs and free text.",
    )(func)


def report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """What `report` and `batch` add to each report: a PDF beside the HTML, national figures to compare with."""
    func = click.option(
        "--national",
        type=click.Path(dir_okay=False, exists=True),
        default=None,
        help="YAML or JSON of national % Yes per criterion ID, to compare each area with.",
    )(func)
    return click.option("--pdf", is_flag=True, help="Also write report.pdf (tagged, A4) beside report.html.")(func)


_LIMIT_VARS = {
    "max_file_mb": "AUDIT_MAX_FILE_MB",
    "max_expanded_mb": "AUDIT_MAX_EXPANDED_MB",
    "max_sheet_cells": "AUDIT_MAX_SHEET_CELLS",
}


def _set_limit(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Caps travel as environment variables so that report kernels apply them too."""
    import math

    if value is not None and not math.isfinite(value):
        raise click.BadParameter("give a finite positive number, such as 50", ctx=ctx, param=param)
    if value is not None and param.name is not None:
        os.environ[_LIMIT_VARS[param.name]] = str(value)
    return value


def limits_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--max-sheet-cells",
        type=click.IntRange(1),
        default=None,
        expose_value=False,
        callback=_set_limit,
        help="Refuse workbooks with a sheet whose used range (rows x columns) is larger (default 20000000).",
    )(func)
    func = click.option(
        "--max-expanded-mb",
        type=click.FloatRange(1),
        default=None,
        expose_value=False,
        callback=_set_limit,
        help="Refuse workbooks that expand to more than this (default 500).",
    )(func)
    return click.option(
        "--max-file-mb",
        type=click.FloatRange(0.001),
        default=None,
        expose_value=False,
        callback=_set_limit,
        help="Refuse workbook files larger than this (default 50).",
    )(func)


share_group_option = click.option(
    "--share-group",
    metavar="GROUP",
    default=None,
    help="Let this Unix group read OUT/restricted/ (folders 0750, files 0640); otherwise only you can (0700, 0600).",
)


password_option = click.option(
    "--password-env",
    metavar="VAR",
    default=None,
    help="Environment variable holding the password of encrypted workbooks.",
)


def _stop_on_unread(data: Any) -> None:
    """Inputs that could not be read stop `score` and `report`: nothing is written from the rest.

    Each is named once, with its reason; exit 2 when any could not be read as a workbook.
    """
    if not data.failed:
        return
    for label, exc in data.failed.items():
        click.echo(_failure_line(label, exc), err=True)
    click.echo(
        f"nothing written: {len(data.failed)} input(s) could not be used; mend or leave them out and run again",
        err=True,
    )
    sys.exit(max(exc.exit_code for exc in data.failed.values()))


def _failure_line(label: str, exc: Exception) -> str:
    """One line per failed input, naming it once: every message about a file starts with the file's label."""
    return str(exc)


def _account_unassigned(data: Any) -> None:
    """Rows that name no area belong to no area's outputs: say so, by cell, so none is lost silently."""
    rows = data.unassigned
    if len(rows):
        where = zip(rows["file"], rows["sheet"], rows["reason_cell"], strict=True)
        cells = ", ".join(f"{f} {s}!{c}" for f, s, c in where)
        click.echo(f"{len(rows)} row(s) name no area, so they are in no area's results: {cells}", err=True)


def _stop_on_unrecorded(claim: Any) -> None:
    for problem in claim.problems:
        click.echo(f"error: {problem}", err=True)
    if claim.problems:
        sys.exit(1)


replace_option = click.option(
    "--replace",
    is_flag=True,
    help="Remove earlier outputs from OUT first: those of a run in another mode, or report outputs no run recorded.",
)
