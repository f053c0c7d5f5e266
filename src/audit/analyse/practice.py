"""What the auditors saw and what people decided: evidence, judgements, escalations, learning, the method.

The counts say how often practice was done; this module gathers what turns them
into an audit people can act on, worked out once per area beside the other
analysis tables:

- **Judgements** people recorded (the ``Judgements`` sheet), each beside the
  category the data indicate (:mod:`audit.analyse.findings`) and whether the two agree.
- **Evidence**: up to three extracts of ``<ID> evidence`` per criterion or theme, from
  cases answered No or Partly for a concern and Yes for a strength. A cell the
  personal-data scan flags is kept only as withheld, never as its text.
- **Escalations**, **learning themes** (cases per theme), **impact** and **good practice**.
- **Audit details**: every field, None where not recorded.
- **Agency answers**: each agency's own answers, pooled like the agency results.
- The **headline**: at most five points, judgements first, then key criteria, then the
  largest concerns the data indicate.

Free text stays here for the full version; the publish stage leaves it out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit.analyse.findings import IMPROVEMENT, PRIORITY, STRENGTH, TOO_SMALL, Finding
from audit.analyse.groups import group_results
from audit.check.audit_data import AuditData, evidence_column
from audit.check.audit_details import DETAILS_FIELDS
from audit.framework.model import Framework
from audit.read.identifiers import normalise, scan_text

WITHHELD = "[withheld: possible personal data]"
MAX_EXTRACTS = 3
MAX_HEADLINES = 5
# A Case ID's runs of letters and digits, and what may stand between them where a reason names it.
_ID_PARTS = re.compile(r"[^\W_]+")
_ID_GAP = re.compile(r"[\s._/\\-]{1,3}")
# The Judgements sheet's words -> the data's category they correspond to ("No judgement" to none).
JUDGED_CATEGORY = {
    "Strength": STRENGTH,
    "Area for improvement": IMPROVEMENT,
    "Area for priority action": PRIORITY,
}
# The order a judgement is listed in, most pressing first (and the action plan's order).
JUDGEMENT_ORDER = ("Area for priority action", "Area for improvement", "Strength", "No judgement")


@dataclass(frozen=True)
class Extract:
    """One auditor's text about one case: None when the personal-data scan flagged the cell, "" when blank."""

    case_id: str
    text: str | None
    where: str  # "file, Sheet!B7": where the text came from, for the audit team

    @property
    def withheld(self) -> bool:
        return self.text is None

    @property
    def shown(self) -> str:
        return WITHHELD if self.text is None else self.text


@dataclass(frozen=True)
class Judgement:
    """A judgement people recorded about a criterion, a theme or a learning theme, beside the data's indication."""

    target: str  # a criterion ID, a theme ID or a learning theme's label
    kind: str  # "criterion", "theme" or "learning theme"
    label: str  # how the report names the target
    judgement: str  # one of JUDGEMENT_ORDER
    reason: str | None  # written for the reader of the report (published after the scan)
    reason_where: tuple[str, str, str | None]  # (file, sheet, cell) of the reason, for messages
    agreed_by: str | None  # who agreed it: free text, never published
    date: Any  # a date, or None
    indicated: str | None  # the data's category (findings), None for a learning theme
    agrees: bool | None  # None when either side makes no call (no judgement, too small, learning theme)


@dataclass(frozen=True)
class Headline:
    """One of the summary's points: a judgement, a key criterion or a concern the data indicate."""

    kind: str  # "judgement", "key" or "concern"
    target: str  # criterion or theme ID (or learning theme label)
    level: str  # "criterion", "theme" or "learning theme"


@dataclass(frozen=True)
class Practice:
    """An area's audit practice, as plain data (see the module docstring)."""

    details: dict[str, Any]  # every Audit details field name -> its value, None where not recorded
    judgements: list[Judgement]
    evidence: dict[str, list[Extract]]  # criterion or theme ID -> up to MAX_EXTRACTS extracts
    escalated: int  # scored cases escalated during the audit
    escalations: list[Extract]  # each escalated case with its note (text None when withheld, "" when blank)
    learning: pd.Series  # learning theme label -> cases naming it (every theme of the framework)
    impact: list[Extract]
    good_practice: list[Extract]
    agreed_changes: dict[str, int]  # criterion ID -> answers the Agreed answers sheet changed
    agency_own: pd.DataFrame | None  # agency_results-shaped, over each agency's own answers; None without
    headline: list[Headline] = field(default_factory=list)

    @property
    def has_judgements(self) -> bool:
        return bool(self.judgements)


def flagged(text: str, case_ids: Iterable[object] = ()) -> bool:
    """Whether ``text`` looks like it holds personal data or names one of ``case_ids`` (see :func:`names_case`)."""
    return bool(scan_text(text)) or names_case(text, case_ids)


class CaseKeys(frozenset):
    """Case IDs as :func:`names_case` compares them, worked out once for many texts (see :func:`case_keys`)."""


def case_keys(case_ids: Iterable[object]) -> CaseKeys:
    """Each Case ID normalised as the personal-data scan normalises a cell, folded, its separators dropped.

    A Case ID of fewer than four characters that is all digits is left out: it would
    match ordinary numbers ("3 of 12 cases").
    """
    if isinstance(case_ids, CaseKeys):
        return case_ids
    keys = set()
    for cid in case_ids:
        if cid is None:
            continue
        key = normalise(str(cid)).strip().casefold()
        if key and not (key.isdigit() and len(key) < 4):
            keys.add("".join(_ID_PARTS.findall(key)))
    keys.discard("")
    return CaseKeys(keys)


def names_case(text: str, case_ids: Iterable[object]) -> bool:
    """Whether ``text`` names a Case ID as a word of its own (case aside), in whatever form it was typed.

    Both sides are normalised as the personal-data scan normalises a cell (full-width
    letters and digits, any dash, invisible characters, runs of spaces), and an ID's
    letters and digits may be joined by a short separator or none: ``AV-0001`` is
    found as ``AV 0001``, ``av0001``, ``AV–0001`` or ``AV/0001``, but not inside
    ``AV-00012`` or ``XAV-0001``. Short all-digit IDs are not looked for (see
    :func:`case_keys`; pass its result to check many texts against many IDs). The text
    is read once whatever the number of IDs.
    """
    keys = case_keys(case_ids)
    if not keys:
        return False
    longest = max(map(len, keys))
    folded = normalise(text).casefold()
    words = list(_ID_PARTS.finditer(folded))
    for i, first in enumerate(words):
        joined, j = first.group(), i
        while True:
            if joined in keys:
                return True
            j += 1
            if j == len(words) or not _ID_GAP.fullmatch(folded, words[j - 1].end(), words[j].start()):
                break
            joined += words[j].group()
            if len(joined) > longest:
                break
    return False


def _texts(cases: pd.DataFrame, column: str, answers_to: str | None = None) -> list[tuple[Any, str, str]]:
    """(answer, Case ID, text, where) for each case with text in ``column``, in case order (answer to ``answers_to``).

    Plain lists rather than a frame filtered per criterion: an area has a few
    dozen cases and these run once per criterion and theme.
    """
    if column not in cases:
        return []
    answers = cases[answers_to] if answers_to is not None else [None] * len(cases)
    out = []
    for cid, answer, text, file, sheet, refs in zip(
        cases["case_id"], answers, cases[column], cases["file"], cases["sheet"], cases["text_cells"], strict=True
    ):
        if isinstance(text, str) and text.strip():
            out.append((answer, cid, text, f"{file}, {sheet}!{(refs or {}).get(column, '?')}"))
    return out


def _extract(case_id: Any, text: Any, where: str) -> Extract:
    text = text.strip() if isinstance(text, str) else ""
    return Extract(str(case_id), None if scan_text(text) else text, where)


def _extracts(cases: pd.DataFrame, column: str) -> list[Extract]:
    """Up to MAX_EXTRACTS texts of ``column``, in case order."""
    return [_extract(cid, text, where) for _, cid, text, where in _texts(cases, column)[:MAX_EXTRACTS]]


def _concern(category: str | None) -> tuple[str, ...]:
    """The answers whose evidence shows a result: Yes for a strength, No or Partly otherwise."""
    return ("Yes",) if category == STRENGTH else ("No", "Partly")


def _evidence(
    cases: pd.DataFrame, fw: Framework, findings: list[Finding], judged: dict[str, str]
) -> dict[str, list[Extract]]:
    """Per criterion and theme, extracts chosen by the judgement recorded, or else by the data's indication."""
    texts = {cid: _texts(cases, evidence_column(cid), cid) for cid in fw.criterion_ids}
    out: dict[str, list[Extract]] = {}
    for f in findings:
        wanted = _concern(JUDGED_CATEGORY.get(judged.get(f.id, ""), f.category))
        ids = [f.id] if f.level == "criterion" else [c.id for c in fw.criteria_in(f.id)]
        found: list[Extract] = []
        for cid in ids:
            for answer, case_id, text, where in texts[cid]:
                if len(found) == MAX_EXTRACTS:
                    break
                chosen = {x.case_id for x in found}
                if answer in wanted and f"{case_id}" not in chosen:
                    found.append(_extract(case_id, text, where))
        out[f.id] = found
    return out


def _notes(escalated: pd.DataFrame) -> list[tuple[Any, Any, str]]:
    """Each escalated case's ID, note (None when blank) and the note's cell."""
    column = "free_escalation_note"
    return [
        (cid, text, f"{file}, {sheet}!{(refs or {}).get(column, '?')}")
        for cid, text, file, sheet, refs in zip(
            escalated["case_id"],
            escalated[column],
            escalated["file"],
            escalated["sheet"],
            escalated["text_cells"],
            strict=True,
        )
    ]


def _judgements(data: AuditData, fw: Framework, findings: list[Finding]) -> list[Judgement]:
    frame = data.judgements
    if frame is None or frame.empty:
        return []
    indicated = {f.id: f.category for f in findings}
    out = []
    for _, r in frame[frame["status"] == "scored"].iterrows():
        kind, target = r["target_kind"], r["target"]
        label = (
            f"{target} {fw.criterion(target).label}"
            if kind == "criterion"
            else fw.theme(target).label
            if kind == "theme"
            else target
        )
        ind = indicated.get(target) if kind != "learning theme" else None
        judged = JUDGED_CATEGORY.get(r["judgement"])
        agrees = None if judged is None or ind in (None, TOO_SMALL) else judged == ind
        out.append(
            Judgement(
                target=target,
                kind=kind,
                label=label,
                judgement=r["judgement"],
                reason=r["judgement_reason"],
                reason_where=(r["file"], r["sheet"], r["judgement_reason_cell"]),
                agreed_by=r["free_agreed_by"],
                date=r["date"],
                indicated=ind,
                agrees=agrees,
            )
        )
    out.sort(key=lambda j: JUDGEMENT_ORDER.index(j.judgement))
    return out


def _learning(cases: pd.DataFrame, fw: Framework) -> pd.Series:
    named = cases["learning_themes"] if "learning_themes" in cases else pd.Series([], dtype=object)
    counts = {t: int(sum(t in (v or ()) for v in named)) for t in fw.learning_themes}
    return pd.Series(counts, dtype=int, name="cases")


def _agency_own(data: AuditData, cases: pd.DataFrame, fw: Framework) -> pd.DataFrame | None:
    """Each agency's own answers pooled over its criteria, for the scored cases it answered for."""
    own = data.agency_answers
    if own is None or own.empty:
        return None
    scored = set(cases["case_id"])
    own = own[(own["status"] == "scored") & own["case_id"].isin(scored)].reset_index(drop=True)
    if own.empty:
        return None
    criteria_for = {
        aid: [c.id for c in fw.criteria if aid in c.agencies] or list(fw.criterion_ids) for aid in fw.agencies
    }
    agencies = [aid for aid in fw.agencies if (own["agency"] == aid).any()]
    table = group_results(own, {aid: own["agency"] == aid for aid in agencies}, fw, criteria_for)
    table.insert(0, "label", [fw.agencies[aid] for aid in table.index])
    table.insert(1, "criteria", [", ".join(criteria_for[aid]) for aid in table.index])
    return table


def _headline(judgements: list[Judgement], findings: list[Finding], fw: Framework) -> list[Headline]:
    """At most MAX_HEADLINES points: judgements (most pressing first), key criteria, then the largest concerns."""
    points: list[Headline] = []
    seen: set[str] = set()

    def add(kind: str, target: str, level: str) -> None:
        if len(points) < MAX_HEADLINES and target not in seen:
            seen.add(target)
            points.append(Headline(kind, target, level))

    for j in judgements:
        if j.judgement != "No judgement":
            add("judgement", j.target, j.kind)
    for c in fw.criteria:
        if c.key:
            add("key", c.id, "criterion")
    concerns = [f for f in findings if f.level == "criterion" and f.category in (PRIORITY, IMPROVEMENT)]
    concerns.sort(key=lambda f: (f.category != PRIORITY, f.pct_yes if f.pct_yes is not None else 101.0))
    for f in concerns:
        add("concern", f.id, "criterion")
    return points


def practice_tables(data: AuditData, cases: pd.DataFrame, fw: Framework, findings: list[Finding]) -> Practice:
    """An area's practice from its data slice (``data``: one area) and scored ``cases``."""
    judgements = _judgements(data, fw, findings)
    judged = {j.target: j.judgement for j in judgements}
    details = next(iter(data.details.values()), {}) if data.details else {}
    escalated = cases[cases["escalated"].eq(True)] if "escalated" in cases else cases.iloc[0:0]
    return Practice(
        details={name: details.get(name) for name in DETAILS_FIELDS},
        judgements=judgements,
        evidence=_evidence(cases, fw, findings, judged),
        escalated=len(escalated),
        escalations=[_extract(cid, text, where) for cid, text, where in _notes(escalated)],
        learning=_learning(cases, fw),
        impact=_extracts(cases, "free_impact"),
        good_practice=_extracts(cases, "free_good_practice"),
        agreed_changes=data.agreed_changes,
        agency_own=_agency_own(data, cases, fw),
        headline=_headline(judgements, findings, fw),
    )
