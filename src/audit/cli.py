"""The `audit` command, a thin layer over the package; heavy libraries load only where needed."""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

CRITERIA_HELP = "Criteria framework YAML (default: templates/criteria/jtai_domestic_abuse.yml)."


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the toolkit's errors into one clear line and its exit status, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from audit.errors import AuditError

        try:
            return func(*args, **kwargs)
        except AuditError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
            sys.exit(130)
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


criteria_option = click.option("--criteria", type=click.Path(dir_okay=False), default=None, help=CRITERIA_HELP)


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


password_option = click.option(
    "--password-env",
    metavar="VAR",
    default=None,
    help="Environment variable holding the password of encrypted workbooks.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="audit")
def main() -> None:
    """Case-file audits of children who are victims of domestic abuse: validate, score and report."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@criteria_option
@password_option
@limits_options
@click.option("--strict", is_flag=True, help="Count warnings as problems too.")
@_friendly
def validate(files: tuple[str, ...], criteria: str | None, password_env: str | None, strict: bool) -> None:
    """Check audit workbooks and list every problem by file, sheet and cell.

    Exit status: 0 clean, 1 problems found, 2 a file could not be read as a workbook.
    """
    from audit.validate import load_audit

    data = load_audit(list(files), criteria, password=_password(password_env))
    for name, exc in data.failed.items():
        click.echo(f"{exc}" if str(exc).startswith(name) else f"{name}: {exc}")
    for p in data.problems:
        click.echo(str(p))
    counted = data.problems if strict else data.errors
    n_rows = len(data.cases)
    click.echo(
        f"{len(data.files)} workbook(s) read, {len(data.failed)} unreadable; {n_rows} rows: "
        f"{len(data.scored)} cases scored, {len(data.excluded)} excluded; "
        f"{len(data.errors)} errors, {len(data.problems) - len(data.errors)} warnings.",
        err=True,
    )
    if any(exc.exit_code == 2 for exc in data.failed.values()):
        sys.exit(2)
    if data.failed or counted:
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@criteria_option
@password_option
@limits_options
@publish_options
@_friendly
def score(
    files: tuple[str, ...], out_dir: str, criteria: str | None, password_env: str | None, publish: bool, threshold: int
) -> None:
    """Score every area: OUT/<area>/summary.json; the scored workbook in OUT/restricted/<area>/."""
    from audit.report import write_area_data
    from audit.summarise import analyse_area
    from audit.validate import load_audit

    data = load_audit(list(files), criteria, password=_password(password_env))
    for name, exc in data.failed.items():
        click.echo(f"{name}: {exc}", err=True)
    for area in data.areas:
        result = analyse_area(data, area, publish=publish, threshold=threshold)
        paths = write_area_data(result, Path(out_dir))
        click.echo(f"{area}: {result.cases_scored} scored, {result.cases_excluded} excluded -> {paths['summary']}")
    if data.failed:
        sys.exit(max(exc.exit_code for exc in data.failed.values()))


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@criteria_option
@click.option("--rows", default=40, show_default=True, help="Case rows with dropdowns.")
@_friendly
def template(path: str, criteria: str | None, rows: int) -> None:
    """Write a blank audit workbook for auditors to fill in."""
    from audit.framework import load_framework
    from audit.template import write_template

    click.echo(f"wrote {write_template(path, load_framework(criteria), rows=rows)}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--area", required=True, help="The area to report on.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@criteria_option
@password_option
@limits_options
@publish_options
@report_options
@_friendly
def report(
    files: tuple[str, ...],
    area: str,
    out_dir: str,
    criteria: str | None,
    password_env: str | None,
    publish: bool,
    threshold: int,
    pdf: bool,
    national: str | None,
) -> None:
    """Make one area's report: OUT/<area>/report.html and summary.json; case-level data in OUT/restricted/."""
    from audit.load import workbook_files
    from audit.report import make_report
    from audit.summarise import analyse_area
    from audit.validate import PREPARED_SUFFIX, load_audit, save_prepared

    sources = [str(p) for p in workbook_files(files)]
    data = load_audit(sources, criteria, password=_password(password_env))
    result = analyse_area(data, area, publish=publish, threshold=threshold)
    if national:
        from audit.compare import read_national

        read_national(national, data.framework)
    with tempfile.TemporaryDirectory(prefix="audit-report-") as tmp:
        prepared = save_prepared(data, Path(tmp) / f"report{PREPARED_SUFFIX}")  # the kernel reads this, not the files
        paths = make_report(
            result,
            [str(Path(s).resolve()) for s in sources if Path(s).name in data.files],
            Path(out_dir).resolve(),
            criteria,
            pdf=pdf,
            national=national,
            prepared=prepared,
        )
    click.echo(f"{result.area}: {paths['html']}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32), help="Reports run at once.")
@criteria_option
@password_option
@limits_options
@publish_options
@report_options
@click.option("--allow-identifiers", is_flag=True, help="Report areas even where cells look like personal data.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_friendly
def batch(
    inputs: tuple[str, ...],
    out_dir: str,
    workers: int,
    criteria: str | None,
    password_env: str | None,
    publish: bool,
    threshold: int,
    pdf: bool,
    national: str | None,
    allow_identifiers: bool,
    quiet: bool,
) -> None:
    """Report every area in the workbooks (files or folders) and write OUT/index.html.

    Executed notebooks and case-level data go to OUT/restricted/; the rest of OUT
    may be circulated, and with --publish it has disclosure control applied.
    """
    from audit.batch import BatchOptions, run_batch

    options = BatchOptions(criteria, publish, threshold, allow_identifiers, pdf, national)
    outcome = run_batch(
        list(inputs), out_dir, options, workers=workers, progress=not quiet, password=_password(password_env)
    )
    for a in outcome.areas:
        click.echo(f"{a.area}: {'ok' if a.ok else 'FAILED: ' + (a.error or '')}")
    for name, why in outcome.failed_files.items():
        click.echo(f"{name}: not read: {why}")
    if outcome.national_error:
        click.echo(f"national summary: FAILED: {outcome.national_error}")
    click.echo(f"index: {outcome.index}")
    if not outcome.ok:
        sys.exit(1)


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@criteria_option
@click.option("--seed", default=2025, show_default=True)
@_friendly
def sample(out_dir: str, criteria: str | None, seed: int) -> None:
    """Write the synthetic sample workbooks (fictional areas) to OUT_DIR."""
    from audit.framework import load_framework
    from audit.sample import write_sample_data

    for path in write_sample_data(out_dir, load_framework(criteria), seed=seed):
        click.echo(f"wrote {path}")
