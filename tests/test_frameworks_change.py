"""Change over time across framework versions: a 2025.1 round and a 2026.1 round of one area, through the mapping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.compare_versions import criterion_pairs
from audit.check.validate import load_audit, load_audits
from audit.framework.mapping import load_mapping, mapping_path
from audit.framework.model import load_framework
from audit.publish.published import publish
from audit.render.present_compare import change_over_time
from tests.conftest import case_row, header_for
from tests.test_frameworks import name_framework

OLD, NEW = "jtai-domestic-abuse@2025.1", "jtai-domestic-abuse@2026.1"


def _rows(fw: Any, area: str, year: int, n: int, **answers: str) -> list[list[Any]]:
    rows = []
    for i in range(n):
        row = case_row(fw, f"{area[:1]}{year}-{i}", area=area, answer="Partly", **answers)
        row[2] = dt.date(year, 3, 1 + i)
        rows.append(row)
    return rows


@pytest.fixture
def two_rounds(make_workbook: Callable[..., Path], tmp_path: Path) -> Path:
    """North Vale audited in 2025 (version 2025.1, I1 always No) and in 2026 (2026.1, I1 always Yes)."""
    old, new = load_framework(OLD), load_framework(NEW)
    first = make_workbook(_rows(old, "North Vale", 2025, 12, I1="No"), name="in/north-2025.xlsx", fw=old)
    second = make_workbook(_rows(new, "North Vale", 2026, 12, I1="Yes"), name="in/north-2026.xlsx", fw=new)
    name_framework(first, "jtai-domestic-abuse", "2025.1")
    name_framework(second, "jtai-domestic-abuse", "2026.1")
    return tmp_path / "in"


def test_an_area_is_reported_under_its_newest_version_with_older_rounds_kept(two_rounds: Path) -> None:
    data = load_audit(two_rounds)
    assert data.framework.version == "2026.1"
    assert list(data.files) == ["north-2026.xlsx"]
    (earlier,) = data.earlier
    assert earlier.framework.version == "2025.1"
    assert len(earlier.scored) == 12
    assert not data.failed and not data.errors


def test_change_compares_only_the_criteria_carried_over(two_rounds: Path) -> None:
    result = analyse_area(load_audit(two_rounds), "North Vale")
    change = result.analysis.change
    old, new = load_framework(OLD), load_framework(NEW)
    mapping = load_mapping(mapping_path(new.id, old.version, new.version), old, new)
    assert change.attrs["versions"] == ("2025.1", "2026.1")
    compared = set(change.loc[change["level"] == "criterion", "id"])
    assert compared == set(mapping.comparable.values())
    i1 = change.set_index("id").loc["I1"]
    assert (i1["previous_pct"], i1["latest_pct"], i1["direction"]) == (0.0, 100.0, "up")
    not_compared = {n["id"]: n["why"] for n in change.attrs["not_compared"] if n["level"] == "criterion"}
    assert set(mapping.not_comparable) | set(mapping.new_in_target) == set(not_compared)
    assert not_compared["I5"].startswith("I5 was split into I6 and I7")
    rounds = result.analysis.rounds
    assert list(rounds["version"]) == ["2025.1", "2026.1"]
    assert list(rounds["round"]) == ["March 2025", "March 2026"]


def test_the_report_says_plainly_what_cannot_be_compared(two_rounds: Path) -> None:
    html = str(change_over_time(publish(analyse_area(load_audit(two_rounds), "North Vale"), None)))
    said = "scored against version 2026.1 of the framework and the one before (March 2025) against version 2025.1"
    assert said in html
    assert "These cannot be compared across the two versions:" in html
    assert "I5 was split into I6 and I7" in html
    old, new = load_framework(OLD), load_framework(NEW)
    first_new = load_mapping(mapping_path(new.id, old.version, new.version), old, new).new_in_target[0]
    assert f"{first_new} is new in version 2026.1" in html
    assert "does not ask the same questions in both versions" in html


def test_published_round_labels_cover_both_versions(make_workbook: Callable[..., Path], tmp_path: Path) -> None:
    old, new = load_framework(OLD), load_framework(NEW)
    header_old, header_new = header_for(old, ("Audit round",)), header_for(new, ("Audit round",))
    first = make_workbook(
        [[*r[:6], "Spring audit", *r[6:]] for r in _rows(old, "North Vale", 2025, 12)], header_old, "in/a.xlsx", fw=old
    )
    second = make_workbook(
        [[*r[:6], "Follow-up", *r[6:]] for r in _rows(new, "North Vale", 2026, 12)], header_new, "in/b.xlsx", fw=new
    )
    name_framework(first, "jtai-domestic-abuse", "2025.1")
    name_framework(second, "jtai-domestic-abuse", "2026.1")
    result = analyse_area(load_audit(tmp_path / "in"), "North Vale", publish=True)
    assert result.analysis.change.attrs["rounds"] == ("Round 1", "Round 2")  # typed labels are never published


def test_an_area_only_audited_under_the_older_version_keeps_it(
    two_rounds: Path, make_workbook: Callable[..., Path]
) -> None:
    old = load_framework(OLD)
    south = make_workbook(_rows(old, "South Vale", 2025, 3), name="in/south.xlsx", fw=old)
    name_framework(south, "jtai-domestic-abuse", "2025.1")
    groups = load_audits(two_rounds)
    assert [(g.framework.version, g.areas) for g in groups] == [("2025.1", ["South Vale"]), ("2026.1", ["North Vale"])]
    assert [e.areas for e in groups[1].earlier] == [["North Vale"]]


def test_themes_are_compared_only_where_every_question_carries_over() -> None:
    old, new = load_framework(OLD), load_framework(NEW)
    sources, not_compared = criterion_pairs(old, new)
    for (level, later), (_, earlier) in sources.items():
        if level == "theme":
            assert {sources.get(("criterion", c.id)) for c in new.criteria_in(later)} == {
                ("criterion", c.id) for c in old.criteria_in(earlier)
            }
    assert {n["id"] for n in not_compared if n["level"] == "theme"} | {t for (lv, t) in sources if lv == "theme"} == {
        t.id for t in new.themes
    }


def test_rounds_are_set_in_date_order_whichever_version_came_first(
    make_workbook: Callable[..., Path], tmp_path: Path
) -> None:
    old, new = load_framework(OLD), load_framework(NEW)
    later = make_workbook(_rows(old, "North Vale", 2027, 12, I1="No"), name="in/old-late.xlsx", fw=old)
    sooner = make_workbook(_rows(new, "North Vale", 2026, 12, I1="Yes"), name="in/new-soon.xlsx", fw=new)
    name_framework(later, "jtai-domestic-abuse", "2025.1")
    name_framework(sooner, "jtai-domestic-abuse", "2026.1")
    change = analyse_area(load_audit(tmp_path / "in"), "North Vale").analysis.change
    assert change.attrs["rounds"] == ("March 2026", "March 2027")
    assert change.attrs["versions"] == ("2026.1", "2025.1")
    i1 = change.set_index("id").loc["I1"]
    assert (i1["previous_pct"], i1["latest_pct"], i1["direction"]) == (100.0, 0.0, "down")


def test_the_footer_and_manifest_name_the_older_rounds_and_their_workbooks(two_rounds: Path) -> None:
    from audit.run.manifest import input_records
    from audit.run.report import report_meta

    data = load_audit(two_rounds)
    footer = report_meta(publish(analyse_area(data, "North Vale"), None)).footer
    assert "Framework jtai-domestic-abuse version 2026.1. Earlier rounds scored against version 2025.1." in footer
    assert "north-2025.xlsx" in footer and "north-2026.xlsx" in footer
    records = {r["file"]: r for r in input_records(data)}
    assert records["north-2025.xlsx"]["framework_version"] == "2025.1"
    assert records["north-2025.xlsx"]["cases_scored"] == 12
    assert records["north-2026.xlsx"]["framework_version"] == "2026.1"


def test_summary_json_names_the_older_version(two_rounds: Path) -> None:
    from audit.render.summary_json import summary_dict

    summary = summary_dict(publish(analyse_area(load_audit(two_rounds), "North Vale"), None))
    assert summary["framework"]["version"] == "2026.1"
    assert summary["framework"]["earlier_versions"] == ["2025.1"]
