"""summary.json's practice keys: escalations, judgements, audit details, learning themes, answers changed by
agreement and each agency's own answers, as published (issue 13)."""

from __future__ import annotations

import json

import pytest

from audit.check.audit_data import is_free_text
from audit.check.audit_details import DETAILS_FIELDS
from audit.check.validate import load_audit
from audit.publish.disclosure import SUPPRESSED
from audit.render.summary_json import summary_dict
from tests.conftest import SAMPLE_DATA, case_row
from tests.published import published

PRACTICE_KEYS = ["escalated", "judgements", "audit_details", "learning_themes", "agency_answers"]
JUDGEMENT_KEYS = ["target", "kind", "label", "judgement", "reason", "date", "indicated", "agrees"]


@pytest.fixture(scope="module")
def data(framework):
    return load_audit(SAMPLE_DATA, framework, scan=False)


def _summary(data, area, threshold=None):
    return summary_dict(published(data, area, threshold))


def test_full_version_keys_in_order_with_judgements_beside_the_data(data):
    s = _summary(data, "Elderwyke Downs")
    assert list(s)[-6:] == ["moderation", *PRACTICE_KEYS]
    judged = s["judgements"]
    assert [j["target"] for j in judged] == ["A2", "S1", "Perpetrator accountability", "I4"]  # priority first
    assert all(list(j) == [*JUDGEMENT_KEYS, "agreed_by"] for j in judged)
    s1 = judged[1]
    assert (s1["judgement"], s1["indicated"], s1["agrees"]) == (
        "Area for improvement",
        "Area for priority action",
        False,
    )
    assert s1["date"] == "2025-11-17" and s1["agreed_by"] == "Audit panel"
    theme = judged[2]
    assert (theme["kind"], theme["indicated"], theme["agrees"]) == ("learning theme", None, None)
    details = s["audit_details"]
    assert list(details) == list(DETAILS_FIELDS)
    assert details["selection"] == "Selected by inspectors" and details["reviewed_from"] == "2025-03-12"
    assert details["families_involved"] is True
    assert s["moderation"]["agreed_changes"] == {"answers": 3, "criteria": {"A4": 2, "P4": 1}}
    assert s["escalated"] == 0 and s["agency_answers"] is None
    assert s["learning_themes"]["Perpetrator accountability"] == 7
    json.dumps(s)  # JSON-ready throughout


def test_escalations_and_learning_themes_are_counted(data):
    s = _summary(data, "Brackenholt Moor")
    assert s["escalated"] == 1
    assert list(s["learning_themes"]) == list(data.framework.learning_themes)
    assert s["judgements"] == [] and s["agency_answers"] is None


def test_agency_answers_are_each_agencys_own(data):
    own = _summary(data, "Fennistow Bay")["agency_answers"]
    assert list(own) == ["police", "health"]
    police = own["police"]
    assert (police["label"], police["cases"], police["yes"], police["answered"]) == ("Police", 8, 47, 85)
    assert police["pct_yes"] == 55.3 and police["criteria"][:2] == ["I1", "I2"]


def test_published_counts_are_suppressed(data):
    s = _summary(data, "Brackenholt Moor", 5)
    assert s["escalated"] == SUPPRESSED  # one case escalated: a small count
    assert s["learning_themes"]["Coercive control"] == SUPPRESSED and s["learning_themes"]["Information sharing"] == 0
    changed = _summary(data, "Elderwyke Downs", 5)["moderation"]["agreed_changes"]
    assert changed == {"answers": SUPPRESSED, "criteria": {"A4": SUPPRESSED, "P4": SUPPRESSED}}
    own = _summary(data, "Fennistow Bay", 5)["agency_answers"]["police"]
    assert (own["yes"], own["partly"], own["no"]) == (47, SUPPRESSED, SUPPRESSED)
    hidden = _summary(data, "Fennistow Bay", 50)["agency_answers"]["police"]  # its Yes is a small count now
    assert hidden["yes"] == SUPPRESSED and hidden["pct_yes"] == hidden["ci_low"] == SUPPRESSED


def test_published_summary_holds_no_free_text(data):
    """No Case ID, evidence, impact, good practice, escalation note or who agreed a judgement, in any area."""
    cases = data.cases
    texts = {str(v).strip() for c in cases.columns if is_free_text(c) for v in cases[c] if isinstance(v, str)}
    texts |= {str(v) for v in data.judgements["free_agreed_by"] if isinstance(v, str)}
    texts = {t for t in texts if len(t) >= 8}
    ids = {str(c) for c in cases["case_id"]}
    assert texts and ids
    for area in data.areas:
        s = _summary(data, area, 5)
        text = json.dumps(s)
        assert not [t for t in texts if t in text], area
        assert not [c for c in ids if f'"{c}"' in text or f"{c} " in text], area
        assert all(list(j) == JUDGEMENT_KEYS for j in s["judgements"])


def test_details_not_recorded_are_null(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, f"C{i}") for i in range(6)]), framework, scan=False)
    s = _summary(data, None)
    assert s["audit_details"] == dict.fromkeys(DETAILS_FIELDS)
    assert s["judgements"] == [] and s["escalated"] == 0
    assert s["moderation"]["agreed_changes"] == {"answers": 0, "criteria": {}}
