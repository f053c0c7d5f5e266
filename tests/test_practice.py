"""The practice worked out once per area (issue 13): judgements beside the data, evidence, headline points, and
what the published version keeps of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.findings import PRIORITY, STRENGTH
from audit.analyse.practice import MAX_EXTRACTS, MAX_HEADLINES, WITHHELD, flagged, names_case
from audit.check.validate import load_audit
from audit.errors import AuditError
from audit.framework.model import Framework
from audit.publish import cells
from audit.publish.practice import for_publication
from audit.run.area_input import report_result
from tests.conftest import case_row, header_for
from tests.published import published

JUDGEMENT_HEADER = ["Criterion or theme", "Judgement", "Reason", "Agreed by", "Date"]
POSTCODE = "SW1A 1AA"  # a postcode's shape: the personal-data scan flags it


def _book(path: Path, fw: Framework, rows: list[list[Any]], sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(fw, ("V1 evidence", "Escalated", "Escalation note", "Learning themes")))
    for row in rows:
        ws.append(row)
    for name, sheet_rows in sheets.items():
        extra = wb.create_sheet(name)
        for row in sheet_rows:
            extra.append(row)
    wb.save(path)
    return path


def _row(fw: Framework, cid: str, evidence: Any, escalated: Any = None, note: Any = None, themes: Any = None, **kw):
    row = case_row(fw, cid, **kw)
    return [*row[:6], evidence, escalated, note, themes, *row[6:]]


def _data(tmp_path: Path, fw: Framework, judgements: list[list[Any]] | None = None, v1: str = "No"):
    """Twelve cases: V1 answered ``v1`` in C1-C8 and Yes in C9-C12, with evidence on each."""
    rows = [_row(fw, f"C{i}", f"Evidence {i} for V1", V1=v1 if i <= 8 else "Yes") for i in range(1, 13)]
    rows[1][6] = f"Seen at {POSTCODE}"  # C2's evidence looks like personal data
    rows[0][7:10] = ["Yes", "Told the duty manager", "Coercive control"]
    sheets = {"Judgements": [JUDGEMENT_HEADER, *judgements]} if judgements else {}
    return load_audit(_book(tmp_path / "a.xlsx", fw, rows, sheets), fw)


def test_a_judgement_is_set_beside_the_data_and_marked_where_they_differ(tmp_path, framework):
    data = _data(
        tmp_path,
        framework,
        [
            ["I1", "Area for priority action", "Rarely identified.", "Panel", None],
            ["V1", "Area for priority action", "Seldom heard.", None, None],
            ["Coercive control", "Area for improvement", "Not recognised.", None, None],
            ["A1", "No judgement", None, None, None],
        ],
    )
    practice = analyse_area(data).analysis.practice
    by = {j.target: j for j in practice.judgements}
    assert by["V1"].indicated == PRIORITY and by["V1"].agrees is True  # 4 of 12 Yes
    assert by["I1"].indicated == STRENGTH and by["I1"].agrees is False  # every case Yes
    assert by["Coercive control"].indicated is None and by["Coercive control"].agrees is None
    assert by["A1"].agrees is None  # no judgement: nothing to compare
    # Most pressing first, as the report and the action plan list them.
    assert [j.judgement for j in practice.judgements][-1] == "No judgement"
    assert by["I1"].reason_where == ("a.xlsx", "Judgements", "C2") and by["I1"].agreed_by == "Panel"


def test_evidence_follows_the_judgement_else_the_data_and_withholds_flagged_cells(tmp_path, framework):
    practice = analyse_area(_data(tmp_path, framework)).analysis.practice
    v1 = practice.evidence["V1"]  # the data indicate a concern: cases answered No
    assert [e.case_id for e in v1] == ["C1", "C2", "C3"] and len(v1) == MAX_EXTRACTS
    assert v1[1].withheld and v1[1].shown == WITHHELD and POSTCODE not in repr(v1[1])
    assert v1[0].shown == "Evidence 1 for V1" and v1[0].where == "a.xlsx, Cases!G2"
    # A strength judged by people: the evidence is from cases answered Yes.
    judged = _data(tmp_path, framework, [["V1", "Strength", "Children were seen.", None, None]])
    assert [e.case_id for e in analyse_area(judged).analysis.practice.evidence["V1"]] == ["C9", "C10", "C11"]
    # A theme's extracts come from its criteria, a case at most once.
    theme = practice.evidence[framework.criterion("V1").theme]
    assert len({e.case_id for e in theme}) == len(theme) <= MAX_EXTRACTS


def test_headline_has_at_most_five_points_judgements_first(tmp_path, framework):
    judgements = [["I1", "Strength", "Always identified.", None, None]] + [
        [c.id, "Area for improvement", "Not reliable.", None, None] for c in framework.criteria[1:6]
    ]
    practice = analyse_area(_data(tmp_path, framework, judgements)).analysis.practice
    assert len(practice.headline) == MAX_HEADLINES
    assert all(h.kind == "judgement" for h in practice.headline)
    # The five areas for improvement come before the strength, which does not fit.
    assert [h.target for h in practice.headline] == [c.id for c in framework.criteria[1:6]]
    plain = analyse_area(_data(tmp_path, framework)).analysis.practice.headline
    keys = [c.id for c in framework.criteria if c.key]
    assert [h.target for h in plain[: len(keys)]] == keys and {h.kind for h in plain[len(keys) :]} <= {"concern"}


def test_escalations_learning_and_details_are_kept_with_counts_registered(tmp_path, framework):
    result = analyse_area(_data(tmp_path, framework))
    practice = result.analysis.practice
    assert practice.escalated == 1 and practice.escalations[0].shown == "Told the duty manager"
    assert practice.learning["Coercive control"] == 1 and set(practice.learning.index) == set(
        framework.learning_themes
    )
    assert set(practice.details) >= {"selection", "cohort"} and practice.details["selection"] is None
    full = published(_data(tmp_path, framework))
    assert full.shown(cells.ESCALATED.cell("cases")) == 1
    assert full.shown(cells.learning("Coercive control").cell("cases")) == 1
    pub = published(_data(tmp_path, framework), threshold=5)
    assert pub.shown(cells.ESCALATED.cell("cases")) == "[c]"
    assert pub.shown(cells.learning("Coercive control").cell("cases")) == "[c]"


def test_the_published_practice_holds_no_auditors_text(tmp_path, framework):
    data = _data(tmp_path, framework, [["V1", "Area for priority action", "Seldom heard.", "Ms Panel", None]])
    pub = published(data, threshold=5)
    practice = pub.practice
    assert practice.escalations == [] and practice.impact == [] and practice.good_practice == []
    assert all(not extracts for extracts in practice.evidence.values())
    assert practice.judgements[0].agreed_by is None and practice.judgements[0].reason == "Seldom heard."
    # The full version keeps them, and for_publication leaves the original untouched.
    full = published(data)
    assert full.practice.escalations and full.practice.evidence["V1"] and full.practice.judgements[0].agreed_by
    assert for_publication(full.practice).evidence["V1"] == [] and full.practice.evidence["V1"]


def test_published_details_withhold_a_flagged_text(tmp_path, framework):
    rows = [_row(framework, "C1", None)]
    details = [["Audit title", f"Audit at {POSTCODE}"], ["How cases were selected", "Random sample"]]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, {"Audit details": details}), framework)
    pub = published(data, threshold=5)
    assert pub.practice.details["title"] == WITHHELD and pub.practice.details["selection"] == "Random sample"
    assert published(data).practice.details["title"] == f"Audit at {POSTCODE}"


@pytest.mark.parametrize(
    "reason",
    ["Case C7 shows the risk.", "As in c7, the risk was missed.", f"The family at {POSTCODE}.", "Call 07700 900123."],
)
def test_a_reason_naming_a_case_or_personal_data_stops_the_published_area(tmp_path, framework, reason):
    data = _data(tmp_path, framework, [["V1", "Area for priority action", reason, None, None]])
    with pytest.raises(AuditError) as caught:
        report_result(data, None, True, 5)
    message = str(caught.value)
    assert caught.value.code == "judgement-reason-refused"
    assert "a.xlsx, Judgements!C2" in message and reason not in message
    assert report_result(data, None, False, 5).practice.judgements[0].reason == reason  # the full version shows it


def test_a_refused_area_is_left_out_of_the_others_comparison(tmp_path, framework):
    rows = [_row(framework, f"N{i}", None, area="North") for i in range(8)]
    rows += [_row(framework, f"S{i}", None, area="South") for i in range(8)]
    sheet = [[*JUDGEMENT_HEADER, "Area"], ["V1", "Strength", "As case S3 shows.", None, None, "South"]]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, {"Judgements": sheet}), framework)
    north = report_result(data, "North", True, 5)
    assert north.area == "North" and "South" not in north.others.areas
    with pytest.raises(AuditError):
        report_result(data, "South", True, 5)


@pytest.mark.parametrize(
    ("text", "ids", "named"),
    [
        ("see AV-0012 for detail", ["AV-0012"], True),
        ("see av-0012.", ["AV-0012"], True),
        ("see AV-00123", ["AV-0012"], False),  # a longer ID is not this one
        ("3 of 12 cases", ["3", "12"], False),  # short all-digit IDs are ordinary numbers
        ("case 1234 was missed", ["1234"], True),
        ("nothing here", ["C1"], False),
    ],
)
def test_names_case(text, ids, named):
    assert names_case(text, ids) is named


def test_flagged_finds_personal_data_shapes():
    assert flagged(f"lives at {POSTCODE}") and flagged("email a.person@example.org")
    assert not flagged("Children were seen alone in 9 of 12 cases.")


def test_agreed_changes_and_agency_answers_reach_registered_cells(tmp_path, framework):
    rows = [_row(framework, f"C{i}", None) for i in range(1, 7)]
    agreed = [["Case ID", framework.criterion("V1").header], ["C1", "No"], ["C2", "No"]]
    agency = [["Case ID", "Agency", *(c.header for c in framework.criteria)]]
    agency += [[f"C{i}", "Police", *("Yes" for _ in framework.criteria)] for i in range(1, 4)]
    data = load_audit(
        _book(tmp_path / "a.xlsx", framework, rows, {"Agreed answers": agreed, "Agency answers": agency}),
        framework,
    )
    full = published(data)
    assert full.practice.agreed_changes == {"V1": 2}
    assert full.shown(cells.AGREED_CHANGED) == 2 and full.shown(cells.agreed_change("V1")) == 2
    police = framework.agency_id("Police")
    own = full.practice.agency_own
    assert list(own.index) == [police] and full.shown(cells.agency_own(police).cell("cases")) == 3
    assert full.practice.agency_own.loc[police, "pct_yes"] == 100.0
