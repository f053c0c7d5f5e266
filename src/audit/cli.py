"""The `audit` command, a thin layer over the package; heavy libraries load only where needed.

The options the commands share, and how a command stops with one clear line, are in ``cli_options``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import click

# The options the commands share and their error handling (public names also importable from here).
from audit.cli_options import (  # noqa: F401
    CRITERIA_HELP,
    Stopped,
    _account_unassigned,
    _failure_line,
    _friendly,
    _password,
    _stop_on_unread,
    _stop_on_unrecorded,
    criteria_option,
    limits_options,
    password_option,
    publish_options,
    replace_option,
    report_options,
    share_group_option,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="audit")
def main() -> None:
    """Case-file audits of children who are victims of domestic abuse: validate, score and report."""


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@criteria_option
@password_option
@limits_options
@click.option("--strict", is_flag=True, help="Count warnings as problems too (exit status 1 if there are any).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per problem (many blank cells of one column grouped); json: a list of every problem.",
)
@_friendly
def validate(
    files: tuple[str, ...], criteria: str | None, password_env: str | None, strict: bool, output_format: str
) -> None:
    """Check audit workbooks and list every problem by file, sheet and cell.

    With --criteria and no workbooks, check the criteria framework file alone.
    Exit status: 0 clean, 1 problems found (with --strict, warnings too), 2 a file
    could not be read as a workbook (or a bad framework). With --format json, standard
    output is a JSON list of every problem ({file, sheet, cell, severity, code, message, area}),
    each blank cell included; the totals line goes to standard error in both formats.
    """
    if not files:
        if criteria is None:
            raise click.UsageError("give workbooks to check, or --criteria FILE to check a framework file alone")
        from audit.framework.model import load_framework

        fw = load_framework(criteria)
        click.echo(f"{criteria}: a valid criteria framework ({len(fw.criteria)} criteria in {len(fw.themes)} themes)")
        return
    from audit.check.row_checks import grouped_lines
    from audit.check.validate import load_audits

    # Every framework the workbooks name is checked (each workbook against its own), older rounds included.
    parts = [d for g in load_audits(list(files), criteria, password=_password(password_env)) for d in (g, *g.earlier)]
    failed = {name: exc for d in parts for name, exc in d.failed.items()}
    # A file's own problems may sit with two parts when its areas went to two versions' results: listed once.
    problems = parts[0].problems if len(parts) == 1 else list(dict.fromkeys(p for d in parts for p in d.problems))
    errors = [p for p in problems if p.severity == "error"]
    if output_format == "json":
        import json

        from audit.errors import Problem

        # no case_id: a Case ID is a cell's value
        keys = ("file", "sheet", "cell", "severity", "code", "message", "area")
        unread = [Problem(name, None, None, str(exc), exc.code) for name, exc in failed.items()]
        listed = [{k: getattr(p, k) for k in keys} for p in [*unread, *problems]]
        click.echo(json.dumps(listed, indent=1))
    else:
        for name, exc in failed.items():
            click.echo(_failure_line(name, exc))
        for line in grouped_lines(problems):
            click.echo(line)
    counted = problems if strict else errors
    n_files, n_rows = sum(len(d.files) for d in parts), sum(len(d.cases) for d in parts)
    scored, excluded = sum(len(d.scored) for d in parts), sum(len(d.excluded) for d in parts)
    if len(parts) > 1:
        named = sorted({f"{d.framework.id} {d.framework.version}" for d in parts})
        click.echo(f"frameworks: {', '.join(named)} (each workbook checked against the one it names)", err=True)
    click.echo(
        f"{n_files} workbook(s) read, {len(failed)} unreadable; {n_rows} rows: "
        f"{scored} cases scored, {excluded} excluded; "
        f"{len(errors)} errors, {len(problems) - len(errors)} warnings.",
        err=True,
    )
    if any(exc.exit_code == 2 for exc in failed.values()):
        sys.exit(2)
    if failed or counted:
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@criteria_option
@password_option
@limits_options
@publish_options
@replace_option
@share_group_option
@_friendly
def score(
    files: tuple[str, ...],
    out_dir: str,
    criteria: str | None,
    password_env: str | None,
    publish: bool,
    threshold: int,
    replace: bool,
    share_group: str | None,
) -> None:
    """Score every area: OUT/<area>/summary.json; the scored workbook in OUT/restricted/<area>/."""
    import datetime as dt

    from audit.check.validate import load_audit
    from audit.publish import cells
    from audit.restricted import share_with
    from audit.run.area_input import published_results
    from audit.run.manifest import write_run_manifest
    from audit.run.outputs import RunMode, claim_output
    from audit.run.report import write_area_data

    started = dt.datetime.now(dt.UTC)
    access = share_with(share_group)
    data = load_audit(list(files), criteria, password=_password(password_env))
    _stop_on_unread(data)
    _account_unassigned(data)
    with claim_output(out_dir, RunMode(publish, threshold), whole_run=False, replace=replace) as claim:
        out = claim.path
        outcomes = {}
        # Every area analysed and published once, together; an area whose judgement reasons may not be published
        # is named with the cells, never their text, and written nowhere.
        pubs, refused = published_results(data, publish, threshold)
        for pub in pubs.values():
            paths = write_area_data(pub, out, access)
            outcomes[pub.area] = "ok"
            scored, excluded = pub.shown(cells.CASES), pub.shown(cells.EXCLUDED)
            click.echo(f"{pub.area}: {scored} scored, {excluded} excluded -> {paths['summary']}")
        for area, why in refused.items():
            outcomes[area] = f"failed: {why}"
            click.echo(f"{area}: FAILED: {why}")
        params = {"command": "score", "publish": publish, "threshold": threshold}
        write_run_manifest(out, data, params, started, outcomes)
    _stop_on_unrecorded(claim)
    if refused:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@criteria_option
@click.option("--rows", default=40, show_default=True, type=click.IntRange(1, 50_000), help="Case rows with dropdowns.")
@click.option("--force", is_flag=True, help="Replace PATH if it exists (by default an existing file is left alone).")
@_friendly
def template(path: str, criteria: str | None, rows: int, force: bool) -> None:
    """Write a blank audit workbook for auditors to fill in.

    An existing PATH (perhaps a filled-in workbook) is refused with exit status 2
    unless --force is given. The file is written beside PATH and renamed into place.
    """
    from audit.framework.model import load_framework
    from audit.workbooks.template import write_template

    click.echo(f"wrote {write_template(path, load_framework(criteria), rows=rows, overwrite=force)}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--area", default=None, help="The area to report on (needed when the inputs hold more than one).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@criteria_option
@password_option
@limits_options
@publish_options
@report_options
@replace_option
@share_group_option
@_friendly
def report(
    files: tuple[str, ...],
    area: str | None,
    out_dir: str,
    criteria: str | None,
    password_env: str | None,
    publish: bool,
    threshold: int,
    pdf: bool,
    national: str | None,
    replace: bool,
    share_group: str | None,
) -> None:
    """Make one area's report: OUT/<area>/report.html and summary.json; case-level data in OUT/restricted/."""
    import datetime as dt

    from audit.check.validate import load_audits
    from audit.restricted import share_with
    from audit.run.area_input import PREPARED_SUFFIX, report_result, save_prepared
    from audit.run.manifest import write_run_manifest
    from audit.run.outputs import RunMode, claim_output
    from audit.run.report import make_report

    started = dt.datetime.now(dt.UTC)
    access = share_with(share_group)
    if national:
        from audit.analyse.compare import read_national
        from audit.framework.model import load_framework

        if criteria is not None:  # a bad file stops the run before anything is read
            read_national(national, load_framework(criteria))
    data = _one_framework(load_audits(list(files), criteria, password=_password(password_env)), area)
    if national and criteria is None:  # checked against the framework the workbooks name
        read_national(national, data.framework)
    _stop_on_unread(data)
    _account_unassigned(data)
    result = report_result(data, area, publish, threshold)  # analysed and published once, here
    with (
        claim_output(out_dir, RunMode(publish, threshold), whole_run=False, replace=replace) as claim,
        tempfile.TemporaryDirectory(prefix="audit-report-") as tmp,
    ):
        out = claim.path
        prepared = save_prepared(result, Path(tmp) / f"report{PREPARED_SUFFIX}")  # the kernel renders this result
        paths = make_report(
            result,
            list(data.paths.values()),
            out,
            criteria,
            pdf=pdf,
            national=national,
            prepared=prepared,
            access=access,
        )
        params = {"command": "report", "area": result.area, "publish": publish, "threshold": threshold, "pdf": pdf}
        write_run_manifest(out, data, params, started, {result.area: "ok"})
    click.echo(f"{result.area}: {paths['html']}" + (f" and {paths['pdf']}" if "pdf" in paths else ""))
    _stop_on_unrecorded(claim)


def _one_framework(groups: list, area: str | None) -> object:
    """The group of workbooks (one framework) holding ``area``; the others are named, not used."""
    from audit.check.framework_choice import mixed_error
    from audit.read.load import fold

    if len(groups) == 1:
        return groups[0]
    holding = [g for g in groups if area is not None and fold(area) in {fold(a) for a in g.areas}]
    if len(holding) != 1:
        raise mixed_error(groups)
    chosen = holding[0]
    chosen.failed = {**groups[0].failed, **chosen.failed}  # every input that could not be read stops the report
    others = sorted(f for g in groups if g is not chosen for f in g.files)
    click.echo(f"{len(others)} workbook(s) of another framework left out of this report: {', '.join(others)}", err=True)
    return chosen


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
@share_group_option
@replace_option
@click.option(
    "--force",
    is_flag=True,
    help="Make every report again. Without it, a run into the folder of an earlier run of the same mode makes "
    "again only the areas whose inputs changed (see manifest.json's build section).",
)
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
    share_group: str | None,
    replace: bool,
    force: bool,
) -> None:
    """Report every area in the workbooks (files or folders) and write OUT/index.html.

    Executed notebooks and case-level data go to OUT/restricted/; the rest of OUT
    may be circulated, and with --publish it has disclosure control applied.
    Run again into the same OUT, only the areas whose inputs changed are made again.
    """
    from audit.run.batch import BatchOptions, run_batch

    options = BatchOptions(criteria, publish, threshold, allow_identifiers, pdf, national, share_group=share_group)
    outcome = run_batch(
        list(inputs),
        out_dir,
        options,
        workers=workers,
        progress=not quiet,
        password=_password(password_env),
        replace=replace,
        force=force,
    )
    for a in outcome.areas:
        click.echo(f"{a.area}: {'ok' if a.ok else 'FAILED: ' + (a.error or '')}")
    for why in outcome.failed_files.values():
        click.echo(f"not read: {why}")  # the message names the file
    if outcome.national_error:
        click.echo(f"national summary: FAILED: {outcome.national_error}")
    if outcome.unassigned_cells:
        cells = ", ".join(outcome.unassigned_cells)
        click.echo(f"{len(outcome.unassigned_cells)} row(s) name no area, so they are in no report: {cells}", err=True)
    for problem in outcome.write_errors:
        click.echo(f"not written: {problem}", err=True)
    click.echo(_rebuilt_line(outcome))
    if outcome.index:
        click.echo(f"index: {outcome.index}")
    if not outcome.ok:
        sys.exit(1)


def _rebuilt_line(outcome: Any) -> str:
    """How many areas the run made again, and how many it kept as the earlier run made them."""
    builds = [g.build for _, _, g in outcome.groups] or [outcome.build]
    areas = [a for b in builds for a in b.get("areas", {}).values()]
    made = sum(a["rebuilt"] for a in areas)
    return f"made {made} area report(s) again, kept {len(areas) - made} as they were (manifest.json says why)"


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@criteria_option
@click.option(
    "--framework",
    "framework_name",
    metavar="ID[@VERSION]",
    default=None,
    help="Write three fictional areas' workbooks of this shipped framework (see `audit frameworks`) instead.",
)
@click.option("--seed", default=2025, show_default=True)
@_friendly
def sample(out_dir: str, criteria: str | None, framework_name: str | None, seed: int) -> None:
    """Write the synthetic sample workbooks (fictional areas) to OUT_DIR.

    By default the six areas of sample_data/ (with --criteria, of that framework); with
    --framework, three areas of that framework, each workbook naming the framework and version.
    """
    from audit.framework.model import load_framework
    from audit.workbooks.sample import write_framework_sample, write_sample_data

    if framework_name is not None:
        if criteria is not None:
            raise click.UsageError("give --framework or --criteria, not both")
        paths = write_framework_sample(out_dir, load_framework(framework_name), seed=seed)
    else:
        paths = write_sample_data(out_dir, load_framework(criteria), seed=seed)
    for path in paths:
        click.echo(f"wrote {path}")


@main.command()
@_friendly
def frameworks() -> None:
    """List the criteria frameworks shipped: id, version, title, number of themes and criteria.

    Give one to the other commands as --criteria ID (its newest version) or --criteria ID@VERSION.
    """
    from audit.framework.registry import shipped

    rows = [("ID", "VERSION", "THEMES", "CRITERIA", "TITLE")]
    rows += [(s.id, s.version, str(s.themes), str(s.criteria), s.title) for s in shipped()]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        click.echo("  ".join([*(v.ljust(w) for v, w in zip(r[:4], widths, strict=True)), r[4]]).rstrip())


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace notebooks already in OUT_DIR.")
@_friendly
def notebooks(out_dir: str, force: bool) -> None:
    """Copy the report notebooks to OUT_DIR, to open in JupyterLab (set `source` in each to your workbooks)."""
    from audit.run.notebooks_copy import copy_notebooks

    for path in copy_notebooks(Path(out_dir), force=force):
        click.echo(f"wrote {path}")
