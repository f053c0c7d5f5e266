"""What a report notebook works from: an area's published result, made here or handed over by the batch.

:func:`open_report` (and :func:`open_national` for the national summary) is
the one call a notebook makes. Given workbooks it reads, validates, analyses
and publishes them; given ``prepared``, a file the batch wrote with
:func:`save_prepared`, it loads the result the batch already analysed and
published, so a kernel neither reads the workbooks nor analyses anything again.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audit.analyse.area_result import AreaResult, analyse_area
from audit.analyse.compare import area_results
from audit.analyse.practice import case_keys
from audit.check.validate import AuditData, load_audit
from audit.errors import AuditError
from audit.publish.areas import AreaCell, PublishedAreas, publish_areas
from audit.publish.cells import area_cells
from audit.publish.practice import refuse_area, without_free_text
from audit.publish.published import PublishedResult, publish
from audit.restricted import OWNER_ONLY, Access, open_file

PREPARED_SUFFIX = ".audit.pickle"
AREA, NATIONAL = "area report", "national summary"


@dataclass(frozen=True)
class Prepared:
    """A published result as the batch hands it to one kernel, with what it is for."""

    kind: str  # AREA or NATIONAL
    result: PublishedResult | PublishedAreas


def save_prepared(result: PublishedResult | PublishedAreas, path: Path, access: Access = OWNER_ONLY) -> Path:
    """Keep a published result for the kernel that renders it, so that kernel reads and analyses nothing again.

    A pickle, because it is written and read by this toolkit within one run, in a
    folder the run made for itself; it is never read from a user's input. It
    holds the area's cases, so it is readable by its owner only (mode 0600 from the start).
    A published report's kernel is given no auditor's free text at all (see
    :func:`audit.publish.practice.without_free_text`): it cannot print what it does not hold.
    """
    kind = NATIONAL if isinstance(result, PublishedAreas) else AREA
    if isinstance(result, PublishedResult) and result.publish:
        result = replace(result, analysed=without_free_text(result.analysed))
    with open_file(path, access) as fh:
        pickle.dump(Prepared(kind, result), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load_prepared(prepared: str | Path, kind: str = AREA) -> Any:
    """The published result a run kept with :func:`save_prepared`; refused unless it is a file of that kind."""
    path = Path(prepared)
    if not path.name.endswith(PREPARED_SUFFIX):
        raise AuditError(
            f"{path.name}: not a prepared result file (expected a name ending {PREPARED_SUFFIX})",
            code="prepared-invalid",
        )
    with open(path, "rb") as fh:
        held = pickle.load(fh)
    if not isinstance(held, Prepared) or held.kind != kind:
        raise AuditError(f"{path.name}: does not hold a prepared {kind}", code="prepared-invalid")
    return held.result


def open_report(
    source: str | Path | Iterable[str | Path] | None,
    area: str | None = None,
    criteria: str | Path | None = None,
    publish: bool = False,
    threshold: int = 5,
    prepared: str | Path | None = None,
) -> PublishedResult:
    """One area's published result, for its report notebook.

    With ``prepared`` (set by ``audit batch`` and ``audit report``), the result
    the run analysed and published, loaded as it is. Otherwise the workbooks in
    ``source`` are read, validated, analysed and published here, with every area
    in them as the other areas it is compared with.
    """
    if prepared is not None:
        return load_prepared(prepared, AREA)
    return report_result(load_audit(source, criteria, scan=False), area, publish, threshold)


def report_result(data: AuditData, area: str | None, publish_: bool, threshold: int) -> PublishedResult:
    """An area of ``data`` analysed once and published (with ``threshold`` in publish mode).

    In publish mode every other area of ``data`` is analysed too, as the run's
    decision about the areas it is compared with needs each area's own (see
    :func:`publish_run`).
    """
    chosen = analyse_area(data, area, publish=publish_)  # the area asked for is checked first
    if not publish_:
        return publish(chosen, None)
    run_ids = case_keys(data.cases["case_id"])  # a reason naming a case of any area stops its area
    refuse_area(data.for_area(chosen.area), run_ids)  # its judgement reasons stop it here, with the cells named
    refused = refused_reasons(data, run_ids)
    if refused:  # analysed again without the areas whose reasons may not be published, as the batch does
        data = data.without_areas(refused)
        chosen = analyse_area(data, chosen.area, publish=publish_)
    return report_results(data, publish_, threshold, {chosen.area: chosen})[chosen.area]


def report_results(
    data: AuditData, publish_: bool, threshold: int, done: Mapping[str, AreaResult] | None = None
) -> dict[str, PublishedResult]:
    """Every area of ``data`` analysed once and published with the run's decision (``done``: areas analysed already).

    An area whose judgement reasons may not be published is left out (see :func:`published_results`).
    """
    return published_results(data, publish_, threshold, done)[0]


def published_results(
    data: AuditData, publish_: bool, threshold: int, done: Mapping[str, AreaResult] | None = None
) -> tuple[dict[str, PublishedResult], dict[str, str]]:
    """As :func:`report_results`, with each area refused for its judgement reasons and the message naming their cells.

    A command that writes every area reports each refused one, so no area is left out unsaid.
    """
    done = done or {}
    refused: dict[str, str] = {}
    if publish_:
        # An area whose judgement reasons may not be published is in no other area's comparison either.
        refused = refused_reasons(data, messages=True)
        data = data.without_areas(dict.fromkeys(refused, REASON_REFUSED))
    results = {a: done[a] if a in done else analyse_area(data, a, publish=publish_) for a in data.areas}
    return publish_run(data, results, publish_, threshold)[0], refused


REASON_REFUSED = "refused: a judgement reason may not be published"


def refused_reasons(
    data: AuditData, case_ids: Iterable[object] | None = None, *, messages: bool = False
) -> dict[str, str]:
    """Each area of ``data`` whose judgement reasons may not be published, before any is analysed.

    ``case_ids``: every Case ID of the run (by default those of ``data``). The value is
    :data:`REASON_REFUSED`, as :meth:`AuditData.without_areas` takes it, or with
    ``messages`` the message naming the reasons' cells.
    """
    keys = case_keys(data.cases["case_id"] if case_ids is None else case_ids)  # once for every area's reasons
    refused = {}
    for area in data.areas:
        try:
            refuse_area(data.for_area(area), keys)
        except AuditError as exc:
            refused[area] = str(exc) if messages else REASON_REFUSED
    return refused


def run_areas(data: AuditData, publish_: bool, threshold: int, hidden: Iterable[AreaCell] = ()) -> PublishedAreas:
    """Every area of ``data`` as published: the one decision the national summary and each comparison read.

    ``hidden``: area cells the areas' own reports hid (see :func:`audit.publish.areas.publish_areas`).
    Each area's selection method ("How cases were selected" in its Audit details) goes with them, for the
    national summary to decide whether it may rank the areas.
    """
    cases = data.scored.groupby("area").size().to_dict()
    return publish_areas(
        area_results(data),
        data.framework,
        threshold if publish_ else None,
        cases,
        hidden=hidden,
        left_out=data.left_out,
        selection={a: (data.details.get(a) or {}).get("selection") for a in data.areas},
    )


def publish_run(
    data: AuditData, results: Mapping[str, AreaResult], publish_: bool, threshold: int
) -> tuple[Mapping[str, PublishedResult], PublishedAreas]:
    """Every area's published result and the run's areas, decided together.

    An area's report hides rates for reasons of its own (a small Partly, a
    hidden total); the run's decision must hide them too, or another area's
    range or the national summary would show them. Each round adds the rates
    the areas' own reports hid to the run's decision and publishes every area
    again with it, until no area hides a rate the run does not (the hidden
    cells only grow, so this ends).
    """
    pubs, areas, _ = decide_run(data, results, publish_, threshold)
    return pubs, areas


def decide_run(
    data: AuditData, results: Mapping[str, AreaResult], publish_: bool, threshold: int
) -> tuple[Mapping[str, PublishedResult], PublishedAreas, set[AreaCell]]:
    """As :func:`publish_run`, with the area cells the run's decision was given to hide (its last round's
    ``hidden``), which an incremental batch keeps so that it can publish a changed area again the same way.

    The full versions hide nothing, so no area waits for the others: each is published when first asked
    for (a batch's first report starts while the rest are still to publish).
    """
    if not publish_:
        areas = run_areas(data, publish_, threshold, hidden=set())
        return FullVersions(results, areas), areas, set()
    hidden: set[AreaCell] = set()
    registered = {a: area_cells(r) for a, r in results.items()}  # each area's counts, the same every round
    while True:
        areas = run_areas(data, publish_, threshold, hidden=hidden)
        pubs = {a: publish(r, threshold, areas, registered=registered[a]) for a, r in results.items()}
        own = own_hidden(pubs.values())
        run_hidden = {c for c, v in areas.counts.items() if v.suppressed}
        if own <= run_hidden:
            return pubs, areas, hidden
        hidden |= own


class FullVersions(Mapping[str, PublishedResult]):
    """Each area's full version, published the first time it is asked for and kept (as ``publish`` makes it)."""

    def __init__(self, results: Mapping[str, AreaResult], areas: PublishedAreas) -> None:
        self._results, self._areas = results, areas
        self._made: dict[str, PublishedResult] = {}

    def __getitem__(self, area: str) -> PublishedResult:
        made = self._made.get(area)
        if made is None:
            made = self._made[area] = publish(self._results[area], None, self._areas)
        return made

    def made(self, area: str) -> PublishedResult | None:
        """The area's full version if it has been made (None if not yet, or if making it failed): never made here."""
        return self._made.get(area)

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)


def own_hidden(pubs: Iterable[PublishedResult]) -> set[AreaCell]:
    """The area cells each area's own report hides (its own rates, for reasons of its own)."""
    return {c for pub in pubs for c, v in pub.others.counts.items() if v.suppressed and c.row.area == pub.area}


def open_national(
    source: str | Path | Iterable[str | Path] | None,
    criteria: str | Path | None = None,
    publish: bool = False,
    threshold: int = 5,
    prepared: str | Path | None = None,
) -> PublishedAreas:
    """Every area as published, for the national summary notebook (loaded from ``prepared`` when given)."""
    if prepared is not None:
        return load_prepared(prepared, NATIONAL)
    return run_areas(load_audit(source, criteria, scan=False), publish, threshold)
