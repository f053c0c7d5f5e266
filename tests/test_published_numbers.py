"""Every number a published batch shows is a registered published value, or structural (issue 12).

The test reads every published page of ``audit batch --publish`` (each
area's ``report.html`` and ``summary.json``, ``national/report.html``,
``index.html``) as a reader sees it: text, ``alt``, ``aria-label`` and
``title`` text, and the text of the SVG charts (``tests/published_pages.py``).
Each number must be

- a registered value (``tests/published_registry.py``): an unsuppressed
  count from ``publish()``, or a rate, interval, score, kappa, agreement or
  effective number of answers of a row whose rate (score) is not hidden, in
  the roundings the renderers use. Where the words around a number name what
  it is about, it must be a value of that: a table row, column or heading
  naming a criterion or theme, one of that row's values; an area, one of that
  area's (on the national summary and the index, only that area's published
  % Yes); a summary.json key path, that criterion's or theme's. Elsewhere, a
  value of the page's area (of the run, on the national summary and the
  index). Counts, percentages and other decimals are kept apart;
- or structural: one of the kinds in :data:`STRUCTURAL`, or inside the
  framework's own text (:func:`framework_text`). Each kind is bound to the
  words around it, so a count standing alone never passes as one.

Anything else fails, naming the page, the number and the words around it.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from audit.check.validate import load_audit
from audit.framework.settings import finding_rules, moderation_rules, round_gap_days
from audit.publish.cells import criterion
from audit.publish.disclosure import DEFAULT_THRESHOLD, SUPPRESSED
from tests.conftest import SAMPLE_DATA
from tests.published_pages import Number, Page, Segment, html_segments, numbers, read_batch
from tests.published_registry import RunRegistry, Values, run_registry
from tests.published_structure import (
    Context,
    axis_ticks,
    compared_by_age,
    compared_with_rest,
    findings_tally,
    framework_text,
    item_named,
    rounds,
    tallies,
    theme_number,
)

THRESHOLD = DEFAULT_THRESHOLD  # audit batch --publish without --threshold
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


@cache
def registry() -> RunRegistry:
    """What the sample batch may publish, worked out once per run from the sample data."""
    return run_registry(load_audit(sorted(SAMPLE_DATA.glob("*.xlsx"))), THRESHOLD)


def published_pages(out: Path, reg: RunRegistry, only: str | None = None) -> list[Page]:
    return read_batch(out, {a.published.slug: area for area, a in reg.areas.items()}, only)


# --- Structural numbers -------------------------------------------------------------------------------------------

Check = Callable[[re.Match[str], Context], bool]


@dataclass(frozen=True)
class Rule:
    """A kind of structural number: the words it stands in (``pattern``, its numbers in groups named n...) and
    what it must be there (``check``).

    A rule that ``claims`` its words (a phrase such as "N criteria and themes
    were compared") fails a number there whose value is wrong, rather than let
    it pass as a registered count that happens to be equal.
    """

    pattern: re.Pattern[str]
    check: Check
    claims: bool = True


def _rule(pattern: str, check: Check, claims: bool = True) -> Rule:
    return Rule(re.compile(pattern), check, claims)


def _years(*years: str) -> bool:
    return all(2000 <= int(y) <= 2100 for y in years)


def _finding_setting(m: re.Match[str], c: Context) -> bool:
    f = finding_rules(c.fw)
    return float(m["n"]) in {
        f.strength_lower,
        f.priority_upper,
        f.key_priority_pct,
        moderation_rules(c.fw).agreement_min,
    }


def _iso_date(m: re.Match[str], c: Context) -> bool:
    try:
        dt.date(int(m["n1"]), int(m["n2"]), int(m["n3"]))
    except ValueError:
        return False
    return _years(m["n1"]) and c.seg.path[:1] in (("audit_details",), ("judgements",))


# summary.json's text written by the partnership for the reader: a judgement's reason, the audit's title, cohort and
# auditors' agencies (each scanned before publication). A number inside it is their words, not a count of the toolkit.
PARTNERSHIP_TEXT = {("judgements", "reason"), ("audit_details", "title"), ("audit_details", "cohort")}
PARTNERSHIP_TEXT.add(("audit_details", "auditors_agencies"))


def _compared(m: re.Match[str], c: Context) -> bool:
    n1, n2, n3 = int(m["n1"]), int(m["n2"]), int(m["n3"] or 0)
    return n2 == len(c.fw.criteria) and n1 in compared_by_age(c) and (not m["n3"] or n3 == n2 - n1)


# Every kind of structural number, and why it is one. A pattern names the words that make a number structural, so a
# count standing alone (a table cell "3") can only meet the rules bound to a column or an axis, whose checks are exact.
STRUCTURAL: dict[str, Rule] = {
    # Dates a page was made and a sample audited ("29 November 2026"; a day only beside its month).
    "date": _rule(
        rf"\b(?P<n1>\d{{1,2}}) (?:{MONTHS}) (?P<n2>\d{{4}})\b",
        lambda m, c: 1 <= int(m["n1"]) <= 31 and _years(m["n2"]),
        claims=False,
    ),
    "month and year": _rule(rf"\b(?:{MONTHS}) (?P<n>\d{{4}})\b", lambda m, c: _years(m["n"]), claims=False),
    # The suppression threshold as the notes state it ("counts from 1 to 5 are shown as [c]"), and in summary.json.
    "threshold": _rule(r"\bcounts? from (?P<n1>1) to (?P<n2>\d+)\b", lambda m, c: int(m["n2"]) == c.reg.threshold),
    "threshold (JSON)": _rule(
        r"^(?P<n>\d+)$",
        lambda m, c: c.seg.path == ("suppression", "threshold") and int(m["n"]) == c.reg.threshold,
        claims=False,
    ),
    # Dates in summary.json (the audit details' dates, a judgement's date) as ISO text ("2025-03-14"): days, not counts.
    "ISO date (JSON)": _rule(r"^(?P<n1>\d{4})-(?P<n2>\d{2})-(?P<n3>\d{2})$", _iso_date, claims=False),
    "partnership's text (JSON)": _rule(
        r"(?P<n>\d+)",
        lambda m, c: len(c.seg.path) > 1 and (c.seg.path[0], c.seg.path[-1]) in PARTNERSHIP_TEXT,
        claims=False,
    ),
    # The framework's minimum answers to conclude on (findings.min_answered).
    "minimum answers": _rule(
        r"\b(?:(?P<n1>\d+) or more answers|fewer than (?P<n2>\d+) (?:cases answered|answers))",
        lambda m, c: int(m["n1"] or m["n2"]) == c.minimum,
    ),
    # The confidence level of every interval ("95% interval", "95% Wilson score intervals").
    "confidence level": _rule(r"\b(?P<n>95)% (?:Wilson score )?intervals?\b", lambda m, c: True),
    # The framework's finding thresholds and the moderation agreement threshold, as the method text states them.
    "finding threshold": _rule(r"\b(?:at least|below|fewer than) (?P<n>\d+)%", _finding_setting),
    "kappa threshold": _rule(
        r"\bkappa below (?P<n>\d+\.\d+)", lambda m, c: float(m["n"]) == moderation_rules(c.fw).kappa_min
    ),
    # What kappa's scale means ("1 is perfect, 0 no better than chance").
    "kappa scale": _rule(r"\((?P<n1>1) is perfect, (?P<n2>0) no better than chance\)", lambda m, c: True),
    # The framework's points for each answer, as the method text states them ("counts Yes as 1, Partly as 0.5").
    "answer points": _rule(
        r"\b(?P<a>Yes|Partly|No) as (?P<n>\d+(?:\.\d+)?)\b", lambda m, c: c.fw.points.get(m["a"]) == float(m["n"])
    ),
    # The gap between audit dates that starts a new round (rounds.gap_days).
    "round gap": _rule(r"\bmore than (?P<n>\d+) days\b", lambda m, c: int(m["n"]) == round_gap_days(c.fw)),
    # Holm's familywise error rate and the spread test's significance level (both 5%).
    "significance level": _rule(r"\b(?:difference at (?P<n1>5)%|p below (?P<n2>0\.05))", lambda m, c: True),
    # Criteria compared between the age groups, and those with too few answers: rows whose two rates are published on
    # enough answers (Holm's correction is over as many).
    "compared by age": _rule(
        r"\b(?P<n1>\d+) of the (?P<n2>\d+) criteria had \d+ or more answers in both groups and were compared"
        r"(?: \(the other (?P<n3>\d+) had too few)?",
        _compared,
    ),
    "comparisons by age": _rule(r"\bfor the (?P<n>\d+) comparisons\b", lambda m, c: int(m["n"]) in compared_by_age(c)),
    # Criteria and themes compared with the other areas: those whose rate the area publishes, on enough answers.
    "compared with other areas": _rule(
        r"\b(?P<n>\d+) criteria and themes were compared with the other areas",
        lambda m, c: int(m["n"]) in compared_with_rest(c),
    ),
    # How many criteria, themes, areas, sharing pairs or spreads a sentence counts: entries, never cases.
    "tally": _rule(
        r"\b(?P<n>\d+) (?:(?:other|scored) )?(?P<noun>criteria(?! and themes)|criterion|themes|areas?|cells|spreads)\b",
        lambda m, c: int(m["n"]) in tallies(c, m["noun"]),
    ),
    "tally of areas": _rule(
        r"\b(?P<n1>\d+) of (?P<n2>\d+) areas\b", lambda m, c: int(m["n1"]) == int(m["n2"]) == len(c.reg.areas)
    ),
    # The headline's count of criteria rated on enough answers, when too few were to name a weakest and strongest.
    "tally of rated criteria": _rule(
        r"\bweakest results \((?P<n>\d+) did\)", lambda m, c: int(m["n"]) in tallies(c, "criteria")
    ),
    "tally of bars": _rule(
        r"\bOf the (?P<n>\d+) with \d+ or more answers",
        lambda m, c: int(m["n"]) in tallies(c, "criteria") | tallies(c, "themes"),
    ),
    # The national summary's columns tallying findings: of an area's criteria, or of the areas for a criterion.
    "findings tally": _rule(r"^(?P<n>\d+)$", findings_tally, claims=False),
    # The criteria table's Theme column: the number of the row's criterion's theme.
    "theme number": _rule(r"^(?P<n>\d+)$", theme_number, claims=False),
    # A chart axis's tick labels, evenly spaced from 0 (a scale, not a figure of the data).
    "axis tick": _rule(r"^(?P<n>\d+)%?$", lambda m, c: axis_ticks(c), claims=False),
    # Audit rounds are published as "Round 1", "Round 2", ... (their own labels are free text).
    "round name": _rule(r"\bRound (?P<n>\d+)\b", lambda m, c: 1 <= int(m["n"]) <= rounds(c)),
    # An input file's SHA-256, which identifies the file (its hexadecimal digits are not a number).
    "checksum": _rule(r"\bSHA-256:? (?P<n>[0-9a-f]{6,})", lambda m, c: True),
    "checksum (JSON)": _rule(
        r"^(?P<n>[0-9a-f]{64})$", lambda m, c: c.seg.path[:1] in (("inputs",), ("framework",)), claims=False
    ),
}


# --- The check ----------------------------------------------------------------------------------------------------


def scope(reg: RunRegistry, page: Page, seg: Segment) -> Values:
    """The values a number in ``seg`` may take: of the row's criterion or theme, of the area named, or of the page.

    On an area's own page a row shows its figures and its comparison with the
    other areas; on the national summary and the index a row of an area shows
    that area's published % Yes only, a row of a criterion or theme the pooled figures.
    """
    fw = reg.framework
    if seg.path:  # summary.json: criteria/ID/..., themes/ID/..., moderation/criteria/ID/...
        keys = [k for k in seg.path if k in fw.criterion_ids or k in {t.id for t in fw.themes}]
        area = reg.areas[page.area]
        return area.item(keys[0]) if keys else area.scopes[None]
    named = [h for h in (seg.row, seg.column, seg.heading) if h in reg.areas]
    area = named[0] if named else page.area
    item = item_named(fw, seg.row) or item_named(fw, seg.column) or item_named(fw, seg.text, prefix=True)
    if area is not None:
        return reg.areas[area].item(item, own=page.area is None) if item else reg.areas[area].scopes[None]
    if item is not None:
        return reg.pooled.get(item, Values())
    return reg.everything()


# A difference of two rates in percentage points ("-2 points (-31 to +28)"): its numbers are rates.
POINTS = re.compile(r"\d+ points \(")


def registered(n: Number, allowed: Values, points: bool = False) -> bool:
    if n.percent or (points and not n.decimal):
        return n.text in allowed.rates
    if n.decimal:
        return n.text in allowed.decimals or n.text in allowed.rates  # JSON rates are round(x, 1)
    return int(n.text) in allowed.counts


@dataclass(frozen=True)
class Leak:
    """A number a page shows that is neither registered nor structural."""

    number: Number
    seg: Segment
    rule: str = ""  # the structural rule whose words it stands in, with a value the rule does not allow

    def __str__(self) -> str:
        n = self.number
        why = f" (not the {self.rule} it stands as)" if self.rule else ""
        return f"{n.text}{'%' if n.percent else ''} in {self.seg.where()}{why}"


def unregistered(pages: list[Page], reg: RunRegistry) -> list[Leak]:
    """Every number on ``pages`` that is neither registered nor structural."""
    literals = [re.compile(re.escape(t), re.IGNORECASE) for t in framework_text(reg)]
    out = []
    for page in pages:
        for seg in page.segments:
            found = numbers(seg.text)
            if not found:
                continue
            covered, wrong = _covered(seg.text, literals, Context(reg, page, seg))
            allowed = None
            for n in found:
                if any(a <= n.start < b for a, b in covered):
                    continue
                claimed = [name for (a, b), name in wrong.items() if a <= n.start < b]
                if claimed:
                    out.append(Leak(n, seg, claimed[0]))
                    continue
                allowed = allowed or scope(reg, page, seg)
                if not registered(n, allowed, bool(POINTS.search(seg.text))):
                    out.append(Leak(n, seg))
    return out


def _covered(
    text: str, literals: list[re.Pattern[str]], ctx: Context
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], str]]:
    """Spans of ``text`` holding structural numbers (framework text, each rule's numbers), and those a rule claims
    whose value is wrong (by the rule's name)."""
    spans = [m.span() for lit in literals for m in lit.finditer(text)]
    wrong: dict[tuple[int, int], str] = {}
    for name, rule in STRUCTURAL.items():
        for m in rule.pattern.finditer(text):
            groups = [m.span(g) for g, v in m.groupdict().items() if g.startswith("n") and v is not None]
            if rule.check(m, ctx):
                spans += groups
            elif rule.claims:
                wrong.update(dict.fromkeys(groups, name))
    return spans, wrong


# --- Tests --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(published_batch: tuple[Path, Any]) -> Path:
    out, run = published_batch
    assert run.exit_code == 0, run.output
    return out


def test_every_published_number_is_registered_or_structural(batch: Path) -> None:
    reg = registry()
    leaks = unregistered(published_pages(batch, reg), reg)
    assert not leaks, f"{len(leaks)} published numbers are neither registered nor structural:\n" + "\n".join(
        map(str, leaks)
    )


def test_summary_json_holds_no_unregistered_count(batch: Path) -> None:
    """Every integer in a published summary.json is a registered count of its area, or structural."""
    reg = registry()
    pages = [p for p in published_pages(batch, reg) if p.name.endswith("summary.json")]
    ints = [Page(p.name, p.area, [s for s in p.segments if re.fullmatch(r"\d+", s.text)]) for p in pages]
    assert all(p.segments for p in ints)
    leaks = unregistered(ints, reg)
    assert not leaks, "\n".join(map(str, leaks))


def _copy(batch: Path, tmp_path: Path) -> Path:
    out = tmp_path / "batch"
    shutil.copytree(batch, out, ignore=shutil.ignore_patterns("restricted"))
    return out


@pytest.mark.parametrize(
    "where",
    [
        r"(<td[^>]*>)\[c\](</td>)",  # the first hidden cell of a table
        r"(A second auditor audited )\[c\]( of the cases)",  # a hidden count in a sentence
    ],
)
def test_a_suppressed_count_planted_in_a_page_is_found(batch: Path, tmp_path: Path, where: str) -> None:
    reg = registry()
    out = _copy(batch, tmp_path)
    page = out / "amberlow-vale" / "report.html"
    html, planted = re.subn(where, r"\g<1>3\g<2>", page.read_text(encoding="utf-8"), count=1)
    assert planted
    page.write_text(html, encoding="utf-8")
    leaks = unregistered(published_pages(out, reg, "amberlow-vale/report.html"), reg)
    assert any(str(leak).startswith("3 in amberlow-vale/report.html") for leak in leaks), leaks


def test_a_secondary_suppressed_count_planted_in_its_row_is_found(batch: Path, tmp_path: Path) -> None:
    """A hidden count larger than the threshold, put back in its own row, is not one of that row's values."""
    reg = registry()
    pub = reg.areas["Amberlow Vale"].published
    hidden = [
        (cid, pub.count(criterion(cid).cell("yes")).value)
        for cid in pub.framework.criterion_ids
        if pub.count(criterion(cid).cell("yes")).suppressed and pub.count(criterion(cid).cell("yes")).value > THRESHOLD
    ]
    cid, value = hidden[0]
    out = _copy(batch, tmp_path)
    path = out / "amberlow-vale" / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["criteria"][cid]["yes"] = value
    path.write_text(json.dumps(summary), encoding="utf-8")
    leaks = unregistered(published_pages(out, reg, "amberlow-vale/summary.json"), reg)
    assert any(str(leak).startswith(f"{value} in amberlow-vale/summary.json") for leak in leaks), leaks


def test_an_unregistered_number_planted_in_summary_json_is_found(batch: Path, tmp_path: Path) -> None:
    reg = registry()
    out = _copy(batch, tmp_path)
    path = out / "amberlow-vale" / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["sample"]["age_bands"]["0-2"] = 4
    summary["note"] = "4 cases were left out"
    path.write_text(json.dumps(summary), encoding="utf-8")
    leaks = unregistered(published_pages(out, reg, "amberlow-vale/summary.json"), reg)
    assert sum(str(leak).startswith("4 in amberlow-vale/summary.json") for leak in leaks) == 2, leaks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("V1 Child's voice recorded", []),
        ("Yes in 38% of 1,234 cases", [("38", True), ("1234", False)]),
        ("29% to 77%", [("29", True), ("77", True)]),
        ("score 0.53.", [("0.53", False)]),
        ("SHA-256 e5323a6161317a2a", [("256", False)]),
    ],
)
def test_numbers_are_read_as_a_reader_reads_them(text: str, expected: list[tuple[str, bool]]) -> None:
    assert [(n.text, n.percent) for n in numbers(text)] == expected


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg"><g id="matplotlib.axis_1"><g id="xtick_1"><text>0%</text></g>'
    '<g id="xtick_2"><text>50%</text></g></g><text>12</text></svg>'
)


def test_a_page_is_read_as_a_reader_sees_it(tmp_path: Path) -> None:
    """Text, table headers, alt and aria-label text and a chart's text are read; tags, styles and scripts are not."""
    chart = base64.b64encode(SVG.encode()).decode()
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Report 7</title><style>p { width: 31px }</style><script>var n = 32;</script></head>"
        '<body><h2 id="s33">Amberlow Vale</h2><p class="w34">Yes in <strong>35</strong> cases.</p>'
        "<table><thead><tr><th>ID</th><th>Yes</th></tr></thead><tbody><tr><td>I1</td><td>36</td></tr></tbody></table>"
        f'<img alt="Chart of 37 cases" src="data:image/svg+xml;base64,{chart}"><nav aria-label="Part 38"></nav>'
        "</body></html>",
        encoding="utf-8",
    )
    segments = html_segments(page, "page.html")
    seen = {n.text: s for s in segments for n in numbers(s.text)}
    assert set(seen) == {"7", "35", "36", "37", "38", "0", "50", "12"}
    assert (seen["35"].text, seen["35"].heading) == ("Yes in 35 cases.", "Amberlow Vale")
    assert (seen["36"].column, seen["36"].row) == ("Yes", "I1")
    assert seen["50"].axis and not seen["12"].axis


def test_a_small_count_in_place_of_any_hidden_figure_is_found(batch: Path) -> None:
    """Wherever a page or summary.json shows [c], a count from 1 to the threshold there is not taken as structural."""
    reg = registry()
    missed = []
    for page in published_pages(batch, reg):
        hidden = [s for s in page.segments if SUPPRESSED in s.text]
        for n in range(1, THRESHOLD + 1):
            planted = [dataclasses.replace(s, text=s.text.replace(SUPPRESSED, str(n), 1)) for s in hidden]
            leaks = unregistered([dataclasses.replace(page, segments=planted)], reg)
            found = {leak.seg for leak in leaks if leak.number.text == str(n)}
            missed += [s.where() for s in planted if s not in found]
    assert not missed, "\n".join(missed[:20])


def test_numbers_in_the_partnerships_own_text_are_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """A judgement reason or an Audit details field written for publication may hold numbers: they are not counts."""
    from audit.publish.published import PublishedResult

    reg = registry()
    pub = reg.areas["Amberlow Vale"].published
    own = pub.practice
    reason, title = "Seen in 9173 of 9281 cases.", "Spring audit 8642"
    page = Page(
        "amberlow-vale/report.html",
        "Amberlow Vale",
        [Segment("amberlow-vale/report.html", f"Reason: {reason}"), Segment("amberlow-vale/report.html", title)],
    )
    assert [n.text for leak in unregistered([page], reg) for n in [leak.number]] == ["9173", "9281", "8642"]
    written = dataclasses.replace(
        own,
        judgements=[dataclasses.replace(own.judgements[0], reason=reason), *own.judgements[1:]],
        details={**own.details, "title": title},
    )
    original = PublishedResult.practice
    monkeypatch.setattr(
        PublishedResult, "practice", property(lambda self: written if self is pub else original.fget(self))
    )
    assert unregistered([page], reg) == []
