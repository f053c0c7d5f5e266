"""What a published report may say of the audit's practice: people's judgements, never auditors' free text.

Auditors' text (evidence, the difference the work made, good practice, escalation
notes) and Case IDs are for the audit team: the published version leaves every
one of them out, and who agreed each judgement too. Judgement reasons are written
for publication, so they appear, but only after the same scan as every cell (and a
scan for the area's Case IDs); a reason that fails it stops the area, named by
file, sheet and cell, never quoted. Counts (escalations, learning themes, answers
changed by agreement) are registered cells, suppressed like every other count.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd

from audit.analyse.area_result import AreaResult
from audit.analyse.practice import WITHHELD, Practice, case_keys, flagged
from audit.check.audit_data import SCORED, AuditData, is_free_text
from audit.errors import AuditError

Where = tuple[str, str, str | None]  # (file, sheet, cell) of a reason


def reason_failures(reasons: Iterable[tuple[str | None, Where]], case_ids: Iterable[object]) -> list[Where]:
    """Where each reason that looks like it holds personal data or names one of ``case_ids`` is."""
    keys = case_keys(case_ids)
    return [where for reason, where in reasons if isinstance(reason, str) and reason and flagged(reason, keys)]


def practice_reasons(practice: Practice) -> list[tuple[str | None, Where]]:
    """The judgement reasons of an analysed area, with their cells."""
    return [(j.reason, j.reason_where) for j in practice.judgements]


def data_reasons(data: AuditData) -> list[tuple[str | None, Where]]:
    """The judgement reasons of an area's data, before it is analysed (rows left out are never shown)."""
    frame = data.judgements
    if frame is None or frame.empty:
        return []
    used = frame[frame["status"] == SCORED]
    return [
        (r, (f, s, c))
        for r, f, s, c in zip(
            used["judgement_reason"], used["file"], used["sheet"], used["judgement_reason_cell"], strict=True
        )
    ]


def refuse_reasons(reasons: Iterable[tuple[str | None, Where]], case_ids: Iterable[str]) -> None:
    """Stop an area whose judgement reasons may not be published, naming each cell (never its text)."""
    failed = reason_failures(reasons, case_ids)
    if not failed:
        return
    places = "; ".join(f"{file}, {sheet}!{cell}" for file, sheet, cell in failed[:5])
    more = len(failed) - 5
    raise AuditError(
        f"not published: {len(failed)} judgement reason(s) look like they hold personal data or a Case ID: {places}"
        + (f" and {more} more" if more > 0 else "")
        + ". Reword the Reason on the Judgements sheet for publication",
        code="judgement-reason-refused",
    )


def refuse_area(data: AuditData, case_ids: Iterable[object] | None = None) -> None:
    """Stop one area's data (:meth:`AuditData.for_area`) from being published if a judgement reason may not be.

    ``case_ids``: every Case ID of the run (by default the area's own). A judgement with no
    Area applies to every area of its workbook, so its reason is published in each of
    them: naming a case of any area stops it.
    """
    refuse_reasons(data_reasons(data), data.cases["case_id"] if case_ids is None else case_ids)


def for_publication(practice: Practice, case_ids: Iterable[object] = ()) -> Practice:
    """The practice less every auditor's text, every Case ID and who agreed each judgement.

    The counts stay (read as registered cells); the extracts' lists are emptied,
    so a renderer given the published result has no free text to show. The Audit
    details describe the method and are published, but a text field the scan
    flags, or that names one of the area's ``case_ids``, shows as withheld.
    """
    keys = case_keys(case_ids)
    details = {k: WITHHELD if isinstance(v, str) and flagged(v, keys) else v for k, v in practice.details.items()}
    return dataclasses.replace(
        practice,
        details=details,
        judgements=[dataclasses.replace(j, agreed_by=None) for j in practice.judgements],
        evidence={key: [] for key in practice.evidence},
        escalations=[],
        impact=[],
        good_practice=[],
    )


def without_free_text(result: AreaResult) -> AreaResult:
    """The area's result less every auditor's text, for the kernel that renders its published report.

    The run keeps the whole result for the restricted outputs (the scored workbook, the
    full summary); what it hands a published report's kernel holds no free text at all
    (evidence, impact, good practice, escalation notes, other columns, who agreed each
    judgement), so no section can print what it was never given. Case IDs stay: the
    analyses are keyed by them, and the published pages never show them.
    """
    data = result.data
    data = dataclasses.replace(
        data,
        cases=_blank(data.cases),
        moderation=_blank(data.moderation),
        judgements=_blank(data.judgements),
        derived=dict(data.derived),
    )
    analysis = result.analysis
    frames = {
        f.name: _blank(v)
        for f in dataclasses.fields(analysis)
        if isinstance(v := getattr(analysis, f.name), pd.DataFrame)
    }
    practice = for_publication(analysis.practice, result.data.cases["case_id"])
    analysis = dataclasses.replace(analysis, **frames, practice=practice)
    return dataclasses.replace(result, data=data, cases=_blank(result.cases), analysis=analysis)


def _free(column: str) -> bool:
    """A free-text column, also as the moderation pairs name it (``first_free_...``, ``second_free_...``)."""
    first, _, rest = column.partition("_")
    return is_free_text(column) or (first in ("first", "second") and is_free_text(rest))


def _blank(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with its free-text columns emptied (None; ``free_text``, the other columns by header: {})."""
    if frame is None:
        return None
    columns = [c for c in frame.columns if _free(str(c))]
    if not columns:
        return frame
    frame = frame.copy()
    for column in columns:
        values = [{} if column.endswith("free_text") else None for _ in range(len(frame))]
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame
