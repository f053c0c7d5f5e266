"""An incremental batch: a re-run makes again only what changed, and its outputs equal a clean run's.

Each scenario runs the batch, changes the inputs, runs it again into the same
folder, then makes the same outputs from scratch in a new folder of the same
name and compares every file apart from timestamps. Most run on the fake
kernel runner (the planning and every file the batch itself writes are real);
one runs the real report notebook on warm kernels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.resources import CRITERIA_DIR
from audit.run.batch import BatchOptions, run_batch
from audit.run.incremental import CACHE, FORMAT, read_record
from tests.fakes import use_fake_runner
from tests.incremental_support import (
    AMBERLOW,
    build,
    clean_run,
    differences,
    get_cell,
    inputs_key,
    rebuilt,
    sample_fixtures,
    set_cell,
    snapshot,
    stamps,
)

AREAS = {"Amberlow Vale", "Brackenholt Moor", "Elderwyke Downs"}
sample, data = sample_fixtures()


def batch(data: Path, out: Path, runner: object = None, **options: object) -> object:
    force = bool(options.pop("force", False))
    return run_batch([data], out, BatchOptions(**options), progress=False, force=force, runner=runner)


def same_as_clean(data: Path, out: Path, runner: object = None, **options: object) -> None:
    """``out`` holds what a clean run of ``data`` into a new folder of the same name makes, apart from timestamps.

    ``out`` is left as the re-run made it, for a sequence to go on from. On the fake runner, a clean run of the same
    inputs and options is made once for the test process (incremental_support.clean_run): its outputs do not depend
    on where the inputs lie, so the tests comparing the same inputs share it. On real kernels it is made every time.
    """
    made = snapshot(out)
    key = inputs_key(data, options) if runner is None else None
    clean, areas = clean_run(key, out, lambda folder: batch(data, folder, runner, **options))
    assert differences(made, clean) == [], differences(made, clean)
    assert sorted(build(out)["areas"]) == areas


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> object:
    return use_fake_runner(monkeypatch)


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_a_rerun_with_nothing_changed_touches_no_report_file(data, tmp_path, fake, publish):
    out = tmp_path / "out"
    batch(data, out, publish=publish)
    assert set(rebuilt(out)) == AREAS  # a first run makes everything: there is no record
    assert {w for why in rebuilt(out).values() for w in why} == {"no record of an earlier run"}
    before = stamps(out)
    calls = len(fake.calls)
    outcome = batch(data, out, publish=publish)
    assert outcome.ok
    assert len(fake.calls) == calls  # no notebook ran
    assert rebuilt(out) == {}
    assert build(out)["index"] == {"rebuilt": False} and build(out)["national summary"] == {"rebuilt": False}
    after = stamps(out)
    changed = {f for f in before if before[f] != after.get(f)} | (set(after) - set(before))
    assert changed <= {"manifest.json", f"restricted/{CACHE}", ".audit-run.json"}
    assert {a.area for a in outcome.areas if a.ok} == AREAS  # the index's figures, restored from the record
    assert (out / "index.html").read_bytes() == before["index.html"][1]


def test_saving_a_workbook_again_unchanged_rebuilds_nothing(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    value = get_cell(data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 0)
    set_cell(
        data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 0, value
    )  # saved again by openpyxl: new bytes, same cells
    batch(data, out)
    assert rebuilt(out) == {}


@pytest.mark.parametrize("publish", [False, True], ids=["full", "published"])
def test_a_changed_evidence_note_rebuilds_that_area_only(data, tmp_path, fake, publish):
    out = tmp_path / "out"
    batch(data, out, publish=publish)
    before = stamps(out)
    set_cell(data / AMBERLOW, "Cases", "I1 evidence", 0, "A different note about the first case.")
    batch(data, out, publish=publish)
    assert rebuilt(out) == {"Amberlow Vale": ["inputs changed"]}
    assert build(out)["index"] == {"rebuilt": True}
    # The national summary sets the areas' figures side by side, which an evidence note does not change.
    assert build(out)["national summary"] == {"rebuilt": False}
    after = stamps(out)
    assert after["national/report.html"] == before["national/report.html"]
    for area in ("brackenholt-moor", "elderwyke-downs"):
        mine = [f for f in before if f.split("/")[-2:-1] == [area]]
        assert mine and all(after[f] == before[f] for f in mine), area  # same bytes, same modification time
    same_as_clean(data, out, publish=publish)


@pytest.mark.parametrize("publish", [False, True])
def test_a_changed_answer_that_no_comparison_shows_rebuilds_its_area_only(data, tmp_path, fake, publish):
    """Partly to No: the area's counts change, but no area's comparison with the others reads differently."""
    out = tmp_path / "out"
    batch(data, out, publish=publish)
    before = stamps(out)
    assert get_cell(data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 0) == "Partly"
    set_cell(data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 0, "No")
    batch(data, out, publish=publish)
    assert rebuilt(out) == {"Amberlow Vale": ["inputs changed"]}
    assert build(out)["national summary"] == {"rebuilt": True}
    after = stamps(out)
    for area in ("brackenholt-moor", "elderwyke-downs"):
        mine = [f for f in before if f.split("/")[-2:-1] == [area]]
        assert mine and all(after[f] == before[f] for f in mine), area
    same_as_clean(data, out, publish=publish)


@pytest.mark.parametrize("publish", [False, True])
def test_a_changed_answer_rebuilds_every_area_whose_comparison_it_changes(data, tmp_path, fake, publish):
    out = tmp_path / "out"
    batch(data, out, publish=publish)
    assert get_cell(data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 4) == "Yes"
    set_cell(data / AMBERLOW, "Cases", "I1 Child recognised as a victim", 4, "No")  # three areas: all compare anew
    batch(data, out, publish=publish)
    why = rebuilt(out)
    assert build(out)["national summary"] == {"rebuilt": True}
    assert why["Amberlow Vale"] == ["inputs changed"]
    assert {a: w for a, w in why.items() if a != "Amberlow Vale"} == dict.fromkeys(
        AREAS - {"Amberlow Vale"}, ["other areas changed"]
    )
    same_as_clean(data, out, publish=publish)


def test_a_deleted_workbook_takes_its_area_s_files_with_it(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out, publish=True)
    assert (out / "amberlow-vale" / "report.html").exists()
    (data / AMBERLOW).unlink()
    batch(data, out, publish=True)
    assert not (out / "amberlow-vale").exists() and not (out / "restricted" / "amberlow-vale").exists()
    assert "Amberlow Vale" not in build(out)["areas"]
    same_as_clean(data, out, publish=True)


def test_an_added_area_is_new_and_the_others_are_compared_with_it(data, tmp_path, fake):
    out = tmp_path / "out"
    moved = tmp_path / "later" / AMBERLOW
    moved.parent.mkdir()
    (data / AMBERLOW).rename(moved)
    batch(data, out)
    moved.rename(data / AMBERLOW)
    batch(data, out)
    why = rebuilt(out)
    assert why.pop("Amberlow Vale") == ["new"]
    # The notebooks' parameters name every input file, and the others are now compared with one more area.
    assert why == dict.fromkeys(AREAS - {"Amberlow Vale"}, ["input files changed", "other areas changed"])
    same_as_clean(data, out)


def test_a_changed_framework_rebuilds_everything_and_says_so(data, tmp_path, fake):
    out = tmp_path / "out"
    criteria = tmp_path / "criteria.yml"
    criteria.write_text((CRITERIA_DIR / "jtai_domestic_abuse.yml").read_text(encoding="utf-8"), encoding="utf-8")
    batch(data, out, criteria=str(criteria))
    text = criteria.read_text(encoding="utf-8").replace("multi-agency case-file audit", "multi-agency audit", 1)
    criteria.write_text(text, encoding="utf-8")
    batch(data, out, criteria=str(criteria))
    assert set(rebuilt(out)) == AREAS
    assert rebuilt(out) == dict.fromkeys(AREAS, ["framework changed"])
    same_as_clean(data, out, criteria=str(criteria))


def test_changed_parameters_and_force_rebuild_everything(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    batch(data, out, allow_identifiers=True)
    assert rebuilt(out) == dict.fromkeys(AREAS, ["parameters changed"])
    batch(data, out, allow_identifiers=True, force=True)
    assert rebuilt(out) == dict.fromkeys(AREAS, ["forced (--force)"])


def test_a_report_deleted_or_edited_by_hand_is_made_again(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    (out / "brackenholt-moor" / "report.html").unlink()
    (out / "restricted" / "elderwyke-downs" / "scored.xlsx").write_bytes(b"")
    batch(data, out)
    assert rebuilt(out) == {
        "Brackenholt Moor": ["outputs missing or changed"],
        "Elderwyke Downs": ["outputs missing or changed"],
    }
    same_as_clean(data, out)


@pytest.mark.parametrize(
    "damage",
    [
        "not json",
        json.dumps({"format": 1}),
        json.dumps({"format": 99, "areas": {}}),
        "[" * 100_000,
        json.dumps([1, 2]),
        json.dumps(
            {
                "format": FORMAT,
                "keys": {},
                "comparison": "",
                "run": "",
                "areas": {},
                "pages": {},
                "decision": [["area", "x", "criterion", "I1", "no such count"]],
            }
        ),
        json.dumps(
            {"format": FORMAT, "keys": {}, "comparison": "", "run": "", "decision": [], "pages": {"a": 1}, "areas": {}}
        ),
    ],
    ids=["text", "fields-missing", "other-format", "deep", "list", "unknown-cell", "bad-page"],
)
def test_a_damaged_record_is_not_used(tmp_path, damage):
    (tmp_path / "restricted").mkdir()
    (tmp_path / "restricted" / CACHE).write_text(damage, encoding="utf-8")
    record, why = read_record(tmp_path)
    assert record is None and "could not be read" in why


def test_a_damaged_record_means_a_full_rebuild_never_a_wrong_skip(data, tmp_path, fake):
    out = tmp_path / "out"
    batch(data, out)
    (out / "restricted" / CACHE).write_text("[" * 100_000, encoding="utf-8")
    outcome = batch(data, out)
    assert outcome.ok
    assert rebuilt(out) == dict.fromkeys(AREAS, ["no record of an earlier run"])
    assert "could not be read" in build(out)["note"]
    same_as_clean(data, out)


def test_an_area_whose_report_failed_is_tried_again(data, tmp_path, fake, monkeypatch):
    from audit.run import batch as batch_module

    out = tmp_path / "out"
    real = batch_module.make_report

    def failing(result, *args, **kwargs):
        if result.area == "Elderwyke Downs":
            raise OSError(28, "No space left on device")
        return real(result, *args, **kwargs)

    monkeypatch.setattr(batch_module, "make_report", failing)
    assert not batch(data, out).ok
    monkeypatch.setattr(batch_module, "make_report", real)
    assert batch(data, out).ok
    assert rebuilt(out)["Elderwyke Downs"] == ["failed last time"]
    same_as_clean(data, out)
