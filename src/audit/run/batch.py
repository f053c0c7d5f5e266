"""Batch runs: every area in the inputs to its own report, an index linking them, and a manifest.

The inputs are read and validated once; each area is then scored and reported
on its own, so one area that fails never stops the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audit.analyse.area_result import analyse_area, slugify
from audit.analyse.practice import case_keys
from audit.check.fingerprint import data_fingerprint
from audit.check.validate import AuditData, load_audits
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.publish import cells as cells_module
from audit.publish.disclosure import DEFAULT_THRESHOLD
from audit.publish.published import PublishedResult
from audit.restricted import RESTRICTED, Access, share_with
from audit.run import incremental as inc
from audit.run import parallel
from audit.run import rerun_hint as hint
from audit.run.area_checks import key_results, refuse_identifiers, refused, unexpected, write_failure  # noqa: F401
from audit.run.area_input import PREPARED_SUFFIX, save_prepared
from audit.run.index_page import frameworks_index_html, index_html, recorded_judgements  # noqa: F401
from audit.run.lazy_kernels import LazyKernels, ReportsStopped
from audit.run.outcomes import AreaOutcome, BatchOutcome
from audit.run.outputs import clear_folders, drop_links, remove_files
from audit.run.rebuild import NationalStep, Rebuild
from audit.run.report import (
    AREA_NOTEBOOK,
    NATIONAL_NOTEBOOK,
    area_dirs,
    import_report_modules,
    make_report,
    write_atomic,
)


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


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path,
    options: BatchOptions | None = None,
    *,
    workers: int = 1,
    progress: bool = True,
    password: str | None = None,
    replace: bool = False,
    force: bool = False,
    runner: Any = None,
) -> BatchOutcome:
    """Report every area found in ``inputs`` under ``out_dir``; write ``index.html`` and ``manifest.json``.

    An area whose workbook holds likely personal identifiers is not reported
    unless ``options.allow_identifiers``; the other areas still are. A refused area
    is left out of every all-area figure (the other areas' comparisons and the
    national summary), and so is an area whose analysis fails; an area whose
    report fails is left out of the national summary, which lists it as not included.

    A run into the folder of an earlier run of the same mode is incremental: only
    the areas whose outputs' inputs changed are made again (see
    :mod:`audit.run.incremental`); ``force`` makes everything again. ``runner``:
    warm kernels to use (any object with a KernelPool's ``execute``), else a pool is
    started for the run.
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
    # Absolute paths before any thread starts, so nothing depends on the working directory (realpath: a symlink
    # loop is named by the safety check, as any other path that is no workbook, rather than raised here).
    paths = [Path(os.path.realpath(i)) for i in inputs]
    stamps, ahead = hint.rerun_hint(out_dir, paths)
    # Kernels start once an area is to be reported (one at once for a re-run whose workbooks changed, so it is
    # ready by the first report); leaving the block calls off any still starting.
    kernels = LazyKernels(workers, runner, lambda w, n: _kernels(w, n, kernels.cancelled))
    with kernels:
        if ahead:
            kernels.warm(1)
        groups = load_audits(paths, opts.criteria, password=password)
        if len(groups) > 1 and opts.national:
            raise AuditError(
                "--national gives figures for one framework, but the workbooks name several; run them apart"
            )
        if opts.national and opts.criteria is None:  # checked against the framework the workbooks name
            from audit.analyse.compare import read_national

            read_national(opts.national, groups[0].framework)
        params = {**asdict(opts), "workers": workers, "encrypted_inputs": password is not None}
        mode = RunMode(opts.publish, opts.threshold)
        with claim_output(out_dir, mode, whole_run=True, replace=replace, keep=not force) as claim:
            out_dir = claim.path
            common = (opts, workers, progress, params, started, kernels, force, stamps)
            if len(groups) == 1:
                batch = _run_group(groups[0], out_dir, *common)
                owned = batch.owned
            else:  # each framework in its own folder, as one batch; OUT/index.html lists them by framework
                drop_links(out_dir / framework_folder(g.framework) for g in groups)
                batch = BatchOutcome(out_dir, [], {}, 0, opts.publish, opts.pdf, threshold=opts.threshold)
                # one pool of warm kernels for every framework's reports
                done_by = [_run_group(g, out_dir / framework_folder(g.framework), *common) for g in groups]
                owned = {"index.html"}
                for data, done in zip(groups, done_by, strict=True):
                    folder = framework_folder(data.framework)
                    batch.groups.append((data.framework, folder, done))
                    batch.areas += done.areas
                    batch.failed_files.update(done.failed_files)
                    batch.unassigned_rows += done.unassigned_rows
                    batch.unassigned_cells += done.unassigned_cells
                    batch.write_errors += done.write_errors
                    owned |= {f"{folder}/{f}" for f in done.owned}
                    if done.national_error:
                        batch.national_error = f"{data.framework.id} {data.framework.version}: {done.national_error}"
                try:
                    batch.index = write_atomic(out_dir / "index.html", frameworks_index_html(batch))
                except OSError as exc:
                    batch.write_errors.append(f"index.html: {write_failure(exc)}")
            claim.remove_stale(owned)  # an earlier run's files this run neither kept nor made again
        batch.write_errors.extend(claim.problems)
        return batch


NATIONAL_PAGE = "national/report.html"


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
    runner: Any,
    force: bool,
    stamps: list[list[Any]],
) -> BatchOutcome:
    """One framework's areas reported into ``out_dir``, with its index.html, national summary and manifest.json."""
    from audit.run.manifest import build_manifest, input_records

    out_dir.mkdir(exist_ok=True)
    drop_links([out_dir / RESTRICTED])  # its record is never read, nor its case-level files written, through a link
    notebooks = (AREA_NOTEBOOK, NATIONAL_NOTEBOOK)
    keys = inc.run_keys(data.framework, inc.output_parameters(opts), data.paths.values(), notebooks)
    batch, record = _run_areas(data, out_dir, opts, workers, progress, runner, keys, force)
    results = {a.area: ("ok" if a.ok else f"failed: {a.error}") for a in batch.areas}
    results.update({name: f"not read: {why}" for name, why in batch.failed_files.items()})
    results["national summary"] = "ok" if batch.national else f"failed: {batch.national_error}"
    if batch.build["index"]["rebuilt"]:
        try:
            batch.index = write_atomic(out_dir / "index.html", index_html(batch, data.framework))
        except OSError as exc:
            batch.write_errors.append(f"index.html: {write_failure(exc)}")
    else:
        batch.index = out_dir / "index.html"
    manifest = build_manifest(input_records(data), data.framework, params, started, results)
    manifest["build"] = batch.build
    try:
        write_atomic(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    except OSError as exc:
        batch.write_errors.append(f"manifest.json: {write_failure(exc)}")
    record.pages = inc.files_of(out_dir, area_dirs(out_dir, "national"))
    record.inputs = stamps
    if (out_dir / "index.html").is_file():
        record.pages["index.html"] = inc.file_sha256(out_dir / "index.html")
    try:
        inc.write_record(out_dir, record, opts.access)
    except OSError as exc:
        batch.write_errors.append(f"{RESTRICTED}/{inc.CACHE}: {write_failure(exc)}")
    batch.owned |= {"index.html", "manifest.json", f"{RESTRICTED}/{inc.CACHE}", *record.pages}
    batch.owned |= {f for a in record.areas.values() for f in a.files}
    return batch


def _run_areas(
    data: AuditData,
    out_dir: Path,
    opts: BatchOptions,
    workers: int,
    progress: bool,
    runner: Any,
    keys: inc.RunKeys,
    force: bool,
) -> tuple[BatchOutcome, inc.Record]:
    """Every area analysed once and published once, then the areas whose key changed reported on the warm kernels.

    The areas refused for likely personal data are left out before anything is
    analysed. An area whose own data, the run's keys and the other areas it is
    compared with are as the earlier run's record has them keeps its outputs; so,
    when no area's counts changed, only the changed areas are analysed at all (the
    run's disclosure decision then stands as recorded). Otherwise every area is
    analysed and published together, as a first run does.
    """
    slugs = data.slugs
    outcomes: list[AreaOutcome] = []
    left_out: dict[str, str] = {}
    ids = case_keys(data.cases["case_id"]) if opts.publish else case_keys(())
    slices: dict[str, AuditData] = {}
    for area in data.areas:
        slices[area] = data.for_area(area)  # its rows and sheets, sliced once for these checks and its fingerprint
        why = refused(slices[area], area, publish=opts.publish, allow_identifiers=opts.allow_identifiers, keys=ids)
        if why is not None:
            outcomes.append(AreaOutcome(area, slugs[area], error=why[0]))
            left_out[area] = why[1]
    usable = data.without_areas(left_out)
    batch = BatchOutcome(
        out_dir,
        outcomes,
        {k: str(v) for k, v in data.failed.items()},
        len(data.unassigned),
        opts.publish,
        opts.pdf,
        threshold=opts.threshold,
    )
    rows = data.unassigned
    batch.unassigned_cells = [
        f"{f} {s}!{c}" for f, s, c in zip(rows["file"], rows["sheet"], rows["reason_cell"], strict=True)
    ]
    record, note = (None, None) if force else inc.read_record(out_dir)
    fingerprints = {a: data_fingerprint(slices[a]) for a in usable.areas}
    changed_keys = keys.changed(record.keys) if record else []
    reasons = {
        a: [inc.FORCED] if force else inc.area_reasons(a, slugs[a], fp, record, changed_keys, out_dir)
        for a, fp in fingerprints.items()
    }
    plan = Rebuild(
        usable,
        opts,
        out_dir,
        record,
        reasons,
        lambda *a, **k: analyse_area(*a, **k),
        workers,
        runner.settle,
        runner.warm,
        import_report_modules,
    )
    # Kernels start while the areas are analysed: for every area when all will be made again, else for those that
    # changed (more start if the others turn out to need making again too). Many areas are analysed in worker
    # processes, which fork before any kernel starts (see Rebuild.analyse).
    everything = record is None or bool(changed_keys)
    if not everything or workers <= 1 or len(reasons) < parallel.MIN_AREAS:
        runner.warm(len(reasons) if everything else sum(bool(why) for why in reasons.values()))
    plan.decide()
    for area, error in plan.failed.items():
        outcomes.append(AreaOutcome(area, slugs[area], error=error))
        left_out[area] = "failed: its data could not be analysed"
    run_state = inc.digest(
        [
            asdict(keys),
            {a: [fingerprints.get(a), slugs[a]] for a in data.areas},
            [o.error for o in outcomes],
            batch.failed_files,
            batch.unassigned_cells,
        ]
    )
    todo = [a for a in plan.pubs if reasons[a]]
    new = inc.Record(asdict(keys), plan.comparison, inc.cell_list(plan.hidden), run_state)
    for area in plan.areas_kept():
        before = record.areas[area]
        new.areas[area] = before
        outcomes.append(AreaOutcome(**before.outcome))
    removed = [a for a in (record.areas if record else {}) if a not in reasons or a in plan.failed]
    for area in removed + todo:  # an area made again, or gone: its earlier files go first
        if record and area in record.areas and area not in new.areas:
            remove_files(out_dir, list(record.areas[area].files))
    pages_intact = record is not None and inc.files_intact(out_dir, record.pages) and NATIONAL_PAGE in record.pages
    whole = bool(todo or removed or plan.failed) or record is None or record.run != run_state or not pages_intact
    batch.build = {
        "areas": {
            a: {"rebuilt": bool(why), "why": why, "data_sha256": fingerprints[a]}
            for a, why in reasons.items()
            if a not in plan.failed
        },
        "national summary": {"rebuilt": whole},
        "index": {"rebuilt": whole},
        **({"note": note} if note else {}),
    }
    if todo or whole:
        runner.warm(max(1, len(todo)))
    sources = list(data.paths.values())
    prepared_dir = out_dir / RESTRICTED / "prepared"  # a fixed place, so the executed notebooks name the same file
    # The folders this run fills hold only what it makes: a link there is removed, never followed out of OUT, and
    # any file left by an earlier run (a PDF no longer asked for, a failure's details) goes first.
    filled = [d for a in todo for d in area_dirs(out_dir, slugs[a])]
    drop_links([prepared_dir, *filled])
    clear_folders(out_dir, filled)
    shutil.rmtree(prepared_dir, ignore_errors=True)  # left by a run that was stopped
    try:
        bar = _progress(len(todo) + 1, progress)
        made = [*plan.areas_kept(), *todo]
        national = NationalStep(batch, new, record, plan, data, opts, runner, prepared_dir, sources, out_dir, made)
        # Made beside the area reports, from the run's areas less those left out so far: made again after them
        # only if a report failed (an area whose report failed is left out of the national summary too).
        early = whole and bool(data.paths) and (bool(todo) or any(a.ok for a in outcomes))
        # One report more in hand than there are kernels (and a job for the summary): while a report's page and
        # data files are written, the kernel it used is already running the next one.
        pool = ThreadPoolExecutor(max_workers=max(1, workers) + 1 + early)
        futures = {}
        before = dict(left_out)
        try:
            # The summary first: the longest notebook, so no kernel is left running it alone at the end.
            summary = pool.submit(national.make, before, not changed_keys and pages_intact) if early else None
            for area in todo:
                prepared = prepared_dir / f"{slugs[area]}{PREPARED_SUFFIX}"
                job = (plan.pubs, area, slugs[area], sources, out_dir, opts, runner, prepared)
                futures[pool.submit(_report_one, *job)] = area
            for fut in as_completed(futures):
                outcome = fut.result()
                outcomes.append(outcome)
                new.areas[outcome.area] = plan.area_record(outcome, slugs, fingerprints)
                bar.update(1)
            if summary is not None:
                summary.result()
        except BaseException:
            # Stopped (Ctrl-C, SIGTERM): reports already on a kernel finish; those not yet started, or still
            # waiting for a kernel, are dropped rather than run before the stop takes effect.
            runner.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        order = {a: i for i, a in enumerate(data.areas)}
        outcomes.sort(key=lambda o: order[o.area])
        failed = {o.area: "failed: its report could not be made" for o in outcomes if not o.ok}
        left_out.update({a: k for a, k in failed.items() if a not in left_out})
        if whole and data.paths and any(a.ok for a in outcomes):
            if summary is None or set(left_out) != set(before):  # none made yet, or made before a report failed
                national.make(left_out, not changed_keys and pages_intact)
        elif whole:
            national.drop()  # no area report stands (every one refused or failed): none made, none left from before
        else:
            batch.national = True  # kept: the earlier run made it (its page is among the record's intact pages)
            new.national = record.national if record is not None else ""
        bar.update(1)
        bar.close()
    finally:
        shutil.rmtree(prepared_dir, ignore_errors=True)
    return batch, new


def _report_one(
    pubs: Mapping[str, PublishedResult],
    area: str,
    slug: str,
    sources: list[str],
    out_dir: Path,
    opts: BatchOptions,
    runner: Any,
    prepared: Path,
) -> AreaOutcome:
    """One area's report and data files. Its published result is taken here, in the report's own job: a full
    version's is made on first use, so the batch's process does not publish every area before the first report."""
    outcome = AreaOutcome(area, slug)
    try:
        pub = pubs[area]
        save_prepared(pub, prepared)  # here, not before the reports start: kernels get to work on the first at once
        outcome.cases_scored = pub.shown(cells_module.CASES)
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
    except ReportsStopped:  # refused a kernel, the batch stopped: none of the files it wrote first stand
        clear_folders(out_dir, area_dirs(out_dir, slug))
        raise
    except AuditError as exc:
        outcome.error = str(exc)
    except OSError as exc:  # a full disk or a read-only folder: this area's outputs, named
        outcome.error = write_failure(exc)
    except Exception as exc:  # one area's failure must not stop the batch
        outcome.error = unexpected(exc, opts.publish, opts.access, out_dir, slug)
    return outcome


@contextlib.contextmanager
def _kernels(workers: int, areas: int, cancel: threading.Event | None = None) -> Iterator[Any]:
    """A pool of warm kernels, one per worker (none needed when there is nothing to report).

    They run only the toolkit's own notebooks, so each cell's request is sent ahead (:mod:`audit.run.pipelined`).
    """
    if not areas:
        yield None
        return
    from audit.run.engine import KernelPool

    with KernelPool(max(1, min(workers, areas)), send_ahead=True, cancel=cancel) as pool:
        yield pool


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="Area reports", unit="area", disable=not enabled)
