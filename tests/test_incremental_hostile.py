"""Hostile input and hostile sequences for the incremental batch (issue 16).

A re-run into the same folder must give what a clean run gives, keep no stale
file, leak nothing, never follow a symlink out of OUT, and never end in a
traceback, whatever its record (``OUT/restricted/batch-cache.json``) holds and in
whatever order runs, edits and interruptions come.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit.run.incremental import CACHE, FORMAT, read_record
from tests.fakes import use_fake_runner
from tests.incremental_support import build, differences, rebuilt, sample_fixtures, set_cell, snapshot
from tests.test_incremental import AMBERLOW, AREAS, batch, same_as_clean

NOTE = ("Cases", "I1 evidence", 0, "A different note about the first case.")
sample, data = sample_fixtures()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> object:
    return use_fake_runner(monkeypatch)


def tamper(out: Path, change: Any) -> None:
    """Edit the record of the last run with ``change(record_dict)``."""
    path = out / "restricted" / CACHE
    raw = json.loads(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(json.dumps(raw), encoding="utf-8")


def _area(raw: dict, name: str = "Brackenholt Moor") -> dict:
    return raw["areas"][name]


OUTCOME_DAMAGE = {
    "extra-key": lambda r: _area(r)["outcome"].update(surprise=1),
    "missing-key": lambda r: _area(r)["outcome"].pop("slug"),
    "other-area": lambda r: _area(r)["outcome"].update(area="Amberlow Vale"),
    "unknown-area": lambda r: _area(r)["outcome"].update(area="Nowhere Fen"),
    "other-slug": lambda r: _area(r)["outcome"].update(slug="../elsewhere"),
    "cases-a-dict": lambda r: _area(r)["outcome"].update(cases_scored={"a": 1}),
    "results-a-list": lambda r: _area(r)["outcome"].update(key_results=[1, 2]),
    "result-a-dict": lambda r: _area(r)["outcome"].update(key_results={"x": {"y": 1}}),
    "pdf-a-string": lambda r: _area(r)["outcome"].update(pdf="yes"),
    "strengths-a-string": lambda r: _area(r)["outcome"].update(strengths="all of them"),
    "strengths-of-numbers": lambda r: _area(r)["outcome"].update(strengths=[1, 2]),
    "error-a-number": lambda r: _area(r)["outcome"].update(error=3),
    "outcome-a-list": lambda r: _area(r).update(outcome=[]),
}


@pytest.mark.parametrize("damage", list(OUTCOME_DAMAGE), ids=list(OUTCOME_DAMAGE))
def test_an_area_s_tampered_outcome_is_refused_with_the_record(tmp_path, damage):
    """An outcome the index cannot be made from is a damaged record: never a TypeError, never a wrong index."""
    out = tmp_path / "out"
    (out / "restricted").mkdir(parents=True)
    good = {
        "format": FORMAT,
        "keys": {},
        "comparison": "",
        "run": "",
        "decision": [],
        "pages": {},
        "areas": {
            "Brackenholt Moor": {
                "slug": "brackenholt-moor",
                "data": "",
                "cells": "",
                "own_hidden": [],
                "view": "",
                "files": {"brackenholt-moor/report.html": "0" * 64},
                "outcome": {
                    "area": "Brackenholt Moor",
                    "slug": "brackenholt-moor",
                    "error": None,
                    "cases_scored": 3,
                    "key_results": {"Child recognised": 50.0, "Other": "[c]", "None yet": None},
                    "pdf": False,
                    "strengths": ["A"],
                    "priorities": None,
                },
            }
        },
    }
    (out / "restricted" / CACHE).write_text(json.dumps(good), encoding="utf-8")
    assert read_record(out)[0] is not None  # the untampered record is read
    tamper(out, OUTCOME_DAMAGE[damage])
    record, why = read_record(out)
    assert record is None and "could not be read" in why


def test_a_tampered_outcome_rebuilds_everything_rather_than_failing(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    tamper(out, OUTCOME_DAMAGE["extra-key"])
    outcome = batch(data, out)
    assert outcome.ok
    assert rebuilt(out) == dict.fromkeys(AREAS, ["no record of an earlier run"])
    same_as_clean(data, out)


def test_a_record_naming_another_area_s_files_cannot_remove_them(data, tmp_path, fake):
    """Amberlow Vale's record claims Brackenholt Moor's report and a file outside OUT; Amberlow is made again."""
    out = tmp_path / "out"
    outside = tmp_path / "outside.txt"
    outside.write_text("not the batch's", encoding="utf-8")
    batch(data, out)
    from audit.run.incremental import file_sha256

    theirs = "brackenholt-moor/report.html"
    claimed = {theirs: file_sha256(out / theirs), "../outside.txt": file_sha256(outside)}
    claimed[str(outside)] = file_sha256(outside)
    tamper(out, lambda r: r["areas"]["Amberlow Vale"]["files"].update(claimed))
    set_cell(data / AMBERLOW, *NOTE)
    assert batch(data, out).ok
    assert (out / theirs).is_file() and outside.is_file()
    same_as_clean(data, out)


@pytest.mark.parametrize("slug", ["restricted", "national", "..", "a/b", "", "/tmp"])
def test_a_record_s_area_folder_must_be_one_of_its_own(tmp_path, slug):
    """An area's recorded folder name is a plain folder of its own, and every file it lists lies in that folder."""
    out = tmp_path / "out"
    (out / "restricted").mkdir(parents=True)
    area = {"slug": slug, "data": "", "cells": "", "own_hidden": [], "files": {}, "outcome": {}, "view": ""}
    body = {"format": FORMAT, "keys": {}, "comparison": "", "run": "", "decision": [], "pages": {}}
    body["areas"] = {"A": area}
    (out / "restricted" / CACHE).write_text(json.dumps(body), encoding="utf-8")
    record, why = read_record(out)
    assert record is None and "could not be read" in why


def test_a_prepared_folder_that_is_a_symlink_is_never_written_through(data, tmp_path, fake):
    """OUT/restricted/prepared pointing elsewhere: the cases the kernels read never land outside OUT."""
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    batch(data, out, publish=True)
    (out / "restricted" / "prepared").symlink_to(elsewhere, target_is_directory=True)
    set_cell(data / AMBERLOW, *NOTE)
    assert batch(data, out, publish=True).ok
    assert list(elsewhere.iterdir()) == []
    assert elsewhere.stat().st_mode & 0o777 == 0o755
    assert not (out / "restricted" / "prepared").exists()
    same_as_clean(data, out, publish=True)


def test_a_prepared_folder_left_with_other_files_is_emptied(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out, publish=True)
    (out / "restricted" / "prepared").mkdir()
    (out / "restricted" / "prepared" / "old.pickle").write_bytes(b"left by a run that was killed")
    set_cell(data / AMBERLOW, *NOTE)
    assert batch(data, out, publish=True).ok
    assert not (out / "restricted" / "prepared").exists()
    same_as_clean(data, out, publish=True)


def test_a_restricted_folder_that_is_a_symlink_is_not_written_through(data, tmp_path, fake):
    """OUT/restricted replaced by a link to a folder elsewhere: no case-level file is written out of OUT."""
    from tests.fakes import run_cli

    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    batch(data, out)
    (out / "restricted").rename(elsewhere)
    before = sorted(p.relative_to(elsewhere).as_posix() for p in elsewhere.rglob("*"))
    stamps = {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")}
    (out / "restricted").symlink_to(elsewhere, target_is_directory=True)
    result = run_cli("batch", data, "--out", out)
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(elsewhere).as_posix() for p in elsewhere.rglob("*")) == before
    assert {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")} == stamps


def test_an_area_folder_that_is_a_symlink_is_made_again_inside_out(data, tmp_path, fake):
    """An area's folder replaced by a link elsewhere: its report is made again in OUT, and nothing is written there."""
    import shutil

    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    batch(data, out, publish=True)
    shutil.move(out / "brackenholt-moor", elsewhere)
    stamps = {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")}
    (out / "brackenholt-moor").symlink_to(elsewhere, target_is_directory=True)
    assert batch(data, out, publish=True).ok
    assert rebuilt(out) == {"Brackenholt Moor": ["outputs missing or changed"]}
    assert {p: p.stat().st_mtime_ns for p in elsewhere.rglob("*")} == stamps
    assert not (out / "brackenholt-moor").is_symlink()
    same_as_clean(data, out, publish=True)


# --- hostile sequences: each re-run must give what a clean run gives


def rename_everywhere(path: Path, old: str, new: str | None) -> None:
    """Every cell of a workbook holding ``old`` (an area's name) made ``new``, on every sheet."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == old:
                    cell.value = new
    wb.save(path)


def test_full_then_published_then_full_again_leaves_no_other_mode_s_file(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    batch(data, out, publish=True)
    assert rebuilt(out) == dict.fromkeys(AREAS, ["no record of an earlier run"])
    same_as_clean(data, out, publish=True)
    batch(data, out, publish=True, threshold=3)
    same_as_clean(data, out, publish=True, threshold=3)
    batch(data, out)
    same_as_clean(data, out)


def test_an_area_renamed_only_in_case_is_made_again_under_its_new_name(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out, publish=True)
    rename_everywhere(data / AMBERLOW, "Amberlow Vale", "AMBERLOW VALE")
    assert batch(data, out, publish=True).ok
    assert rebuilt(out)["AMBERLOW VALE"] == ["new"]
    assert (out / "amberlow-vale" / "report.html").is_file()
    same_as_clean(data, out, publish=True)


def test_two_areas_swapping_names(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out, publish=True)
    rename_everywhere(data / AMBERLOW, "Amberlow Vale", "Swap")
    rename_everywhere(data / "brackenholt-moor.xlsx", "Brackenholt Moor", "Amberlow Vale")
    rename_everywhere(data / AMBERLOW, "Swap", "Brackenholt Moor")
    assert batch(data, out, publish=True).ok
    why = rebuilt(out)
    assert "inputs changed" in why["Amberlow Vale"] and "inputs changed" in why["Brackenholt Moor"]
    same_as_clean(data, out, publish=True)


def test_a_workbook_that_cannot_be_read_then_can(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out, publish=True)
    good = (data / "brackenholt-moor.xlsx").read_bytes()
    (data / "brackenholt-moor.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    assert not batch(data, out, publish=True).ok
    assert not (out / "brackenholt-moor").exists() and not (out / "restricted" / "brackenholt-moor").exists()
    same_as_clean(data, out, publish=True)
    (data / "brackenholt-moor.xlsx").write_bytes(good)
    assert batch(data, out, publish=True).ok
    assert rebuilt(out)["Brackenholt Moor"] == ["new"]
    same_as_clean(data, out, publish=True)


def test_an_area_refused_for_identifiers_then_cleaned(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out, publish=True)
    set_cell(data / AMBERLOW, "Cases", "I1 evidence", 0, "Seen at 943 476 5919 in May.")  # an NHS number's shape
    outcome = batch(data, out, publish=True)
    assert [a.area for a in outcome.areas if not a.ok] == ["Amberlow Vale"]
    assert not (out / "amberlow-vale").exists() and not (out / "restricted" / "amberlow-vale").exists()
    assert "943" not in json.dumps(build(out))
    same_as_clean(data, out, publish=True)
    set_cell(data / AMBERLOW, *NOTE)
    assert batch(data, out, publish=True).ok
    same_as_clean(data, out, publish=True)


def test_rows_that_name_no_area_added(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    set_cell(data / AMBERLOW, "Cases", "Area", 0, None)
    batch(data, out)
    assert build(out)["index"] == {"rebuilt": True}
    same_as_clean(data, out)


def test_a_run_stopped_part_way_then_run_again(data, tmp_path, fake, monkeypatch):
    from audit.run import batch as batch_module

    out = tmp_path / "out"
    batch(data, out, publish=True)
    set_cell(data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 4, "No")  # every area is made again
    real, made = batch_module.make_report, []

    def stopped(result, *args, **kwargs):
        made.append(result.area)
        if len(made) == 2:
            raise KeyboardInterrupt
        return real(result, *args, **kwargs)

    monkeypatch.setattr(batch_module, "make_report", stopped)
    with pytest.raises(KeyboardInterrupt):
        batch(data, out, publish=True)
    monkeypatch.setattr(batch_module, "make_report", real)
    assert not (out / "restricted" / "prepared").exists()
    assert batch(data, out, publish=True).ok
    same_as_clean(data, out, publish=True)


def test_pages_or_restricted_deleted_by_hand(data, tmp_path, fake):
    import shutil

    out = tmp_path / "out"
    batch(data, out, publish=True)
    (out / "index.html").unlink()
    (out / "national" / "report.html").unlink()
    assert batch(data, out, publish=True).ok
    assert (out / "index.html").is_file() and (out / "national" / "report.html").is_file()
    same_as_clean(data, out, publish=True)
    shutil.rmtree(out / "restricted")
    assert batch(data, out, publish=True).ok
    assert rebuilt(out) == dict.fromkeys(AREAS, ["no record of an earlier run"])
    same_as_clean(data, out, publish=True)


def test_several_frameworks_re_run_after_one_changes(tmp_path, fake):
    from audit.framework.model import load_framework
    from audit.workbooks.sample import write_framework_sample

    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in ("jtai-domestic-abuse@2025.1", "jtai-csa-family"):
        for path in write_framework_sample(tmp_path / name, load_framework(name), sizes=(6, 8))[:2]:
            (mixed / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    batch(mixed, out, publish=True)
    csa = sorted(mixed.glob("jtai-csa-family*"))[0]
    import openpyxl

    wb = openpyxl.load_workbook(csa)
    ws = wb["Cases"]
    header = next(c for c in ws[1] + ws[2] + ws[3] if isinstance(c.value, str) and c.value.endswith(" evidence"))
    ws.cell(row=header.row + 1, column=header.column).value = "Another note."
    wb.save(csa)
    assert batch(mixed, out, publish=True).ok
    assert not rebuilt(out / "jtai-domestic-abuse-2025-1")  # the other framework's areas are kept
    assert rebuilt(out / "jtai-csa-family-2026-1")
    made = snapshot(out)
    out.rename(tmp_path / "kept")
    batch(mixed, out, publish=True)
    run_files = ("manifest.json", "batch-cache.json")  # each framework's own: when and what the run did
    assert [f for f in differences(made, snapshot(out)) if not f.endswith(run_files)] == []


# --- the fingerprint: values a report shows differently never share one


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (1, 1.0),
        (1, True),
        (1.0, True),
        (0, False),
        ("1", 1),
        ("True", True),
        ("None", None),
        ("", None),
        (float("nan"), None),
        (float("nan"), "nan"),
        (-0.0, 0.0),
        (1e16, 10**16),
        ("2025-01-01", "2025-01-01T00:00:00"),
        (__import__("datetime").date(2025, 1, 1), __import__("datetime").datetime(2025, 1, 1)),
        (__import__("datetime").datetime(2025, 1, 1), "2025-01-01T00:00:00"),
        (["datetime", "2025-01-01T00:00:00"], __import__("datetime").datetime(2025, 1, 1)),
        ({"a": 1}, {"dict": {"a": 1}}),
        ({1: "a"}, {"1": "a"}),
        ({True: "a"}, {1: "a"}),
        (("a",), {"a"}),
    ],
)
def test_values_that_look_alike_have_different_digests(one, other):
    from audit.digest import digest

    assert digest(one) != digest(other)
    assert digest([one]) != digest([other])


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ([1, 2], [1.0, 2.0]),
        (["1"], [1]),
        ([True], [1]),
        ([-0.0], [0.0]),
        ([None], [float("nan")]),
        (["2025-01-01"], [__import__("datetime").datetime(2025, 1, 1)]),
        ([__import__("datetime").date(2025, 1, 1)], [__import__("datetime").datetime(2025, 1, 1)]),
    ],
)
def test_an_area_s_fingerprint_tells_such_cells_apart(one, other):
    """The same cell read as one value or the other gives a different fingerprint (the report may show either)."""
    import pandas as pd

    from audit.check.audit_data import AuditData
    from audit.check.fingerprint import data_fingerprint
    from audit.framework.model import load_framework

    fw = load_framework()

    def fingerprint(values: list[Any]) -> str:
        cases = pd.DataFrame({"case_id": ["A1", "A2"][: len(values)], "area": "North", "audit_date": values})
        return data_fingerprint(AuditData(fw, cases, details={"North": {"Cohort": values[0]}}))

    assert fingerprint(one) != fingerprint(other)


def _record_with(own: list[list[str]], decision: list[list[str]]) -> dict:
    outcome = {
        "area": "Amberlow Vale",
        "slug": "amberlow-vale",
        "error": None,
        "cases_scored": 3,
        "key_results": {},
        "pdf": False,
        "strengths": None,
        "priorities": None,
    }
    area = {"slug": "amberlow-vale", "data": "", "cells": "", "own_hidden": own, "files": {}, "outcome": outcome}
    area["view"] = ""
    return {
        "format": FORMAT,
        "keys": {},
        "comparison": "",
        "run": "",
        "decision": decision,
        "pages": {},
        "areas": {"Amberlow Vale": area},
    }


@pytest.mark.parametrize(
    ("own", "decision"),
    [
        ([["area", "Nowhere Fen", "criterion", "I1", "yes"]], []),
        ([["area", "Brackenholt Moor", "criterion", "I1", "yes"]], []),
        ([], [["area", "Nowhere Fen", "criterion", "I1", "yes"]]),
        ([], [["rest", "Nowhere Fen", "theme", "T1", "answered"]]),
        ([], [["all", "Amberlow Vale", "criterion", "I1", "yes"]]),
    ],
    ids=["own-unknown-area", "own-another-area", "decision-unknown-area", "decision-unknown-rest", "all-named"],
)
def test_hidden_cells_of_areas_the_record_does_not_hold_are_refused(tmp_path, own, decision):
    """An area's own hidden cells are its own; the run's decision names only the record's areas (or all areas)."""
    (tmp_path / "restricted").mkdir()
    path = tmp_path / "restricted" / CACHE
    fine = [["area", "Amberlow Vale", "criterion", "I1", "yes"]]
    path.write_text(json.dumps(_record_with(fine, fine + [["all", "", "theme", "T1", "yes"]])), encoding="utf-8")
    assert read_record(tmp_path)[0] is not None
    path.write_text(json.dumps(_record_with(own, decision)), encoding="utf-8")
    record, why = read_record(tmp_path)
    assert record is None and "could not be read" in why


@pytest.mark.parametrize("stage", ["analysis", "report"])
def test_an_area_that_failed_in_a_published_run_is_made_again_as_a_clean_run_makes_it(
    data, tmp_path, fake, monkeypatch, stage
):
    from audit.run import batch as batch_module

    out = tmp_path / "out"
    name = "analyse_area" if stage == "analysis" else "make_report"
    real = getattr(batch_module, name)

    def failing(*args, **kwargs):
        area = args[1] if stage == "analysis" else args[0].area
        if area == "Elderwyke Downs":
            raise ValueError("a fault in the toolkit")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch_module, name, failing)
    assert not batch(data, out, publish=True).ok
    monkeypatch.setattr(batch_module, name, real)
    assert batch(data, out, publish=True).ok
    assert rebuilt(out)["Elderwyke Downs"] == (["new"] if stage == "analysis" else ["failed last time"])
    same_as_clean(data, out, publish=True)


def _modes(out: Path) -> set[tuple[str, int]]:
    restricted = out / "restricted"
    return {("dir" if p.is_dir() else "file", p.stat().st_mode & 0o777) for p in [restricted, *restricted.rglob("*")]}


def test_share_group_toggled(data, tmp_path, fake):
    import grp
    import os

    group = grp.getgrgid(os.getegid()).gr_name  # a group this user is in
    out = tmp_path / "out"
    batch(data, out)
    batch(data, out, share_group=group)
    assert rebuilt(out) == dict.fromkeys(AREAS, ["parameters changed"])
    assert _modes(out) == {("dir", 0o750), ("file", 0o640)}
    same_as_clean(data, out, share_group=group)
    batch(data, out)
    assert _modes(out) == {("dir", 0o700), ("file", 0o600)}
    same_as_clean(data, out)


def test_pdf_toggled_leaves_no_stale_pdf(data, tmp_path, fake):
    from audit.render.pdf import pdf_available

    if pdf_available():
        pytest.skip("no PDF renderer here")
    out = tmp_path / "out"
    batch(data, out, publish=True)
    batch(data, out, publish=True, pdf=True)
    assert rebuilt(out) == dict.fromkeys(AREAS, ["parameters changed"])
    assert {p.parent.name for p in out.glob("*/report.pdf")} >= {"amberlow-vale", "brackenholt-moor"}
    batch(data, out, publish=True)
    assert not list(out.rglob("*.pdf"))
    same_as_clean(data, out, publish=True)


def test_a_workbook_renamed(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    (data / AMBERLOW).rename(data / "amberlow-vale-round-1.xlsx")
    assert batch(data, out).ok
    why = rebuilt(out)
    assert why.pop("Amberlow Vale") == ["inputs changed", "input files changed"]  # its rows name their file
    assert why == dict.fromkeys(AREAS - {"Amberlow Vale"}, ["input files changed"])
    same_as_clean(data, out)


def test_an_area_named_prepared_keeps_its_restricted_outputs(data, tmp_path, fake):
    """The batch's prepared data has a folder of its own in restricted/: an area called Prepared never shares it."""
    out = tmp_path / "out"
    rename_everywhere(data / AMBERLOW, "Amberlow Vale", "Prepared")
    assert batch(data, out).ok
    record, _ = read_record(out)
    slug = record.areas["Prepared"].slug
    assert (out / "restricted" / slug / "report.ipynb").is_file()
    assert batch(data, out).ok
    assert rebuilt(out) == {}
