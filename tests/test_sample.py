"""Synthetic sample data: deterministic, realistic rates, invented identities, and known mess."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit.framework.model import CANONICAL_ANSWERS, Framework, load_framework
from audit.workbooks.sample import (
    AREAS,
    INVALID_ANSWER,
    generate_cases,
    generate_national,
    slug,
    write_sample_data,
    write_workbook,
)
from audit.workbooks.template import FIXED_COLUMNS, FREE_TEXT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_FILES = {
    "amberlow-vale.xlsx",
    "brackenholt-moor.xlsx",
    "cindersey-fen-and-dunmerrow-hythe.xlsx",
    "elderwyke-downs.xlsx",
    "fennistow-bay.xlsx",
}
CASE_SHEETS = ("Cases", "Moderation")
# What must never appear: NHS-number-like digit runs, postcode-like strings, e-mail addresses.
IDENTIFIER_PATTERNS = (
    re.compile(r"\d{10}"),
    re.compile(r"\b\d{3}[ -]\d{3}[ -]\d{4}\b"),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),
    re.compile("@"),
)


def _yes_rate(frame: pd.DataFrame, header: str) -> float:
    answered = frame.loc[frame[header] != "N/A", header]
    return float((answered == "Yes").mean())


@functools.cache
def _sheets(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's rows as values; read once per file (the files are not changed after writing)."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def _sheet_rows(path: Path, sheet: str) -> tuple[list[str], list[tuple]]:
    rows = _sheets(path)[sheet]
    return list(rows[2]), rows[3:]


def _answer_cells(paths: list[Path], fw: Framework) -> Iterator[tuple[str, str, int, object]]:
    """(file, sheet, row number, value) for every criterion cell of every case sheet."""
    headers = {c.header for c in fw.criteria}
    for path in paths:
        for sheet in CASE_SHEETS:
            if sheet not in _sheets(path):
                continue
            rows = _sheets(path)[sheet]
            cols = [i for i, h in enumerate(rows[2]) if h in headers]
            for r, row in enumerate(rows[3:], start=4):
                for i in cols:
                    yield path.name, sheet, r, row[i]


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework()


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, fw: Framework) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample_data(out, fw)
    return out


@pytest.fixture(scope="module")
def national(fw: Framework) -> pd.DataFrame:
    return generate_national(fw, n_areas=40, cases_per_area=30, seed=7)


def test_same_seed_same_frame(fw: Framework) -> None:
    a = generate_cases(fw, "Amberlow Vale", 25, seed=3)
    pd.testing.assert_frame_equal(a, generate_cases(fw, "Amberlow Vale", 25, seed=3))
    assert not a.equals(generate_cases(fw, "Amberlow Vale", 25, seed=4))
    assert not a.equals(generate_cases(fw, "Fennistow Bay", 25, seed=3))


def test_columns_and_values(fw: Framework) -> None:
    df = generate_cases(fw, "Cindersey Fen", 40, seed=1)
    assert list(df.columns) == [*FIXED_COLUMNS, *FREE_TEXT_COLUMNS, *(c.header for c in fw.criteria)]
    assert list(df["Case ID"]) == [f"CF-{i:04d}" for i in range(1, 41)]
    assert set(df["Area"]) == {"Cindersey Fen"}
    assert set(df["Age band"]) <= set(fw.age_bands)
    assert set(df["Overall grade"]) <= set(fw.grades)
    assert all(d.year == 2025 and d.weekday() < 5 for d in df["Audit date"])
    labels = set(fw.agencies.values())
    assert all(set(a.split(", ")) <= labels for a in df["Agencies involved"])
    for c in fw.criteria:
        assert set(df[c.header]) <= set(CANONICAL_ANSWERS)


def test_rates_follow_inspection_findings(national: pd.DataFrame, fw: Framework) -> None:
    rate = {c.id: _yes_rate(national, c.header) for c in fw.criteria}
    for weak in ("V1", "P2", "A2", "S1"):
        assert 0.22 <= rate[weak] <= 0.48, (weak, rate[weak])
    for strong in ("I3", "I5"):
        assert 0.68 <= rate[strong] <= 0.88, (strong, rate[strong])
    assert rate["V1"] < rate["I5"] and rate["P2"] < rate["I3"]


def test_areas_differ(national: pd.DataFrame, fw: Framework) -> None:
    by_area = national.groupby("Area")[fw.criterion("A1").header].apply(lambda s: (s == "Yes").mean())
    assert by_area.max() - by_area.min() > 0.2


def test_not_applicable_where_criterion_cannot_apply(national: pd.DataFrame, fw: Framework) -> None:
    i5, i3, p3 = (national[fw.criterion(c).header] for c in ("I5", "I3", "P3"))
    age = national["Age band"]
    assert (i5[age.isin(["3-7", "8-12", "13-17"])] == "N/A").all()
    assert (i5[age == "Unborn"] != "N/A").all()
    assert 0 < (i5[age == "0-2"] != "N/A").mean() < 0.5
    assert (i3[age == "Unborn"] == "N/A").all()
    assert (i3[age == "0-2"] == "N/A").mean() > 0.6
    no_probation = ~national["Agencies involved"].str.contains("Probation")
    assert ((p3 == "N/A") == no_probation).all()


def test_age_bands_lean_young(national: pd.DataFrame) -> None:
    share = national["Age band"].value_counts(normalize=True)
    assert share[["Unborn", "0-2", "3-7"]].sum() > 0.6
    assert share["Unborn"] > share["13-17"]


def test_auditor_grade_correlates_but_is_not_derived(national: pd.DataFrame, fw: Framework) -> None:
    points = national[[c.header for c in fw.criteria]].replace(fw.points).apply(pd.to_numeric)
    mean = points.mean(axis=1)
    by_grade = mean.groupby(national["Overall grade"]).mean().reindex(fw.grades).dropna()
    assert by_grade.is_monotonic_decreasing
    derived = [next(b.grade for b in fw.grade_bands if m >= b.min) for m in mean]
    agree = (national["Overall grade"] == derived).mean()
    assert 0.4 < agree < 0.95


def test_national_areas(national: pd.DataFrame) -> None:
    assert national["Area"].nunique() == 40
    assert national["Area"].iloc[0] == "Area 001 (synthetic)"
    assert national["Case ID"].is_unique
    assert len(national) == 40 * 30


def test_no_real_identifiers(national: pd.DataFrame, sample_dir: Path) -> None:
    texts = {str(v) for col in national.columns if col != "Audit date" for v in national[col].dropna()}
    for path in sample_dir.glob("*.xlsx"):
        for rows in _sheets(path).values():
            texts |= {v for row in rows for v in row if isinstance(v, str)}
    for text in texts:
        for pattern in IDENTIFIER_PATTERNS:
            assert not pattern.search(text), f"{pattern.pattern} matches {text!r}"
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in AREAS.values())


def test_sample_files_and_areas(sample_dir: Path, fw: Framework) -> None:
    assert {p.name for p in sample_dir.glob("*.xlsx")} == EXPECTED_FILES
    counts: dict[str, int] = {}
    for path in sample_dir.glob("*.xlsx"):
        header, rows = _sheet_rows(path, "Cases")
        assert header[0] == "Case ID"
        area_col = header.index("Area")
        for row in rows:
            if row[0] is not None:
                counts[row[area_col]] = counts.get(row[area_col], 0) + 1
        areas = {row[area_col] for row in rows if row[0] is not None}
        assert path.name == "-and-".join(slug(a) for a in AREAS if a in areas) + ".xlsx"
    assert set(counts) == set(AREAS)
    assert all(15 <= n <= 40 for n in counts.values()), counts
    assert len(set(counts.values())) > 1


def test_sample_mess(sample_dir: Path, fw: Framework) -> None:
    paths = sorted(sample_dir.glob("*.xlsx"))
    cells = list(_answer_cells(paths, fw))
    invalid = [(f, s, r, v) for f, s, r, v in cells if v is not None and fw.normalise_answer(str(v)) is None]
    assert invalid == [("brackenholt-moor.xlsx", "Cases", 17, INVALID_ANSWER)]
    values = [str(v) for *_, v in cells if v is not None]
    assert {"Y", "Met", "Partial", "Partially met", "N", "Not met", "NA", "Not applicable"} <= set(values)
    assert any(v != v.strip() for v in values) and "PARTLY" in values
    assert sum(v is None for *_, v in cells) > 20  # blank answers
    for path in paths:
        header, rows = _sheet_rows(path, "Cases")
        blank = [i for i, row in enumerate(rows) if all(v is None for v in row)]
        assert len(blank) == 1 and 0 < blank[0] < len(rows) - 1, path.name
        assert all(isinstance(row[2], dt.datetime) for row in rows if row[0] is not None)


def test_moderation_sheet(sample_dir: Path, fw: Framework) -> None:
    with_mod = [p for p in sample_dir.glob("*.xlsx") if "Moderation" in _sheets(p)]
    assert [p.name for p in with_mod] == ["amberlow-vale.xlsx"]
    header, cases = _sheet_rows(with_mod[0], "Cases")
    mod_header, mod = _sheet_rows(with_mod[0], "Moderation")
    assert mod_header == header and len(mod) == 5
    first = {row[0]: row for row in cases if row[0] is not None}
    cols = [header.index(c.header) for c in fw.criteria]
    same = differ = 0
    for row in mod:
        orig = first[row[0]]
        for i in cols:
            if orig[i] is None:
                continue
            if fw.normalise_answer(str(orig[i])) == row[i]:
                same += 1
            else:
                differ += 1
    assert differ > 0 and same > 4 * differ


def test_sample_data_is_byte_stable(tmp_path: Path, sample_dir: Path, fw: Framework) -> None:
    again = write_sample_data(tmp_path, fw)
    for path in again:
        assert path.read_bytes() == (sample_dir / path.name).read_bytes(), path.name


def test_committed_sample_data_is_current(sample_dir: Path) -> None:
    committed = ROOT / "sample_data"
    if not any(committed.glob("*.xlsx")):
        pytest.skip("sample_data/ not generated")
    for name in EXPECTED_FILES:
        assert _sheets(committed / name) == _sheets(sample_dir / name), (
            f"sample_data/{name} is stale: rerun write_sample_data('sample_data', load_framework())"
        )


def test_unmessy_workbook_is_canonical(tmp_path: Path, fw: Framework) -> None:
    frame = generate_cases(fw, "Elderwyke Downs", 12, seed=5)
    path = write_workbook(tmp_path / "clean.xlsx", frame, fw, mess=False)
    ws = openpyxl.load_workbook(path)["Cases"]
    assert ws["A1"].value and ws["A2"].value is None and ws["A3"].value == "Case ID"
    header, rows = _sheet_rows(path, "Cases")
    assert len(rows) == 12
    back = pd.DataFrame(rows, columns=header)
    for c in fw.criteria:
        assert list(back[c.header]) == list(frame[c.header])
    assert [d.date() for d in back["Audit date"]] == [d.date() for d in frame["Audit date"]]
    assert "Instructions" in _sheets(path)


def test_other_framework(tmp_path: Path) -> None:
    from tests.conftest import SMALL_YAML

    (tmp_path / "small.yml").write_text(SMALL_YAML, encoding="utf-8")
    small = load_framework(tmp_path / "small.yml")
    frame = generate_cases(small, "Fennistow Bay", 30, seed=1)
    assert list(frame.columns)[-3:] == ["X1 Seen promptly", "X2 Police checks done", "Y1 Plan agreed"]
    assert set(frame["Age band"]) <= set(small.age_bands)
    path = write_workbook(tmp_path / "small.xlsx", frame, small, mess=True, seed=1)
    cells = list(_answer_cells([path], small))
    assert sum(v is not None and small.normalise_answer(str(v)) is None for *_, v in cells) == 1
