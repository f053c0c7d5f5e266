"""The report sections on the audit's practice: escalations, impact and learning, how the audit was done.

Each reads the practice as this version may show it (``pub.practice``): the full
version quotes auditors' text with each Case ID, for the audit team; the published
version has none of it (the publish stage leaves it out) and says so in one
sentence. Every count goes through the published result (``pub.shown``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from audit.analyse.practice import MAX_EXTRACTS, Extract
from audit.check.audit_details import DETAILS_FIELDS, SELECTION_METHODS
from audit.publish import cells
from audit.publish.published import PublishedResult
from audit.render.html_blocks import Fragment, esc, table

NOT_RECORDED = "not recorded"
NO_NOTE = "no note recorded"
# Said once, where the full version would quote auditors' text ("{what} is for the audit team ...").
LEFT_OUT = "is for the audit team and is left out of the published version"
# Selection methods whose results stand for the eligible cases as a whole.
REPRESENTATIVE = (SELECTION_METHODS[0], "All eligible cases")


def date_text(value: Any) -> str:
    """A date as the rest of the report writes it ("29 October 2025"); anything else as text."""
    if isinstance(value, dt.date):
        return f"{value:%-d %B %Y}"
    return "" if value is None else str(value)


def extracts_html(pub: PublishedResult, extracts: Sequence[Extract], lead: str = "") -> str:
    """Up to three extracts, each with its Case ID (full version only: nothing at all when published).

    A cell the personal-data scan flagged shows as withheld, never as its text.
    """
    if pub.publish or not extracts:
        return ""
    items = []
    for e in list(extracts)[:MAX_EXTRACTS]:
        text = f"<em>{esc(e.shown)}</em>" if e.withheld else f"“{esc(e.shown)}”"
        items.append(f'<li>{text} <span class="case-id">(Case {esc(e.case_id)})</span></li>')
    intro = f'<p class="evidence-lead">{esc(lead)}</p>' if lead else ""
    return f'{intro}<ul class="evidence">{"".join(items)}</ul>'


def escalations(pub: PublishedResult) -> Fragment:
    """The box a report opens with when any case was escalated during the audit; nothing when none was.

    The full version lists each case with its note (who was told and when); the
    published version gives only the number of cases, suppressed like every count.
    """
    cell = cells.ESCALATED.cell("cases")
    if not pub.count(cell).value:
        return Fragment("")
    parts = [
        '<div class="escalations">',
        "<h2>Children escalated during the audit</h2>",
        f"<p>Cases in which the auditors found a child at immediate risk and escalated it at once: {pub.shown(cell)}.",
    ]
    if pub.publish:
        parts.append(
            " Which cases they were, and who was told, is for the audit team and is left out of the "
            "published version.</p></div>"
        )
        return Fragment("".join(parts))
    parts.append(" Each is listed with the note of who was told and when.</p>")
    frame = pd.DataFrame(
        [
            {"Case ID": e.case_id, "Escalation note": e.shown if e.withheld or e.text else NO_NOTE}
            for e in pub.practice.escalations
        ],
        columns=["Case ID", "Escalation note"],
    )
    parts.append(table(frame, f"Cases escalated during the audit, {pub.area}"))
    parts.append("</div>")
    return Fragment("".join(parts))


def _detail(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return NOT_RECORDED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return date_text(value)


def audit_details(pub: PublishedResult) -> Fragment:
    """How this audit was done: every Audit details field with its label, "not recorded" where missing."""
    details = pub.practice.details
    rows = "".join(
        f"<dt>{esc(label)}</dt><dd>{esc(_detail(details.get(name)))}</dd>" for name, label in DETAILS_FIELDS.items()
    )
    selection = details.get("selection")
    if selection is None:
        note = (
            "How the cases were selected was not recorded, so it is not known whether they stand for every "
            "eligible child in the area."
        )
    elif selection in REPRESENTATIVE:
        note = f"The cases were selected as: {esc(selection)}, so they stand for the eligible children in the area."
    else:
        note = (
            f"The cases were selected as: {esc(selection)}, not at random, so the results describe the cases "
            "chosen rather than every eligible child in the area."
        )
    return Fragment(
        "<h2>How this audit was done</h2>"
        "<p>From the workbook's Audit details sheet; a field it does not give is shown as not recorded.</p>"
        f'<dl class="details">{rows}</dl><p>{note}</p>'
    )


def impact_learning(pub: PublishedResult) -> Fragment:
    """Learning themes with their number of cases, and what difference the work made and good practice."""
    fw, practice = pub.framework, pub.practice
    parts = ["<h2>Impact and learning</h2>", "<h3>Learning themes</h3>"]
    if not fw.learning_themes:
        parts.append("<p>This framework names no learning themes.</p>")
    else:
        frame = pd.DataFrame(
            {
                "Learning theme": list(fw.learning_themes),
                "Cases": [pub.shown(cells.learning(str(t)).cell("cases")) for t in fw.learning_themes],
            }
        )
        parts.append(
            "<p>Auditors named the learning themes each case showed; a case may show several, so the numbers "
            "do not add up to the cases scored.</p>"
            + table(frame, f"Scored cases by learning theme, {pub.area}", numeric=["Cases"])
        )
    if pub.publish:
        parts.append(
            "<h3>What difference the work made, and good practice</h3>"
            f"<p>What the auditors wrote about the difference the work made and about good practice {LEFT_OUT}.</p>"
        )
        return Fragment("".join(parts))
    for heading, found, none in (
        ("What difference the work made", practice.impact, "No auditor recorded what difference the work made."),
        ("Good practice", practice.good_practice, "No auditor recorded good practice."),
    ):
        parts.append(f"<h3>{heading}</h3>")
        parts.append(
            extracts_html(pub, found, f"In the auditors' words (up to {MAX_EXTRACTS} cases):")
            if found
            else f"<p>{none}</p>"
        )
    return Fragment("".join(parts))
