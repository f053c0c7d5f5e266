"""Every table an area's report shows, computed once from its scored cases.

:func:`analyse_tables` runs each analysis one time; the report's sections,
charts, ``summary.json``, the scored workbook and disclosure control all read
these tables rather than working them out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit.analyse import age_bands, agencies, compare, moderation
from audit.analyse.findings import Finding, assess
from audit.analyse.practice import Practice, practice_tables
from audit.analyse.rounds import rounds_table
from audit.check.audit_data import AuditData
from audit.framework.model import Framework


@dataclass(frozen=True)
class Analysis:
    """One area's analysis tables, as plain data (see each analysis module for the columns)."""

    agencies: pd.DataFrame  # agencies.agency_results
    sharing: pd.DataFrame  # agencies.sharing_results
    bands: pd.DataFrame  # age_bands.age_band_results
    focus: pd.DataFrame | None  # age_bands.focus_by_criterion (None without a focus group)
    rounds: pd.DataFrame  # rounds.rounds_table
    change: pd.DataFrame | None  # compare.change_since_previous (None with fewer than two rounds)
    pairs: pd.DataFrame  # moderation.matched: the moderated cases beside their first answers
    agreement: pd.DataFrame  # moderation.agreement (empty when nothing was moderated)
    grade_pairs: pd.DataFrame  # moderation.grade_comparison (empty when nothing was moderated)
    unmatched: list[str]  # moderation.unmatched: moderation rows naming no scored case
    moderation: dict[str, Any]  # moderation.moderation_summary
    findings: list[Finding]  # findings.assess over criteria and themes
    others: pd.DataFrame  # compare.area_results: every area of the run, for the comparisons
    practice: Practice  # practice.practice_tables: judgements, evidence, escalations, learning, audit details


def analyse_tables(
    cases: pd.DataFrame,
    criteria: pd.DataFrame,
    themes: pd.DataFrame,
    second: pd.DataFrame | None,
    fw: Framework,
    others: pd.DataFrame,
    data: AuditData,
) -> Analysis:
    """Run every analysis once over one area's scored ``cases`` (``second``: its moderation rows, if any).

    ``data`` is the area's slice of the audit data, for the optional sheets (judgements, agency answers, details).
    """
    pairs = moderation.matched(cases, second)
    agreement = moderation.agreement(pairs, fw) if not pairs.empty else pd.DataFrame()
    findings = assess(criteria, themes, fw)
    earlier = [(e.scored, e.framework) for e in data.earlier]  # older rounds, under an older framework version
    return Analysis(
        agencies=agencies.agency_results(cases, fw),
        sharing=agencies.sharing_results(cases, fw),
        bands=age_bands.age_band_results(cases, fw),
        focus=age_bands.focus_by_criterion(cases, fw),
        rounds=rounds_table(cases, fw, earlier),
        change=compare.change_since_previous(cases, fw, earlier),
        pairs=pairs,
        agreement=agreement,
        grade_pairs=moderation.grade_comparison(pairs, fw) if not pairs.empty else pd.DataFrame(),
        unmatched=moderation.unmatched(cases, second),
        moderation=moderation.agreement_summary(pairs, agreement),
        findings=findings,
        others=others,
        practice=practice_tables(data, cases, fw, findings),
    )
