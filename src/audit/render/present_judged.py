"""The report's summary and findings: people judge, the data indicate.

A category worked out from a result's interval is what the data *indicate*, never
a verdict: only a judgement people recorded (the Judgements sheet) calls a
criterion a strength or an area for improvement or priority action. With
judgements the findings lead with them, their reasons and the data's indication
beside each, marked where the two differ; without, the wording says what the
data indicate and that no judgement has been recorded. Evidence (auditors'
extracts with their Case IDs) is shown in the full version only.
"""

from __future__ import annotations

from audit.analyse.findings import IMPROVEMENT, PRIORITY, STRENGTH, TOO_SMALL, Finding, by_category
from audit.analyse.findings import sentence as finding_sentence
from audit.analyse.practice import JUDGED_CATEGORY, Headline, Judgement
from audit.framework.settings import finding_rules
from audit.publish import cells
from audit.publish.published import PublishedResult
from audit.render.html_blocks import Fragment, esc
from audit.render.present_practice import LEFT_OUT, date_text, extracts_html

# What the data indicate, in words that make no verdict: as a table cell, and after "the data indicate it ...".
INDICATED = {
    STRENGTH: "May be a strength",
    IMPROVEMENT: "May need improvement",
    PRIORITY: "May need priority action",
    TOO_SMALL: "Too small to conclude",
}
_INDICATES = {
    STRENGTH: "may be a strength",
    IMPROVEMENT: "may need improvement",
    PRIORITY: "may need priority action",
}
# The data's categories, most pressing first, with each list's heading and lead.
_CATEGORIES = (
    (PRIORITY, "May need priority action", "The data indicate these may need priority action"),
    (IMPROVEMENT, "May need improvement", "The data indicate these may need improvement"),
    (STRENGTH, "May be strengths", "The data indicate these may be strengths"),
    (TOO_SMALL, "Too small to conclude", "Too few cases answered these for the data to indicate anything"),
)
_JUDGED_AS = {
    "Strength": "a strength",
    "Area for improvement": "an area for improvement",
    "Area for priority action": "an area for priority action",
}


def indication(f: Finding | None) -> str:
    """ "the data indicate it may need priority action", or why they indicate nothing."""
    if f is None:
        return "the data make no call on a learning theme"
    if f.category == TOO_SMALL:
        return "too few cases answered it for the data to indicate anything"
    return f"the data indicate it {_INDICATES[f.category]}"


def _findings(pub: PublishedResult) -> dict[str, Finding]:
    return {f.id: f for f in pub.analysed.analysis.findings}


def finding_text(pub: PublishedResult, f: Finding) -> str:
    """The finding's plain-English sentence with its counts as published (a hidden rate left out)."""
    row = cells.result_row(f.level, f.id)
    return finding_sentence(
        f,
        yes=pub.shown(row.cell("yes")),
        answered=pub.shown(row.cell("answered")),
        partly=pub.shown(row.cell("partly")),
        rate_shown=not pub.rate_hidden(row),
    )


def _judged(j: Judgement) -> bool:
    return j.judgement in JUDGED_CATEGORY


def _comparison(j: Judgement) -> str:
    """Whether the judgement and the data's indication agree, marked plainly where they differ."""
    if j.agrees is True:
        return '<p class="agrees">The judgement and what the data indicate agree.</p>'
    if j.agrees is False:
        return (
            '<p class="differs"><strong>The judgement differs from what the data indicate.</strong> '
            "Its reason says why the partnership judged it so.</p>"
        )
    why = (
        "no judgement was made"
        if not _judged(j)
        else "a learning theme has no result of its own"
        if j.indicated is None
        else "too few cases answered it for the data to indicate anything"
    )
    return f'<p class="not-compared"><strong>Not compared:</strong> {why}.</p>'


def _judgement_block(pub: PublishedResult, j: Judgement, found: dict[str, Finding], heading: str) -> str:
    f = found.get(j.target) if j.kind != "learning theme" else None
    recorded = f"Recorded {date_text(j.date)}" if j.date is not None else "Date not recorded"
    agreed = f"; agreed by {esc(j.agreed_by)}" if j.agreed_by and not pub.publish else ""
    if f is not None:
        data = f"<p>Indicated by the data: {INDICATED[f.category].lower()}. {esc(finding_text(pub, f))}</p>"
    elif j.kind == "learning theme":
        cases = pub.shown(cells.learning(j.target).cell("cases"))
        data = f"<p>Cases whose auditors named this learning theme: {cases}.</p>"
    else:
        data = ""
    return (
        f"<{heading}>{esc(j.label)}: {esc(j.judgement)}</{heading}>"
        f"<p><strong>Reason:</strong> {esc(j.reason) if j.reason else 'no reason recorded'}</p>"
        f"<p>{recorded}{agreed}.</p>"
        + data
        + _comparison(j)
        + extracts_html(pub, pub.practice.evidence.get(j.target, []), "Evidence from the case files:")
    )


def findings(pub: PublishedResult) -> Fragment:
    """Judgements people recorded first, with the data's indication beside each; then what the data indicate."""
    fw, practice = pub.framework, pub.practice
    rules = finding_rules(fw)
    found = _findings(pub)
    judgements = practice.judgements
    parts = [
        "<h2>Findings</h2>",
        "<p>People judge; the data indicate. "
        + (
            "The partnership recorded the judgements that follow, each with its reason; beside each is what the data "
            "indicate. "
            if judgements
            else "No judgement has been recorded (the workbook has no Judgements sheet), so this section gives "
            "only what the data indicate, for the partnership to judge. "
        )
        + "What the data indicate follows a rule on each result's 95% interval: a result may be a strength when "
        f"even the low end of its interval is at least {rules.strength_lower:.0f}% Yes; it may need priority "
        f"action when even the high end is below {rules.priority_upper:.0f}%, or when a key criterion was met in "
        f"fewer than {rules.key_priority_pct:.0f}% of cases; otherwise it may need improvement. With fewer than "
        f"{rules.min_answered} cases answered, a result is too small to conclude on.</p>",
    ]
    if pub.publish:
        parts.append(f"<p>The auditors' evidence behind each finding {LEFT_OUT}.</p>")
    judged = {j.target for j in judgements if _judged(j)}
    sub = "h3"
    if judgements:
        parts.append("<h3>Judgements recorded</h3>")
        parts += [_judgement_block(pub, j, found, "h4") for j in judgements]
        parts.append(
            "<h3>What the data indicate where no judgement was recorded</h3>"
            "<p>Criteria and themes with a judgement are not repeated here.</p>"
        )
        sub = "h4"
    grouped = by_category([f for f in found.values() if f.id not in judged])  # criteria, then themes
    for category, heading, lead in _CATEGORIES:
        items = grouped[category]
        if not items and category == TOO_SMALL:
            continue
        parts.append(f"<{sub}>{heading} (indicated by the data)</{sub}>")
        if not items:
            parts.append("<p>None of the criteria or themes.</p>")
            continue
        tail = "" if category == TOO_SMALL else "; no judgement has been recorded"
        parts.append(f"<p>{lead}{tail}.</p><ul>")
        for f in items:
            evidence = extracts_html(pub, practice.evidence.get(f.id, []))
            parts.append(
                f"<li><strong>{esc(f.name)}</strong>{' (key criterion)' if f.key else ''}. "
                f"{esc(finding_text(pub, f))}{evidence}</li>"
            )
        parts.append("</ul>")
    return Fragment("".join(parts))


def _point(pub: PublishedResult, h: Headline, found: dict[str, Finding]) -> str:
    """One headline point: a judgement with its reason, a key criterion, or a concern the data indicate."""
    if h.kind == "judgement":
        j = next(j for j in pub.practice.judgements if j.target == h.target and _judged(j))
        f = found.get(j.target) if j.kind != "learning theme" else None
        side = ""
        if j.kind == "learning theme":
            side = f" Cases whose auditors named it: {pub.shown(cells.learning(j.target).cell('cases'))}."
        elif f is not None:
            side = f" Beside it, {indication(f)}" + (
                " (they differ)." if j.agrees is False else "." if j.agrees else " (not compared)."
            )
        reason = f" {esc(j.reason)}" if j.reason else ""
        return f"<strong>{esc(j.label)}</strong>: judged {_JUDGED_AS[j.judgement]}.{reason}{side}"
    f = found[h.target]
    key = " (key criterion)" if f.key else ""
    return (
        f"<strong>{esc(f.name)}</strong>{key}. {esc(finding_text(pub, f))} In short, {indication(f)}; "
        "no judgement has been recorded."
    )


def headline(pub: PublishedResult) -> Fragment:
    """The summary: at most five points, judgements first, then key criteria, then the largest concerns."""
    cases = pub.count(cells.CASES)
    if cases.value == 0:
        return Fragment(
            "<h2>Summary</h2><p>No case could be scored, so this report has no findings. "
            "The data quality section says why.</p>"
        )
    excluded = pub.count(cells.EXCLUDED)
    parts = [
        f"<h2>Summary</h2><p>{cases} cases were scored"
        + (f" and {excluded} rows were left out (see data quality)" if excluded.value else "")
        + ". "
        + (
            "These points lead with the judgements the partnership recorded."
            if any(_judged(j) for j in pub.practice.judgements)
            else "No judgement has been recorded, so these points say what the data indicate."
        )
        + "</p>"
    ]
    found = _findings(pub)
    points = [_point(pub, h, found) for h in pub.practice.headline]
    if points:
        parts.append("<ul>" + "".join(f"<li>{p}</li>" for p in points) + "</ul>")
    parts.append("<p>Every criterion's result is in the annex at the end of the report.</p>")
    if cases.value < 10:
        parts.append(
            f"<p><strong>The sample is small ({cases} cases):</strong> "
            "the intervals are wide, so treat differences between criteria with care.</p>"
        )
    return Fragment("".join(parts))
