"""The report sections on how far to trust the results: data quality, moderation, and the method.

The rows left out, the problems found and the moderated cases' IDs appear only
in the full version, for the audit team; the published version prints counts
alone, each through the published result.
"""

from __future__ import annotations

import pandas as pd

from audit.analyse.area_result import file_accounting
from audit.framework.settings import finding_rules, moderation_rules
from audit.publish import cells
from audit.publish.disclosure import SUPPRESSED
from audit.publish.published import PublishedResult
from audit.render.html_blocks import Fragment, _join, _pct, esc, table


def data_quality(pub: PublishedResult) -> Fragment:
    data = pub.analysed.data
    counts = (
        f"<p>{pub.shown(cells.ROWS)} rows were read: {pub.shown(cells.CASES)} "
        f"cases scored and {pub.shown(cells.EXCLUDED)} rows left out."
    )
    if pub.publish:
        return Fragment(
            "<h2>Data quality</h2>" + counts + " The rows left out and the problems found in the workbooks are "
            "listed in the restricted outputs, which are not for publication.</p>"
        )
    parts = ["<h2>Data quality</h2>", counts + " Every row is accounted for below.</p>"]
    files = file_accounting(pub.analysed)
    if len(files) > 1:
        frame = pd.DataFrame(
            [
                {
                    "File": n,
                    "Rows read": f["rows_read"],
                    "Cases scored": f["cases_scored"],
                    "Rows left out": f["cases_excluded"],
                }
                for n, f in files.items()
            ]
        )
        parts.append(
            table(
                frame,
                f"Rows read from each file, {pub.area}",
                numeric=["Rows read", "Cases scored", "Rows left out"],
            )
        )
    ex = data.exclusions()
    if ex:
        frame = pd.DataFrame(
            [
                {
                    "Case ID": e["case_id"] or "(blank)",
                    "File": e["file"],
                    "Cell": e["cell"],
                    "Reason": e["reason"],
                }
                for e in ex
            ]
        )
        parts.append(table(frame, f"Rows left out, {pub.area}"))
    from audit.check.row_checks import BLANK_FIELDS, blank_subject
    from audit.codes import ROW_EXCLUDED

    # Blank cells are counted per column rather than listed one by one: there may be hundreds.
    blanks: dict[tuple[str | None, str], list[str]] = {}
    problems = []
    for p in data.problems:
        subject = blank_subject(p)
        if subject is not None:
            blanks.setdefault((p.sheet, subject), []).append(p.cell or "")
        elif p.code not in ROW_EXCLUDED:
            problems.append(p)
    if blanks:
        n_blank = sum(len(refs) for refs in blanks.values())
        labels = {c.id: c.header for c in pub.framework.criteria}
        order = {s: i for i, s in enumerate([*BLANK_FIELDS.values(), *labels])}
        frame = pd.DataFrame(
            [
                {
                    "Column": labels.get(subject, subject),
                    "Sheet": sheet,
                    "Blank cells": len(refs),
                    "Cells": ", ".join(refs[:10]) + (f" and {len(refs) - 10} more" if len(refs) > 10 else ""),
                }
                for (sheet, subject), refs in sorted(
                    blanks.items(), key=lambda kv: (kv[0][0] != "Cases", order.get(kv[0][1], len(order)))
                )
            ]
        )
        parts.append(
            f"<p>{n_blank} cells of cases were left blank. A blank answer is counted as missing, not as No; "
            "auditors should answer N/A where a criterion does not apply.</p>"
        )
        parts.append(table(frame, f"Blank cells by column, {pub.area}", numeric=["Blank cells"]))
    if problems:
        frame = pd.DataFrame([{"Where": p.where, "Severity": p.severity, "Problem": p.message} for p in problems])
        parts.append(
            f"<p>{len(problems)} other problems were found in the workbook. Invalid answers are not "
            "scored; the rest of each case is.</p>"
        )
        parts.append(table(frame, f"Problems found in the workbook, {pub.area}"))
    if not ex and not problems and not blanks:
        parts.append("<p>No problems were found.</p>")
    return Fragment("".join(parts))


def about(pub: PublishedResult) -> Fragment:
    fw = pub.framework
    inputs = "".join(f"<li>{esc(name)}</li>" for name in sorted(pub.analysed.data.files))
    return Fragment(
        "<h2>About this report</h2>"
        f"<p>Criteria: {esc(fw.title)} ({esc(fw.id)}, version {esc(fw.version)}). Answers of Yes, Partly, No "
        "and N/A (with common spellings) are accepted; blank answers are treated as missing, never as No. "
        "Intervals are 95% Wilson score intervals, which suit small samples. A criterion has one answer per "
        "case. A theme, an agency's result and an age band's pool several answers from each case, and answers "
        "within a case are not independent (a well-run case tends to do well on every criterion), so their "
        "intervals treat the case as the cluster: the spread of the cases' own rates gives an effective number "
        "of answers, never more than the answers themselves, and the Wilson interval is worked out on that "
        "number. No result is called the strongest or weakest, and no difference is called clear, on fewer "
        f"than {finding_rules(fw).min_answered} answers in each group; where a section makes several "
        "comparisons, Holm's method keeps the chance of any false 'clear' difference at 5%. A case-file audit "
        "looks at a sample of cases, so its results describe that sample, not every child in the area.</p>"
        f"<p>Input files:</p><ul>{inputs}</ul>"
        "<p>The area's data as read from them (its rows and sheets) has the fingerprint "
        f"SHA-256 <code>{esc(pub.analysed.fingerprint[:16])}…</code>. It changes only when that data does, not when a "
        "workbook is saved again or another area's rows change; the run's manifest.json gives each file's "
        "own SHA-256.</p>"
    )


def _pairs(pub: PublishedResult, row: cells.Row) -> int:
    """A criterion's true number of moderated pairs, to decide whether it has an agreement rate at all."""
    return pub.count(row.cell("pairs")).value


def moderation(pub: PublishedResult) -> Fragment:
    """Agreement between the first auditor and the second (moderating) auditor."""
    fw, an = pub.framework, pub.analysed.analysis
    pairs, missing = an.pairs, an.unmatched
    parts = ["<h2>Moderation</h2>"]
    if pairs.empty:
        parts.append(
            "<p>No case in this area was audited a second time (there is no Moderation sheet with its cases), "
            "so agreement between auditors cannot be reported.</p>"
        )
        return Fragment("".join(parts) + _agreed(pub))
    rules = moderation_rules(fw)
    n = pub.shown(cells.MODERATED)
    parts.append(
        f"<p>A second auditor audited {n} of the cases again. For each criterion, agreement is the share of "
        "cases where both gave the same answer (Yes, Partly, No or N/A), and Cohen's kappa discounts the "
        "agreement expected by chance (1 is perfect, 0 no better than chance). A criterion is flagged where "
        f"agreement is below {rules.agreement_min:.0f}% or kappa below {rules.kappa_min:g}: auditors read it "
        "differently, so its results deserve care. With so few cases kappa is unsteady, so treat a flag as a "
        "prompt for discussion.</p>"
    )
    if missing and not pub.publish:
        parts.append(
            f"<p>{len(missing)} case(s) on the Moderation sheet match no scored case and are left out: "
            f"{esc(', '.join(missing))}.</p>"
        )
    rows, flagged, shown = [], [], 0
    for cid, r in an.agreement.iterrows():
        row = cells.agreement(cid)
        hide = any(pub.count(row.cell(k)).suppressed for k in ("pairs", "agreed"))
        shown += not hide
        if r["flagged"] and not hide:
            flagged.append(f"{cid} {r['label']}")
        rows.append(
            {
                "Criterion": f"{cid} {r['label']}",
                "Pairs": pub.shown(row.cell("pairs")),
                "Agreement": SUPPRESSED if hide else _pct(r["agreement_pct"]) if _pairs(pub, row) else "",
                "Kappa": SUPPRESSED
                if hide
                else ""
                if r["kappa"] != r["kappa"] or r["kappa"] is None
                else f"{r['kappa']:.2f}",
                "Flag": "" if hide else ("Auditors disagree: " + r["reason"]) if r["flagged"] else "",
            }
        )
    parts.append(
        "<p>"
        + (
            f"Flagged for disagreement between auditors: {esc(_join(flagged))}."
            if flagged
            else "No criterion was flagged."
            if shown
            else "Agreement is not published, since it would reveal small counts."
        )
        + " Kappa is left blank where it cannot be worked out (every answer the same from both auditors).</p>"
    )
    parts.append(
        table(
            pd.DataFrame(rows),
            f"Agreement between auditors by criterion, {pub.area}",
            ["Pairs", "Agreement", "Kappa"],
        )
    )
    auditors, first, second = (cells.moderation_grade(who) for who in ("auditors", "first", "second"))
    same_s, both_s = pub.shown(auditors.cell("agreed")), pub.shown(auditors.cell("cases"))
    f_s, total_s = pub.shown(first.cell("agreed")), pub.shown(first.cell("cases"))
    s_s = pub.shown(second.cell("agreed"))
    parts.append(
        "<h3>Overall grades</h3>"
        f"<p>The two auditors gave the same overall grade for {same_s} of {both_s} cases. The first auditor's "
        f"grade matched the grade derived from their own answers for {f_s} of {total_s} cases; the second "
        f"auditor's for {s_s}.</p>"
    )
    if not pub.publish:
        grades_ = an.grade_pairs
        gframe = pd.DataFrame(
            {
                "Case ID": grades_["case_id"],
                "First auditor's grade": grades_["first_grade"],
                "Derived from first auditor's answers": grades_["first_derived"],
                "Second auditor's grade": grades_["second_grade"],
                "Derived from second auditor's answers": grades_["second_derived"],
            }
        )
        parts.append(table(gframe, f"Grades of the moderated cases, {pub.area}"))
    return Fragment("".join(parts) + _agreed(pub))


def _agreed(pub: PublishedResult) -> str:
    """How many answers the agreed answers changed after moderation, and in which criteria ("" when none)."""
    changes = pub.practice.agreed_changes
    if not changes:
        return ""
    fw = pub.framework
    frame = pd.DataFrame(
        {
            "Criterion": [f"{cid} {fw.criterion(cid).label}" for cid in changes],
            "Answers changed": [pub.shown(cells.agreed_change(cid)) for cid in changes],
        }
    )
    return (
        "<h3>Answers agreed after moderation</h3>"
        "<p>After moderation the auditors agreed answers for some cases (the Agreed answers sheet). Where given, "
        "the agreed answer replaces the first auditor's answer in every result of this report. The agreed answers "
        f"changed {pub.shown(cells.AGREED_CHANGED)} answers in all, in these criteria.</p>"
        + table(frame, f"Answers changed by the agreed answers, by criterion, {pub.area}", ["Answers changed"])
    )
