"""The published result: an area's result with every count that could be suppressed as a registered, typed value.

:func:`publish` is the one place suppression is decided for an area: primary
(counts from 1 to the threshold) and secondary (counts that would reveal a
hidden one from a published total), over every cell :func:`area_cells`
registers. Renderers take the :class:`PublishedResult` and read each count
with :meth:`PublishedResult.count`; a cell that was never registered is
refused, so no count reaches a page without passing through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.analyse.area_result import AreaResult
from audit.framework.model import Framework
from audit.publish.cells import Cell, Row, UnregisteredCell, area_cells
from audit.publish.disclosure import DEFAULT_THRESHOLD, SUPPRESSED, protect


@dataclass(frozen=True, slots=True)
class Count:
    """A count as it may be published: its value, or ``[c]`` when suppressed.

    ``value`` is the true count, for decisions such as "enough answers to
    conclude on"; what a page or file shows is ``shown`` (or ``str(count)``).
    """

    cell: Cell
    value: int
    suppressed: bool

    @property
    def shown(self) -> int | str:
        return SUPPRESSED if self.suppressed else self.value

    def __str__(self) -> str:
        return str(self.shown)

    def __format__(self, spec: str) -> str:
        return SUPPRESSED if self.suppressed else format(self.value, spec)


@dataclass(frozen=True)
class PublishedResult:
    """An area's result as its outputs may show it: every count registered, suppression decided once.

    ``publish`` False (a full report for the audit team) registers the same
    cells and suppresses none. ``analysed`` is the area's result, for labels,
    rates and structure; counts are read with :meth:`count`, never from it.
    """

    analysed: AreaResult
    publish: bool
    threshold: int
    counts: Mapping[Cell, Count] = field(repr=False)

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


def publish(result: AreaResult, threshold: int | None = DEFAULT_THRESHOLD) -> PublishedResult:
    """``result`` as it may be published: counts from 1 to ``threshold``, and those that would reveal one, hidden.

    ``threshold`` None gives the full version (nothing suppressed), for the
    audit team; every count is registered all the same.
    """
    if threshold is not None and not result.publish:
        # Round labels are auditors' free text; analyse_area(..., publish=True) replaces them before counting.
        raise ValueError("a result analysed for the full version cannot be published: analyse it with publish=True")
    counts, groups = area_cells(result)
    hidden = protect(counts, groups, threshold) if threshold is not None else set()
    registered = {cell: Count(cell, value, cell in hidden) for cell, value in counts.items()}
    return PublishedResult(result, threshold is not None, threshold or DEFAULT_THRESHOLD, registered)


def table_cell(value: Any) -> Any:
    """A value for a published table or JSON: a registered count as shown, anything else as it is."""
    return value.shown if isinstance(value, Count) else value
