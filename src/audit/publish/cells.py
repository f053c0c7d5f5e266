"""Every count an area's outputs may publish, as a typed cell, and the groups of counts that add up to another.

A :class:`Cell` names a count by its table, its row (framework IDs and
labels, never free text) and its measure. Cells are made only by the
functions here, so a renderer cannot invent a key: a cell not registered by
:func:`area_cells` is refused when looked up (:class:`UnregisteredCell`),
where a mistyped string key used to publish an unsuppressed count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit.analyse.area_result import AreaResult, sample_profile
from audit.framework.settings import age_focus
from audit.publish.disclosure import Group

# The tables a published count can belong to, each with the measures its rows hold.
COUNT_KEYS = ("yes", "partly", "no", "na", "missing", "invalid", "answered")
RESULT_COUNTS = ("yes", "partly", "no", "answered")
TABLES: dict[str, tuple[str, ...]] = {
    "sample": ("cases", "excluded", "rows"),
    "criterion": COUNT_KEYS,
    "theme": COUNT_KEYS,
    "theme_cases": ("cases", "without"),
    "age": ("cases",),
    "derived_grade": ("cases",),
    "auditor_grade": ("cases",),
    "involved": ("cases",),
    "agency": (*RESULT_COUNTS, "cases"),
    "sharing": (*RESULT_COUNTS, "cases"),
    "band": (*RESULT_COUNTS, "cases"),
    "focus_criterion": ("yes", "not_yes", "answered"),
    "round": ("cases",),
    "round_criterion": ("yes", "not_yes", "answered"),
    "moderation": ("cases",),
    "agreement": ("agreed", "disagreed", "pairs"),
    "grade_agreement": ("agreed", "disagreed", "both"),
    "moderation_grade": ("agreed", "disagreed", "cases"),
    "key_no": ("cases", "other"),
    "escalated": ("cases", "other"),
    "learning": ("cases", "other"),
    "agreed_change": ("answers",),
    "agency_own": (*RESULT_COUNTS, "cases"),
}


class UnregisteredCell(KeyError):
    """A renderer asked for a count that disclosure control never saw: a fault in the toolkit, never published."""


@dataclass(frozen=True, slots=True, order=True)
class Row:
    """A row of a published table."""

    table: str
    key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.table not in TABLES:
            raise UnregisteredCell(f"no published table {self.table!r}")

    def cell(self, measure: str) -> Cell:
        return Cell(self, measure)


@dataclass(frozen=True, slots=True, order=True)
class Cell:
    """One published count: a row and a measure of it."""

    row: Row
    measure: str

    def __post_init__(self) -> None:
        if self.measure not in TABLES[self.row.table]:
            raise UnregisteredCell(f"the {self.row.table} table has no count {self.measure!r}")


SAMPLE = Row("sample")
CASES, EXCLUDED, ROWS = SAMPLE.cell("cases"), SAMPLE.cell("excluded"), SAMPLE.cell("rows")
MODERATED = Row("moderation").cell("cases")
GRADE_AGREEMENT = Row("grade_agreement")
KEY_NO = Row("key_no")
ESCALATED = Row("escalated")  # cases escalated during the audit ("cases") and the rest ("other")
AGREED_CHANGED = Row("agreed_change").cell("answers")  # answers the Agreed answers sheet changed, in all


def criterion(cid: str) -> Row:
    return Row("criterion", (cid,))


def theme(tid: str) -> Row:
    return Row("theme", (tid,))


def result_row(level: str, rid: str) -> Row:
    """A criterion's or a theme's row, by ``level`` as findings and comparisons name it."""
    return criterion(rid) if level == "criterion" else theme(rid)


def theme_cases(tid: str) -> Row:
    """Cases with an answer to a theme's criteria ("cases") and without ("without")."""
    return Row("theme_cases", (tid,))


def age(band: str) -> Cell:
    return Row("age", (band,)).cell("cases")


def grade(kind: str, label: str) -> Cell:
    """Cases by ``kind`` ("derived" or "auditor") grade."""
    return Row(f"{kind}_grade", (label,)).cell("cases")


def involved(aid: str) -> Cell:
    """Scored cases involving an agency."""
    return Row("involved", (aid,)).cell("cases")


def agency(aid: str) -> Row:
    return Row("agency", (aid,))


def sharing(source: str, target: str) -> Row:
    return Row("sharing", (source, target))


def band(name: str) -> Row:
    """An age band's results row; ``name`` a band, or "focus"/"older" for the two groups."""
    return Row("band", (name,))


def focus_criterion(cid: str, part: str) -> Row:
    return Row("focus_criterion", (cid, part))


def round_cases(label: str) -> Cell:
    return Row("round", (label,)).cell("cases")


def round_criterion(label: str, rid: str) -> Row:
    return Row("round_criterion", (label, rid))


def agreement(cid: str) -> Row:
    return Row("agreement", (cid,))


def moderation_grade(who: str) -> Row:
    """Moderated cases whose grades agreed: the two auditors' ("auditors", of the cases both graded), or the
    "first" or "second" auditor's grade beside the one derived from their own answers (of every moderated case).
    """
    return Row("moderation_grade", (who,))


def learning(label: str) -> Row:
    """Scored cases naming a learning theme ("cases") and the rest ("other")."""
    return Row("learning", (label,))


def agreed_change(cid: str) -> Cell:
    """Answers to one criterion that the Agreed answers sheet changed."""
    return Row("agreed_change", (cid,)).cell("answers")


def agency_own(aid: str) -> Row:
    """An agency's own answers (the Agency answers sheet), pooled over its criteria."""
    return Row("agency_own", (aid,))


def _result_rows(counts: dict[Cell, int], groups: list[Group], frame: pd.DataFrame, row, keys=RESULT_COUNTS) -> None:
    """A results frame's rows as cells, each row's Yes, Partly and No adding up to its answered."""
    # Rows as plain dicts: a pandas lookup per count costs more than the rest of the row's work.
    for name, r in zip(frame.index, frame[list(keys)].to_dict("records"), strict=True):
        rk = row(name)
        made = {k: rk.cell(k) for k in keys}
        for k in keys:
            counts[made[k]] = int(r[k])
        groups.append(Group((made["yes"], made["partly"], made["no"]), made["answered"]))


def _yes_rest(counts: dict[Cell, int], groups: list[Group], rk: Row, yes: int, answered: int) -> None:
    counts[rk.cell("yes")], counts[rk.cell("answered")] = int(yes), int(answered)
    counts[rk.cell("not_yes")] = int(answered - yes)
    groups.append(Group((rk.cell("yes"), rk.cell("not_yes")), rk.cell("answered")))


def _part_rest(
    counts: dict[Cell, int], groups: list[Group], row: Row, names: tuple[str, str, str | None], part: int, total: int
) -> None:
    """A count and the rest of its total, neither of which may be a small count.

    ``names[2]`` names the total's own cell; None when the total is the
    sample's cases. That total is not linked to the published number of cases:
    the rest is never printed, so the count alone gives nothing away when the
    cases are hidden, and hiding it then would hide more than reports ever did.
    """
    a, b = row.cell(names[0]), row.cell(names[1])
    counts[a], counts[b] = int(part), int(total - part)
    whole = None
    if names[2]:
        whole = row.cell(names[2])
        counts[whole] = int(total)
    groups.append(Group((a, b), whole))


def area_cells(result: AreaResult) -> tuple[dict[Cell, int], list[Group]]:
    """Every count an area's outputs publish, and the groups of counts that add up to another.

    The order of the groups decides which cell secondary suppression hides first
    where there is a choice, so it is kept as reports have always been made:
    criteria, themes, the sample, the analysis sections, then the counts that are
    printed only beside a total of their own.
    """
    fw, cases = result.framework, result.cases
    counts: dict[Cell, int] = {CASES: result.cases_scored, EXCLUDED: result.cases_excluded, ROWS: result.rows_read}
    groups = [Group((CASES, EXCLUDED), ROWS)]
    crit = result.criteria[list(COUNT_KEYS)].to_dict("index")  # plain dicts: see _result_rows
    for c in fw.criteria:
        _results_row(counts, groups, criterion(c.id), crit[c.id], CASES)
    themes = result.themes[list(COUNT_KEYS)].to_dict("index")
    for t in fw.themes:
        ids = [c.id for c in fw.criteria_in(t.id)]
        for k in COUNT_KEYS:
            groups.append(Group(tuple(criterion(cid).cell(k) for cid in ids), theme(t.id).cell(k)))
        _results_row(counts, groups, theme(t.id), themes[t.id], None)
    prof = sample_profile(result)
    for name, cell in (
        ("age_bands", age),
        ("derived_grades", lambda g: grade("derived", g)),
        ("auditor_grades", lambda g: grade("auditor", g)),
    ):
        groups.append(Group(tuple(cell(label) for label in prof[name]), CASES))
        counts.update({cell(label): n for label, n in prof[name].items()})
    for aid in fw.agencies:
        counts[involved(aid)] = int(sum(aid in a for a in cases["agencies"]))
    _analysis_cells(result, counts, groups)
    _own_totals(result, counts, groups)
    _practice_cells(result, counts, groups)
    return counts, groups


def _results_row(
    counts: dict[Cell, int], groups: list[Group], rk: Row, r: Mapping[str, Any], cases: Cell | None
) -> None:
    """A criterion's or theme's counts: Yes, Partly and No make answered; with N/A, blank and invalid, ``cases``."""
    made = {k: rk.cell(k) for k in COUNT_KEYS}
    for k in COUNT_KEYS:
        counts[made[k]] = int(r[k])
    groups.append(Group(tuple(made[k] for k in ("yes", "partly", "no")), made["answered"]))
    groups.append(Group(tuple(made[k] for k in ("answered", "na", "missing", "invalid")), cases))


def _analysis_cells(result: AreaResult, counts: dict[Cell, int], groups: list[Group]) -> None:
    """The analysis sections' counts: agencies, sharing pairs, age bands, the focus group, rounds, moderation."""
    fw, cases, an = result.framework, result.cases, result.analysis
    with_cases = (*RESULT_COUNTS, "cases")
    _result_rows(counts, groups, an.agencies, agency, with_cases)
    share = an.sharing.copy()
    share.index = list(zip(share["from"], share["to"], strict=True))
    _result_rows(counts, groups, share, lambda pair: sharing(*pair), with_cases)

    bands = an.bands
    names = {n: ("focus" if g == "focus" else "older" if g == "older" else n) for n, g in bands["group"].items()}
    _result_rows(counts, groups, bands, lambda n: band(names[n]))
    focus = age_focus(fw)
    if focus is not None:
        older = [b for b in fw.age_bands if b not in focus.bands]
        for part, bands_in in (("focus", focus.bands), ("older", older)):
            if band(part).cell("yes") not in counts:
                continue
            counts[band(part).cell("cases")] = int(cases["age_band"].isin(bands_in).sum())
            groups.append(Group(tuple(age(b) for b in bands_in), band(part).cell("cases")))
            for k in RESULT_COUNTS:
                groups.append(Group(tuple(band(b).cell(k) for b in bands_in), band(part).cell(k)))
        complete = not cases["age_band"].isna().any()
        for r in (an.focus if an.focus is not None else pd.DataFrame()).to_dict("records"):
            rows = {p: focus_criterion(r["id"], p) for p in ("focus", "older")}
            for p, rk in rows.items():
                _yes_rest(counts, groups, rk, r[f"{p}_yes"], r[f"{p}_answered"])
            if complete:
                for k in ("yes", "answered"):
                    groups.append(Group(tuple(rk.cell(k) for rk in rows.values()), criterion(r["id"]).cell(k)))

    if an.change is not None:
        shown = list(an.change.attrs["rounds"])
        for _, rr in an.rounds.iterrows():
            counts[round_cases(rr["round"])] = int(rr["cases"])
        # Rounds of an older framework version (see audit.analyse.compare_versions) are not among the cases.
        current = an.rounds[~an.rounds["earlier"].astype(bool)] if "earlier" in an.rounds else an.rounds
        if int(current["cases"].sum()) == len(cases):
            groups.append(Group(tuple(round_cases(r) for r in current["round"]), CASES))
        for r in an.change.to_dict("records"):
            for when, label in zip(("previous", "latest"), shown, strict=True):
                _yes_rest(counts, groups, round_criterion(label, r["id"]), r[f"{when}_yes"], r[f"{when}_answered"])

    if not an.pairs.empty:
        counts[MODERATED] = len(an.pairs)
        for cid, r in an.agreement.iterrows():
            _part_rest(
                counts, groups, agreement(cid), ("agreed", "disagreed", "pairs"), int(r["agreed"]), int(r["pairs"])
            )


def _own_totals(result: AreaResult, counts: dict[Cell, int], groups: list[Group]) -> None:
    """Counts printed beside a total of their own: neither they nor the rest of their total may be small."""
    cases, an = result.cases, result.analysis
    for t in result.framework.themes:
        with_answer = int(result.themes.loc[t.id, "cases"])
        _part_rest(counts, groups, theme_cases(t.id), ("cases", "without", None), with_answer, result.cases_scored)
    both = cases.dropna(subset=["overall_grade", "derived_grade"])
    same = int((both["overall_grade"] == both["derived_grade"]).sum())
    _part_rest(counts, groups, GRADE_AGREEMENT, ("agreed", "disagreed", "both"), same, len(both))
    _part_rest(counts, groups, KEY_NO, ("cases", "other", None), int(cases["key_criterion_no"].sum()), len(cases))
    if not an.pairs.empty:
        _moderation_grades(counts, groups, an.grade_pairs)


def _moderation_grades(counts: dict[Cell, int], groups: list[Group], grades: pd.DataFrame) -> None:
    """How often the moderated cases' grades agreed: each comparison its own count and total."""
    both = grades.dropna(subset=["first_grade", "second_grade"])
    compared = {
        "auditors": (both["first_grade"] == both["second_grade"], len(both)),
        "first": (grades["first_grade"] == grades["first_derived"], len(grades)),
        "second": (grades["second_grade"] == grades["second_derived"], len(grades)),
    }
    for who, (same, total) in compared.items():
        names = ("agreed", "disagreed", "cases")
        _part_rest(counts, groups, moderation_grade(who), names, int(same.sum()), total)


def _practice_cells(result: AreaResult, counts: dict[Cell, int], groups: list[Group]) -> None:
    """Escalations, learning themes, answers changed by agreement and each agency's own answers."""
    practice, scored = result.analysis.practice, result.cases_scored
    _part_rest(counts, groups, ESCALATED, ("cases", "other", None), practice.escalated, scored)
    for label, n in practice.learning.items():
        _part_rest(counts, groups, learning(str(label)), ("cases", "other", None), int(n), scored)
    changes = practice.agreed_changes
    counts[AGREED_CHANGED] = sum(changes.values())
    counts.update({agreed_change(cid): n for cid, n in changes.items()})
    if changes:
        groups.append(Group(tuple(agreed_change(cid) for cid in changes), AGREED_CHANGED))
    if practice.agency_own is not None:
        _result_rows(counts, groups, practice.agency_own, agency_own, (*RESULT_COUNTS, "cases"))
