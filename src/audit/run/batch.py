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

from audit.analyse.area_result import AreaResult, analyse_area, slugify
from audit.analyse.practice import CaseKeys, case_keys
from audit.check.validate import AuditData, load_audits
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.publish import cells
from audit.publish.disclosure import DEFAULT_THRESHOLD, SUPPRESSED
from audit.publish.practice import refuse_area
from audit.publish.published import PublishedResult
from audit.read.identifiers import KINDS_BY_CODE
from audit.restricted import Access, share_with
from audit.run.area_input import (
    PREPARED_SUFFIX,
    REASON_REFUSED,
    own_hidden,
    publish_run,
    run_areas,
    save_prepared,
)
from audit.run.index_page import frameworks_index_html, index_html, recorded_judgements  # noqa: F401
from audit.run.report import make_national_summary, make_report, write_atomic


@dataclass(frozen=True)
class BatchOptions:
    """How every area in a batch is reported."""

    criteria: str | None = None
    publish: bool = False
    threshold: int = DEFAULT_THRESHOLD
    allow_identifiers: bool = False
    pdf: bool = False
    national: str | None = None  # a file of national figures to compare each area with
    share_group: str | None = None  # a Unix group that may read the restricted outputs

    @property
    def access(self) -> Access:
        """Who may read the restricted outputs: the owner, or also ``share_group``."""
        return share_with(self.share_group)


@dataclass
class AreaOutcome:
    area: str
    slug: str
    error: str | None = None
    cases_scored: int | str = 0
    key_results: dict[str, float | str | None] = field(default_factory=dict)
    pdf: bool = False
    # What the area's people recorded on its Judgements sheet, as the report names each target:
    # None when the area recorded no judgement at all (the index says "none recorded").
    strengths: list[str] | None = None
    priorities: list[str] | None = None

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
    write_errors: list[str] = field(default_factory=list)  # run-level files that could not be written
    unassigned_cells: list[str] = field(default_factory=list)  # where the rows that name no area are
    # With workbooks of several frameworks: (framework, its folder in OUT, its own outcome) for each.
    groups: list[tuple[Framework, str, BatchOutcome]] = field(default_factory=list)
    threshold: int | None = None  # the published version's suppression threshold, for the page banner

    @property
    def ok(self) -> bool:
        run_ok = not self.failed_files and not self.national_error and not self.write_errors
        return run_ok and all(a.ok for a in self.areas)


def refuse_identifiers(data: AuditData) -> None:
    """Stop an area whose workbooks hold cells that look like personal data (named by cell, never by value)."""
    if not data.identifiers:
        return
    shown = data.identifiers[:5]
    places = "; ".join(f"{p.where} ({KINDS_BY_CODE[p.code]})" for p in shown)
    more = len(data.identifiers) - len(shown)
    raise AuditError(
        f"not reported: {len(data.identifiers)} cell(s) look like personal data: {places}"
        + (f" and {more} more" if more > 0 else "")
        + ". Remove them from the workbook, or pass --allow-identifiers if they are not personal data",
        code="identifiers-refused",
    )


def _refused(data: AuditData, area: str, opts: BatchOptions, keys: CaseKeys) -> tuple[str, str] | None:
    """Before anything is analysed: why an area may not be reported at all (None when it may), and the kind of why.

    A judgement reason is printed as it stands in a published report, so one that
    looks like personal data or names a case stops the area even with
    ``allow_identifiers``. ``keys``: every Case ID of the run, as a reason naming any of them
    is refused (a judgement with no Area is published in every area of its workbook).
    """
    mine = data.for_area(area)
    try:
        if not opts.allow_identifiers:
            refuse_identifiers(mine)
        if opts.publish:
            refuse_area(mine, keys)
    except AuditError as exc:
        reasons = exc.code == "judgement-reason-refused"
        return str(exc), REASON_REFUSED if reasons else "refused: cells that look like personal data"
    return None


def _analyse(data: AuditData, area: str, opts: BatchOptions, out_dir: Path) -> tuple[AreaResult | None, str | None]:
    """An area analysed once, or why it could not be."""
    try:
        return analyse_area(data, area, publish=opts.publish), None
    except AuditError as exc:
        return None, str(exc)
    except Exception as exc:  # one area's failure must not stop the batch
        return None, _unexpected(exc, opts, out_dir, data.slugs[area])


def _unexpected(exc: Exception, opts: BatchOptions, out_dir: Path, slug: str) -> str:
    """An unexpected failure as the console, index and manifest name it.

    Its text may quote a cell (an evidence note, a Case ID), so a published run names
    only its kind and keeps the details in ``restricted/<area>/error.txt`` (owner-only).
    """
    if not opts.publish:
        return f"{type(exc).__name__}: {exc}"
    import traceback

    from audit.restricted import make_folder, write_file
    from audit.run.report import area_dirs

    kept = area_dirs(out_dir, slug)[1] / "error.txt"
    try:
        make_folder(kept.parent, opts.access)
        write_file(kept, "".join(traceback.format_exception(exc)), opts.access)
    except OSError:
        return f"an unexpected {type(exc).__name__} (its details are not shown in a published run)"
    return f"an unexpected {type(exc).__name__}; its details, which may quote a cell, are kept in {kept}"


def key_results(pub: PublishedResult) -> dict[str, float | str | None]:
    """The index's figures for an area: % Yes on each key criterion, as published."""
    criteria = pub.analysed.criteria
    return {
        c.label: SUPPRESSED if pub.rate_hidden(cells.criterion(c.id)) else criteria.loc[c.id, "pct_yes"]
        for c in pub.framework.criteria
        if c.key
    }


def _report_one(
    pub: PublishedResult, sources: list[str], out_dir: Path, opts: BatchOptions, runner: Any, prepared: Path
) -> AreaOutcome:
    outcome = AreaOutcome(pub.area, pub.slug)
    try:
        outcome.cases_scored = pub.shown(cells.CASES)
        outcome.key_results = key_results(pub)
        outcome.strengths, outcome.priorities = recorded_judgements(pub)
        paths = make_report(
            pub,
            sources,
            out_dir,
            opts.criteria,
            pdf=opts.pdf,
            index_href="../index.html",
            national=opts.national,
            prepared=prepared,
            runner=runner,
            access=opts.access,
        )
        outcome.pdf = "pdf" in paths
    except AuditError as exc:
        outcome.error = str(exc)
    except OSError as exc:  # a full disk or a read-only folder: this area's outputs, named
        outcome.error = _write_failure(exc)
    except Exception as exc:  # one area's failure must not stop the batch
        outcome.error = _unexpected(exc, opts, out_dir, pub.slug)
    return outcome


def _write_failure(exc: OSError) -> str:
    from audit.names import safe_text

    where = f" {safe_text(exc.filename, 240)}" if exc.filename else ""
    return f"could not write{where}: {exc.strerror or exc}"


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path,
    options: BatchOptions | None = None,
    *,
    workers: int = 1,
    progress: bool = True,
    password: str | None = None,
    replace: bool = False,
) -> BatchOutcome:
    """Report every area found in ``inputs`` under ``out_dir``; write ``index.html`` and ``manifest.json``.

    An area whose workbook holds likely personal identifiers is not reported
    unless ``options.allow_identifiers``; the other areas still are. A refused area
    is left out of every all-area figure (the other areas' comparisons and the
    national summary); an area whose analysis or report fails is left out of the
    national summary, which lists it as not included. (Reports start as soon as
    their area is ready, so areas reported before such a failure have compared
    themselves with it.)
    """
    from audit.run.outputs import RunMode, claim_output

    started = dt.datetime.now(dt.UTC)
    opts = options or BatchOptions()
    share_with(opts.share_group)  # a group the user is not in stops the run before it starts
    if opts.national and opts.criteria is not None:
        from audit.analyse.compare import read_national
        from audit.framework.model import load_framework

        read_national(opts.national, load_framework(opts.criteria))  # a bad file stops the run before it starts
    if opts.pdf:
        from audit.render.pdf import pdf_available

        if why := pdf_available():
            raise AuditError(f"--pdf: cannot make PDFs here: {why}")
    # Absolute paths before any thread starts, so nothing depends on the working directory.
    groups = load_audits([Path(i).resolve() for i in inputs], opts.criteria, password=password)
    if len(groups) > 1 and opts.national:
        raise AuditError("--national gives figures for one framework, but the workbooks name several; run them apart")
    if opts.national and opts.criteria is None:  # checked against the framework the workbooks name
        from audit.analyse.compare import read_national

        read_national(opts.national, groups[0].framework)
    params = {**asdict(opts), "workers": workers, "encrypted_inputs": password is not None}
    with claim_output(out_dir, RunMode(opts.publish, opts.threshold), whole_run=True, replace=replace) as claim:
        out_dir = claim.path
        if len(groups) == 1:
            batch = _run_group(groups[0], out_dir, opts, workers, progress, params, started)
        else:  # each framework in its own folder, as one batch; OUT/index.html lists them by framework
            batch = BatchOutcome(out_dir, [], {}, 0, opts.publish, opts.pdf, threshold=opts.threshold)
            areas = sum(len(g.areas) for g in groups)
            with _kernels(workers, areas) as runner:  # one pool of warm kernels for every framework's reports
                done_by = [
                    _run_group(
                        g, out_dir / framework_folder(g.framework), opts, workers, progress, params, started, runner
                    )
                    for g in groups
                ]
            for data, done in zip(groups, done_by, strict=True):
                batch.groups.append((data.framework, framework_folder(data.framework), done))
                batch.areas += done.areas
                batch.failed_files.update(done.failed_files)
                batch.unassigned_rows += done.unassigned_rows
                batch.unassigned_cells += done.unassigned_cells
                batch.write_errors += done.write_errors
                if done.national_error:
                    batch.national_error = f"{data.framework.id} {data.framework.version}: {done.national_error}"
            try:
                batch.index = write_atomic(out_dir / "index.html", frameworks_index_html(batch))
            except OSError as exc:
                batch.write_errors.append(f"index.html: {_write_failure(exc)}")
    batch.write_errors.extend(claim.problems)
    return batch


def framework_folder(fw: Framework) -> str:
    """The folder of one framework's reports in a batch of several: ``<id>-<version>`` as a folder name."""
    return slugify(f"{fw.id}-{fw.version}")


def _run_group(
    data: AuditData,
    out_dir: Path,
    opts: BatchOptions,
    workers: int,
    progress: bool,
    params: dict[str, Any],
    started: dt.datetime,
    runner: Any = None,
) -> BatchOutcome:
    """One framework's areas reported into ``out_dir``, with its index.html, national summary and manifest.json."""
    from audit.run.manifest import build_manifest, input_records

    out_dir.mkdir(exist_ok=True)
    batch = _run_areas(data, out_dir, opts, workers, progress, runner)
    results = {a.area: ("ok" if a.ok else f"failed: {a.error}") for a in batch.areas}
    results.update({name: f"not read: {why}" for name, why in batch.failed_files.items()})
    results["national summary"] = "ok" if batch.national else f"failed: {batch.national_error}"
    try:
        batch.index = write_atomic(out_dir / "index.html", index_html(batch, data.framework))
    except OSError as exc:
        batch.write_errors.append(f"index.html: {_write_failure(exc)}")
    manifest = build_manifest(input_records(data), data.framework, params, started, results)
    try:
        write_atomic(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    except OSError as exc:
        batch.write_errors.append(f"manifest.json: {_write_failure(exc)}")
    return batch


def _run_areas(
    data: AuditData, out_dir: Path, opts: BatchOptions, workers: int, progress: bool, shared: Any = None
) -> BatchOutcome:
    """Every area analysed once and published once, then reported on the warm kernels.

    The areas refused for likely personal data are left out before anything is
    analysed; every other area is analysed, then all are published together
    with the run's one disclosure decision about every area (the other areas of
    each comparison, and the national summary). Each kernel gets its area's
    published result, not the data.
    """
    slugs = data.slugs
    outcomes: list[AreaOutcome] = []
    left_out: dict[str, str] = {}
    keys = case_keys(data.cases["case_id"]) if opts.publish else case_keys(())
    for area in data.areas:
        if (refusal := _refused(data, area, opts, keys)) is not None:
            outcomes.append(AreaOutcome(area, slugs[area], error=refusal[0]))
            left_out[area] = refusal[1]
    usable = data.without_areas(left_out)
    sources = list(data.paths.values())
    failed_files = {k: str(v) for k, v in data.failed.items()}
    batch = BatchOutcome(
        out_dir, outcomes, failed_files, len(data.unassigned), opts.publish, opts.pdf, threshold=opts.threshold
    )
    rows = data.unassigned
    batch.unassigned_cells = [
        f"{f} {s}!{c}" for f, s, c in zip(rows["file"], rows["sheet"], rows["reason_cell"], strict=True)
    ]
    # Every area is analysed once, then published together with the run's decision about every area (the
    # other areas of each comparison, and the national summary): an area's rate hidden in its own report is
    # hidden wherever else it would appear, so the decision waits for every area's analysis.
    results = {}
    for area in usable.areas:
        result, error = _analyse(usable, area, opts, out_dir)
        if result is None:
            outcomes.append(AreaOutcome(area, slugs[area], error=error))
            left_out[area] = "failed: its data could not be analysed"
        else:
            results[area] = result
    usable = usable.without_areas(left_out)
    pubs, _ = publish_run(usable, results, opts.publish, opts.threshold)
    own = own_hidden(pubs.values())  # for the national summary, decided again without failed reports
    todo = list(pubs)
    kernels = contextlib.nullcontext(shared) if shared is not None else _kernels(workers, len(todo))
    with tempfile.TemporaryDirectory(prefix="audit-batch-") as tmp, kernels as runner:
        bar = _progress(len(todo) + 1, progress)
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        futures = []
        try:
            for i, area in enumerate(todo):
                prepared = save_prepared(pubs[area], Path(tmp) / f"area-{i}{PREPARED_SUFFIX}")
                futures.append(pool.submit(_report_one, pubs[area], sources, out_dir, opts, runner, prepared))
            for fut in as_completed(futures):
                outcomes.append(fut.result())
                bar.update(1)
        except BaseException:
            # Stopped (Ctrl-C, SIGTERM): areas not yet started are dropped, not run before the stop takes effect.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        order = {a: i for i, a in enumerate(data.areas)}
        outcomes.sort(key=lambda o: order[o.area])
        failed = {o.area: "failed: its report could not be made" for o in outcomes if not o.ok}
        left_out.update({a: k for a, k in failed.items() if a not in left_out})
        if sources and any(a.ok for a in outcomes):
            national_data = data.without_areas(left_out)
            national = run_areas(national_data, opts.publish, opts.threshold, hidden=own)
            prepared = save_prepared(national, Path(tmp) / f"national{PREPARED_SUFFIX}")
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
                    access=opts.access,
                )
                batch.national = True
            except AuditError as exc:
                batch.national_error = str(exc)
            except OSError as exc:
                batch.national_error = _write_failure(exc)
        bar.update(1)
        bar.close()
    return batch


@contextlib.contextmanager
def _kernels(workers: int, areas: int) -> Iterator[Any]:
    """A pool of warm kernels, one per worker (none needed when there is nothing to report)."""
    if not areas:
        yield None
        return
    from audit.run.engine import KernelPool

    with KernelPool(max(1, min(workers, areas))) as pool:
        yield pool


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="Area reports", unit="area", disable=not enabled)
