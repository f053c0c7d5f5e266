"""The workbook's practice columns and optional sheets (issue 13): read, checked by cell, and scored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from audit.check.audit_data import evidence_column, is_free_text
from audit.check.validate import load_audit
from audit.framework.model import Framework
from tests.conftest import case_row, header_for

MARK = "Zqx Marker"  # typed into bad cells: no message may repeat it
PRACTICE = (
    "V1 evidence",
    "What difference did it make",
    "Learning themes",
    "Good practice",
    "Escalated",
    "Escalation note",
)


def _book(
    path: Path,
    fw: Framework,
    rows: list[list[Any]],
    header: list[str] | None = None,
    sheets: dict[str, list[list[Any]]] | None = None,
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header or header_for(fw))
    for row in rows:
        ws.append(row)
    for name, sheet_rows in (sheets or {}).items():
        extra = wb.create_sheet(name)
        for row in sheet_rows:
            extra.append(row)
    wb.save(path)
    return path


def _practice_row(fw: Framework, case_id: str, *practice: Any, **answers: Any) -> list[Any]:
    row = case_row(fw, case_id, **answers)
    return [*row[:6], *practice, *row[6:]]


def _codes(data, sheet: str | None = None) -> list[tuple[str, str | None]]:
    return [(p.code, p.cell) for p in data.problems if sheet is None or p.sheet == sheet]


def _no_marker(data) -> None:
    for p in data.problems:
        assert MARK.casefold() not in p.message.casefold(), p


# ------------------------------------------------------------------ Cases: practice columns


def test_practice_columns_are_read_into_free_text_columns(tmp_path, framework):
    header = header_for(framework, PRACTICE)
    rows = [
        _practice_row(
            framework,
            "C1",
            "Seen alone",
            "Safer at home",
            "Coercive control; information sharing",
            "Joint visit",
            "Yes",
            "Told the duty manager",
        ),
        _practice_row(framework, "C2", None, None, None, None, "no", None),
    ]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, header), framework)
    assert _codes(data) == []
    c1, c2 = data.cases.to_dict("records")
    assert c1[evidence_column("V1")] == "Seen alone" and c2[evidence_column("V1")] is None
    assert c1["free_impact"] == "Safer at home" and c1["free_good_practice"] == "Joint visit"
    assert c1["learning_themes"] == ("Coercive control", "Information sharing")
    assert (c1["escalated"], c2["escalated"]) == (True, False)
    assert c1["free_escalation_note"] == "Told the duty manager"
    assert c1["text_cells"] == {
        "free_evidence_V1": "G2",
        "free_impact": "H2",
        "free_good_practice": "J2",
        "free_escalation_note": "L2",
    }
    free = [c for c in data.cases.columns if is_free_text(c)]
    assert {"free_text", "free_impact", "free_good_practice", "free_escalation_note", "free_evidence_S3"} <= set(free)
    assert list(data.escalated["case_id"]) == ["C1"]


def test_practice_headers_match_like_other_headers(tmp_path, framework):
    header = header_for(framework, ("  v1   EVIDENCE ", "what difference did it make?", "LEARNING themes"))
    rows = [_practice_row(framework, "C1", "text", "impact", "Coercive control")]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, header), framework)
    case = data.cases.iloc[0]
    assert (case[evidence_column("V1")], case["free_impact"], case["learning_themes"]) == (
        "text",
        "impact",
        ("Coercive control",),
    )
    assert data.cases.iloc[0]["free_text"] == {}


def test_practice_problems_are_located_and_never_quote_the_cell(tmp_path, framework):
    header = header_for(framework, PRACTICE)
    rows = [
        _practice_row(framework, "C1", None, None, f"Coercive control; {MARK}", None, "Yes", None),
        _practice_row(framework, "C2", None, None, None, None, MARK, None),
        _practice_row(framework, "C3", None, None, None, None, 3, None),
    ]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, header), framework)
    assert _codes(data) == [
        ("learning-theme-unknown", "I2"),
        ("escalation-note-blank", "L2"),
        ("escalated-invalid", "K3"),
        ("escalated-invalid", "K4"),
    ]
    assert [p.severity for p in data.problems] == ["warning", "warning", "error", "error"]
    assert data.cases.iloc[0]["learning_themes"] == ("Coercive control",)
    assert data.cases["escalated"].tolist() == [True, None, None]
    _no_marker(data)


def test_escalated_without_a_note_column_is_warned_at_the_escalated_cell(tmp_path, framework):
    header = header_for(framework, ("Escalated",))
    data = load_audit(_book(tmp_path / "a.xlsx", framework, [_practice_row(framework, "C1", "Yes")], header), framework)
    assert _codes(data) == [("escalation-note-blank", "G2")]


def test_a_workbook_without_the_new_columns_and_sheets_reads_as_before(tmp_path, framework):
    data = load_audit(_book(tmp_path / "a.xlsx", framework, [case_row(framework, "C1")]), framework)
    assert _codes(data) == []
    case = data.cases.iloc[0]
    assert case["escalated"] is None and case["learning_themes"] == () and case["text_cells"] is None
    assert data.details == {} and data.agency_answers is None and data.judgements is None
    assert data.agreed_changes == {}


# ------------------------------------------------------------------ Audit details

DETAILS = [
    ["Field", "Value"],
    ["Audit title", "Spring audit"],
    ["Practice reviewed from", dt.date(2024, 4, 1)],
    ["Practice reviewed to", "30/09/2024"],
    ["how cases were SELECTED", "random sample"],
    ["Cohort", "Children in households with a police-reported incident"],
    ["Audit type", "Joint inspection"],
    ["Auditors' agencies", "Police, Health"],
    ["Practitioners involved", "Yes"],
    ["Families involved", "No"],
    ["Multi-agency discussion date", dt.date(2024, 11, 5)],
]


def test_audit_details_are_read_and_applied_to_each_area_of_the_workbook(tmp_path, framework):
    rows = [case_row(framework, "C1", area="North"), case_row(framework, "C1", area="South")]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, sheets={"Audit details": DETAILS}), framework)
    assert _codes(data) == [("date-as-text", "B4")]
    expected = {
        "title": "Spring audit",
        "reviewed_from": dt.date(2024, 4, 1),
        "reviewed_to": dt.date(2024, 9, 30),
        "selection": "Random sample",
        "cohort": "Children in households with a police-reported incident",
        "audit_type": "Joint inspection",
        "auditors_agencies": "Police, Health",
        "practitioners_involved": True,
        "families_involved": False,
        "discussion_date": dt.date(2024, 11, 5),
    }
    assert data.details == {"North": expected, "South": expected}
    assert data.for_area("South").details == {"South": expected}
    assert data.without_areas({"North": "refused"}).details == {"South": expected}


def test_audit_details_problems_by_cell(tmp_path, framework):
    sheet = [
        ["How cases were selected", MARK],
        ["Audit type", 4],
        ["Practice reviewed from", MARK],
        ["Families involved", MARK],
        [MARK, "x"],
        ["Audit type", "Multi-agency"],
        ["Audit title", None],
    ]
    data = load_audit(
        _book(tmp_path / "a.xlsx", framework, [case_row(framework, "C1")], sheets={"Audit details": sheet}), framework
    )
    assert _codes(data, "Audit details") == [
        ("details-value-invalid", "B1"),
        ("details-value-invalid", "B2"),
        ("date-invalid", "B3"),
        ("details-value-invalid", "B4"),
        ("details-field-unknown", "A5"),
        ("details-field-repeated", "A6"),
    ]
    assert data.details == {"Testshire": {}}
    _no_marker(data)


def test_two_workbooks_of_one_area_that_differ_are_reported(tmp_path, framework):
    a = _book(
        tmp_path / "a.xlsx",
        framework,
        [case_row(framework, "C1")],
        sheets={"Audit details": [["Audit type", "Multi-agency"]]},
    )
    b = _book(
        tmp_path / "b.xlsx",
        framework,
        [case_row(framework, "C2")],
        sheets={"Audit details": [["Audit type", "Joint inspection"]]},
    )
    data = load_audit([a, b], framework)
    assert [(p.code, p.file, p.area) for p in data.problems] == [("details-differ", "b.xlsx", "Testshire")]
    assert data.details["Testshire"]["audit_type"] == "Multi-agency"


# ------------------------------------------------------------------ Agency answers


def test_agency_answers_are_each_agencys_own(tmp_path, framework):
    sheet = [
        ["Agency answers"],
        ["Case ID", "Agency", "V1 Child's voice recorded", "P2", "S1 Information shared"],
        ["C1", "Police", "Y", "no", None],
        ["C1", "midwife", "Partly", None, "N/A"],
        ["C2", "Probation", None, "Yes", "Yes"],
    ]
    rows = [case_row(framework, "C1"), case_row(framework, "C2")]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, sheets={"Agency answers": sheet}), framework)
    assert _codes(data) == []
    got = data.agency_answers
    assert list(got["agency"]) == ["police", "health", "probation"]
    assert list(got["V1"]) == ["Yes", "Partly", None] and list(got["P2"]) == ["No", None, "Yes"]
    assert set(got["area"]) == {"Testshire"} and set(got["status"]) == {"scored"}
    assert got["A1"].isna().all()
    assert len(data.for_area("Testshire").agency_answers) == 3


def test_agency_answers_problems_by_cell(tmp_path, framework):
    sheet = [
        ["Case ID", "Agency", "V1 Child's voice recorded"],
        ["C9", "Police", "Yes"],  # no such case
        ["C1", MARK, "Yes"],  # no such agency
        ["C1", None, "Yes"],
        ["C1", "Police", MARK],  # an invalid answer: the row stands, the answer is not used
        ["C2", "Health", "Yes"],
        ["C2", "health", "No"],  # the same case and agency twice
        [None, "Police", "Yes"],
    ]
    rows = [case_row(framework, "C1"), case_row(framework, "C2")]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, sheets={"Agency answers": sheet}), framework)
    assert sorted(_codes(data, "Agency answers")) == sorted(
        [
            ("case-id-unknown", "A2"),
            ("agency-invalid", "B3"),
            ("agency-invalid", "B4"),
            ("answer-invalid", "C5"),
            ("sheet-row-duplicate", "A6"),
            ("sheet-row-duplicate", "A7"),
            ("case-id-unknown", "A8"),
        ]
    )
    assert all(p.severity == "error" for p in data.problems)
    got = data.agency_answers
    assert list(got["status"]) == ["excluded", "excluded", "excluded", "scored", "excluded", "excluded", "excluded"]
    assert got.loc[3, "V1"] == "Invalid"
    _no_marker(data)


def test_a_case_id_in_two_areas_needs_an_area_column(tmp_path, framework):
    rows = [case_row(framework, "C1", area="North"), case_row(framework, "C1", area="South")]
    plain = [["Case ID", "Agency", "V1"], ["C1", "Police", "Yes"]]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, sheets={"Agency answers": plain}), framework)
    assert _codes(data, "Agency answers") == [("case-id-ambiguous", "A2")]
    with_area = [["Case ID", "Area", "Agency", "V1"], ["C1", "south", "Police", "Yes"]]
    data = load_audit(_book(tmp_path / "b.xlsx", framework, rows, sheets={"Agency answers": with_area}), framework)
    assert _codes(data) == [] and list(data.agency_answers["area"]) == ["South"]


@pytest.mark.parametrize(
    "sheet",
    [
        [["Case ID", "V1"], ["C1", "Yes"]],  # no Agency column
        [["Case ID", "Agency", "V1", "V1 again"], ["C1", "Police", "Yes", "No"]],  # two columns for V1
        [["Agency", "V1"], ["Police", "Yes"]],  # no Case ID header at all
    ],
)
def test_an_agency_answers_sheet_that_cannot_be_read_is_one_error_and_the_cases_still_score(tmp_path, framework, sheet):
    data = load_audit(
        _book(tmp_path / "a.xlsx", framework, [case_row(framework, "C1")], sheets={"Agency answers": sheet}), framework
    )
    assert [p.code for p in data.problems] == ["sheet-unread"]
    assert len(data.scored) == 1 and data.agency_answers is None


# ------------------------------------------------------------------ Judgements

JUDGEMENT_HEADER = ["Criterion or theme", "Judgement", "Reason", "Agreed by", "Date"]


def test_judgements_are_read_for_each_area(tmp_path, framework):
    sheet = [
        ["Judgements agreed by the panel"],
        JUDGEMENT_HEADER,
        ["v1", "Area for priority action", "Children were rarely seen alone.", "Audit panel", dt.date(2025, 3, 1)],
        ["Information sharing and joint working", "strength", "Information was drawn together.", None, None],
        ["Coercive control", "No judgement", None, None, "01/03/2025"],
        ["P2 Perpetrator risk managed", "Area for improvement", "Too reliant on the mother.", None, None],
    ]
    rows = [case_row(framework, "C1", area="North"), case_row(framework, "C1", area="South")]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, sheets={"Judgements": sheet}), framework)
    assert _codes(data) == [("date-as-text", "E5")]
    j = data.for_area("North").judgements
    assert list(j["target"]) == ["V1", "information", "Coercive control", "P2"]
    assert list(j["target_kind"]) == ["criterion", "theme", "learning theme", "criterion"]
    assert list(j["judgement"]) == ["Area for priority action", "Strength", "No judgement", "Area for improvement"]
    assert (
        j.loc[0, "judgement_reason"] == "Children were rarely seen alone." and j.loc[0, "judgement_reason_cell"] == "C3"
    )
    assert j.loc[0, "free_agreed_by"] == "Audit panel" and j.loc[0, "date"] == dt.date(2025, 3, 1)
    assert j.loc[2, "date"] == dt.date(2025, 3, 1)
    assert len(data.judgements) == 8 and set(data.judgements["area"]) == {"North", "South"}


def test_judgements_problems_by_cell(tmp_path, framework):
    sheet = [
        [*JUDGEMENT_HEADER, "Area"],
        [MARK, "Strength", "x", None, None, None],
        ["V1", MARK, "x", None, None, None],
        ["A1", "Strength", None, None, None, None],
        ["S1", "Strength", "x", None, MARK, None],
        ["P1", "Strength", "x", None, None, MARK],
        ["I1", "Strength", "x", None, None, "testshire"],
        ["I1", "Area for improvement", "y", None, None, None],
        [12, None, None, None, None, None],
    ]
    data = load_audit(
        _book(tmp_path / "a.xlsx", framework, [case_row(framework, "C1")], sheets={"Judgements": sheet}), framework
    )
    assert sorted(_codes(data, "Judgements")) == sorted(
        [
            ("judgement-target-unknown", "A2"),
            ("judgement-invalid", "B3"),
            ("judgement-reason-blank", "C4"),
            ("date-invalid", "E5"),
            ("judgement-area-unknown", "A6"),
            ("judgement-repeated", "A7"),
            ("judgement-repeated", "A8"),
            ("judgement-target-unknown", "A9"),
            ("judgement-invalid", "B9"),
        ]
    )
    j = data.judgements.set_index("row")
    assert j.loc[4, "status"] == "scored" and j.loc[5, "status"] == "scored"  # a blank reason or bad date: kept
    assert all(j.loc[r, "status"] == "excluded" for r in (2, 3, 6, 7, 8, 9))
    _no_marker(data)


@pytest.mark.parametrize(
    "sheet",
    [
        [["Target", "Judgement"], ["V1", "Strength"]],
        [["Criterion or theme", "Reason"], ["V1", "x"]],
        [["Criterion or theme", "Judgement", "judgement"], ["V1", "Strength", "Strength"]],
    ],
)
def test_a_judgements_sheet_that_cannot_be_read_is_one_error(tmp_path, framework, sheet):
    data = load_audit(
        _book(tmp_path / "a.xlsx", framework, [case_row(framework, "C1")], sheets={"Judgements": sheet}), framework
    )
    assert [p.code for p in data.problems] == ["sheet-unread"] and data.judgements is None


# ------------------------------------------------------------------ Agreed answers


def _moderated(tmp_path: Path, fw: Framework, agreed: list[list[Any]]) -> Path:
    rows = [case_row(fw, f"C{i}", V1="Partly") for i in range(1, 7)]
    second = [
        ["Case ID", "Area", "V1 Child's voice recorded"],
        ["C1", "Testshire", "No"],
        ["C2", "Testshire", "Partly"],
    ]
    return _book(tmp_path / "m.xlsx", fw, rows, sheets={"Moderation": second, "Agreed answers": agreed})


def test_agreed_answers_replace_the_first_auditors_in_scoring(tmp_path, framework):
    from audit.analyse import moderation
    from audit.analyse.area_result import analyse_area

    agreed = [
        ["Case ID", "V1 Child's voice recorded", "A1"],
        ["C1", "No", None],
        ["C2", "partly", None],
        ["C3", "Yes", "No"],
    ]
    data = load_audit(_moderated(tmp_path, framework, agreed), framework)
    assert [p.code for p in data.problems if p.code != "criterion-column-missing"] == []
    v1 = data.cases.set_index("case_id")["V1"]
    assert list(v1) == ["No", "Partly", "Yes", "Partly", "Partly", "Partly"]
    assert data.agreed_changes == {"V1": 2, "A1": 1}  # C2 agreed the answer already given: no change
    assert data.cases.iloc[0]["first_answers"] == {"V1": "Partly"}
    row = analyse_area(data, "Testshire").criteria.loc["V1"]
    assert (row["yes"], row["partly"], row["no"]) == (1, 4, 1)
    # moderation still compares the two auditors: the first said Partly for C1, the second No
    pairs = moderation.matched(data.scored, data.moderation).set_index("case_id")
    assert pairs.loc["C1", "first_V1"] == "Partly" and pairs.loc["C1", "second_V1"] == "No"


def test_agreed_answers_problems_by_cell(tmp_path, framework):
    agreed = [
        ["Case ID", "V1 Child's voice recorded"],
        ["C9", "Yes"],
        ["C1", MARK],
        ["C2", "Yes"],
        ["C2", "No"],
        [None, "Yes"],
    ]
    data = load_audit(_moderated(tmp_path, framework, agreed), framework)
    assert sorted(_codes(data, "Agreed answers")) == sorted(
        [
            ("case-id-unknown", "A2"),
            ("answer-invalid", "B3"),
            ("sheet-row-duplicate", "A4"),
            ("sheet-row-duplicate", "A5"),
            ("case-id-unknown", "A6"),
        ]
    )
    assert data.agreed_changes == {} and set(data.cases["V1"]) == {"Partly"}
    _no_marker(data)


def test_an_agreed_answer_fills_a_blank_or_invalid_first_answer(tmp_path, framework):
    rows = [case_row(framework, "C1", answer=None), case_row(framework, "C2")]
    agreed = [["Case ID", "V1 Child's voice recorded"], ["C1", "Yes"]]
    data = load_audit(_book(tmp_path / "a.xlsx", framework, rows, sheets={"Agreed answers": agreed}), framework)
    assert list(data.scored["case_id"]) == ["C1", "C2"]  # no longer a row without a valid answer
    blanks = [p.subject for p in data.problems if p.code == "answer-blank"]
    assert "V1" not in blanks and len(blanks) == len(framework.criteria) - 1
    assert data.agreed_changes == {"V1": 1}


# ------------------------------------------------------------------ the framework's learning themes


def test_learning_themes_are_checked_when_the_framework_is_loaded(tmp_path):
    from audit.errors import FrameworkError
    from audit.framework.model import load_framework
    from tests.conftest import SMALL_YAML

    good = tmp_path / "good.yml"
    good.write_text(SMALL_YAML + "learning_themes: [Voice, Risk]\n", encoding="utf-8")
    assert load_framework(good).learning_themes == ("Voice", "Risk")
    for bad, phrase in (
        ("[Voice; Risk]", "without ';'"),
        ("[Voice, voice ]", "each theme once"),
        ("{a: b}", "learning_themes"),
    ):
        path = tmp_path / "bad.yml"
        path.write_text(SMALL_YAML + f"learning_themes: {bad}\n", encoding="utf-8")
        with pytest.raises(FrameworkError, match=phrase):
            load_framework(path)
    assert "Coercive control" in load_framework().learning_themes
