"""Which areas an incremental batch analyses and reports again, and their published results.

A first run (or one whose keys changed) analyses every area and decides what the
run may publish from all of them, as ever. A later run whose changed areas kept
their counts (a judgement, an evidence note, Audit details) analyses only those
areas: the run's disclosure decision and the other areas' figures they are compared
with are then as the record has them, which is checked (the run's areas as
published, worked out again from the record's decision, must give the recorded
digest) rather than assumed. Anything else falls back to analysing every area.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audit.analyse.area_result import AreaResult
from audit.analyse.compare_areas import RunRates
from audit.analyse.national_figures import NationalFigures, read_national
from audit.check.validate import AuditData
from audit.errors import AuditError
from audit.publish.cells import area_cells
from audit.publish.published import Compared, PublishedResult, publish
from audit.render.present_compare import benchmarks
from audit.run import incremental as inc
from audit.run import parallel
from audit.run.area_checks import unexpected, write_failure
from audit.run.area_input import PREPARED_SUFFIX, FullVersions, decide_run, own_hidden, run_areas, save_prepared
from audit.run.outputs import clear_folders, drop_links
from audit.run.report import area_dirs, make_national_summary

# Areas to analyse again beside kernels that are starting: fewer are analysed in the batch's own process (about
# 40 ms each) rather than in worker processes, which may fork only once the kernels have started (a few seconds).
FORK_AT = 50


class Rebuild:
    """Which areas a run must analyse, and their published results, decided against the earlier run's record."""

    def __init__(
        self,
        usable: AuditData,
        opts: Any,  # the batch's BatchOptions
        out_dir: Path,
        record: inc.Record | None,
        reasons: dict[str, list[str]],
        analyse: Callable[..., AreaResult],
        workers: int = 1,
        before_fork: Callable[[], None] = lambda: None,
        after_fork: Callable[[int], None] = lambda n: None,
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        self.usable, self.opts, self.out_dir, self.record, self.reasons = usable, opts, out_dir, record, reasons
        self._analyse = analyse  # analyse_area, as the batch names it
        self.workers, self.before_fork, self.after_fork = workers, before_fork, after_fork
        self.meanwhile = meanwhile  # what this process does while worker processes analyse (imports for the reports)
        self.results: dict[str, AreaResult] = {}
        self.failed: dict[str, str] = {}
        self.pubs: Mapping[str, PublishedResult] = {}
        self.hidden: set[Any] = set()
        self.comparison = ""
        self.analysed_all = False
        self.views: dict[str, str] = {}
        self._rates: RunRates | None = None
        self._national: list[NationalFigures] | None = None
        self._published: tuple[Any, str] | None = None  # the run's areas (full version) and their digest

    def analyse(self, areas: list[str], fork: bool = True) -> None:
        """Analyse the areas not analysed yet: in worker processes when there are many (see audit.run.parallel)."""
        todo = [a for a in areas if a not in self.results and a not in self.failed]
        if fork and self.workers > 1 and len(todo) >= parallel.MIN_AREAS:
            self.before_fork()  # no thread may be part way through starting a kernel when the workers fork
            analysed = parallel.analyse_areas(self.usable, todo, self.opts.publish, self.workers, self.meanwhile)
            self.after_fork(len(todo))  # the kernels may start now, while the run's decision is worked out
            for area, got in analysed.items():
                if isinstance(got, AreaResult):
                    self.results[area] = got
                elif isinstance(got, str):  # an AuditError's message: about the data, safe to show
                    self.failed[area] = got
                else:
                    slug = self.usable.slugs[area]
                    self.failed[area] = unexpected(got, self.opts.publish, self.opts.access, self.out_dir, slug)
            return
        for area in todo:
            try:
                self.results[area] = self._analyse(self.usable, area, publish=self.opts.publish)
            except AuditError as exc:
                self.failed[area] = str(exc)
            except Exception as exc:  # one area's failure must not stop the batch
                slug = self.usable.slugs[area]
                self.failed[area] = unexpected(exc, self.opts.publish, self.opts.access, self.out_dir, slug)

    def decide(self) -> None:
        """Each area's published result: the changed ones only, when the run's decision can stand as recorded."""
        changed = [a for a, why in self.reasons.items() if why]
        if self._fast(changed) or self._fast_counts(changed):
            return
        self.analyse(list(self.usable.areas))
        usable = self.usable.without_areas(dict.fromkeys(self.failed, "failed: its data could not be analysed"))
        results = {a: r for a, r in self.results.items() if a not in self.failed}
        self.pubs, areas, self.hidden = decide_run(usable, results, self.opts.publish, self.opts.threshold)
        self.comparison = inc.comparison_digest(areas)
        self.analysed_all = True
        if self.record is not None and self.record.comparison != self.comparison:
            # Only an area whose comparison with the others reads differently is made again for it.
            for area in self.pubs:
                own = {inc.NEW, inc.NO_RECORD, inc.FORCED, inc.INPUTS} & set(self.reasons[area])
                if not own and self.view(area) != self.record.areas[area].view:
                    self.reasons[area].append(inc.OTHERS)

    def view(self, area: str, compared: Compared | None = None) -> str:
        """The digest of ``area``'s comparison with the other areas as its report shows it (see :func:`view_key`)."""
        if area not in self.views:
            pub = self.pubs.get(area)
            compared = compared if compared is not None else Compared.of(pub)
            hidden = pub.hidden if pub is not None else ()
            if self._rates is None:
                self._rates = RunRates.of(compared.results, compared.framework)
            self.views[area] = view_key(compared, self.national(), self._rates, hidden)
        return self.views[area]

    def national(self) -> NationalFigures | None:
        """The national figures the reports are compared with (checked when the batch started)."""
        if self._national is None and self.opts.national:
            self._national = [read_national(self.opts.national, self.usable.framework)]
        return self._national[0] if self._national else None

    def _fast_counts(self, changed: list[str]) -> bool:
        """Full versions whose changed areas' counts changed: the changed areas analysed, and of the others only
        those whose comparison with the rest now reads differently (told from the run's areas alone).

        A published run's comparison depends on each area's own suppression, which needs its analysis: it is
        decided again from every area instead.
        """
        record = self.record
        if self.opts.publish or record is None or not changed or set(record.areas) != set(self.usable.areas):
            return False
        if any({inc.NEW, inc.NO_RECORD, *inc.KEY_REASONS.values()} & set(self.reasons[a]) for a in changed):
            return False
        self.analyse(changed)
        if self.failed:
            return False
        if self._published is None:
            made = run_areas(self.usable, False, self.opts.threshold)
            self._published = (made, inc.comparison_digest(made))
        areas, digest = self._published
        if not set(self.usable.areas) <= set(areas.results["area"]):
            return False  # an area with no row among the run's results (none scored in the run): told from its result
        self._rates = RunRates.of(areas.results, areas.framework)
        others = []
        for area in self.usable.areas:
            if not self.reasons[area] and self.view(area, Compared.from_run(area, areas)) != record.areas[area].view:
                self.reasons[area].append(inc.OTHERS)
                others.append(area)
        self.after_fork(len(changed) + len(others))  # kernels for them start now, while they are analysed
        if len(others) < FORK_AT:
            # A few are analysed each in its own report's job, beside the kernels; their data and everything they
            # are made from is as when the earlier run analysed them, so they fail only as a report can (named).
            self.pubs = FullVersions(_OnDemand(self, [*changed, *others]), areas)
            self.hidden, self.comparison = set(), digest
            return True
        self.analyse(others)
        if self.failed:
            # An area failed: the run is decided from every area without it, so what was told here (from the run's
            # areas with it) is told again there, and no area keeps a reason given for a run that is not this one.
            for area in others:
                self.reasons[area].remove(inc.OTHERS)
            self.views.clear()
            self._rates = None
            return False
        self.pubs = {a: publish(self.results[a], None, areas) for a in [*changed, *others]}
        self.hidden, self.comparison = set(), digest
        return True

    def _fast(self, changed: list[str]) -> bool:
        record = self.record
        areas = list(self.usable.areas)
        if (
            record is None
            or set(record.areas) != set(areas)
            or any(inc.NEW in self.reasons[a] or inc.NO_RECORD in self.reasons[a] for a in areas)
        ):
            return False
        if any(r in inc.KEY_REASONS.values() for a in changed for r in self.reasons[a]):
            return False
        if not changed:  # the same areas, keys and data as the record's: the same decision, nothing to analyse
            self.hidden, self.comparison = inc.cells_from(record.decision), record.comparison
            return True
        self.analyse(changed)
        if self.failed:
            return False
        hidden = inc.cells_from(record.decision)
        published = run_areas(self.usable, self.opts.publish, self.opts.threshold, hidden=hidden)
        digest = inc.comparison_digest(published)
        if not self.opts.publish and not hidden:  # a full version's run areas: kept for _fast_counts and the summary
            self._published = (published, digest)
        if digest != record.comparison:
            self.after_fork(len(changed) + 1)  # the national summary is made again too: its kernel starts now
            return False
        registered = {a: area_cells(self.results[a]) for a in changed}
        if self.opts.publish and any(inc.digest(registered[a]) != record.areas[a].cells for a in changed):
            return False  # a changed count may change the run's decision: decided again from every area
        level = self.opts.threshold if self.opts.publish else None
        self.pubs = {a: publish(self.results[a], level, published, registered=registered[a]) for a in changed}
        self.hidden, self.comparison = hidden, record.comparison
        return True

    def run_areas_of(self, data: AuditData, hidden: set[Any]) -> tuple[Any, str] | None:
        """The run's areas (and their digest) as worked out deciding the run, when ``data`` is the data they were
        worked out from (the same areas left out) and nothing more is hidden; None otherwise."""
        if self._published is None or self.opts.publish or hidden:
            return None
        if data.left_out != self.usable.left_out or list(data.areas) != list(self.usable.areas):
            return None
        return self._published

    def areas_kept(self) -> list[str]:
        """The areas whose outputs stand as the earlier run made them."""
        if self.record is None:
            return []
        every = self.pubs if self.analysed_all else self.usable.areas
        return [a for a in every if not self.reasons.get(a) and a in self.record.areas]

    def area_record(self, outcome: Any, slugs: dict[str, str], fingerprints: dict[str, str]) -> inc.AreaRecord:
        area = outcome.area
        # Its published result as its report's job made it: none when its analysis or publishing failed there (a
        # fault: it is not tried again here, in the batch's own thread, but next run, as a report that failed).
        pub = self.pubs.made(area) if isinstance(self.pubs, FullVersions) else self.pubs.get(area)
        analysed = pub is not None
        cells = inc.digest(area_cells(self.results[area])) if self.opts.publish and analysed else ""
        mine = own_hidden([pub]) if self.opts.publish and analysed else set()
        files = inc.files_of(self.out_dir, area_dirs(self.out_dir, slugs[area]))
        values = asdict(outcome)
        shown = values["key_results"]
        values["key_results"] = {k: float(v) if isinstance(v, int | float) else v for k, v in shown.items()}
        record = inc.AreaRecord(slugs[area], fingerprints[area], cells, inc.cell_list(mine), values, files)
        record.view = self.view(area) if analysed else ""
        return record

    def own_hidden(self, areas: Iterable[str]) -> set[Any]:
        """The area cells the own reports of ``areas`` hide: kept areas' from the record, the others' worked out now."""
        if not self.opts.publish:
            return set()
        if self.analysed_all:
            return own_hidden(self.pubs.values())
        own: set[Any] = set()
        for area in areas:
            if area in self.pubs and self.reasons.get(area):
                own |= own_hidden([self.pubs[area]])
            elif self.record is not None and area in self.record.areas:
                own |= inc.cells_from(self.record.areas[area].own_hidden)
        return own


class _OnDemand(Mapping[str, AreaResult]):
    """The areas' results, each analysed the first time it is asked for (in its report's job) and kept."""

    def __init__(self, plan: Rebuild, areas: list[str]) -> None:
        self._plan, self._areas, self._known = plan, areas, set(areas)
        self._lock = threading.Lock()

    def __getitem__(self, area: str) -> AreaResult:
        if area not in self._known:
            raise KeyError(area)
        with self._lock:
            if area not in self._plan.results:
                self._plan.results[area] = self._plan._analyse(self._plan.usable, area, publish=False)
            return self._plan.results[area]

    def __iter__(self) -> Iterator[str]:
        return iter(self._areas)

    def __len__(self) -> int:
        return len(self._areas)


def view_key(compared: Compared, national: NationalFigures | None, rates: RunRates, hidden: Iterable[Any] = ()) -> str:
    """What an area's report reads from the other areas, as a digest: its comparison section as the report renders
    it (the one section that reads them), and which of its own counts the run's decision hides (published runs).

    A comparison that cannot be made (a run with no scored case, given national figures) fails the area's report
    the same way: what failed stands for the section (digested, never shown), so the batch goes on, and the area
    is tried again next time.
    """
    try:
        section = str(benchmarks(compared, national, rates))
    except Exception as exc:  # one area's failure must not stop the batch
        section = f"failed: {type(exc).__name__}: {exc}"
    return inc.digest([section, sorted(str(c) for c in hidden)])


@dataclass
class NationalStep:
    """The national summary of a batch: made on the warm kernels from the run's areas as published, or kept.

    A failure is noted on ``batch`` (never raised), as one area's report failing never stops the batch.
    """

    batch: Any  # the batch's BatchOutcome: whether the summary was made, or why not
    new: inc.Record  # the record this run writes: the digest of the areas the summary sets side by side
    record: inc.Record | None
    plan: Rebuild
    data: AuditData
    opts: Any
    runner: Any
    folder: Path  # where the run keeps its prepared results
    sources: list[str]
    out_dir: Path
    areas: list[str]  # the areas whose reports this run keeps or makes
    replaced: bool = field(default=False, init=False)  # whether this run has taken the earlier summary away

    def make(self, left_out: dict[str, str], may_keep: bool) -> None:
        """The summary of the run's areas less ``left_out``: kept when ``may_keep`` and they read as recorded."""
        own = self.plan.own_hidden(self.areas)  # as a clean run: every area kept or made, even one whose report failed
        data = self.data.without_areas(left_out)
        national, self.new.national = self.plan.run_areas_of(data, own) or self._run_areas(data, own)
        self.batch.national, self.batch.national_error = False, None
        # Once this run has replaced the earlier summary (made beside the reports, before one failed), what reads
        # as recorded is no longer on disk: made again.
        if may_keep and not self.replaced and self.record is not None and self.record.national == self.new.national:
            # the areas it sets side by side are as they were (an evidence note or a judgement changed)
            self.batch.national = True
            self.batch.build["national summary"] = {"rebuilt": False}
            return
        self.batch.build["national summary"] = {"rebuilt": True}
        self.replaced = True
        folders = area_dirs(self.out_dir, "national")
        drop_links(folders)
        clear_folders(self.out_dir, folders)
        prepared = save_prepared(national, self.folder / f"national{PREPARED_SUFFIX}")
        try:
            make_national_summary(
                self.sources,
                self.out_dir,
                self.data.framework,
                self.opts.criteria,
                publish=self.opts.publish,
                threshold=self.opts.threshold,
                pdf=self.opts.pdf,
                prepared=prepared,
                runner=self.runner,
                access=self.opts.access,
            )
            self.batch.national = True
        except AuditError as exc:
            self.batch.national_error = str(exc)
        except OSError as exc:
            self.batch.national_error = write_failure(exc)
        except Exception as exc:  # a kernel that failed to start or reset: named, as an area report's failure is
            self.batch.national_error = unexpected(exc, self.opts.publish, self.opts.access, self.out_dir, "national")
        if not self.batch.national:
            self.new.national = ""

    def _run_areas(self, data: AuditData, own: set[Any]) -> tuple[Any, str]:
        national = run_areas(data, self.opts.publish, self.opts.threshold, hidden=own)
        return national, inc.comparison_digest(national)

    def drop(self) -> None:
        """No summary after all (every report failed): none is left from this run or an earlier one."""
        folders = area_dirs(self.out_dir, "national")
        drop_links(folders)
        clear_folders(self.out_dir, folders)
        self.batch.national, self.batch.national_error, self.new.national = False, None, ""
        self.batch.build["national summary"] = {"rebuilt": True}  # not kept, even if made beside the reports it was
