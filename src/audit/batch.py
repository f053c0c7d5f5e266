"""Batch runs: every area in the inputs to its own report, an index linking them, and a manifest.

The inputs are read and validated once; each area is then scored and reported
on its own, so one area that fails never stops the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.disclosure import DEFAULT_THRESHOLD, SUPPRESSED
from audit.errors import AuditError
from audit.framework import Framework
from audit.report import make_national_summary, make_report, write_atomic
from audit.resources import REPORT_TEMPLATES_DIR
from audit.summarise import analyse_area, slugify
from audit.validate import PREPARED_SUFFIX, AuditData, load_audit, save_prepared


@dataclass(frozen=True)
class BatchOptions:
    """How every area in a batch is reported."""

    criteria: str | None = None
    publish: bool = False
    threshold: int = DEFAULT_THRESHOLD
    allow_identifiers: bool = False
    pdf: bool = False
    national: str | None = None  # a file of national figures to compare each area with


@dataclass
class AreaOutcome:
    area: str
    slug: str
    error: str | None = None
    cases_scored: int | str = 0
    key_results: dict[str, float | str | None] = field(default_factory=dict)
    pdf: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchOutcome:
    out_dir: Path
    areas: list[AreaOutcome]
    failed_files: dict[str, str]
    unassigned_rows: int
    publish: bool = False
    pdf: bool = False
    national: bool = False
    national_error: str | None = None
    index: Path | None = None

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.areas) and not self.failed_files and not self.national_error


def refuse_identifiers(data: AuditData) -> None:
    """Stop an area whose workbooks hold cells that look like personal data (named by cell, never by value)."""
    if not data.identifiers:
        return
    shown = data.identifiers[:5]
    places = "; ".join(f"{p.where} ({p.message.split(')')[0].split('(')[-1]})" for p in shown)
    more = len(data.identifiers) - len(shown)
    raise AuditError(
        f"not reported: {len(data.identifiers)} cell(s) look like personal data: {places}"
        + (f" and {more} more" if more > 0 else "")
        + ". Remove them from the workbook, or pass --allow-identifiers if they are not personal data"
    )


def _report_one(
    data: AuditData, area: str, sources: list[str], out_dir: Path, opts: BatchOptions, runner: Any, prepared: Path
) -> AreaOutcome:
    outcome = AreaOutcome(area, slugify(area))
    try:
        if not opts.allow_identifiers:
            refuse_identifiers(data.for_area(area))
        result = analyse_area(data, area, publish=opts.publish, threshold=opts.threshold)
        outcome.cases_scored = result.show("cases", result.cases_scored)
        outcome.key_results = {
            c.label: SUPPRESSED if result.rate_hidden(("c", c.id)) else result.criteria.loc[c.id, "pct_yes"]
            for c in data.framework.criteria
            if c.key
        }
        paths = make_report(
            result,
            sources,
            out_dir,
            opts.criteria,
            pdf=opts.pdf,
            index_href="../index.html",
            national=opts.national,
            prepared=prepared,
            runner=runner,
        )
        outcome.pdf = "pdf" in paths
    except AuditError as exc:
        outcome.error = str(exc)
    except Exception as exc:  # one area's failure must not stop the batch
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path,
    options: BatchOptions | None = None,
    *,
    workers: int = 1,
    progress: bool = True,
    password: str | None = None,
) -> BatchOutcome:
    """Report every area found in ``inputs`` under ``out_dir``; write ``index.html`` and ``manifest.json``.

    An area whose workbook holds likely personal identifiers is not reported
    unless ``options.allow_identifiers``; the other areas still are.
    """
    from audit.load import workbook_files
    from audit.manifest import build_manifest

    started = dt.datetime.now(dt.UTC)
    opts = options or BatchOptions()
    if opts.national:
        from audit.compare import read_national
        from audit.framework import load_framework

        read_national(opts.national, load_framework(opts.criteria))  # a bad file stops the run before it starts
    if opts.pdf:
        from audit.pdf import pdf_available

        if why := pdf_available():
            raise AuditError(f"--pdf: cannot make PDFs here: {why}")
    # Absolute paths before any thread starts, so nothing depends on the working directory.
    out_dir = Path(out_dir).resolve()
    files = [str(p.resolve()) for p in workbook_files(inputs)]
    data = load_audit(files, opts.criteria, password=password)
    slugs: dict[str, str] = {}
    for area in data.areas:
        other = slugs.setdefault(slugify(area), area)
        if other != area:
            raise AuditError(f"areas {other!r} and {area!r} would share the folder {slugify(area)!r}; rename one")
    sources = [f for f in files if Path(f).name in data.files]
    outcomes: list[AreaOutcome] = []
    failed_files = {k: str(v) for k, v in data.failed.items()}
    batch = BatchOutcome(out_dir, outcomes, failed_files, len(data.unassigned), opts.publish, opts.pdf)
    # The workbooks are read and validated once, here; every kernel loads this copy instead,
    # and warm kernels (reset between areas) spare each report a kernel start and its imports.
    with tempfile.TemporaryDirectory(prefix="audit-batch-") as tmp, _kernels(workers, len(data.areas)) as runner:
        from audit.compare import area_results

        area_results(data)  # every report compares its area with all of them: count that once, here
        prepared = save_prepared(data, Path(tmp) / f"batch{PREPARED_SUFFIX}")
        bar = _progress(len(data.areas) + 1, progress)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(_report_one, data, a, sources, out_dir, opts, runner, prepared) for a in data.areas]
            for fut in as_completed(futures):
                outcomes.append(fut.result())
                bar.update(1)
        order = {a: i for i, a in enumerate(data.areas)}
        outcomes.sort(key=lambda o: order[o.area])
        if sources and any(a.ok for a in outcomes):
            try:
                make_national_summary(
                    sources,
                    out_dir,
                    data.framework,
                    opts.criteria,
                    publish=opts.publish,
                    threshold=opts.threshold,
                    pdf=opts.pdf,
                    prepared=prepared,
                    runner=runner,
                )
                batch.national = True
            except AuditError as exc:
                batch.national_error = str(exc)
        bar.update(1)
        bar.close()
    batch.index = write_atomic(out_dir / "index.html", index_html(batch, data.framework))
    params = {**asdict(opts), "workers": workers, "encrypted_inputs": password is not None}
    results = {a.area: ("ok" if a.ok else f"failed: {a.error}") for a in outcomes}
    results.update({name: f"not read: {why}" for name, why in failed_files.items()})
    results["national summary"] = "ok" if batch.national else f"failed: {batch.national_error}"
    manifest = build_manifest(data.files, data.framework, params, started, results)
    write_atomic(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return batch


@contextlib.contextmanager
def _kernels(workers: int, areas: int) -> Iterator[Any]:
    """A pool of warm kernels, one per worker (none needed when there is nothing to report)."""
    if not areas:
        yield None
        return
    from audit.engine import KernelPool

    with KernelPool(max(1, min(workers, areas))) as pool:
        yield pool


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="Area reports", unit="area", disable=not enabled)


def index_html(batch: BatchOutcome, fw: Framework) -> str:
    """The batch's front page: every area with its key results and a link, and what failed."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(REPORT_TEMPLATES_DIR), autoescape=select_autoescape(["html", "j2"]))
    key_labels = [c.label for c in fw.criteria if c.key]
    return env.get_template("index.html.j2").render(batch=batch, fw=fw, key_labels=key_labels, made=dt.date.today())
