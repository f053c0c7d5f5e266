"""Hostile input in issue 13's columns and sheets: nothing crashes, every bad cell is located, nothing leaks.

Each workbook starts as the marked one (tests/practice_books.py) and has one kind of
attack written into it: 100,000-character texts, control characters and bidirectional
overrides, HTML and script, spreadsheet formulas typed as text, learning themes that are
only separators or repeated or unknown, Judgements aimed at themes, learning themes,
twice at one target or dated in words, Agency answers from agencies the framework does
not know, Agreed answers that change every answer, and Audit details blank or garbage.
Each goes through reading, analysis, both versions' summaries and the scored workbook;
every file of a batch is then searched. Rows read = cases scored + rows excluded, always.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from audit.check.validate import load_audit
from audit.cli import main
from audit.framework.model import Framework, load_framework
from audit.publish.published import publish
from audit.render.scored_workbook import scored_workbook_bytes
from audit.render.summary_json import summary_dict
from audit.resources import REPORT_TEMPLATES_DIR
from audit.run.area_input import published_results
from audit.xlsx_text import set_value
from tests.conftest import KERNELS
from tests.practice_books import AREAS, CASES_PER_AREA, MARK, file_texts, markers_in, write_marked

LONG = 100_000
OWN_SCRIPT = re.sub(
    r"\{#.*?#\}\s*", "", (REPORT_TEMPLATES_DIR / "index_table.js.j2").read_text(encoding="utf-8"), flags=re.S
).strip()
SCRIPT = "<script>zqxalert(1)</script>"
IMG = '"><img src=x onerror=zqxalert(2)>'
CONTROL = "\x1b[31m\x07"  # an escape sequence and a bell
BIDI = "\u202e\u2066"  # right-to-left override, left-to-right isolate
FORMULAS = ('=HYPERLINK("http://zqx.example","open")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3")


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework()


def _edit(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """Change a written workbook; every string is stored as text, so ``=...`` stays text, not a formula."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def _put(ws: Any, ref: str, value: Any) -> None:
    set_value(ws[ref], value)


def _column(ws: Any, header: str) -> int:
    """The 1-based column of ``header`` in row 1."""
    return next(c.column for c in ws[1] if isinstance(c.value, str) and c.value.casefold() == header.casefold())


def _fill(ws: Any, header: str, value: Any, rows: range | None = None) -> None:
    col = _column(ws, header)
    for r in rows or range(2, ws.max_row + 1):
        set_value(ws.cell(r, col), value)


def _through_everything(paths: list[Path], fw: Framework) -> dict[str, Any]:
    """Read, analyse and publish in both versions; make every summary and scored workbook. No step may raise."""
    data = load_audit(paths, fw)
    assert not data.failed, data.failed
    for p in data.problems:
        assert MARK.casefold() not in p.message.casefold(), p
        assert "zqxalert" not in p.message and "\x1b" not in p.message, p
    out: dict[str, Any] = {"data": data}
    for publish_ in (False, True):
        pubs, refused = published_results(data, publish_, 5)
        assert not refused, refused
        for area, pub in pubs.items():
            assert pub.analysed.rows_read == pub.analysed.cases_scored + pub.analysed.cases_excluded, area
            summary = json.dumps(summary_dict(pub), default=str)
            full = publish(pub.analysed, None) if publish_ else pub
            book = scored_workbook_bytes(full)
            out[(area, publish_)] = (pub, summary, book)
    return out


def _formula_cells(book: bytes) -> list[str]:
    """Every cell of a workbook stored as a formula (or text starting like one, stored as anything but text)."""
    wb = openpyxl.load_workbook(io.BytesIO(book))
    found = []
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type != "s"
                ):
                    found.append(f"{ws.title}!{cell.coordinate}")
    return found


# ------------------------------------------------------------------ texts: long, control characters, markup, formulas


def _prose(n: int, seed: int) -> str:
    """``n`` characters of made-up words: text that does not compress like a zip bomb (which is refused unread)."""
    import random

    rng = random.Random(seed)
    words: list[str] = []
    length = 0  # of the words joined so far, counted as they come (summing them each time was quadratic)
    while length < n:
        words.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))))
        length += len(words[-1]) + 1
    return " ".join(words)[:n]


def test_texts_of_100000_characters_are_read_scored_and_capped_where_a_workbook_must(tmp_path, fw):
    evidence = f"{MARK}-evidence " + _prose(LONG, 1)
    reason = _prose(LONG, 2)
    judged = [["V1", "Area for improvement", reason, "Board", dt.date(2025, 4, 1)]]
    path = write_marked(tmp_path / "long.xlsx", fw, areas=AREAS[:1], judgements=judged, text={"evidence": evidence})
    started = time.perf_counter()
    everything = _through_everything([path], fw)
    took = time.perf_counter() - started
    full, _, book = everything[(AREAS[0], False)]
    extracts = [e for es in full.practice.evidence.values() for e in es]
    # Read whole up to what one cell of a workbook can hold (Excel's limit, 32,767 characters).
    assert extracts and all(evidence.startswith(e.text) and len(e.text) >= 32766 for e in extracts)
    published, summary, _ = everything[(AREAS[0], True)]
    assert reason.startswith(published.practice.judgements[0].reason)  # written for publication: kept as read
    assert evidence[-1000:] not in summary  # no evidence in the published summary
    wb = openpyxl.load_workbook(io.BytesIO(book))
    assert all(len(c.value) <= 32767 for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert took < 120  # generous: a guard against a scan that is quadratic in the text, not a timing test


def test_control_characters_and_bidi_overrides_never_reach_what_is_shown(tmp_path, fw):
    """Typed via Excel's _xHHHH_ escapes, as a workbook can carry them; read as the characters themselves."""
    hostile = f"ok_x001B_[31m_x0007_ {BIDI} \u200bend"
    judged = [["V1", "Strength", f"Reason {hostile}", f"Board {hostile}", None]]
    text = {k: f"{MARK}-{k} {hostile}" for k in ("evidence", "impact", "good_practice", "escalation_note")}
    path = write_marked(
        tmp_path / "ctl.xlsx", fw, areas=AREAS[:1], judgements=judged, text=text, details={"Cohort": hostile}
    )
    everything = _through_everything([path], fw)
    full, summary, book = everything[(AREAS[0], False)]
    practice = full.practice
    shown = [
        *(e.text for es in practice.evidence.values() for e in es),
        *(e.text for e in (*practice.escalations, *practice.impact, *practice.good_practice)),
        *(j.reason for j in practice.judgements),
        *(j.agreed_by for j in practice.judgements),
        practice.details["cohort"],
    ]
    assert len(shown) > 10
    for value in shown:
        assert "\x1b" not in value and "\x07" not in value and "\u202e" not in value and "\u200b" not in value, value
        assert "[31m" in value  # the rest of the text is kept, the escape character shown as U+FFFD
    for key in ((AREAS[0], False), (AREAS[0], True)):
        _, summary, book = everything[key]
        assert "\x1b" not in summary and "\\u001b" not in summary and "\u202e" not in summary
        for part, part_text in _book_texts(book):
            assert "\x1b" not in part_text and "_x001B_" not in part_text, part


def _book_texts(book: bytes) -> list[tuple[str, str]]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return [(n, z.read(n).decode("utf-8", "replace")) for n in z.namelist()]


def _formula_book(tmp_path: Path, fw: Framework) -> Path:
    judged = [
        ["V1", "Area for priority action", FORMULAS[0], FORMULAS[1], None],
        ["I3", "Strength", FORMULAS[2], FORMULAS[3], None],
    ]
    text = {
        "evidence": FORMULAS[0],
        "impact": FORMULAS[1],
        "good_practice": FORMULAS[2],
        "escalation_note": FORMULAS[3],
        "comment": FORMULAS[0],
    }
    path = write_marked(
        tmp_path / "formulas.xlsx",
        fw,
        areas=AREAS[:1],
        judgements=judged,
        details={"Audit title": FORMULAS[0], "Cohort": FORMULAS[1]},
    )
    # write_marked writes through openpyxl's guess (a formula); store each as the text an auditor typed instead.

    def change(wb: openpyxl.Workbook) -> None:
        cases = wb["Cases"]
        for c in fw.criteria:
            _fill(cases, f"{c.id} evidence", text["evidence"])
        for header, key in (
            ("What difference did it make", "impact"),
            ("Good practice", "good_practice"),
            ("Escalation note", "escalation_note"),
            ("Auditor comments", "comment"),
        ):
            _fill(cases, header, text[key], range(2, 9) if key == "escalation_note" else None)
        judgements = wb["Judgements"]
        for r, row in enumerate(judged, start=2):
            _put(judgements, f"C{r}", row[2])
            _put(judgements, f"D{r}", row[3])
        details = wb["Audit details"]
        _put(details, "B2", FORMULAS[0])
        _put(details, "B6", FORMULAS[1])

    return _edit(path, change)


def test_formulas_typed_as_text_stay_text_in_the_scored_workbook(tmp_path, fw):
    path = _formula_book(tmp_path, fw)
    everything = _through_everything([path], fw)
    full = everything[(AREAS[0], False)][0]
    assert full.analysed.cases["free_impact"].eq(FORMULAS[1]).all()  # read as the text typed, not a formula
    assert full.practice.judgements[0].reason == FORMULAS[0]
    for key in ((AREAS[0], False), (AREAS[0], True)):
        assert _formula_cells(everything[key][2]) == []


# ------------------------------------------------------------------ learning themes


def test_learning_themes_only_separators_repeated_or_unknown(tmp_path, fw):
    theme = fw.learning_themes[1]
    cells = [";;;", " ; \n ; ", f"{theme}; {theme.upper()};{theme}", f"{MARK}-unknown; {theme}", ";", None]

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["Cases"]
        col = _column(ws, "Learning themes")
        for r in range(2, ws.max_row + 1):
            set_value(ws.cell(r, col), cells[(r - 2) % len(cells)])

    path = _edit(write_marked(tmp_path / "themes.xlsx", fw, areas=AREAS[:1]), change)
    everything = _through_everything([path], fw)
    data = everything["data"]
    unknown = [p for p in data.problems if p.code == "learning-theme-unknown" and p.sheet == "Cases"]
    rows_with_unknown = [r for r in range(2, CASES_PER_AREA + 2) if (r - 2) % len(cells) == 3]
    assert sorted(p.cell for p in unknown) == sorted(
        f"{_letter(data, 'Learning themes')}{r}" for r in rows_with_unknown
    )
    full = everything[(AREAS[0], False)][0]
    named = sum(1 for r in range(2, CASES_PER_AREA + 2) if (r - 2) % len(cells) in (2, 3))
    assert int(full.practice.learning[theme]) == named  # once per case, however often the cell repeats it
    assert int(full.practice.learning.drop(theme).sum()) == 0


def _letter(data: Any, header: str) -> str:
    wb = openpyxl.load_workbook(next(iter(data.paths.values())), read_only=True)
    row = next(wb["Cases"].iter_rows(min_row=1, max_row=1, values_only=True))
    return openpyxl.utils.get_column_letter(row.index(header) + 1)


# ------------------------------------------------------------------ Judgements


def test_judgements_on_themes_learning_themes_twice_and_dated_in_words(tmp_path, fw):
    theme, learning = fw.themes[1], fw.learning_themes[0]
    rows = [
        [theme.label.upper(), "area for improvement", "By label", "Board", "01/04/2025"],  # C2..: date as text
        [learning, "Strength", "A learning theme", "Board", "next Tuesday"],
        ["V1", "Strength", "Once", "Board", None],
        ["v1", "Area for priority action", "Twice", "Board", None],
        [f"{MARK}-target", "Strength", "Unknown target", "Board", None],
        ["A2", f"{MARK}-judgement", "Unknown judgement", "Board", None],
        ["A3", "No judgement", None, None, 45000],  # a date as a number: not a date
        [None, None, f"{MARK}-orphan reason", None, None],
    ]
    path = write_marked(tmp_path / "judged.xlsx", fw, areas=AREAS[:1], judgements=[[*r, None] for r in rows])
    everything = _through_everything([path], fw)
    problems = {(p.code, p.cell) for p in everything["data"].problems if p.sheet == "Judgements"}
    assert ("date-as-text", "E2") in problems and ("date-invalid", "E3") in problems
    assert {("judgement-repeated", "A4"), ("judgement-repeated", "A5")} <= problems
    assert ("judgement-target-unknown", "A6") in problems and ("judgement-invalid", "B7") in problems
    assert ("judgement-target-unknown", "A9") in problems
    full = everything[(AREAS[0], False)][0]
    judged = {(j.target, j.kind): j for j in full.practice.judgements}
    assert set(judged) == {(theme.id, "theme"), (learning, "learning theme"), ("A3", "criterion")}
    assert judged[(theme.id, "theme")].date == dt.date(2025, 4, 1)
    assert (
        judged[(learning, "learning theme")].indicated is None and judged[(learning, "learning theme")].agrees is None
    )
    assert judged[("A3", "criterion")].date is None


# ------------------------------------------------------------------ Agency answers and Agreed answers


def test_agency_answers_from_unknown_agencies_and_unknown_cases_are_left_out_by_cell(tmp_path, fw):
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["Agency answers"]
        _put(ws, "C2", f"{MARK}-agency")
        _put(ws, "C3", None)
        _put(ws, "C4", 42)
        _put(ws, "A5", f"{MARK}-unknown-case")
        _put(ws, "D6", f"{MARK}-answer")

    path = _edit(write_marked(tmp_path / "agency.xlsx", fw, areas=AREAS[:1]), change)
    everything = _through_everything([path], fw)
    problems = {(p.code, p.cell) for p in everything["data"].problems if p.sheet == "Agency answers"}
    assert {("agency-invalid", "C2"), ("agency-invalid", "C3"), ("agency-invalid", "C4")} <= problems
    assert ("case-id-unknown", "A5") in problems and ("answer-invalid", "D6") in problems
    agency = everything["data"].agency_answers
    assert list(agency.loc[agency["status"] == "excluded", "row"]) == [2, 3, 4, 5]
    assert everything[(AREAS[0], False)][0].practice.agency_own is not None


def test_agreed_answers_that_change_every_answer_are_counted_and_the_first_kept_for_moderation(tmp_path, fw):
    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["Agreed answers"]
        ws.delete_rows(2, ws.max_row)
        cases = wb["Cases"]
        for r in range(2, cases.max_row + 1):
            answers = ["No" if cases.cell(r, _column(cases, c.header)).value == "Yes" else "Yes" for c in fw.criteria]
            ws.append([cases.cell(r, 1).value, cases.cell(r, 2).value, *answers, None])

    path = _edit(write_marked(tmp_path / "agreed.xlsx", fw, areas=AREAS[:1]), change)
    everything = _through_everything([path], fw)
    data = everything["data"]
    assert data.agreed_changes == {c.id: CASES_PER_AREA for c in fw.criteria}
    full = everything[(AREAS[0], False)][0]
    assert full.analysed.criteria.loc["I3", "pct_yes"] == 0  # every Yes agreed as No
    assert all(len(f) == len(fw.criteria) for f in full.analysed.cases["first_answers"])
    assert not full.analysed.analysis.pairs.empty  # moderation still compares the two auditors


# ------------------------------------------------------------------ Audit details


def test_audit_details_all_blank_or_all_garbage(tmp_path, fw):
    from audit.check.audit_details import DETAILS_FIELDS

    blank = dict.fromkeys(DETAILS_FIELDS.values())
    path = write_marked(tmp_path / "blank.xlsx", fw, areas=AREAS[:1], details=blank)
    everything = _through_everything([path], fw)
    full = everything[(AREAS[0], False)][0]
    assert all(v is None for v in full.practice.details.values())
    assert not [
        p for p in everything["data"].problems if p.sheet == "Audit details" and p.code != "details-field-unknown"
    ]

    garbage = {label: f"{MARK}-{i}" for i, label in enumerate(DETAILS_FIELDS.values())}
    garbage["Practitioners involved"] = 3.5
    garbage["Multi-agency discussion date"] = True
    path = write_marked(tmp_path / "garbage.xlsx", fw, areas=AREAS[1:], details=garbage)
    everything = _through_everything([path], fw)
    codes = {(p.code, p.cell) for p in everything["data"].problems if p.sheet == "Audit details"}
    assert {("date-invalid", "B3"), ("date-invalid", "B4"), ("date-invalid", "B11")} <= codes
    assert {("details-value-invalid", f"B{r}") for r in (5, 7, 9, 10)} <= codes
    details = everything[(AREAS[1], False)][0].practice.details
    assert [k for k, v in details.items() if v is not None] == ["title", "cohort", "auditors_agencies"]


# ------------------------------------------------------------------ every attack at once, through a batch


def _hostile_folder(tmp_path: Path, fw: Framework) -> Path:
    folder = tmp_path / "hostile"
    markup = f"{MARK}-markup {SCRIPT} {IMG} _x001B_[31m {BIDI}"
    judged = [["V1", "Area for priority action", f"Reason {SCRIPT} {IMG}", markup, "1/4/2025", None]]
    text = {k: f"{MARK}-{k} {markup}" for k in ("evidence", "impact", "good_practice", "escalation_note", "comment")}
    text["round"] = f" {SCRIPT}"
    path = write_marked(
        folder / "markup.xlsx",
        fw,
        areas=AREAS[:1],
        judgements=judged,
        text=text,
        details={"Audit title": f"Title {SCRIPT}", "Cohort": f"Cohort {IMG}", "Auditors' agencies": SCRIPT},
    )
    # A Case ID of markup (its Agency answers rows then name no case: left out, by cell).
    _edit(path, lambda wb: _put(wb["Cases"], f"A{CASES_PER_AREA + 1}", f"{MARK}-id-{SCRIPT}"))
    shutil_copy = _formula_book(tmp_path, fw)
    shutil_copy.rename(folder / "formulas.xlsx")
    _edit(folder / "formulas.xlsx", lambda wb: _rename_area(wb, AREAS[1]))
    return folder


def _rename_area(wb: openpyxl.Workbook, area: str) -> None:
    for name in ("Cases", "Moderation", "Agency answers", "Agreed answers"):
        ws = wb[name]
        col = _column(ws, "Area")
        for r in range(2, ws.max_row + 1):
            ws.cell(r, col).value = area


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory, fw):
    """The hostile workbooks through ``audit batch`` on real kernels, in the full and the published version."""
    base = tmp_path_factory.mktemp("hostile")
    folder = _hostile_folder(base, fw)
    runs = {}
    for mode, options in (("full", []), ("published", ["--publish"])):
        out = base / mode
        result = CliRunner().invoke(main, ["batch", str(folder), "--out", str(out), "--workers", KERNELS, *options])
        assert "Traceback" not in result.output and "internal error" not in result.output, result.output
        assert result.exit_code == 0, result.output
        runs[mode] = (out, result)
    return runs


def test_markup_is_escaped_in_every_page_of_either_version(hostile_runs):
    for out, result in hostile_runs.values():
        pages = sorted(out.rglob("*.html"))
        assert len(pages) >= 4  # each area, the national summary, the index
        for page in pages:
            # The index's own sorting script (written inline from the package's template) is the only one.
            text = page.read_text(encoding="utf-8").replace(OWN_SCRIPT, "")
            assert "<script" not in text.casefold(), page
            assert "<img src=x" not in text, page
            assert "\x1b" not in text and "\u202e" not in text, page
        assert "zqxalert" not in result.output


def test_a_hostile_published_run_leaks_nothing_and_stores_no_formula(hostile_runs):
    out, _ = hostile_runs["published"]
    assert markers_in(out, skip=("restricted",)) == {}
    for out, _ in hostile_runs.values():
        for book in out.rglob("*.xlsx"):
            assert _formula_cells(book.read_bytes()) == [], book
        for path in out.rglob("*.json"):
            for part, text in file_texts(path):
                assert "\x1b" not in text, part
            json.loads(path.read_text(encoding="utf-8"))  # still valid JSON


def test_every_row_of_a_hostile_batch_is_accounted_for(hostile_runs, fw):
    out, _ = hostile_runs["full"]
    for area in ("quillan-marsh", "rookby-wold"):
        summary = json.loads((out / area / "summary.json").read_text(encoding="utf-8"))
        assert summary["rows_read"] == CASES_PER_AREA
        assert summary["cases_scored"] + summary["cases_excluded"] == summary["rows_read"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"].values()) == {"ok"}
