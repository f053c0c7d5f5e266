"""Findings as an inspection letter frames them: strengths, areas for improvement, areas for priority action.

A JTAI letter gives no grade. Each criterion and theme is placed in one of the
three from its % Yes, its 95% Wilson interval and whether it is key, by the
thresholds in the framework file (``findings:``); a result from too few answers
is "too small to conclude". Each gets a plain-English sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from audit.framework.model import Framework
from audit.framework.settings import FindingRules, finding_rules

STRENGTH = "strength"
IMPROVEMENT = "improvement"
PRIORITY = "priority"
TOO_SMALL = "too_small"
CATEGORY_LABELS = {
    STRENGTH: "Strength",
    IMPROVEMENT: "Area for improvement",
    PRIORITY: "Area for priority action",
    TOO_SMALL: "Too small to conclude",
}
# The order a letter sets them out in.
CATEGORY_ORDER = (STRENGTH, IMPROVEMENT, PRIORITY, TOO_SMALL)


@dataclass(frozen=True)
class Finding:
    """One criterion's or theme's result and what it means."""

    level: str  # "criterion" or "theme"
    id: str
    label: str
    theme: str
    key: bool
    category: str
    reason: str
    phrase: str
    yes: int
    partly: int
    no: int
    answered: int
    pct_yes: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @property
    def name(self) -> str:
        """The ID and label, as tables show them."""
        return f"{self.id} {self.label}" if self.level == "criterion" else self.label


def classify(
    answered: int,
    pct_yes: float | None,
    ci_low: float | None,
    ci_high: float | None,
    key: bool,
    rules: FindingRules,
) -> tuple[str, str]:
    """The category of one result and the reason for it, in words.

    Too small to conclude below ``min_answered`` answers; then priority action
    when even the interval's upper end is below ``priority_upper`` or a key
    criterion's % Yes is below ``key_priority_pct``; a strength when even the
    lower end reaches ``strength_lower``; otherwise an area for improvement.
    """
    if answered < rules.min_answered or pct_yes is None or ci_low is None or ci_high is None:
        return TOO_SMALL, (f"only {answered} answered; at least {rules.min_answered} are needed to draw a conclusion")
    if ci_high < rules.priority_upper:
        return PRIORITY, (f"even the top of the 95% interval ({ci_high:.0f}%) is below {rules.priority_upper:.0f}%")
    if key and pct_yes < rules.key_priority_pct:
        return PRIORITY, f"a key criterion met in fewer than {rules.key_priority_pct:.0f}% of cases"
    if ci_low >= rules.strength_lower:
        return STRENGTH, (
            f"even the bottom of the 95% interval ({ci_low:.0f}%) is at least {rules.strength_lower:.0f}%"
        )
    return IMPROVEMENT, (f"the 95% interval ({ci_low:.0f}% to {ci_high:.0f}%) does not show it is reliably done")


def _number(value: object) -> float | None:
    return None if value is None or value != value else float(value)  # type: ignore[arg-type]


def _finding(
    level: str, fid: str, label: str, theme: str, key: bool, phrase: str, row: pd.Series, rules: FindingRules
) -> Finding:
    pct, low, high = _number(row["pct_yes"]), _number(row["ci_low"]), _number(row["ci_high"])
    category, reason = classify(int(row["answered"]), pct, low, high, key, rules)
    return Finding(
        level=level,
        id=fid,
        label=label,
        theme=theme,
        key=key,
        category=category,
        reason=reason,
        phrase=phrase,
        yes=int(row["yes"]),
        partly=int(row["partly"]),
        no=int(row["no"]),
        answered=int(row["answered"]),
        pct_yes=pct,
        ci_low=low,
        ci_high=high,
    )


def assess(criteria: pd.DataFrame, themes: pd.DataFrame, fw: Framework) -> list[Finding]:
    """Findings for every criterion then every theme, from score_criteria and score_themes frames."""
    rules = finding_rules(fw)
    out = []
    for c in fw.criteria:
        phrase = rules.phrases.get(c.id) or f'the criterion "{c.label}" was met'
        out.append(_finding("criterion", c.id, c.label, c.theme, c.key, phrase, criteria.loc[c.id], rules))
    for t in fw.themes:
        phrase = f"{t.label[0].lower()}{t.label[1:]}"
        out.append(_finding("theme", t.id, t.label, t.id, False, phrase, themes.loc[t.id], rules))
    return out


def sentence(
    f: Finding,
    yes: object | None = None,
    answered: object | None = None,
    partly: object | None = None,
    rate_shown: bool = True,
) -> str:
    """The finding in plain English: "In 9 of 24 cases (38%; 95% interval 21% to 57%) the child's voice...".

    ``yes``, ``answered`` and ``partly`` are the counts as they may be shown
    (``[c]`` in a published report); by default the finding's own. With
    ``rate_shown`` False the percentage and interval are left out.
    """
    yes = f.yes if yes is None else yes
    answered = f.answered if answered is None else answered
    partly = f.partly if partly is None else partly
    if f.answered == 0:
        what = "case was" if f.level == "criterion" else "answer was"
        return f"No {what} judged Yes, Partly or No on {f.label[0].lower()}{f.label[1:]}."
    rate = ""
    if rate_shown and f.pct_yes is not None:
        rate = f" ({f.pct_yes:.0f}%; 95% interval {f.ci_low:.0f}% to {f.ci_high:.0f}%)"
    if f.level == "theme":
        text = f"On {f.phrase}, {yes} of {answered} answers{rate} were Yes"
        return text + (f" and {partly} more were Partly." if f.partly else ".")
    text = f"In {yes} of {answered} cases{rate} {f.phrase}"
    return text + (f"; in {partly} more this was partly so." if f.partly else ".")


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a table (one row each) for workbooks, explorers and tests."""
    return pd.DataFrame(
        [
            {
                "level": f.level,
                "id": f.id,
                "label": f.label,
                "theme": f.theme,
                "key": f.key,
                "category": f.category,
                "category_label": f.category_label,
                "reason": f.reason,
                "yes": f.yes,
                "partly": f.partly,
                "no": f.no,
                "answered": f.answered,
                "pct_yes": f.pct_yes,
                "ci_low": f.ci_low,
                "ci_high": f.ci_high,
                "sentence": sentence(f),
            }
            for f in findings
        ]
    )


def by_category(findings: list[Finding], level: str | None = None) -> dict[str, list[Finding]]:
    """Findings grouped in letter order (strengths first), optionally of one level only."""
    out: dict[str, list[Finding]] = {c: [] for c in CATEGORY_ORDER}
    for f in findings:
        if level is None or f.level == level:
            out[f.category].append(f)
    return out
