"""One area's result: its scored cases and results, and every count it publishes with how they add up.

The counts and groups (:func:`disclosure_cells`) are what disclosure control
suppresses from in publish mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from dataclasses import replace as replace_
from functools import cached_property
from typing import Any

import pandas as pd

from audit.analyse import age_bands, agencies, compare, moderation
from audit.analyse.rounds import round_order
from audit.analyse.score import grade_cases, score_criteria, score_themes
from audit.check.validate import AuditData
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.framework.settings import age_focus
from audit.publish.disclosure import DEFAULT_THRESHOLD, SUPPRESSED, Group, protect, result_groups
from audit.read.load import fold


def slugify(name: str) -> str:
    """Area name to a folder name: lower case, hyphens (`Carrow Fen` -> `carrow-fen`)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug or "area"


@dataclass
class AreaResult:
    """Everything a report says about one area, as plain data."""

    area: str
    framework: Framework
    data: AuditData
    criteria: pd.DataFrame
    themes: pd.DataFrame
    cases: pd.DataFrame
    publish: bool = False
    threshold: int = DEFAULT_THRESHOLD
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The area's folder: distinct among the run's areas and never a reserved name."""
        return self.data.slugs.get(self.area) or slugify(self.area)

    @property
    def rows_read(self) -> int:
        return len(self.data.cases)

    @property
    def cases_scored(self) -> int:
        return len(self.cases)

    @property
    def cases_excluded(self) -> int:
        return len(self.data.excluded)

    @cached_property
    def hidden(self) -> set[Any]:
        """Cells suppressed in publish mode (none otherwise); see :func:`disclosure_cells`."""
        if not self.publish:
            return set()
        counts, groups = disclosure_cells(self)
        return protect(counts, groups, self.threshold)

    def show(self, cell: Any, value: Any) -> Any:
        """A value as this result may publish it: ``[c]`` when its cell is suppressed."""
        return SUPPRESSED if cell in self.hidden else value

    def rate_hidden(self, row: Any) -> bool:
        """% Yes and its interval are hidden when Yes or the number answered is."""
        return any((row, k) in self.hidden for k in ("yes", "answered"))

    def score_hidden(self, row: Any) -> bool:
        """The mean score is hidden when any count it is built from is (it would reveal Partly)."""
        return any((row, k) in self.hidden for k in ("yes", "partly", "no", "answered"))


def analyse_area(
    data: AuditData, area: str | None = None, *, publish: bool = False, threshold: int = DEFAULT_THRESHOLD
) -> AreaResult:
    """Score one area. ``data`` may hold many areas; ``area`` picks one (optional when it holds one).

    With ``publish`` every output built from the result applies disclosure control:
    counts from 1 to ``threshold`` and those that would reveal them show as ``[c]``.
    """
    if area is None:
        if len(data.areas) != 1:
            raise AuditError(f"choose an area: the data holds {len(data.areas)} ({', '.join(data.areas)})")
        area = data.areas[0]
    data = data.for_area(area)
    if publish:
        data = _published_rounds(data)
    fw = data.framework
    scored = data.scored
    criteria = score_criteria(scored, fw)
    themes = score_themes(scored, fw)
    cases = pd.concat([scored, grade_cases(scored, fw)], axis=1).reset_index(drop=True)
    return AreaResult(data.areas[0], fw, data, criteria, themes, cases, publish, threshold)


def _published_rounds(data: AuditData) -> AuditData:
    """Audit round labels are typed by auditors, so free text: published as Round 1, Round 2, ... in date order."""
    labels = data.cases["audit_round"]
    if not labels.notna().any():
        return data
    order = round_order(data.cases, labels.where(labels.notna(), None).astype(object))
    names = {fold(label): f"Round {i}" for i, label in enumerate(order, 1)}

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["audit_round"] = frame["audit_round"].map(lambda v: names.get(fold(v)) if isinstance(v, str) else None)
        frame["audit_round"] = frame["audit_round"].astype(object)
        return frame

    moderation = None if data.moderation is None else relabel(data.moderation)
    return replace_(data, cases=relabel(data.cases), moderation=moderation)


COUNT_KEYS = ("yes", "partly", "no", "na", "missing", "invalid", "answered")


def disclosure_cells(result: AreaResult) -> tuple[dict[Any, int], list[Group]]:
    """Every published count of an area and the groups of counts that add up to another.

    Cells are keyed ``("c", ID)``/``("t", theme)`` with a count name for results,
    ``("age", band)``, ``("derived", grade)``, ``("auditor", grade)`` and
    ``("agency", id)`` for the sample, and ``"cases"``, ``"excluded"``, ``"rows"``.
    """
    fw = result.framework
    counts: dict[Any, int] = {
        "cases": result.cases_scored,
        "excluded": result.cases_excluded,
        "rows": result.rows_read,
    }
    groups = [Group(("cases", "excluded"), "rows")]
    for c in fw.criteria:
        for k in COUNT_KEYS:
            counts[(("c", c.id), k)] = int(result.criteria.loc[c.id, k])
    groups += result_groups([("c", c.id) for c in fw.criteria], "cases")
    for t in fw.themes:
        ids = [c.id for c in fw.criteria_in(t.id)]
        for k in COUNT_KEYS:
            counts[(("t", t.id), k)] = int(result.themes.loc[t.id, k])
            groups.append(Group(tuple((("c", cid), k) for cid in ids), (("t", t.id), k)))
        groups += result_groups([("t", t.id)], None)
    prof = sample_profile(result)
    for name, key in (("age_bands", "age"), ("derived_grades", "derived"), ("auditor_grades", "auditor")):
        cells = []
        for label, n in prof[name].items():
            counts[(key, label)] = n
            cells.append((key, label))
        groups.append(Group(tuple(cells), "cases"))
    for aid in fw.agencies:
        counts[("agency", aid)] = int(sum(aid in a for a in result.cases["agencies"]))
    more_counts, more_groups = analysis_cells(result)
    counts.update(more_counts)
    return counts, groups + more_groups


RESULT_COUNTS = ("yes", "partly", "no", "answered")


def _rows(
    counts: dict[Any, int], groups: list[Group], frame: pd.DataFrame, key: Any, keys: Any = RESULT_COUNTS
) -> None:
    """Add a results frame's rows as cells ``(key(row), count)``, each row's parts adding up to its answered."""
    for name, row in frame.iterrows():
        rk = key(name)
        for k in keys:
            counts[(rk, k)] = int(row[k])
        groups.append(Group(((rk, "yes"), (rk, "partly"), (rk, "no")), (rk, "answered")))


def analysis_cells(result: AreaResult) -> tuple[dict[Any, int], list[Group]]:
    """The counts the report's analysis sections publish, and how they add up.

    Rows are keyed ``("ag", agency)``, ``("share", from, to)``, ``("band", name)``
    (name a band, ``"focus"`` or ``"older"``), ``("fc", ID, "focus"|"older")``,
    ``("rnd", round, ID)`` and ``("mod", ID)``, each with count names as in
    results; ``("mod", "cases")`` and ``("rnd", round)`` hold case counts.
    """
    fw, cases = result.framework, result.cases
    counts: dict[Any, int] = {}
    groups: list[Group] = []
    with_cases = (*RESULT_COUNTS, "cases")
    _rows(counts, groups, agencies.agency_results(cases, fw), lambda aid: ("ag", aid), with_cases)
    sharing = agencies.sharing_results(cases, fw)
    sharing.index = list(zip(sharing["from"], sharing["to"], strict=True))
    _rows(counts, groups, sharing, lambda pair: ("share", *pair), with_cases)

    focus = age_focus(fw)
    bands = age_bands.age_band_results(cases, fw)
    names = {n: ("focus" if g == "focus" else "older" if g == "older" else n) for n, g in bands["group"].items()}
    _rows(counts, groups, bands, lambda n: ("band", names[n]))
    if focus is not None:
        older = [b for b in fw.age_bands if b not in focus.bands]
        for part, bands_in in (("focus", focus.bands), ("older", older)):
            if ("band", part) not in {k[0] for k in counts}:
                continue
            counts[(("band", part), "cases")] = int(cases["age_band"].isin(bands_in).sum())
            groups.append(Group(tuple(("age", b) for b in bands_in), (("band", part), "cases")))
            for k in RESULT_COUNTS:
                groups.append(Group(tuple((("band", b), k) for b in bands_in), (("band", part), k)))
        by_criterion = age_bands.focus_by_criterion(cases, fw)
        complete = not cases["age_band"].isna().any()
        for _, r in by_criterion.iterrows():
            rows = {p: ("fc", r["id"], p) for p in ("focus", "older")}
            for p, rk in rows.items():
                counts[(rk, "yes")], counts[(rk, "answered")] = int(r[f"{p}_yes"]), int(r[f"{p}_answered"])
                counts[(rk, "not_yes")] = int(r[f"{p}_answered"] - r[f"{p}_yes"])
                groups.append(Group(((rk, "yes"), (rk, "not_yes")), (rk, "answered")))
            if complete:
                for k in ("yes", "answered"):
                    groups.append(Group(tuple((rk, k) for rk in rows.values()), (("c", r["id"]), k)))

    change = compare.change_since_previous(cases, fw)
    if change is not None:
        rounds = compare.rounds_table(cases, fw)
        shown_rounds = [change["previous_round"].iloc[0], change["latest_round"].iloc[0]]
        for _, rr in rounds.iterrows():
            counts[("rnd", rr["round"])] = int(rr["cases"])
        if int(rounds["cases"].sum()) == len(cases):
            groups.append(Group(tuple(("rnd", r) for r in rounds["round"]), "cases"))
        for _, r in change.iterrows():
            for when, label in zip(("previous", "latest"), shown_rounds, strict=True):
                rk = ("rnd", label, r["id"])
                counts[(rk, "yes")], counts[(rk, "answered")] = int(r[f"{when}_yes"]), int(r[f"{when}_answered"])
                counts[(rk, "not_yes")] = int(r[f"{when}_answered"] - r[f"{when}_yes"])
                groups.append(Group(((rk, "yes"), (rk, "not_yes")), (rk, "answered")))

    pairs = moderation.matched(cases, result.data.moderation)
    if not pairs.empty:
        counts[("mod", "cases")] = len(pairs)
        for cid, r in moderation.agreement(pairs, fw).iterrows():
            rk = ("mod", cid)
            counts[(rk, "pairs")], counts[(rk, "agreed")] = int(r["pairs"]), int(r["agreed"])
            counts[(rk, "disagreed")] = int(r["pairs"] - r["agreed"])
            groups.append(Group(((rk, "agreed"), (rk, "disagreed")), (rk, "pairs")))
    return counts, groups


def _counts(values: pd.Series, order: tuple[str, ...] | list[str]) -> dict[str, int]:
    counts = values.value_counts()
    out = {k: int(counts.get(k, 0)) for k in order}
    missing = int(values.isna().sum())
    if missing:
        out["Not recorded"] = missing
    return out


def sample_profile(result: AreaResult) -> dict[str, dict[str, int]]:
    """Who the scored cases were: age bands, agencies involved, grades."""
    fw, cases = result.framework, result.cases
    agency_counts = {label: int(sum(aid in a for a in cases["agencies"])) for aid, label in fw.agencies.items()}
    return {
        "age_bands": _counts(cases["age_band"], fw.age_bands),
        "agencies": agency_counts,
        "derived_grades": _counts(cases["derived_grade"], fw.grades),
        "auditor_grades": _counts(cases["overall_grade"], fw.grades),
    }


def file_accounting(result: AreaResult) -> dict[str, dict[str, int]]:
    """For each input file, this area's rows read, scored and excluded (read = scored + excluded)."""
    cases = result.data.cases
    out = {}
    for name in sorted(set(cases["file"])):
        mine = cases[cases["file"] == name]
        scored = int((mine["status"] == "scored").sum())
        out[name] = {"rows_read": len(mine), "cases_scored": scored, "cases_excluded": len(mine) - scored}
    return out
