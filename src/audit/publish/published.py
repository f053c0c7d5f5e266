"""The published result: an area's result with every count that could be suppressed as a registered, typed value.

:func:`publish` is the one place suppression is decided for an area: primary
(counts from 1 to the threshold) and secondary (counts that would reveal a
hidden one from a published total), over every cell :func:`area_cells`
registers. Renderers take the :class:`PublishedResult` and read each count
with :meth:`PublishedResult.count`; a cell that was never registered is
refused, so no count reaches a page without passing through here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audit.analyse.area_result import AreaResult
from audit.analyse.practice import Practice
from audit.framework.model import Framework
from audit.publish import cells
from audit.publish.areas import PublishedAreas, area_row, publish_areas
from audit.publish.cells import Cell, Row, UnregisteredCell, area_cells
from audit.publish.disclosure import DEFAULT_THRESHOLD, Count, Group, protect  # Count: imported from here too
from audit.publish.practice import for_publication, practice_reasons, refuse_reasons


@dataclass(frozen=True)
class PublishedResult:
    """An area's result as its outputs may show it: every count registered, suppression decided once.

    ``publish`` False (a full report for the audit team) registers the same
    cells and suppresses none. ``analysed`` is the area's result, for labels,
    rates and structure; counts are read with :meth:`count`, never from it.
    ``others`` is every area of the run as published (the run's one decision,
    see :mod:`audit.publish.areas`), for the comparison with the other areas.
    """

    analysed: AreaResult
    publish: bool
    threshold: int
    counts: Mapping[Cell, Count] = field(repr=False)
    compared: PublishedAreas | None = field(default=None, repr=False)

    @property
    def others(self) -> PublishedAreas:
        """Every area of the run as published, this area's own rows and the other areas pooled beside it."""
        if self.compared is None:  # a full version made without the run's decision: nothing is hidden anyway
            full = publish_areas(self.analysed.analysis.others, self.framework, None)
            object.__setattr__(self, "compared", full.for_area(self.area) if self.area in full.areas else full)
        return self.compared  # type: ignore[return-value]

    @property
    def practice(self) -> Practice:
        """The area's practice as this version may show it: without auditors' free text when published."""
        own = self.analysed.analysis.practice
        return for_publication(own, self.analysed.data.cases["case_id"]) if self.publish else own

    @property
    def area(self) -> str:
        return self.analysed.area

    @property
    def slug(self) -> str:
        return self.analysed.slug

    @property
    def framework(self) -> Framework:
        return self.analysed.framework

    @property
    def hidden(self) -> frozenset[Cell]:
        return frozenset(c for c, v in self.counts.items() if v.suppressed)

    def count(self, cell: Cell) -> Count:
        """The registered count of ``cell``; a cell never registered is a fault and is refused."""
        try:
            return self.counts[cell]
        except KeyError:
            raise UnregisteredCell(f"{cell} was not registered for disclosure control") from None

    def shown(self, cell: Cell) -> int | str:
        """The count of ``cell`` as published: its value, or ``[c]``."""
        return self.count(cell).shown

    def has(self, cell: Cell) -> bool:
        """Whether ``cell`` is registered (a table may have no such row, e.g. an agency with no criteria)."""
        return cell in self.counts

    def rate_hidden(self, row: Row) -> bool:
        """A row's % Yes and its interval are hidden when its Yes or its number answered is."""
        return any(self.count(row.cell(k)).suppressed for k in ("yes", "answered"))

    def score_hidden(self, row: Row) -> bool:
        """A row's mean score is hidden when any count it is built from is (it would reveal Partly)."""
        return any(self.count(row.cell(k)).suppressed for k in ("yes", "partly", "no", "answered"))

    def values(self) -> set[int]:
        """Every count this result publishes (for checking that a page shows nothing else)."""
        return {v.value for v in self.counts.values() if not v.suppressed}


def publish(
    result: AreaResult,
    threshold: int | None = DEFAULT_THRESHOLD,
    areas: PublishedAreas | None = None,
    *,
    registered: tuple[dict[Cell, int], list[Group]] | None = None,
) -> PublishedResult:
    """``result`` as it may be published: counts from 1 to ``threshold``, and those that would reveal one, hidden.

    ``threshold`` None gives the full version (nothing suppressed), for the
    audit team; every count is registered all the same. ``areas`` is the run's
    areas as published (:func:`audit.publish.areas.publish_areas`, decided once
    for a batch); without it they are decided here from the result's comparison
    table. An area rate hidden there is hidden in the area's own outputs too,
    and an own rate hidden here hides the other areas pooled beside it.
    ``registered`` is :func:`area_cells` of ``result`` when already worked out
    (a run publishes each area more than once on its way to one decision).
    """
    if threshold is not None and not result.publish:
        # Round labels are auditors' free text; analyse_area(..., publish=True) replaces them before counting.
        raise ValueError("a result analysed for the full version cannot be published: analyse it with publish=True")
    if threshold is not None:
        # The batch and report_result refuse such an area before analysing it; this keeps any other way out shut.
        refuse_reasons(practice_reasons(result.analysis.practice), result.data.cases["case_id"])
    counts, groups = registered if registered is not None else area_cells(result)
    if threshold is None:
        registered = {cell: Count(cell, value, False) for cell, value in counts.items()}
        full = areas.for_area(result.area) if areas is not None and not areas.publish else None
        full = _own_table(full, result) if full is not None else None
        return PublishedResult(result, False, DEFAULT_THRESHOLD, registered, full)
    if areas is None or not areas.publish or areas.threshold != threshold:
        areas = publish_areas(result.analysis.others, result.framework, threshold)
    # An area rate the run's decision hides is hidden in the area's own outputs too.
    forced = [
        own.cell(m)
        for own, run in _own_rows(result, areas)
        for m in ("yes", "answered")
        if areas.has(run.cell(m)) and areas.count(run.cell(m)).suppressed
    ]
    hidden = protect(counts, groups, threshold, hidden=forced)
    registered = {cell: Count(cell, value, cell in hidden) for cell, value in counts.items()}
    pub = PublishedResult(result, True, threshold, registered)
    own_hidden = [run for own, run in _own_rows(result, areas) if pub.rate_hidden(own)]
    others = areas.for_area(result.area, own_hidden) if result.area in areas.areas else areas
    return PublishedResult(result, True, threshold, registered, _own_table(others, result))


def _own_table(areas: PublishedAreas, result: AreaResult) -> PublishedAreas:
    """``areas`` with the result's own comparison table when that holds the same areas (the same table, then:
    kept once when the result is pickled for its kernel).

    An area whose analysis failed is in the result's table (every area of the data) but not among the run's
    areas: the comparison then reads the run's areas as decided, as the national summary does, so that no rate
    of the failed area (never through the run's disclosure decision) is pooled, ranged or shown beside counts
    that leave it out.
    """
    own, run = result.analysis.others, areas.results
    # Both are compare.area_results, in the data's order of areas: the same areas, then the same column.
    if len(own) != len(run) or not np.array_equal(own["area"].to_numpy(), run["area"].to_numpy()):
        return areas
    return dataclasses.replace(areas, results=own)


@dataclass(frozen=True)
class Compared:
    """What an area's comparison with the other areas reads, and nothing more (see ``render.present_compare``).

    Made from the area's published result (:meth:`of`), or, for a full version,
    from the run's areas alone (:meth:`from_run`): a batch re-run uses the latter to
    tell whether an area whose own data did not change would now read differently
    beside the others, without analysing it again.
    """

    area: str
    framework: Framework
    publish: bool
    results: Any  # the run's area results (compare.area_results)
    others: PublishedAreas  # the run's areas as this area's report publishes them
    counts: Mapping[Cell, Count] = field(repr=False)  # the area's own counts (its criteria and themes at least)

    @classmethod
    def of(cls, pub: PublishedResult) -> Compared:
        return cls(pub.area, pub.framework, pub.publish, pub.others.results, pub.others, pub.counts)

    @classmethod
    def from_run(cls, area: str, areas: PublishedAreas) -> Compared:
        """A full version's comparison from the run's areas (nothing is hidden, so its own counts are the run's)."""
        if areas.publish:
            raise ValueError("a published comparison depends on the area's own suppression: make it from its result")
        fw = areas.framework
        mine = areas.for_area(area)
        counts = {}
        for level, ids in (("criterion", [c.id for c in fw.criteria]), ("theme", [t.id for t in fw.themes])):
            for iid in ids:
                for m in ("yes", "answered"):
                    cell = cells.result_row(level, iid).cell(m)
                    counts[cell] = Count(cell, mine.count(area_row(area, level, iid).cell(m)).value, False)
        return cls(area, fw, False, areas.results, mine, counts)

    def shown(self, cell: Cell) -> int | str:
        return self.counts[cell].shown

    def rate_hidden(self, row: Row) -> bool:
        return any(self.counts[row.cell(k)].suppressed for k in ("yes", "answered"))


def _own_rows(result: AreaResult, areas: PublishedAreas) -> list[tuple[Row, Any]]:
    """Each criterion's and theme's row in the area's own tables beside its row among the run's areas."""
    if result.area not in areas.areas:
        return []
    fw = result.framework
    return [(cells.criterion(c.id), area_row(result.area, "criterion", c.id)) for c in fw.criteria] + [
        (cells.theme(t.id), area_row(result.area, "theme", t.id)) for t in fw.themes
    ]


def table_cell(value: Any) -> Any:
    """A value for a published table or JSON: a registered count as shown, anything else as it is."""
    return value.shown if isinstance(value, Count) else value
