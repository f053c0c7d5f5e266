"""Statistical disclosure control for published outputs, as official children's social care statistics do it.

Counts from 1 to the threshold (5 by default) are shown as ``[c]``; zero is a
true zero. Secondary suppression hides further cells wherever a hidden count
could be worked out from a published total: every group of cells that sums to
a published total ends with no suppressed cell or at least two.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

SUPPRESSED = "[c]"
DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Group:
    """Cells whose values add up to ``total`` (itself a cell, or None when the total is not published)."""

    parts: tuple[Hashable, ...]
    total: Hashable | None = None

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (*self.parts, self.total) if self.total is not None else self.parts


def protect(
    counts: dict[Hashable, int],
    groups: Sequence[Group] = (),
    threshold: int = DEFAULT_THRESHOLD,
    hidden: Iterable[Hashable] = (),
) -> set[Hashable]:
    """The cells to suppress: primary (1..threshold) then secondary, until no group gives one away.

    ``hidden`` names cells already suppressed for another reason (hidden in
    another output of the same run); they count as suppressed from the start.

    In a group with exactly one hidden cell, the smallest visible non-zero part is
    hidden as well (or the total, when no part can be); repeated to a fixed point
    because hiding a cell can expose another group it belongs to.
    """
    # The cells are numbered once, so the fixed point below works on small integers: hashing the cells
    # (dataclasses) at every look-up cost most of a national run's disclosure decision.
    keys = list(counts)
    number = {k: i for i, k in enumerate(keys)}
    values = [counts[k] for k in keys]
    given = set(hidden)
    shut = {i for i, v in enumerate(values) if 0 < v <= threshold}
    shut |= {number[k] for k in given if k in number}
    plan = []  # per group: its cells that are counted, its counted parts in order, and its counted total
    for group in groups:
        parts = [number[c] for c in group.parts if c in number]
        total = number.get(group.total) if group.total is not None else None
        plan.append(([number[c] for c in group.cells if c in number], parts, total))
    changed = True
    while changed:
        changed = False
        for cells, parts, total in plan:
            if sum(c in shut for c in cells) != 1:
                continue
            candidates = sorted((c for c in parts if c not in shut and values[c] > 0), key=values.__getitem__)
            if candidates:
                shut.add(candidates[0])
            elif total is not None and total not in shut:
                shut.add(total)
            else:  # only zeros remain visible: they give nothing away
                continue
            changed = True
    return {keys[i] for i in shut} | given


@dataclass(frozen=True, slots=True)
class Count:
    """A count as it may be published: its value, or ``[c]`` when suppressed.

    ``value`` is the true count, for decisions such as "enough answers to
    conclude on"; what a page or file shows is ``shown`` (or ``str(count)``).
    """

    cell: Hashable
    value: int
    suppressed: bool

    @property
    def shown(self) -> int | str:
        return SUPPRESSED if self.suppressed else self.value

    def __str__(self) -> str:
        return str(self.shown)

    def __format__(self, spec: str) -> str:
        return SUPPRESSED if self.suppressed else format(self.value, spec)


def shown(value: int | float | None, cell: Hashable, hidden: set[Hashable]) -> int | float | str | None:
    """The value as published: ``[c]`` when hidden."""
    return SUPPRESSED if cell in hidden else value


def result_groups(
    rows: Iterable[Hashable], cases: Hashable | None = None, counts: Sequence[str] = ("yes", "partly", "no")
) -> list[Group]:
    """Groups for a results table: per row yes+partly+no = answered, and answered+na+missing+invalid = cases."""
    groups = []
    for r in rows:
        groups.append(Group(tuple((r, k) for k in counts), (r, "answered")))
        groups.append(Group(((r, "answered"), (r, "na"), (r, "missing"), (r, "invalid")), cases))
    return groups
