"""The frameworks shipped in audit/data/criteria: each loads, each new one names its sources, and 2025.1 stays put."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
import yaml

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.errors import FrameworkError
from audit.framework.model import Framework, load_framework
from audit.resources import CRITERIA_DIR, DEFAULT_CRITERIA
from tests.conftest import case_row, header_for

SHIPPED = sorted(CRITERIA_DIR.glob("*.yml"))
DA_V1 = CRITERIA_DIR / "jtai_domestic_abuse.yml"
DA_V2 = CRITERIA_DIR / "jtai_domestic_abuse_2026.yml"
# The 2025.1 file as released: a workbook made for it must score exactly as it did, so the file never changes.
DA_V1_SHA256 = "b6a7279695deb533b32251d972ff1d1cba02a4d6b0699495dec4704c57928f89"
HEALTH = ("maternity", "health_visiting", "gp", "emergency", "camhs", "adult_mental_health")


@pytest.fixture(scope="module")
def v2() -> Framework:
    return load_framework(DA_V2)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_framework_loads(path: Path):
    """load_framework checks the schema and every cross-reference rule; each file has its own id and version."""
    fw = load_framework(path)
    assert fw.criteria and fw.themes and fw.agencies
    assert all(fw.criteria_in(t.id) for t in fw.themes), "a theme with no criteria"


def test_shipped_frameworks_have_distinct_ids_and_versions():
    pairs = [(fw.id, fw.version) for fw in map(load_framework, SHIPPED)]
    assert len(pairs) == len(set(pairs))
    assert ("jtai-domestic-abuse", "2025.1") in pairs and ("jtai-domestic-abuse", "2026.1") in pairs


@pytest.mark.parametrize("path", [p for p in SHIPPED if p != DA_V1], ids=lambda p: p.name)
def test_every_criterion_of_a_new_framework_names_its_source(path: Path):
    fw = load_framework(path)
    missing = [c.id for c in fw.criteria if len(c.source) < 10]
    assert not missing, f"criteria without a source note: {missing}"
    for c in fw.criteria:
        if c.source.startswith("practice"):
            assert len(c.source) > len("practice: ") + 10, f"{c.id}: 'practice' needs a reason"


def test_default_framework_stays_domestic_abuse_2025_1():
    fw = load_framework()
    assert DEFAULT_CRITERIA == DA_V1
    assert (fw.id, fw.version) == ("jtai-domestic-abuse", "2025.1")


def test_domestic_abuse_2025_1_file_is_unchanged():
    assert hashlib.sha256(DA_V1.read_bytes()).hexdigest() == DA_V1_SHA256
    assert all(c.source == "" for c in load_framework(DA_V1).criteria)


def test_v2_splits_the_compound_criteria(v2):
    ids = set(v2.criterion_ids)
    assert {"I6", "I7", "V2", "V3", "P5", "P6", "S4", "S5"} <= ids  # I5, V1, P3 and S2 split
    assert not ids & {"I5", "V1", "P3", "S2", "S3"}, "a split criterion's ID is retired, not reused"
    assert {"M1", "M2", "M3", "A5", "A6", "A7", "P7", "P8", "P9", "P10", "E1", "E2", "O1", "O2"} <= ids
    v1 = load_framework(DA_V1)
    for cid in set(v1.criterion_ids) & ids:  # an ID kept from 2025.1 keeps its label
        assert v2.criterion(cid).label == v1.criterion(cid).label


def test_v2_refines_the_agencies_and_names_current_terms(v2):
    assert set(HEALTH) | {"housing", "substance_misuse", "specialist_da"} <= set(v2.agencies)
    assert "health" not in v2.agencies
    text = " ".join(c.question for c in v2.criteria)
    for term in ("DASH", "DARA", "Clare's Law", "DVPN/DVPO", "DAPN/DAPO", "Operation Encompass", "MARAC", "IDVA"):
        assert term in text, term


def test_v2_reads_old_agency_names(v2):
    assert v2.agency_ids("Health") == HEALTH
    assert v2.agency_id("Health") is None  # several agencies: not one agency's own answers
    assert v2.agency_ids("  midwife ") == ("maternity",)
    assert v2.agency_ids("GP") == ("gp",)
    assert v2.agency_ids("Health visitor") == ("health_visiting",)
    assert v2.agency_ids("YOT") == ("youth_justice",)
    assert v2.agency_ids("Wizards") == ()


def test_an_old_workbooks_health_reads_as_every_health_agency(make_workbook, v2):
    """A 2025.1-style 'Police, Health' in Agencies involved involves police and each health service, no warning."""
    data = load_audit(make_workbook([case_row(v2, "C1")], fw=v2), v2)
    assert data.cases.iloc[0]["agencies"] == ("police", *HEALTH)
    assert not [p for p in data.problems if p.code == "agency-unknown"]


def test_v1_still_reads_health_as_one_agency(make_workbook, framework):
    data = load_audit(make_workbook([case_row(framework, "C1")]), framework)
    assert data.cases.iloc[0]["agencies"] == ("police", "health")


def _with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DA_V2.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "fw.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["agency_aliases"].__setitem__("Health", ["gp", "wizards"]), "agency_aliases.Health: expected"),
        (lambda d: d["agency_aliases"].__setitem__("Health", []), "agency_aliases.Health: expected"),
        (lambda d: d["criteria"][0].__setitem__("source", ""), "criteria[0].source: expected text"),
        (lambda d: d["criteria"][0].__setitem__("source", 3), "criteria[0].source: expected text"),
    ],
)
def test_bad_aliases_and_sources_refused(tmp_path, change, expected):
    with pytest.raises(FrameworkError) as info:
        load_framework(_with(tmp_path, change))
    assert expected in str(info.value)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_framework_scores_a_workbook(make_workbook, path: Path):
    """A small workbook written for the framework validates cleanly and scores every criterion and theme."""
    fw = load_framework(path)
    answers = ("Yes", "Partly", "No", "Yes", "N/A")
    rows = []
    for i in range(8):
        row = case_row(fw, f"C{i}", **{c.id: answers[(i + j) % len(answers)] for j, c in enumerate(fw.criteria)})
        row[3], row[4] = fw.age_bands[i % len(fw.age_bands)], ", ".join(list(fw.agencies.values())[:2])
        rows.append(row)
    data = load_audit(make_workbook(rows, fw=fw), fw)
    assert not [p for p in data.problems if p.severity == "error"]
    assert all(not p.code.startswith("agency") for p in data.problems)
    result = analyse_area(data, "Testshire")
    assert result.cases_scored == 8
    assert list(result.criteria.index) == list(fw.criterion_ids)
    assert set(result.themes.index) == {t.id for t in fw.themes}


def test_agency_answers_need_one_agency_not_a_group(tmp_path, v2):
    """On the Agency answers sheet a row is one agency's own answers: "Health" (six services) is refused, by cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(header_for(v2))
    ws.append(case_row(v2, "C1"))
    sheet = wb.create_sheet("Agency answers")
    for row in (["Case ID", "Agency", "V2"], ["C1", "Health", "Yes"], ["C1", "Midwife", "No"]):
        sheet.append(row)
    path = tmp_path / "a.xlsx"
    wb.save(path)
    data = load_audit(path, v2)
    problems = [p for p in data.problems if p.sheet == "Agency answers"]
    assert [(p.code, p.cell) for p in problems] == [("agency-invalid", "B2")]
    assert "names several agencies" in problems[0].message
    assert list(data.agency_answers.loc[data.agency_answers["status"] == "scored", "agency"]) == ["maternity"]
