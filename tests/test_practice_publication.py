"""The practice core's scans and its published form (issue 13): what may be published, and what never is."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from audit.analyse.practice import WITHHELD, names_case
from audit.check.validate import load_audit
from audit.errors import AuditError
from audit.framework.model import load_framework
from audit.publish.practice import for_publication, practice_reasons, refuse_reasons, without_free_text
from audit.run.area_input import report_results
from tests.practice_books import AREAS, MARK, case_id, write_marked

IDS = ["AV-0001", "C1", "101", "ab_12"]


@pytest.mark.parametrize(
    "text",
    [
        "as seen in AV-0001.",
        "AV 0001 showed",
        "av0001",
        "AV\u20130001",  # en dash
        "\uff21\uff36\uff0d\uff10\uff10\uff10\uff11",  # full-width, as pasted from some systems
        "AV\u2011 0001",  # non-breaking hyphen and a space
        "AV-\u200b0001",  # a zero-width space inside
        "(AV/0001)",
        "C1 and others",
        "ab-12",
    ],
)
def test_a_case_id_is_found_however_it_is_typed(text):
    assert names_case(text, IDS)


@pytest.mark.parametrize(
    "text",
    ["AV-00012", "XAV-0001", "case 101 of many", "C10", "3 of 12 cases", "A1 was weak", "AV-0002", ""],
)
def test_other_words_and_numbers_are_not_case_ids(text):
    assert not names_case(text, IDS)


@pytest.fixture(scope="module")
def fw():
    return load_framework()


def _practice(tmp_path, fw, **kwargs):
    data = load_audit([write_marked(tmp_path / "a.xlsx", fw, areas=AREAS[:1], **kwargs)], fw, scan=False)
    pub = report_results(data, True, 5)[AREAS[0]]
    return data, pub


def test_an_audit_detail_naming_a_case_or_holding_personal_data_is_withheld_when_published(tmp_path, fw):
    details = {"Cohort": f"children such as {case_id(AREAS[0], 4)}", "Auditors' agencies": "Police; SW1A 1AA"}
    data, pub = _practice(tmp_path, fw, details=details)
    own = pub.analysed.analysis.practice.details
    assert own["cohort"].startswith("children such as") and "SW1A" in own["auditors_agencies"]
    shown = pub.practice.details
    assert shown["cohort"] == WITHHELD and shown["auditors_agencies"] == WITHHELD
    assert shown["title"] == "A synthetic audit for the leak tests"


def test_published_practice_has_no_free_text_left(tmp_path, fw):
    _, pub = _practice(tmp_path, fw)
    practice = pub.practice
    assert all(v == [] for v in practice.evidence.values()) and practice.evidence
    assert practice.escalations == practice.impact == practice.good_practice == []
    assert all(j.agreed_by is None for j in practice.judgements)
    assert practice.escalated == 7  # a count: read through its registered cell, suppressed like any other
    text = repr(dataclasses.asdict(practice))
    assert MARK not in text


def test_without_free_text_blanks_every_free_column_but_keeps_the_figures(tmp_path, fw):
    _, pub = _practice(tmp_path, fw)
    kept = without_free_text(pub.analysed)
    frames = [kept.cases, kept.data.cases, kept.data.moderation, kept.data.judgements, kept.analysis.pairs]
    for frame in frames:
        for column in frame.columns:
            assert not frame[column].astype(str).str.contains(MARK.replace("-", "")).any() or column in (
                "case_id",
                "first_case_id",
                "second_case_id",
            ), column
    pd.testing.assert_frame_equal(kept.criteria, pub.analysed.criteria)
    assert kept.analysis.practice.escalated == pub.analysed.analysis.practice.escalated
    assert list(kept.analysis.practice.learning) == list(pub.analysed.analysis.practice.learning)
    # The run's own result is untouched: the restricted outputs are made from it.
    assert any(pub.analysed.analysis.practice.evidence.values())
    assert pub.analysed.cases["free_impact"].notna().all()


def test_a_reason_given_as_a_number_is_scanned_as_its_text(tmp_path, fw):
    """A number typed into Reason (an NHS number stored as a number) is read as text and refused."""
    judged = [["V1", "Strength", 9434765919, "x", dt.date(2025, 1, 1)]]
    data = load_audit([write_marked(tmp_path / "a.xlsx", fw, areas=AREAS[:1], judgements=judged)], fw, scan=False)
    from audit.analyse.area_result import analyse_area

    result = analyse_area(data, publish=True)
    with pytest.raises(AuditError) as caught:
        refuse_reasons(practice_reasons(result.analysis.practice), result.data.cases["case_id"])
    assert caught.value.code == "judgement-reason-refused" and "943" not in str(caught.value)


def test_more_than_five_refused_reasons_are_counted_not_all_listed(tmp_path, fw):
    rows = [[c.id, "Strength", f"as in {case_id(AREAS[0], 2)}", "x", None] for c in fw.criteria[:7]]
    data = load_audit([write_marked(tmp_path / "a.xlsx", fw, areas=AREAS[:1], judgements=rows)], fw, scan=False)
    from audit.analyse.area_result import analyse_area

    result = analyse_area(data, publish=True)
    with pytest.raises(AuditError) as caught:
        refuse_reasons(practice_reasons(result.analysis.practice), result.data.cases["case_id"])
    message = str(caught.value)
    assert message.startswith("not published: 7 judgement reason(s)") and "and 2 more" in message
    assert message.count("Judgements!") == 5 and MARK not in message


def test_for_publication_without_case_ids_still_scans_for_personal_data(tmp_path, fw):
    data, pub = _practice(tmp_path, fw, details={"Cohort": "call 020 7946 0000"})
    assert for_publication(pub.analysed.analysis.practice).details["cohort"] == WITHHELD


def test_an_audit_detail_given_as_a_number_is_read_as_the_text_it_shows_and_scanned(tmp_path, fw):
    data, pub = _practice(tmp_path, fw, details={"Cohort": 9434765919, "Audit title": 12.0})
    assert pub.analysed.analysis.practice.details["title"] == "12"
    assert pub.practice.details["cohort"] == WITHHELD


def test_a_reason_naming_a_case_of_another_area_stops_every_area_it_would_be_published_in(tmp_path, fw):
    """A judgement with no Area applies to each area of its workbook; its reason once named the other area's case."""
    from audit.run.area_input import published_results

    judged = [["V1", "Strength", f"as in {case_id(AREAS[1], 3)}", "x", None]]
    data = load_audit([write_marked(tmp_path / "a.xlsx", fw, judgements=judged)], fw, scan=False)
    pubs, refused = published_results(data, True, 5)
    assert pubs == {} and set(refused) == set(AREAS)
    assert all("a.xlsx, Judgements!C2" in why and MARK not in why for why in refused.values())


def test_case_ids_are_worked_out_once_for_many_reasons():
    from audit.analyse.practice import case_keys

    keys = case_keys([f"AV-{i:04d}" for i in range(3000)] + ["12", None])
    assert len(keys) == 3000 and case_keys(keys) is keys
    assert names_case("seen in av 2999", keys) and not names_case("12 cases", keys)
