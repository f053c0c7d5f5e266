"""Findings: strengths, areas for improvement and priority action from a result, its interval and key status."""

from __future__ import annotations

from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from audit.analyse.area_result import analyse_area
from audit.analyse.findings import (
    IMPROVEMENT,
    PRIORITY,
    STRENGTH,
    TOO_SMALL,
    assess,
    by_category,
    classify,
    findings_frame,
    sentence,
)
from audit.check.validate import load_audit
from audit.errors import FrameworkError
from audit.framework.model import DEFAULT_CRITERIA, load_framework
from audit.framework.settings import FindingRules, finding_rules
from tests.conftest import case_row

RULES = FindingRules()


def _wilson(yes: int, n: int) -> tuple[float, float, float]:
    low, high = proportion_confint(yes, n, method="wilson")
    return yes / n * 100, low * 100, high * 100


@pytest.mark.parametrize(
    ("yes", "n", "key", "expected"),
    [
        (24, 25, False, STRENGTH),  # lower bound 80% >= 60%
        (14, 20, False, IMPROVEMENT),  # 70%, but the lower bound (48%) is under 60%
        (3, 20, False, PRIORITY),  # upper bound 36% < 50%
        (9, 20, True, PRIORITY),  # a key criterion under 50% Yes, though the upper bound is 66%
        (9, 20, False, IMPROVEMENT),  # the same result on a criterion that is not key
        (10, 20, True, IMPROVEMENT),  # exactly 50% on a key criterion is not below 50%
        (0, 4, False, TOO_SMALL),  # fewer than 5 answered, however bad
        (4, 4, True, TOO_SMALL),
    ],
)
def test_classify_by_interval_and_key(yes, n, key, expected):
    pct, low, high = _wilson(yes, n)
    category, reason = classify(n, pct, low, high, key, RULES)
    assert category == expected
    assert reason


def test_classify_nothing_answered_is_too_small():
    assert classify(0, None, None, None, True, RULES)[0] == TOO_SMALL


def test_thresholds_come_from_the_framework_file(tmp_path: Path):
    text = DEFAULT_CRITERIA.read_text(encoding="utf-8").replace("strength_lower: 60", "strength_lower: 40")
    path = tmp_path / "lenient.yml"
    path.write_text(text, encoding="utf-8")
    rules = finding_rules(load_framework(path))
    assert rules.strength_lower == 40
    pct, low, high = _wilson(14, 20)  # lower bound 48%
    assert classify(20, pct, low, high, False, rules)[0] == STRENGTH
    assert classify(20, pct, low, high, False, RULES)[0] == IMPROVEMENT


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("strength_lower: 60", "strength_lower: 160", "percentage"),
        ("min_answered: 5 ", "min_answered: many ", "number"),
        ("    V1: the child's voice", "    Z9: the child's voice", "unknown criteria"),
    ],
)
def test_bad_finding_settings_are_reported(tmp_path: Path, old, new, message):
    text = DEFAULT_CRITERIA.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "bad.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(FrameworkError, match=message):
        finding_rules(load_framework(path))


@pytest.fixture
def result(make_workbook, framework):
    # V1: 2 Yes, 6 Partly, 2 No of 10 (a key criterion at 20%); I2: 10 Yes of 10; P3: N/A except 3 Yes.
    rows = []
    for i in range(10):
        answers = {"V1": "Yes" if i < 2 else "Partly" if i < 8 else "No", "I2": "Yes"}
        answers["P3"] = "Yes" if i < 3 else "N/A"
        rows.append(case_row(framework, f"C{i}", answer="Partly", **answers))
    return analyse_area(load_audit(make_workbook(rows), framework))


def test_assess_every_criterion_and_theme(result, framework):
    found = assess(result.criteria, result.themes, framework)
    assert [f.id for f in found] == [*framework.criterion_ids, *(t.id for t in framework.themes)]
    by_id = {f.id: f for f in found}
    assert by_id["V1"].category == PRIORITY and by_id["V1"].key
    assert by_id["I2"].category == STRENGTH
    assert by_id["P3"].category == TOO_SMALL and by_id["P3"].answered == 3
    v1 = result.criteria.loc["V1"]
    assert (by_id["V1"].yes, by_id["V1"].answered) == (int(v1["yes"]), int(v1["answered"]))
    assert by_id["V1"].ci_low == pytest.approx(proportion_confint(2, 10, method="wilson")[0] * 100)


def test_sentence_in_plain_english(result, framework):
    found = {f.id: f for f in assess(result.criteria, result.themes, framework)}
    text = sentence(found["V1"])
    assert text.startswith("In 2 of 10 cases (20%; 95% interval 6% to 51%) the child's voice")
    assert text.endswith("in 6 more this was partly so.")
    assert sentence(found["I2"]).startswith("In 10 of 10 cases (100%;")
    assert "partly" not in sentence(found["I2"])
    theme = found["identification"]
    assert sentence(theme).startswith(f"On response at the point of identification, {theme.yes} of {theme.answered}")


def test_sentence_with_published_counts(result, framework):
    f = next(f for f in assess(result.criteria, result.themes, framework) if f.id == "V1")
    text = sentence(f, yes="[c]", answered=10, partly="[c]", rate_shown=False)
    assert text.startswith("In [c] of 10 cases the child's voice") and "%" not in text


def test_phrase_falls_back_to_the_label(small_framework, make_workbook):
    rows = [["A1", "Testshire", None, None, None, None, "Yes", "No", "Yes"]]
    header = ["Case ID", "Area", "Audit date", "Age band", "Agencies involved", "Overall grade"]
    header += [c.header for c in small_framework.criteria]
    result = analyse_area(load_audit(make_workbook(rows, header=header, fw=small_framework), small_framework))
    f = assess(result.criteria, result.themes, small_framework)[0]
    assert sentence(f) == 'In 1 of 1 cases (100%; 95% interval 21% to 100%) the criterion "Seen promptly" was met.'


def test_grouped_in_letter_order_and_as_a_frame(result, framework):
    found = assess(result.criteria, result.themes, framework)
    groups = by_category(found, "criterion")
    assert list(groups) == [STRENGTH, IMPROVEMENT, PRIORITY, TOO_SMALL]
    assert sum(len(v) for v in groups.values()) == len(framework.criteria)
    frame = findings_frame(found)
    assert len(frame) == len(found) and set(frame["category"]) <= {STRENGTH, IMPROVEMENT, PRIORITY, TOO_SMALL}
