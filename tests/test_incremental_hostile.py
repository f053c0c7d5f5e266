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

from audit.run.incremental import CACHE, read_record
from tests.fakes import use_fake_runner
from tests.incremental_support import rebuilt, set_cell
from tests.test_incremental import AMBERLOW, AREAS, batch, same_as_clean
from tests.test_incremental import sample as _sample

NOTE = ("Cases", "I1 evidence", 0, "A different note about the first case.")
sample = pytest.fixture(scope="module")(_sample.__wrapped__)


@pytest.fixture
def data(sample: Path, tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(sample, folder)
    return folder


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
        "format": 1,
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
    area = {"slug": slug, "data": "", "cells": "", "own_hidden": [], "files": {}, "outcome": {}}
    body = {"format": 1, "keys": {}, "comparison": "", "run": "", "decision": [], "pages": {}, "areas": {"A": area}}
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
