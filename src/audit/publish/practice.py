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

from audit.analyse.practice import WITHHELD, Practice, flagged
from audit.check.audit_data import SCORED, AuditData
from audit.errors import AuditError

Where = tuple[str, str, str | None]  # (file, sheet, cell) of a reason


def reason_failures(reasons: Iterable[tuple[str | None, Where]], case_ids: Iterable[str]) -> list[Where]:
    """Where each reason that looks like it holds personal data or names one of ``case_ids`` is."""
    ids = [str(c) for c in case_ids if c is not None]
    return [where for reason, where in reasons if isinstance(reason, str) and reason and flagged(reason, ids)]


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


def refuse_area(data: AuditData) -> None:
    """Stop one area's data (:meth:`AuditData.for_area`) from being published if a judgement reason may not be."""
    refuse_reasons(data_reasons(data), data.cases["case_id"])


def for_publication(practice: Practice) -> Practice:
    """The practice less every auditor's text, every Case ID and who agreed each judgement.

    The counts stay (read as registered cells); the extracts' lists are emptied,
    so a renderer given the published result has no free text to show. The Audit
    details describe the method and are published, but a text field the scan
    flags shows as withheld.
    """
    details = {k: WITHHELD if isinstance(v, str) and flagged(v) else v for k, v in practice.details.items()}
    return dataclasses.replace(
        practice,
        details=details,
        judgements=[dataclasses.replace(j, agreed_by=None) for j in practice.judgements],
        evidence={key: [] for key in practice.evidence},
        escalations=[],
        impact=[],
        good_practice=[],
    )
