"""No claim on too few answers: every report of the sample batch, read as a reader would.

Each paragraph, list item and chart description of every area report and of the
national summary is read. A block that names a best, worst, strongest or weakest
result, or calls a difference clear, higher or lower, must match one of the claim
forms below, and every figure it rests on must have at least the framework's
``min_answered`` answers: read from the sentence itself, or looked up in the
page's data table or the area's summary.json. Any other block using those words
must be one of the known statements of method or of "too few"; a new kind of
claim fails here until this test learns to check it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audit.framework.settings import finding_rules

CLAIM_WORDS = re.compile(
    r"\b(weakest|strongest|best|worst|weak almost|clear|clearly|higher|lower|above|below|differed most)\b", re.I
)
# Blocks that use those words to state the method, or to say nothing is claimed.
NOT_CLAIMS = (
    "only where",
    "when even the low end",
    "No result is called the strongest",
    "too few",
    "Too few",
    "No result was clearly higher, and none was clearly lower.",
    "No criterion shows a clear difference between the two groups.",
    "No criterion or theme changed clearly.",
    "derives a grade from each case's answers",
    "agreement is below",
    "A spread is beyond chance where",
    "Counting only areas with",
    "Holm's method was used to allow for that many comparisons. No result was clearly higher, and none",
    "had the same share of Yes answers",
    "accounted for below",
    "Where practice was weakest, and where areas differed most",  # a heading, in the contents list
    "Where practice was weakest across all areas",  # the heading when the areas are not ranked
)
# An auditor's extract quoted under a finding (full version), with its Case ID: the auditor's words, not the report's.
EXTRACT = re.compile(r"^(?:“.*”|\[withheld: possible personal data\]) \(Case [^)]+\)$")
COUNTS = re.compile(r"(\d+) of (\d+)")


class Blocks(HTMLParser):
    """The text of every paragraph and list item outside tables, image alt texts, and each table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.alts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._open: list[list[str]] = []
        self._table: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")
        elif tag == "table":
            self._table = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag in ("p", "li") and self._table is None:
            self._open.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None and self._table is not None:
            self.tables["".join(self._caption)] = self._table
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag in ("p", "li") and self._open and self._table is None:
            text = " ".join("".join(self._open.pop()).split())
            self.blocks.append(text)

    def handle_data(self, data: str) -> None:
        for sink in (self._caption, self._cell):
            if sink is not None:
                sink.append(data)
        if self._open and self._table is None:
            self._open[-1].append(data)


def read(page: Path) -> Blocks:
    parser = Blocks()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def rows_of(table: list[list[str]]) -> list[dict[str, str]]:
    head, *body = table
    return [dict(zip(head, row, strict=True)) for row in body]


@pytest.fixture(scope="module")
def batch(sample_batch) -> Path:
    out, result = sample_batch
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def minimum(framework) -> int:
    return finding_rules(framework).min_answered


def _enough(counts: list[tuple[str, str]], minimum: int, where: str) -> None:
    assert counts, f"a claim with no figures: {where}"
    for _, n in counts:
        assert int(n) >= minimum, f"a claim resting on {n} answers (fewer than {minimum}): {where}"


def _answered_by_label(summary: dict, framework, label: str) -> int:
    """Answers behind a criterion ("V1 Child's voice recorded (key)") or theme ("1. Identification") label."""
    label = label.removesuffix(" (key)")
    for c in framework.criteria:
        if label == f"{c.id} {c.label}":
            return int(summary["criteria"][c.id]["answered"])
    for t in framework.themes:
        if label == f"{t.number}. {t.label}":
            return int(summary["themes"][t.id]["answered"])
    raise AssertionError(f"no criterion or theme called {label!r}")


def check_area_block(text: str, minimum: int) -> bool:
    """Check a claim block of an area report; False when it is not a claim form this test knows."""
    if "the weakest result was" in text:
        counts = COUNTS.findall(text)
        assert len(counts) == 2, text
        _enough(counts, minimum, text)
        return True
    if re.search(r"clearly (higher|lower) for", text):
        for part in re.findall(r"Yes in \d+ of \d+ answers, against [^)]*\)", text):
            found = COUNTS.findall(part)
            assert len(found) == 2 or "[c]" in part, part
            _enough(found, minimum, text)
        return True
    if "The difference is clear for" in text or "Clear changes:" in text:
        pairs = re.findall(r"Yes in (\d+) of (\d+) answers, (?:against|then) (\d+) of (\d+)", text)
        assert pairs, text
        for _, n1, _, n2 in pairs:
            _enough([("", n1), ("", n2)], minimum, text)
        return True
    return False


def check_national_block(text: str, minimum: int, framework, summaries: dict[str, dict]) -> bool:
    """Check a claim block of the national summary; False when it is not a claim form this test knows."""
    starts = ("Practice was weak almost everywhere on", "Practice was strongest on", "Practice was weakest on")
    if text.startswith(starts) or "was also among the weakest: across all areas together" in text:
        counts = re.findall(r"(\d+)% of (\d+) cases", text)
        _enough(counts, minimum, text)
        if "better than" in text:
            _range_check(text, minimum, framework, summaries)
        return True
    if "areas differed most on" in text or re.match(r"[A-Z]\d+ .*: from \d+% to \d+%", text):
        _range_check(text, minimum, framework, summaries)
        return True
    if "across all areas (" in text and "the best area" in text:
        _enough([("", re.search(r"\((\d+) cases answered\)", text).group(1))], minimum, text)
        _range_check(text, minimum, framework, summaries)
        return True
    return False


def _range_check(text: str, minimum: int, framework, summaries: dict[str, dict]) -> None:
    """The lowest and highest areas a sentence names come only from areas with at least the minimum answers."""
    criterion = next(
        c for c in framework.criteria if f"\u201c{c.label}\u201d" in text or text.startswith(f"{c.id} {c.label}")
    )
    rates = [
        (s["criteria"][criterion.id]["pct_yes"], s["criteria"][criterion.id]["answered"]) for s in summaries.values()
    ]
    enough = [p for p, n in rates if n >= minimum and p is not None]
    figures = [f for pair in re.findall(r"from (\d+)% to (\d+)%", text) for f in pair]
    figures += re.findall(r"(?:better than|reached) (\d+)%", text)
    assert figures, text
    for figure in figures:
        assert any(abs(p - int(figure)) <= 0.55 for p in enough), f"{figure}% is no area with {minimum} answers: {text}"


def test_no_claim_in_any_report_rests_on_too_few_answers(batch, framework, minimum):
    summaries = {p.parent.name: json.loads(p.read_text()) for p in sorted(batch.glob("*/summary.json"))}
    assert len(summaries) == 6
    claims = 0
    for slug, summary in summaries.items():
        page = read(batch / slug / "report.html")
        for text in page.blocks:
            if not CLAIM_WORDS.search(text) or any(phrase in text for phrase in NOT_CLAIMS) or EXTRACT.match(text):
                continue
            assert check_area_block(text, minimum), f"{slug}: a claim this test does not know how to check: {text}"
            claims += 1
        sharing = rows_of(next(t for cap, t in page.tables.items() if cap.startswith("Information shared")))
        answers = {f"{r['From']} to {r['To']}": int(r["Answers"]) for r in sharing}
        for alt in page.alts:
            named = re.search(r"the best was (.+?) at \d+% Yes and the weakest (.+?) at \d+% Yes", alt)
            if named:
                for pair in named.groups():
                    assert answers[pair] >= minimum, f"{slug}: heatmap names {pair} on {answers[pair]} answers"
                claims += 1
            extremes = re.search(r"highest: (.+?) at \d+%\. Lowest: (.+?) at \d+%\.", alt)
            if extremes:
                for label in extremes.groups():
                    assert _answered_by_label(summary, framework, label) >= minimum, f"{slug}: {alt}"
                claims += 1
            if "too few" not in alt.lower():
                assert not re.search(r"\b(best|weakest|highest|lowest)\b", alt) or named or extremes, alt
    national = read(batch / "national" / "report.html")
    for text in national.blocks:
        if not CLAIM_WORDS.search(text) or any(phrase in text for phrase in NOT_CLAIMS):
            continue
        assert check_national_block(text, minimum, framework, summaries), f"national: unchecked claim: {text}"
        claims += 1
    assert claims >= 20, claims  # the sample batch makes many claims; each was checked


def test_the_checks_catch_a_claim_on_too_few_answers(minimum):
    """The checks above fail on a sentence naming a result from 1 of 2 answers, as the old summary did."""
    old = "The weakest result was X (0 of 4 cases); the strongest was Y (1 of 1 cases)."
    with pytest.raises(AssertionError, match="fewer than"):
        check_area_block(old.replace("The weakest", "Of 3, the weakest"), minimum)
    with pytest.raises(AssertionError, match="fewer than"):
        check_area_block("The difference is clear for V1 (worse: Yes in 0 of 2 answers, against 9 of 12).", minimum)


# The same rules, section by section, on small generated workbooks --------------------------------------


def test_annex_never_names_a_result_on_too_few_answers(make_workbook, framework):
    """V1 answered once (No) and I1 once (Yes), like Fennistow Bay's 0 of 4 and 1 of 1: neither is named."""
    from audit.check.validate import load_audit
    from audit.render import present
    from tests.conftest import case_row
    from tests.published import published

    rows = [
        case_row(
            framework,
            f"C{i}",
            answer="Yes" if i % 2 else "No",
            V1="No" if i == 0 else "N/A",
            I1="Yes" if i == 0 else "N/A",
        )
        for i in range(8)
    ]
    rows[1][-1] = "No"  # the last criterion leans a little lower than the rest
    text = present.annex(published(load_audit(make_workbook(rows), framework, scan=False)))
    assert "Of the 15 criteria with 5 or more answers, the weakest result was" in text
    assert "Child&#x27;s voice recorded</strong>" not in text.split("Of the 15")[1]
    assert "Child recognised as a victim</strong>" not in text.split("Of the 15")[1]
    few = [case_row(framework, f"C{i}", answer="N/A", V1="Yes", P2="No") for i in range(3)]
    text = present.annex(published(load_audit(make_workbook(few, name="few.xlsx"), framework, scan=False)))
    assert "Too few criteria had 5 or more answers to name the strongest and weakest results (0 did)." in text
    assert "weakest result was" not in text


def test_comparison_with_other_areas_counts_its_comparisons(make_workbook, framework):
    from audit.analyse.compare import TOO_FEW, area_results
    from audit.analyse.compare_areas import benchmark
    from audit.check.validate import load_audit
    from audit.render import present
    from tests.conftest import case_row
    from tests.published import published

    rows = [case_row(framework, f"S{i}", "Strong", "Partly", V1="Yes" if i < 18 else "No") for i in range(20)]
    rows += [case_row(framework, f"W{i}", "Weak", "Partly", V1="Yes" if i < 4 else "No") for i in range(20)]
    rows += [case_row(framework, f"T{i}", "Tiny", "Partly", V1="Yes") for i in range(3)]
    data = load_audit(make_workbook(rows), framework, scan=False)
    results = area_results(data)
    tiny = benchmark(results, "Tiny", framework)
    # 3 answers to each criterion: too few; a theme pools 3 cases' answers to several criteria, enough to compare.
    assert set(tiny[tiny["level"] == "criterion"]["vs_rest"]) == {TOO_FEW} and tiny.attrs["comparisons_rest"] == 4
    text = present.benchmarks(published(data, "Strong"))
    assert "21 criteria and themes were compared with the other areas, and Holm's method was used" in text
    assert "clearly higher for V1 Child&#x27;s voice recorded (Yes in 18 of 20 answers, against 7 of 23" in text
    assert "Too few answers" in present.benchmarks(published(data, "Tiny"))
