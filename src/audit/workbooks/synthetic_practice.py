"""Deterministic synthetic practice for the sample: evidence, impact, themes, escalation and the optional sheets.

Everything here is invented: stock sentences that name no person, place or date of birth,
built from the answers already drawn for each case. Each part draws from its own seeded
generator, so adding it leaves the cases' answers, and every figure made from them, as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from audit.framework.model import Framework
from audit.read.load import PRACTICE_FIELDS, evidence_header
from audit.workbooks.synthetic import _rng

# What an auditor might write behind a Yes, a Partly and a No, by criterion.
EVIDENCE: dict[str, tuple[str, str, str]] = {
    "I1": (
        "The referral and assessment describe the child as a victim in their own right.",
        "The child is named in the records but mostly as a witness to the abuse of the adult.",
        "Records refer to the child only as present in the home.",
    ),
    "I2": (
        "Police log lists every child in the household and what each saw or heard.",
        "Police log lists the children present but not what they saw or heard.",
        "A sleeping sibling was not recorded by the attending officers.",
    ),
    "I3": (
        "The school's safeguarding lead was told before the start of the next school day.",
        "The school was told, but two days after the incident.",
        "No notification to the school is recorded.",
    ),
    "I4": (
        "Referral made the same day with a clear account of the risk to the child.",
        "Referral made promptly but with little about the child's experience.",
        "No referral was made after the incident despite the risk to the child.",
    ),
    "I5": (
        "Midwife identified the risk at booking and shared it with children's social care.",
        "Risk identified by the midwife but shared late in the pregnancy.",
        "No enquiry about domestic abuse is recorded at the antenatal appointments.",
    ),
    "V1": (
        "The child was seen alone and their wishes are recorded and reflected in the plan.",
        "The child's views are recorded but do not shape the plan.",
        "There is no record of the child being seen or spoken with.",
    ),
    "A1": (
        "The assessment sets out the history and the cumulative harm over several years.",
        "Previous incidents are listed but their impact on the child is not analysed.",
        "The assessment considers the latest incident only.",
    ),
    "A2": (
        "Coercive control is named and its effect on the child's daily life described.",
        "Controlling behaviour is mentioned but its impact on the child is not explored.",
        "No consideration of coercive or controlling behaviour.",
    ),
    "A3": (
        "Strategy discussion held within a day with police, health and school present.",
        "Strategy discussion held in time but without the school.",
        "No strategy discussion, although the threshold was met.",
    ),
    "A4": (
        "The plan sets out actions for the child's safety and recovery.",
        "The plan includes the child but most actions are for the adult victim.",
        "The plan is about the adult victim only.",
    ),
    "P1": (
        "Perpetrator identified, history checks done and risk assessed with partners.",
        "Perpetrator identified but history checks were incomplete.",
        "The perpetrator is not identified in the children's social care record.",
    ),
    "P2": (
        "Bail conditions and probation contact actively used to manage the risk.",
        "Some actions to manage the risk, but reliance on the mother to keep the child safe.",
        "The plan relies on the non-abusing parent alone to protect the child.",
    ),
    "P3": (
        "Probation made safeguarding enquiries and used the response in sentence planning.",
        "Enquiries were made but the response was not followed up.",
        "No child safeguarding enquiries by probation are recorded.",
    ),
    "P4": (
        "The child was referred to a recovery group and attended.",
        "Support was offered but not followed up when the family did not engage.",
        "No support for the child's recovery was offered.",
    ),
    "S1": (
        "Each agency's information was brought together in one chronology.",
        "Information was shared but not drawn together into one picture.",
        "Agencies held relevant information that was never shared.",
    ),
    "S2": (
        "Police shared the bail conditions with children's social care and the school.",
        "Police actions shared with children's social care but not the school.",
        "Police actions were not shared with other agencies.",
    ),
    "S3": (
        "Health and MARAC information reached the professionals working with the child.",
        "MARAC information shared, but health information was not.",
        "Health information relevant to the child was not shared.",
    ),
}
GENERIC_EVIDENCE = (
    "The records show this was done well and in time.",
    "The records show this was done in part.",
    "The records show no evidence this was done.",
)
IMPACT = {
    "Yes": (
        "The child now feels safer at home and at school.",
        "The child's attendance and wellbeing improved after support started.",
        "The child has a trusted adult at school and says so.",
    ),
    "Partly": (
        "Some improvement in the child's safety, but the risk remains unclear.",
        "The family engaged for a short time; the effect on the child is uncertain.",
    ),
    "No": (
        "Little difference for the child: the same pattern of incidents continued.",
        "No evidence that the work changed the child's circumstances.",
    ),
}
GOOD_PRACTICE = (
    "Creative direct work helped a young child show what life at home was like.",
    "The school's safeguarding lead joined up police, health and social care quickly.",
    "Probation and social care planned a joint visit to manage the risk.",
    "The health visitor followed up a missed appointment the same week.",
)
# Themes suggested by weak answers to these criteria (labels of the default framework's learning themes).
THEME_FOR = {
    "V1": "Child's lived experience",
    "A2": "Coercive control",
    "P2": "Perpetrator accountability",
    "P1": "Perpetrator accountability",
    "S1": "Information sharing",
    "S3": "Information sharing",
    "I5": "Unborn and young babies",
    "P4": "Recovery support for the child",
    "A1": "Professional curiosity",
}
_LEVEL = {"Yes": 0, "Partly": 1, "No": 2}


def add_practice(frame: pd.DataFrame, framework: Framework, seed: int, *, escalate: int | None = None) -> pd.DataFrame:
    """``frame`` (canonical answers, from generate_cases) with evidence and practice columns added.

    About two in three answers get an evidence sentence; half the cases an impact sentence;
    weak answers suggest learning themes. ``escalate`` makes that row (by position) an escalated case.
    """
    out = frame.copy()
    area = str(out["Area"].iloc[0]) if len(out) else ""
    rng = _rng(seed, "practice", area)
    n = len(out)
    for c in framework.criteria:
        texts = EVIDENCE.get(c.id.upper(), GENERIC_EVIDENCE)
        col = []
        for answer, u in zip(out[c.header], rng.random(n), strict=True):
            col.append(texts[_LEVEL[answer]] if answer in _LEVEL and u < 0.65 else None)
        out[evidence_header(c.id)] = col
    means = _mean_points(out, framework)
    impact, themes, good = [], [], []
    for i in range(n):
        level = "Yes" if means[i] >= 0.7 else "Partly" if means[i] >= 0.45 else "No"
        options = IMPACT[level]
        impact.append(options[int(rng.integers(0, len(options)))] if rng.random() < 0.5 else None)
        weak = [
            THEME_FOR[c.id]
            for c in framework.criteria
            if c.id in THEME_FOR and THEME_FOR[c.id] in framework.learning_themes and out.at[i, c.header] == "No"
        ]
        picked = list(dict.fromkeys(weak))[: int(rng.integers(1, 3))]
        themes.append("; ".join(picked) if picked else None)
        good.append(
            GOOD_PRACTICE[int(rng.integers(0, len(GOOD_PRACTICE)))] if level == "Yes" and rng.random() < 0.5 else None
        )
    out[PRACTICE_FIELDS["impact"]] = impact
    out[PRACTICE_FIELDS["learning_themes"]] = themes
    out[PRACTICE_FIELDS["good_practice"]] = good
    escalated: list[str | None] = ["No"] * n
    notes: list[str | None] = [None] * n
    if escalate is not None and 0 <= escalate < n:
        escalated[escalate] = "Yes"
        notes[escalate] = "Team manager in children's social care told by phone on the day of the audit; visit made."
    out[PRACTICE_FIELDS["escalated"]] = escalated
    out[PRACTICE_FIELDS["escalation_note"]] = notes
    return out


def _mean_points(frame: pd.DataFrame, framework: Framework) -> np.ndarray:
    pts = np.full((len(frame), len(framework.criteria)), np.nan)
    for j, c in enumerate(framework.criteria):
        for canon, p in framework.points.items():
            if p is not None:
                pts[(frame[c.header] == canon).to_numpy(), j] = p
    answered = (~np.isnan(pts)).sum(axis=1)
    return np.where(answered > 0, np.nansum(pts, axis=1) / np.maximum(answered, 1), 0.5)


def audit_details(
    areas: Sequence[str], frame: pd.DataFrame, selection: str, audit_type: str = "Multi-agency"
) -> dict[str, Any]:
    """Audit details for a workbook of ``areas``: the period reviewed ends a month before the first audit."""
    first = min(d.date() for d in frame["Audit date"])
    last = max(d.date() for d in frame["Audit date"])
    return {
        "title": f"{' and '.join(areas)}: children as victims of domestic abuse (synthetic data)",
        "reviewed_from": first - dt.timedelta(days=210),
        "reviewed_to": first - dt.timedelta(days=30),
        "selection": selection,
        "cohort": "Children in households with a police-reported domestic abuse incident in the period reviewed",
        "audit_type": audit_type,
        "auditors_agencies": "Children's social care, Police, Health, Education and early years",
        "practitioners_involved": True,
        "families_involved": selection != "Random sample",
        "discussion_date": last + dt.timedelta(days=14),
    }


def agency_rows(frame: pd.DataFrame, framework: Framework, seed: int, n_cases: int = 8) -> list[list[Any]]:
    """Agency answers: police's and health's own answers for the first ``n_cases`` cases they were involved in."""
    rng = _rng(seed, "agency answers", str(frame["Area"].iloc[0]))
    rows: list[list[Any]] = []
    step = {"Yes": "Partly", "Partly": "Yes", "No": "Partly"}
    for aid in ("police", "health"):
        if aid not in framework.agencies:
            continue
        label = framework.agencies[aid]
        involved = [i for i in frame.index if label in str(frame.at[i, "Agencies involved"]).split(", ")][:n_cases]
        for i in involved:
            answers = []
            for c in framework.criteria:
                value = frame.at[i, c.header]
                if aid not in c.agencies:
                    answers.append(None)
                elif value in step and rng.random() < 0.25:
                    answers.append(step[value])
                else:
                    answers.append(value)
            rows.append([frame.at[i, "Case ID"], label, *answers])
    return rows


def agreed_rows(frame: pd.DataFrame, framework: Framework, changes: Mapping[str, int]) -> list[list[Any]]:
    """Agreed answers: for each criterion, ``changes[cid]`` cases answered Partly agreed as No after moderation."""
    rows: dict[str, dict[str, str]] = {}
    for cid, k in changes.items():
        header = framework.criterion(cid).header
        for case_id in list(frame.loc[frame[header] == "Partly", "Case ID"])[:k]:
            rows.setdefault(case_id, {})[cid] = "No"
    return [[case_id, *(agreed.get(c.id) for c in framework.criteria)] for case_id, agreed in rows.items()]


def judgement_rows(judgements: Sequence[tuple[str, str, str]], agreed_on: dt.date) -> list[list[Any]]:
    """Judgements sheet rows from (criterion or theme, judgement, reason)."""
    return [[target, judgement, reason, "Audit panel", agreed_on] for target, judgement, reason in judgements]
