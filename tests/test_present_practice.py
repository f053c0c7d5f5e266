"""The report's practice sections (issue 13): escalations, summary, findings, evidence, impact, method, agencies,
moderation and the annex, in the full and the published version, on the sample data and small synthetic workbooks."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from audit.analyse.practice import WITHHELD
from audit.check.audit_details import DETAILS_FIELDS
from audit.check.validate import load_audit
from audit.publish import cells
from audit.publish.disclosure import SUPPRESSED
from audit.render import present
from audit.render.html_page import text_of
from tests.conftest import ROOT, SAMPLE_DATA, case_row
from tests.published import published
from tests.test_audit_sheets import JUDGEMENT_HEADER, PRACTICE, _book, _practice_row
from tests.test_consistency import tables

EMAIL = "jo.bloggs@example.org"  # looks like personal data: the scan withholds a cell holding it
PRIORITY_VERDICT = re.compile(r"areas? for priority action", re.I)


@pytest.fixture(scope="module")
def sample():
    return load_audit(SAMPLE_DATA, scan=False)


def _synthetic(tmp_path: Path, fw, sheets: dict | None = None, n: int = 12) -> Path:
    """Testshire: V1 mostly No with evidence, three cases escalated (a note, a blank note, a flagged note)."""
    header = ["Case ID", "Area", "Audit date", "Age band", "Agencies involved", "Overall grade", *PRACTICE]
    header += [c.header for c in fw.criteria]
    rows = []
    for i in range(1, n + 1):
        evidence = f"Seen alone; views written to {EMAIL}." if i == 2 else f"Child's views not recorded in case {i}."
        escalated = "Yes" if i in (3, 4, 5) else "No"
        note = {3: "Duty manager told on the day.", 4: None, 5: f"Told {EMAIL}."}.get(i)
        rows.append(
            _practice_row(
                fw,
                f"C{i}",
                evidence,
                "The child now has a trusted adult." if i < 5 else None,
                "Coercive control" if i % 2 else "Coercive control; Information sharing",
                "A joint home visit." if i == 1 else None,
                escalated,
                note,
                V1="No" if i > 2 else "Yes",
            )
        )
    return _book(tmp_path / "testshire.xlsx", fw, rows, header, sheets)


@pytest.fixture
def synthetic(tmp_path, framework):
    return load_audit(_synthetic(tmp_path, framework), framework, scan=False)


# ------------------------------------------------------------------ 1. Escalations first


def test_escalation_box_lists_each_case_with_its_note(synthetic):
    page = present.escalations(published(synthetic))
    rows = {r["Case ID"]: r["Escalation note"] for r in tables(page)["Cases escalated during the audit, Testshire"]}
    assert rows == {"C3": "Duty manager told on the day.", "C4": "no note recorded", "C5": WITHHELD}
    assert EMAIL not in page and "escalated it at once: 3." in text_of(page)


@pytest.mark.parametrize(("threshold", "shown"), [(5, SUPPRESSED), (2, "3")])
def test_published_escalation_box_gives_only_the_count(synthetic, threshold, shown):
    page = present.escalations(published(synthetic, threshold=threshold))
    assert f"escalated it at once: {shown}." in text_of(page)
    assert "<table" not in page and not re.search(r"\bC[345]\b", page) and "Duty manager" not in page


@pytest.mark.parametrize("threshold", [None, 5])
def test_no_escalation_no_box(sample, threshold):
    assert present.escalations(published(sample, "Amberlow Vale", threshold)) == ""


# ------------------------------------------------------------------ 2. Summary: at most five points


def _points(fragment: str) -> list[str]:
    return [text_of(li) for li in re.findall(r"<li>(.*?)</li>", fragment, flags=re.S)]


def test_summary_leads_with_judgements_and_their_reasons(sample):
    pub = published(sample, "Elderwyke Downs")
    points = _points(present.headline(pub))
    assert len(points) == 5
    judged = [j for j in pub.practice.judgements if j.judgement != "No judgement"]
    for point, j in zip(points, judged, strict=False):
        assert point.startswith(j.label) and j.reason in point and "judged " in point
    assert "judged" not in points[4] and "no judgement has been recorded" in points[4]  # a key criterion


def test_summary_without_judgements_says_what_the_data_indicate(sample):
    text = text_of(present.headline(published(sample, "Brackenholt Moor", 5)))
    points = _points(present.headline(published(sample, "Brackenholt Moor", 5)))
    assert 1 <= len(points) <= 5 and all("no judgement has been recorded" in p for p in points)
    assert "No judgement has been recorded" in text and not PRIORITY_VERDICT.search(text)


def test_summary_has_at_most_five_points_with_many_judgements(tmp_path, framework):
    sheet = [JUDGEMENT_HEADER] + [
        [c.id, "Area for improvement", f"Reason for {c.id}.", "Panel", dt.date(2025, 3, 1)] for c in framework.criteria
    ]
    data = load_audit(_synthetic(tmp_path, framework, {"Judgements": sheet}), framework, scan=False)
    points = _points(present.headline(published(data)))
    assert len(points) == 5 and all("judged an area for improvement" in p for p in points)


# ------------------------------------------------------------------ 3. Findings: people judge, the data indicate


def test_findings_mark_where_a_judgement_differs_from_the_data(sample):
    pub = published(sample, "Amberlow Vale")
    page = present.findings(pub)
    differs = [j for j in pub.practice.judgements if j.agrees is False]
    assert [j.target for j in differs] == ["I5"]
    assert page.count('class="differs"') == 1
    block = page.split("I5 Unborn baby&#x27;s risk identified: Strength")[1].split("<h4>")[0]
    assert 'class="differs"' in block and "Indicated by the data: may need improvement" in text_of(block)
    assert "Recorded 29 October 2025; agreed by Audit panel." in text_of(page)
    published_page = present.findings(published(sample, "Amberlow Vale", 5))
    assert "Audit panel" not in published_page and published_page.count('class="differs"') == 1


def test_a_judgement_on_too_few_answers_is_not_compared(tmp_path, framework):
    sheet = [JUDGEMENT_HEADER, ["P3", "Strength", "Probation enquiries were thorough.", "Panel", None]]
    data = load_audit(_synthetic(tmp_path, framework, {"Judgements": sheet}, n=3), framework, scan=False)
    page = text_of(present.findings(published(data)))
    assert "Not compared: too few cases answered it for the data to indicate anything." in page
    assert "Date not recorded; agreed by Panel." in page


@pytest.mark.parametrize("threshold", [None, 5])
def test_without_judgements_no_criterion_is_called_an_area_for_priority_action(sample, threshold):
    pub = published(sample, "Brackenholt Moor", threshold)
    page = text_of(present.findings(pub) + present.headline(pub) + present.annex(pub))
    assert not PRIORITY_VERDICT.search(page)
    assert "The data indicate these may need priority action; no judgement has been recorded." in page
    assert "May need priority action (indicated by the data)" in page


# ------------------------------------------------------------------ 4. Evidence


def test_evidence_is_up_to_three_extracts_each_with_its_case_id(sample):
    page = present.findings(published(sample, "Amberlow Vale"))
    lists = re.findall(r'<ul class="evidence">(.*?)</ul>', page, flags=re.S)
    assert len(lists) > 5
    for found in lists:
        items = re.findall(r"<li>(.*?)</li>", found, flags=re.S)
        assert 1 <= len(items) <= 3 and all(re.search(r"\(Case AV-\d{4}\)", text_of(i)) for i in items)


def test_a_flagged_evidence_cell_is_shown_as_withheld(synthetic):
    page = present.findings(published(synthetic))
    assert EMAIL not in page
    assert f"{WITHHELD} (Case C2)" in text_of(page)
    assert "“Child&#x27;s views not recorded in case 3.” <span" in page


def test_published_findings_hold_no_evidence_and_say_so_once(synthetic):
    page = present.findings(published(synthetic, threshold=5))
    assert 'class="evidence"' not in page and "(Case " not in page and "views not recorded" not in page
    assert text_of(page).count("left out of the published version") == 1


# ------------------------------------------------------------------ 5. Impact and learning


def test_impact_and_learning_counts_themes_and_quotes_the_auditors(synthetic):
    pub = published(synthetic)
    page = present.impact_learning(pub)
    rows = {r["Learning theme"]: r["Cases"] for r in tables(page)["Scored cases by learning theme, Testshire"]}
    assert rows["Coercive control"] == "12" and rows["Information sharing"] == "6"
    assert rows["Coercive control"] == str(pub.shown(cells.learning("Coercive control").cell("cases")))
    text = text_of(page)
    assert "“The child now has a trusted adult.” (Case C1)" in text and "“A joint home visit.” (Case C1)" in text


def test_published_impact_and_learning_suppresses_counts_and_quotes_nothing(synthetic):
    page = present.impact_learning(published(synthetic, threshold=10))
    rows = {r["Learning theme"]: r["Cases"] for r in tables(page)["Scored cases by learning theme, Testshire"]}
    assert rows["Coercive control"] == "12" and rows["Information sharing"] == SUPPRESSED
    assert "trusted adult" not in page and "joint home visit" not in page and "(Case " not in page
    assert "left out of the published version" in page


# ------------------------------------------------------------------ 6. How this audit was done


def test_every_detail_missing_is_not_recorded(synthetic):
    page = present.audit_details(published(synthetic))
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page)
    assert [d for d, _ in pairs] == [label.replace("'", "&#x27;") for label in DETAILS_FIELDS.values()]
    assert all(v == "not recorded" for _, v in pairs)
    assert "How the cases were selected was not recorded" in page


def test_details_dates_and_yes_no_are_written_like_the_rest_of_the_report(tmp_path, framework):
    sheet = [
        ["Practice reviewed from", dt.date(2024, 4, 1)],
        ["Families involved", "No"],
        ["Practitioners involved", "Yes"],
        ["How cases were selected", "Purposive"],
    ]
    data = load_audit(_synthetic(tmp_path, framework, {"Audit details": sheet}), framework, scan=False)
    page = text_of(present.audit_details(published(data, threshold=5)))
    assert "Practice reviewed from 1 April 2024 Practice reviewed to not recorded" in page
    assert "Practitioners involved Yes Families involved No" in page
    assert "selected as: Purposive, not at random" in page


# ------------------------------------------------------------------ 7. Agencies


@pytest.mark.parametrize("threshold", [None, 5])
def test_agencies_show_each_agencys_own_answers_beside_the_multi_agency_view(sample, threshold):
    pub = published(sample, "Fennistow Bay", threshold)
    page = present.agencies(pub, "")
    own = tables(page)["Each agency's own answers (single-agency view), Fennistow Bay"]
    frame = pub.practice.agency_own
    assert [r["Agency"] for r in own] == list(frame["label"])
    for r, aid in zip(own, frame.index, strict=True):
        row = cells.agency_own(aid)
        assert r["Cases"] == str(pub.shown(row.cell("cases"))) and r["Answers"] == str(pub.shown(row.cell("answered")))
        assert (r["% Yes (95% interval)"] == SUPPRESSED) == pub.rate_hidden(row)
    assert "Results by agency, Fennistow Bay" in tables(page) and "not attributed to the agency" not in page


def test_agencies_without_agency_answers_say_the_figures_are_not_attributed(sample):
    page = present.agencies(published(sample, "Amberlow Vale", 5), "")
    assert "they are not attributed to the agency" in page and "single-agency view" not in page


# ------------------------------------------------------------------ 8. Moderation


def test_moderation_says_how_many_answers_the_agreed_answers_changed(tmp_path, framework):
    rows = [case_row(framework, f"C{i}", V1="Partly") for i in range(1, 7)]
    second = [["Case ID", "Area", "V1 Child's voice recorded"], ["C1", "Testshire", "No"], ["C2", "Testshire", "No"]]
    agreed = [["Case ID", "V1 Child's voice recorded", "A1"], ["C1", "No", None], ["C3", "Yes", "No"]]
    path = _book(tmp_path / "m.xlsx", framework, rows, sheets={"Moderation": second, "Agreed answers": agreed})
    data = load_audit(path, framework, scan=False)
    page = present.moderation(published(data))
    assert "The agreed answers changed 3 answers in all" in text_of(page)
    changed = tables(page)["Answers changed by the agreed answers, by criterion, Testshire"]
    assert [(r["Criterion"], r["Answers changed"]) for r in changed] == [
        ("V1 Child's voice recorded", "2"),
        ("A1 History and cumulative harm considered", "1"),
    ]
    hidden = present.moderation(published(data, threshold=5))
    assert f"changed {SUPPRESSED} answers in all" in text_of(hidden)


def test_moderation_in_the_sample_names_the_criteria_the_agreed_answers_changed(sample):
    pub = published(sample, "Elderwyke Downs", 5)
    changed = tables(present.moderation(pub))["Answers changed by the agreed answers, by criterion, Elderwyke Downs"]
    assert [r["Criterion"].split()[0] for r in changed] == list(pub.practice.agreed_changes) == ["A4", "P4"]
    assert "agreed answers" not in present.moderation(published(sample, "Amberlow Vale"))  # none recorded there


# ------------------------------------------------------------------ The annex and the order of the report


@pytest.mark.parametrize("threshold", [None, 5])
def test_annex_lists_every_criterion_and_theme(sample, threshold):
    pub = published(sample, "Amberlow Vale", threshold)
    rows = tables(present.annex(pub))["Findings by criterion and theme, Amberlow Vale"]
    fw = pub.framework
    named = [r["Criterion or theme"].removesuffix(" (key)") for r in rows]
    assert named == [f"{c.id} {c.label}" for c in fw.criteria] + [t.label for t in fw.themes]
    assert {r["Indicated by the data"] for r in rows} <= {
        "May be a strength",
        "May need improvement",
        "May need priority action",
        "Too small to conclude",
    }


def test_the_report_notebook_shows_the_sections_in_order():
    nb = json.loads((ROOT / "notebooks" / "area_report.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    called = re.findall(r"^present\.(\w+)\(", code, flags=re.M)
    assert called == [
        "title",
        "escalations",
        "headline",
        "findings",
        "impact_learning",
        "audit_details",
        "sample",
        "themes",
        "criteria",
        "benchmarks",
        "agencies",
        "age_bands",
        "grades",
        "moderation",
        "change_over_time",
        "data_quality",
        "about",
        "annex",
    ]


@pytest.mark.parametrize("mode", ["", '<p class="mode">Published version.</p>'])
def test_the_escalations_box_comes_before_the_contents_list(synthetic, mode):
    from audit.render.html_page import add_contents

    box = present.escalations(published(synthetic))
    page = f'<h1>Testshire</h1><p class="lead">Lead.</p>{mode}{box}<h2>Summary</h2><p>x</p><h2>Findings</h2>'
    done = add_contents(page)
    assert (
        done.index("Duty manager told on the day.")
        < done.index('<nav class="contents"')
        < done.index('<h2 id="summary">')
    )
    assert '<a href="#children-escalated-during-the-audit">' in done and add_contents(done) == done
