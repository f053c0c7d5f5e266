"""Several frameworks: the shipped ones, `--criteria ID@VERSION`, and versions that travel with workbooks."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from audit import cli
from audit.check.validate import load_audit, load_audits
from audit.errors import FrameworkError
from audit.framework import registry
from audit.framework.model import load_framework
from audit.resources import CRITERIA_DIR, DEFAULT_CRITERIA
from audit.workbooks.template import write_template
from tests.conftest import case_row


def newer_version(fw_yaml: dict[str, Any]) -> dict[str, Any]:
    """The default framework as a version 2026.1 whose I5 is split in two (I5, I8) and V1 renamed V9."""
    data = dict(fw_yaml, version="2026.1")
    criteria = []
    for c in data["criteria"]:
        if c["id"] == "I5":
            criteria += [dict(c, label="Risk identified"), dict(c, id="I8", label="Risk shared", key=False)]
        elif c["id"] == "V1":
            criteria.append(dict(c, id="V9"))
        else:
            criteria.append(c)
    data["criteria"] = criteria
    phrases = {k: v for k, v in data["findings"]["phrases"].items() if k != "V1"}
    data["findings"] = dict(data["findings"], phrases=phrases)
    return data


@pytest.fixture
def shipped_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped frameworks as a folder holding the default (2025.1) and a made-up 2026.1 of it."""
    folder = tmp_path / "criteria"
    folder.mkdir()
    shutil.copy(DEFAULT_CRITERIA, folder / DEFAULT_CRITERIA.name)
    data = yaml.safe_load(DEFAULT_CRITERIA.read_text(encoding="utf-8"))
    (folder / "jtai_domestic_abuse_2026.yml").write_text(yaml.safe_dump(newer_version(data)), encoding="utf-8")
    monkeypatch.setattr(registry, "CRITERIA_DIR", folder)
    registry.shipped.cache_clear()
    yield folder
    registry.shipped.cache_clear()


def name_framework(path: Path, framework_id: str | None, version: str | None) -> Path:
    """Give a workbook an Audit details sheet naming a framework (None: the row is left blank)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Audit details")
    ws.append(["Field", "Value"])
    ws.append(["Audit title", "Test audit"])
    ws.append(["Framework", framework_id])
    ws.append(["Framework version", version])
    wb.save(path)
    return path


# --- the registry


def test_every_shipped_file_is_listed_and_loads() -> None:
    files = sorted(CRITERIA_DIR.glob("*.yml"))
    listed = registry.shipped()
    assert sorted(s.path for s in listed) == files
    for s in listed:
        fw = load_framework(s.path)
        assert (fw.id, fw.version, fw.title) == (s.id, s.version, s.title)
        assert (len(fw.themes), len(fw.criteria)) == (s.themes, s.criteria)


def test_a_shipped_id_names_its_newest_version(shipped_dir: Path) -> None:
    assert load_framework("jtai-domestic-abuse").version == "2026.1"
    assert load_framework("jtai-domestic-abuse@2025.1").version == "2025.1"
    assert load_framework("JTAI-Domestic-Abuse@2026.1").criterion_ids[4:6] == ("I5", "I8")
    assert load_framework(None).version == "2025.1"  # the default stays version 1, as before


def test_versions_sort_as_numbers() -> None:
    assert sorted(["2026.10", "2026.9", "2025.1"], key=registry.version_key) == ["2025.1", "2026.9", "2026.10"]


def test_unknown_id_or_version_names_what_is_shipped(shipped_dir: Path) -> None:
    shipped = r"no framework 'neglect' is shipped.*jtai-domestic-abuse \(2025.1, 2026.1\)"
    with pytest.raises(FrameworkError, match=shipped):
        load_framework("neglect")
    with pytest.raises(FrameworkError, match=r"no version '2030.1'; the versions shipped are: 2025.1, 2026.1"):
        load_framework("jtai-domestic-abuse@2030.1")


def test_a_file_is_still_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # found with importlib.resources, not from the working folder
    assert registry.shipped()
    shutil.copy(DEFAULT_CRITERIA, tmp_path / "mine.yml")
    assert load_framework("mine.yml").path == (tmp_path / "mine.yml").resolve()
    with pytest.raises(FrameworkError, match="cannot read the criteria file"):
        load_framework("missing.yml")


def test_cli_lists_frameworks(shipped_dir: Path) -> None:
    result = CliRunner().invoke(cli.main, ["frameworks"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["ID", "VERSION", "THEMES", "CRITERIA"]
    assert lines[1].split()[:4] == ["jtai-domestic-abuse", "2025.1", "4", "17"]
    assert lines[2].split()[:4] == ["jtai-domestic-abuse", "2026.1", "4", "18"]


def test_cli_criteria_takes_an_id(tmp_path: Path, shipped_dir: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "t.xlsx"
    result = runner.invoke(cli.main, ["template", str(out), "--criteria", "jtai-domestic-abuse@2026.1"])
    assert result.exit_code == 0, result.output
    assert load_audit(out).framework.version == "2026.1"
    result = runner.invoke(cli.main, ["template", str(tmp_path / "u.xlsx"), "--criteria", "jtai-domestic-abuse@9"])
    assert result.exit_code == 2
    assert "the versions shipped are: 2025.1, 2026.1" in result.output


# --- versions travel with the workbook


def _details(path: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path)["Audit details"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True)}


def test_template_names_its_framework_and_reads_back(tmp_path: Path, shipped_dir: Path) -> None:
    path = write_template(tmp_path / "t.xlsx", load_framework("jtai-domestic-abuse@2026.1"), rows=2)
    details = _details(path)
    assert (details["Framework"], details["Framework version"]) == ("jtai-domestic-abuse", "2026.1")
    data = load_audit(path)
    assert data.framework.version == "2026.1"
    assert not [p for p in data.problems if p.code == "details-field-unknown"]


def test_a_workbook_naming_no_framework_scores_as_before(make_workbook: Callable[..., Path], shipped_dir: Path) -> None:
    fw = load_framework()
    path = make_workbook([case_row(fw, "C1"), case_row(fw, "C2", answer="No")])
    data = load_audit(path)
    assert (data.framework.id, data.framework.version) == ("jtai-domestic-abuse", "2025.1")
    assert data.framework.sha256 == fw.sha256
    assert len(data.scored) == 2


def test_each_workbook_is_read_with_the_version_it_names(make_workbook: Callable[..., Path], shipped_dir: Path) -> None:
    new = load_framework("jtai-domestic-abuse@2026.1")
    path = name_framework(make_workbook([case_row(new, "C1")], fw=new), "jtai-domestic-abuse", "2026.1")
    data = load_audit(path)
    assert data.framework.version == "2026.1"
    assert data.scored.iloc[0]["I8"] == "Yes"
    assert not data.errors


def test_a_version_not_shipped_is_refused_by_cell(make_workbook: Callable[..., Path], shipped_dir: Path) -> None:
    fw = load_framework()
    path = name_framework(make_workbook([case_row(fw, "C1")]), "jtai-domestic-abuse", "2031.7")
    data = load_audit(path)
    exc = data.failed["audit.xlsx"]
    assert exc.code == "framework-unknown"
    assert "audit.xlsx: Audit details!B4:" in str(exc)
    assert "the versions shipped are: 2025.1, 2026.1" in str(exc)
    assert "2031.7" not in str(exc)  # a cell's value is never repeated


@pytest.mark.parametrize(
    ("framework_id", "version", "cell"),
    [("not-a-framework", "1", "B3"), (None, "2025.1", "B3"), ("jtai-domestic-abuse", None, "B4")],
)
def test_an_unknown_or_incomplete_name_is_refused(
    make_workbook: Callable[..., Path], framework_id: str | None, version: str | None, cell: str
) -> None:
    fw = load_framework()
    path = name_framework(make_workbook([case_row(fw, "C1")]), framework_id, version)
    exc = load_audit(path).failed["audit.xlsx"]
    assert exc.code == "framework-unknown"
    assert f"Audit details!{cell}" in str(exc)


def test_criteria_refuses_a_workbook_of_another_version(make_workbook: Callable[..., Path], shipped_dir: Path) -> None:
    fw = load_framework()
    path = name_framework(make_workbook([case_row(fw, "C1")]), "jtai-domestic-abuse", "2025.1")
    exc = load_audit(path, "jtai-domestic-abuse@2026.1").failed["audit.xlsx"]
    assert exc.code == "framework-mismatch"
    assert "Audit details!B4" in str(exc)
    assert not load_audit(path, "jtai-domestic-abuse@2025.1").failed


def test_a_mix_of_frameworks_is_grouped_or_refused(
    make_workbook: Callable[..., Path], small_framework: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "criteria"
    folder.mkdir()
    shutil.copy(DEFAULT_CRITERIA, folder)
    shutil.copy(small_framework.path, folder / "small.yml")
    monkeypatch.setattr(registry, "CRITERIA_DIR", folder)
    registry.shipped.cache_clear()
    try:
        fw = load_framework()
        make_workbook([case_row(fw, "C1", area="North")], name="in/north.xlsx")
        small = make_workbook(
            [["S1", "South", None, None, None, None, "Yes", "No", "Yes"]],
            header=["Case ID", "Area", "Audit date", "Age band", "Agencies involved", "Overall grade"]
            + [c.header for c in small_framework.criteria],
            name="in/south.xlsx",
        )
        name_framework(small, "small-test", "1")
        groups = load_audits(tmp_path / "in")
        assert [(g.framework.id, g.areas) for g in groups] == [
            ("jtai-domestic-abuse", ["North"]),
            ("small-test", ["South"]),
        ]
        with pytest.raises(FrameworkError, match="more than one framework") as caught:
            load_audit(tmp_path / "in")
        assert caught.value.code == "frameworks-mixed"
    finally:
        registry.shipped.cache_clear()


# --- a batch over a folder mixing frameworks (no kernels: the subject is the folders and the index)


def test_a_mixed_batch_reports_each_framework_apart(tmp_path: Path, fake_runner: Any) -> None:
    from audit.workbooks.sample import write_framework_sample
    from tests.fakes import run_cli

    mixed = tmp_path / "mixed"
    for name in ("jtai-domestic-abuse@2025.1", "jtai-csa-family"):
        for path in write_framework_sample(tmp_path / name, load_framework(name), sizes=(6, 8))[:2]:
            (mixed / path.name).parent.mkdir(exist_ok=True)
            (mixed / path.name).write_bytes(path.read_bytes())
    result = run_cli("batch", mixed, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    for folder in ("jtai-domestic-abuse-2025-1", "jtai-csa-family-2026-1"):
        assert (out / folder / "index.html").is_file()
        assert (out / folder / "national" / "report.html").is_file()
        assert (out / folder / "amberlow-vale" / "summary.json").is_file()
        assert json.loads((out / folder / "manifest.json").read_text())["framework"]["id"] in folder
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<h2 id="framework-') == 2
    assert 'href="jtai-csa-family-2026-1/amberlow-vale/report.html"' in index
    assert 'href="jtai-domestic-abuse-2025-1/national/report.html"' in index
    national = tmp_path / "national.yml"
    national.write_text("I1: 50\n", encoding="utf-8")
    refused = run_cli("batch", mixed, "--out", tmp_path / "out2", "--quiet", "--national", national)
    assert refused.exit_code == 1
    assert "--national gives figures for one framework" in refused.output


def test_sample_framework_writes_three_areas_naming_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["sample", str(tmp_path), "--framework", "jtai-csa-family"])
    assert result.exit_code == 0, result.output
    paths = sorted(tmp_path.glob("*.xlsx"))
    assert len(paths) == 3
    data = load_audit(tmp_path)
    assert data.framework.id == "jtai-csa-family"
    assert len(data.areas) == 3 and not data.failed and not data.errors
    both = CliRunner().invoke(cli.main, ["sample", str(tmp_path), "--framework", "x", "--criteria", "y.yml"])
    assert both.exit_code == 2
