"""Every area of a run as it may be published: the national summary and each report's comparison, one decision.

The national summary shows each area's cases and % Yes, and every area's
report sets its own rate beside the other areas pooled and the range of area
rates. Each of those is built on counts (compare.area_results), registered
here as typed cells: per area its cases, and per area, criterion or theme its
Yes, the rest (Partly or No) and its number answered; the same for all areas
together and for "every area but one" (the other areas of a report). The
groups say which add up to which, so :func:`publish_areas` hides, once, a
rate built on a count from 1 to the threshold (primary) and any rate or total
from which a hidden one could be worked out (secondary), for the national
summary and every report's comparison alike.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from audit.analyse.national import SelectionMethods, national_table
from audit.framework.model import Framework
from audit.publish.cells import UnregisteredCell
from audit.publish.disclosure import DEFAULT_THRESHOLD, Count, Group, protect

ROW_KINDS = ("area", "rest", "all")  # one area; every area but that one; every area together
RESULT_MEASURES = ("yes", "not_yes", "answered")
LEVELS = ("criterion", "theme")


@dataclass(frozen=True, slots=True, order=True)
class AreaRow:
    """A published row about areas: ``kind`` one area, every area but ``area`` ("rest"), or all areas."""

    kind: str
    area: str  # "" for all areas
    level: str  # "criterion", "theme", or "sample" for the cases scored
    id: str  # a criterion or theme ID ("" for the sample)

    def __post_init__(self) -> None:
        if self.kind not in ROW_KINDS or self.level not in (*LEVELS, "sample"):
            raise UnregisteredCell(f"no published area row {self!r}")

    def cell(self, measure: str) -> AreaCell:
        return AreaCell(self, measure)


@dataclass(frozen=True, slots=True, order=True)
class AreaCell:
    """One published count about areas: a row and a measure of it."""

    row: AreaRow
    measure: str

    def __post_init__(self) -> None:
        allowed = ("cases",) if self.row.level == "sample" else RESULT_MEASURES
        if self.measure not in allowed:
            raise UnregisteredCell(f"an area {self.row.level} row has no count {self.measure!r}")


def area_row(area: str, level: str, iid: str) -> AreaRow:
    """One area's row for a criterion or theme (``level`` as compare.area_results names it)."""
    return AreaRow("area", area, level, iid)


def rest_row(area: str, level: str, iid: str) -> AreaRow:
    """Every area of the run but ``area``, pooled: what ``area``'s report compares itself with."""
    return AreaRow("rest", area, level, iid)


def all_row(level: str, iid: str) -> AreaRow:
    """Every area of the run pooled."""
    return AreaRow("all", "", level, iid)


def area_cases(area: str) -> AreaCell:
    """An area's cases scored."""
    return AreaRow("area", area, "sample", "").cell("cases")


ALL_CASES = AreaRow("all", "", "sample", "").cell("cases")


def area_cells(
    results: pd.DataFrame, fw: Framework, cases_by_area: Mapping[str, int] | None = None
) -> tuple[dict[AreaCell, int], list[Group]]:
    """Every count about the run's areas, and the groups of counts that add up to another.

    ``results`` is compare.area_results; ``cases_by_area`` each area's cases scored
    (None when no count of cases is published, as in an area's own report).
    """
    counts: dict[AreaCell, int] = {}
    groups: list[Group] = []
    areas = list(dict.fromkeys(results["area"]))
    values = {
        (a, lv, i): (int(y), int(n))
        for a, lv, i, y, n in zip(
            results["area"], results["level"], results["id"], results["yes"], results["answered"], strict=True
        )
    }
    keys = [(lv, i) for lv, i in dict.fromkeys(zip(results["level"], results["id"], strict=True))]

    def cells_of(row: AreaRow) -> dict[str, AreaCell]:
        return {m: row.cell(m) for m in RESULT_MEASURES}

    def add(cell: dict[str, AreaCell], yes: int, answered: int) -> None:
        counts[cell["yes"]], counts[cell["not_yes"]] = yes, answered - yes
        counts[cell["answered"]] = answered
        groups.append(Group((cell["yes"], cell["not_yes"]), cell["answered"]))

    # Each row's cells are made once and reused: making them (each checked as it is made) cost most of this.
    own: dict[tuple[str, str, str], dict[str, AreaCell]] = {}

    def of_area(a: str, level: str, iid: str) -> dict[str, AreaCell]:
        if (a, level, iid) not in own:
            own[(a, level, iid)] = cells_of(area_row(a, level, iid))
        return own[(a, level, iid)]

    for level, iid in keys:
        total_yes = sum(values[(a, level, iid)][0] for a in areas)
        total_n = sum(values[(a, level, iid)][1] for a in areas)
        whole = cells_of(all_row(level, iid))
        add(whole, total_yes, total_n)
        mine = {a: of_area(a, level, iid) for a in areas}
        for m in RESULT_MEASURES:
            groups.append(Group(tuple(mine[a][m] for a in areas), whole[m]))
        for a in areas:
            yes, n = values[(a, level, iid)]
            add(mine[a], yes, n)
            if len(areas) > 1:
                rest = cells_of(rest_row(a, level, iid))
                add(rest, total_yes - yes, total_n - n)
                for m in RESULT_MEASURES:
                    groups.append(Group((mine[a][m], rest[m]), whole[m]))
    # A theme's answers are its criteria's answers: an area's theme count less the others gives one away.
    for t in fw.themes:
        ids = [c.id for c in fw.criteria_in(t.id)]
        if ("theme", t.id) not in keys or len(ids) < 2:
            continue
        for a in areas:
            for m in RESULT_MEASURES:
                parts = tuple(of_area(a, "criterion", cid)[m] for cid in ids)
                groups.append(Group(parts, of_area(a, "theme", t.id)[m]))
    if cases_by_area is not None:
        for a in areas:
            counts[area_cases(a)] = int(cases_by_area.get(a, 0))
        counts[ALL_CASES] = sum(counts[area_cases(a)] for a in areas)
        groups.append(Group(tuple(area_cases(a) for a in areas), ALL_CASES))
    return counts, groups


@dataclass(frozen=True)
class PublishedAreas:
    """The run's areas as their figures may be published: every count registered, suppression decided once.

    ``results`` (compare.area_results) gives rates and structure; counts are
    read with :meth:`count`. ``publish`` False (the full version) registers the
    same cells and hides none. ``selection`` is how each area chose its cases (its
    Audit details; None where not recorded), which decides whether the national
    summary may set the areas against one another (:attr:`selection_methods`).
    """

    framework: Framework
    results: pd.DataFrame = field(repr=False)
    publish: bool
    threshold: int
    counts: Mapping[AreaCell, Count] = field(repr=False)
    left_out: Mapping[str, str] = field(default_factory=dict)  # area -> the kind of reason it is in no figure
    rates_hidden: frozenset[tuple[str, str, str]] | None = field(default=None, repr=False)  # see for_area
    selection: Mapping[str, str | None] = field(default_factory=dict)  # area -> how its cases were selected

    @functools.cached_property
    def areas(self) -> list[str]:
        """The run's areas, in the batch's order."""
        return list(dict.fromkeys(self.results["area"]))

    @property
    def selection_methods(self) -> SelectionMethods:
        """How the run's areas chose their cases, and so whether their results may be ranked."""
        return SelectionMethods({a: self.selection.get(a) for a in self.areas})

    def count(self, cell: AreaCell) -> Count:
        """The registered count of ``cell``; a cell never registered is a fault and is refused."""
        try:
            return self.counts[cell]
        except KeyError:
            raise UnregisteredCell(f"{cell} was not registered for disclosure control") from None

    def shown(self, cell: AreaCell) -> int | str:
        return self.count(cell).shown

    def has(self, cell: AreaCell) -> bool:
        return cell in self.counts

    def rate_hidden(self, row: AreaRow) -> bool:
        """A rate is hidden when any count it rests on is (its Yes, the rest, or its number answered)."""
        return any(self.count(row.cell(m)).suppressed for m in RESULT_MEASURES)

    def hidden_rates(self, level: str | None = None) -> set[tuple[str, str]]:
        """(area, ID) pairs whose rate may not be published (of ``level`` only, if given)."""
        if self.rates_hidden is not None:  # one area's view: which rates are hidden, without their counts
            return {(a, i) for a, lv, i in self.rates_hidden if level in (None, lv)}
        return {
            (c.row.area, c.row.id)
            for c, v in self.counts.items()
            if v.suppressed and c.row.kind == "area" and c.row.level != "sample" and level in (None, c.row.level)
        }

    def published_rates(self) -> pd.DataFrame:
        """The rows of ``results`` whose rate may be published (all of them in the full version)."""
        if not self.publish:
            return self.results
        hidden = self.hidden_rates()
        keep = [(a, i) not in hidden for a, i in zip(self.results["area"], self.results["id"], strict=True)]
        return self.results[keep]

    def values(self) -> set[int]:
        """Every count published about the areas (for checking that a page shows nothing else)."""
        return {v.value for v in self.counts.values() if not v.suppressed}

    @functools.cached_property
    def _index(self) -> tuple[dict[str, dict[AreaCell, Count]], dict[AreaCell, Count], frozenset[tuple[str, str, str]]]:
        """The counts by area (its own and its rest rows), the all-area counts, and every hidden area rate."""
        by_area: dict[str, dict[AreaCell, Count]] = {}
        whole: dict[AreaCell, Count] = {}
        for c, v in self.counts.items():
            if c.row.kind == "all":
                whole[c] = v
            else:
                by_area.setdefault(c.row.area, {})[c] = v
        hidden = frozenset(
            (c.row.area, c.row.level, c.row.id)
            for c, v in self.counts.items()
            if v.suppressed and c.row.kind == "area" and c.row.level != "sample"
        )
        return by_area, whole, hidden

    def for_area(self, area: str, own_hidden: Collection[AreaRow] = ()) -> PublishedAreas:
        """What one area's report needs: its own and the other areas' pooled counts, and which area rates are hidden.

        ``own_hidden`` are the area's rows whose rate its own report hides (for
        a reason of its own, such as a small Partly): the other areas pooled
        beside such a rate are hidden too, or the rate could be worked out
        from them and the run's total.
        """
        by_area, whole, hidden_all = self._index
        mine = {**whole, **by_area.get(area, {})}
        forced = {row.cell(m) for row in own_hidden for m in ("yes", "answered")} - {
            c for c, v in mine.items() if v.suppressed
        }
        if self.publish and forced:
            values = {c: v.value for c, v in mine.items()}
            groups = []
            for row in {c.row for c in mine if c.row.kind == "area" and c.row.level != "sample"}:
                rest, whole = rest_row(area, row.level, row.id), all_row(row.level, row.id)
                for r in (row, rest):
                    groups.append(Group((r.cell("yes"), r.cell("not_yes")), r.cell("answered")))
                for m in RESULT_MEASURES:
                    groups.append(Group((row.cell(m), rest.cell(m)), whole.cell(m)))
            before = {c for c, v in mine.items() if v.suppressed}
            # Only the area's own and rest cells may be added: the run's totals were decided for every report.
            hidden = protect(values, groups, self.threshold, hidden=before | forced)
            mine = {
                c: Count(c, v.value, c in hidden and (c.row.kind != "all" or v.suppressed)) for c, v in mine.items()
            }
        hidden = hidden_all | {(row.area, row.level, row.id) for row in own_hidden}  # nor the area's own, in the range
        return PublishedAreas(
            self.framework, self.results, self.publish, self.threshold, mine, self.left_out, hidden, self.selection
        )


def publish_areas(
    results: pd.DataFrame,
    framework: Framework,
    threshold: int | None = DEFAULT_THRESHOLD,
    cases_by_area: Mapping[str, int] | None = None,
    *,
    hidden: Iterable[AreaCell] = (),
    left_out: Mapping[str, str] | None = None,
    selection: Mapping[str, str | None] | None = None,
) -> PublishedAreas:
    """The run's areas as they may be published: counts from 1 to ``threshold``, and those revealing one, hidden.

    ``threshold`` None gives the full version (nothing hidden). ``hidden`` names
    cells already hidden elsewhere (an area's own report), which then count as
    hidden here too, so no published total gives them away. ``selection`` maps
    an area to how its cases were selected (None, or absent: not recorded).
    """
    counts, groups = area_cells(results, framework, cases_by_area)
    if threshold is None:
        suppressed: set[AreaCell] = set()
    else:
        suppressed = protect(counts, groups, threshold, hidden=[c for c in hidden if c in counts])
    registered = {c: Count(c, v, c in suppressed) for c, v in counts.items()}
    return PublishedAreas(
        framework,
        results,
        threshold is not None,
        threshold or DEFAULT_THRESHOLD,
        registered,
        dict(left_out or {}),
        selection=dict(selection or {}),
    )


def published_table(areas: PublishedAreas) -> pd.DataFrame:
    """:func:`national_table` as it may be published: the spread over published area rates only, and each pooled
    rate marked ``hidden`` where the run's disclosure control hides it."""
    frame = national_table(areas.results, areas.framework, areas.published_rates())
    rows = [all_row(lv, i) for lv, i in zip(frame["level"], frame["id"], strict=True)]
    frame["hidden"] = [areas.has(r.cell("yes")) and areas.rate_hidden(r) for r in rows]
    frame["answers"] = [areas.shown(r.cell("answered")) if areas.has(r.cell("answered")) else 0 for r in rows]
    frame.attrs["published"] = areas.publish  # the spread is over published area rates only: pages say so
    return frame
