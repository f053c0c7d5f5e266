"""One output folder, one run: no outputs of an earlier run mixed with a new one's, and one run at a time."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os

import pytest

from audit.run.outputs import LOCK, MARKER
from tests.conftest import case_row
from tests.fakes import area_rows as rows
from tests.fakes import run_cli as run


def public_files(out):
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and "restricted" not in p.relative_to(out).parts and p.name not in (MARKER, LOCK)
    )


def test_publish_after_full_leaves_no_full_output_of_a_refused_area(make_workbook, framework, tmp_path, fake_runner):
    clean = make_workbook(rows(framework, "North", 6), name="north.xlsx")
    risky_rows = rows(framework, "South", 6)
    risky_rows[0][5] = "Good"
    leaky = make_workbook(risky_rows + [case_row(framework, "S99", "South", V1="Yes")], name="south.xlsx")
    out = tmp_path / "out"
    assert run("batch", clean, leaky, "--out", out, "--quiet", "--allow-identifiers").exit_code == 0
    assert (out / "south" / "summary.json").exists()

    # Now a cell in South's workbook looks like an NHS number, so a publishing run refuses South.
    import openpyxl

    wb = openpyxl.load_workbook(leaky)
    wb["Cases"]["A3"] = "943 476 5919"
    wb.save(leaky)
    result = run("batch", clean, leaky, "--out", out, "--quiet", "--publish")
    assert "South: FAILED" in result.output
    for rel in public_files(out):
        if rel.endswith(".json"):
            assert json.loads((out / rel).read_text()).get("mode") != "full", rel
    assert not (out / "south").exists()
    assert (out / "north" / "summary.json").exists()


def test_score_refuses_a_folder_of_another_mode_unless_told_to_replace(make_workbook, framework, tmp_path):
    path = make_workbook(rows(framework, "North", 6))
    out = tmp_path / "out"
    assert run("score", path, "--out", out).exit_code == 0
    refused = run("score", path, "--out", out, "--publish")
    assert refused.exit_code == 2
    assert "holds full outputs" in refused.output and "--replace" in refused.output
    assert json.loads((out / "north" / "summary.json").read_text())["mode"] == "full"
    replaced = run("score", path, "--out", out, "--publish", "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert json.loads((out / "north" / "summary.json").read_text())["mode"] == "published"


def test_score_then_report_in_the_same_mode_add_to_one_folder(make_workbook, framework, tmp_path, monkeypatch):
    monkeypatch.setattr("audit.run.report.execute_notebook", lambda *a, **k: __import__("nbformat").v4.new_notebook())
    path = make_workbook(rows(framework, "North", 3) + rows(framework, "South", 3, start=10))
    out = tmp_path / "out"
    assert run("score", path, "--out", out).exit_code == 0
    assert run("report", path, "--area", "North", "--out", out).exit_code == 0
    assert (out / "south" / "summary.json").exists() and (out / "north" / "report.html").exists()
    record = json.loads((out / MARKER).read_text())
    assert record["status"] == "complete"
    assert "south/summary.json" in record["files"] and "north/report.html" in record["files"]


def test_a_batch_removes_what_the_previous_run_wrote_and_nothing_else(make_workbook, framework, tmp_path, fake_runner):
    out = tmp_path / "out"
    first = make_workbook(rows(framework, "North", 3) + rows(framework, "South", 3, start=10), name="a.xlsx")
    assert run("batch", first, "--out", out, "--quiet").exit_code == 0
    (out / "notes.md").write_text("the team's own notes")
    second = make_workbook(rows(framework, "North", 3), name="b.xlsx")
    assert run("batch", second, "--out", out, "--quiet").exit_code == 0
    assert not (out / "south").exists() and not (out / "restricted" / "south").exists()
    assert (out / "notes.md").read_text() == "the team's own notes"


def test_a_folder_of_outputs_with_no_record_is_refused(make_workbook, framework, tmp_path, fake_runner):
    out = tmp_path / "out"
    (out / "old-area").mkdir(parents=True)
    (out / "old-area" / "report.html").write_text("<p>an older run's report</p>")
    result = run("batch", make_workbook(rows(framework, "North", 3)), "--out", out, "--quiet")
    assert result.exit_code == 2
    assert "no record of the run that made them" in result.output
    assert (out / "old-area" / "report.html").exists()


def test_a_folder_with_other_files_only_is_used(make_workbook, framework, tmp_path, fake_runner):
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.txt").write_text("outputs go here")
    assert run("batch", make_workbook(rows(framework, "North", 3)), "--out", out, "--quiet").exit_code == 0


def test_two_runs_cannot_write_into_one_folder_at_once(make_workbook, framework, tmp_path, fake_runner):
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds OUT
        for command in ("batch", "score"):
            result = run(command, make_workbook(rows(framework, "North", 3)), "--out", out)
            assert result.exit_code == 2
            assert "another audit run is writing there" in result.output
    finally:
        os.close(fd)
    assert not (out / "north").exists()


def test_round_labels_are_published_as_round_numbers_in_date_order(make_workbook, framework, tmp_path):
    from tests.conftest import header_for

    header = header_for(framework, ("Audit round",))
    data = []
    for i in range(12):
        label = "Round B - child Tom Jones DOB 3 May 2016" if i < 6 else "Spring review, Mrs Smith's team"
        date = dt.date(2024, 3, 1) if i < 6 else dt.date(2025, 4, 1)
        row = case_row(framework, f"C{i}", "North")
        row[2] = date
        data.append(row[:6] + [label] + row[6:])
    path = make_workbook(data, header=header)
    from audit.analyse.area_result import analyse_area
    from audit.check.validate import load_audit
    from audit.publish.published import publish
    from audit.render import present

    loaded = load_audit(path)
    published = str(present.change_over_time(publish(analyse_area(loaded, "North", publish=True), 5)))
    assert "Tom Jones" not in published and "Smith" not in published
    assert "The latest round (Round 2)" in published and "Round 1" in published
    full = str(present.change_over_time(publish(analyse_area(loaded, "North"), None)))
    assert "Spring review" in full  # the full version, for the partnership, keeps the auditors' labels


def test_replace_clears_unrecorded_report_outputs_and_keeps_other_files(
    make_workbook, framework, tmp_path, fake_runner
):
    out = tmp_path / "out"
    (out / "old-area").mkdir(parents=True)
    (out / "old-area" / "report.html").write_text("<p>an older run's full report</p>")
    (out / "index.html").write_text("<p>an older index</p>")
    (out / "notes.md").write_text("the team's own notes")
    result = run("batch", make_workbook(rows(framework, "North", 3)), "--out", out, "--quiet", "--replace")
    assert result.exit_code == 0, result.output
    assert not (out / "old-area").exists()
    assert "older index" not in (out / "index.html").read_text()
    assert (out / "notes.md").read_text() == "the team's own notes"


def test_replace_keeps_a_finished_batch_of_the_same_mode_incremental(make_workbook, framework, tmp_path, fake_runner):
    """`make reports` passes --replace: run again with nothing changed, it makes nothing again and touches no report;
    a run in another mode with --replace still replaces the earlier run whole."""
    out = tmp_path / "out"
    source = make_workbook(rows(framework, "North", 3) + rows(framework, "South", 3))
    assert run("batch", source, "--out", out, "--quiet", "--replace").exit_code == 0
    page = out / "north" / "report.html"
    before = page.stat().st_mtime_ns
    again = run("batch", source, "--out", out, "--quiet", "--replace")
    assert again.exit_code == 0, again.output
    assert "made 0 area report(s) again, kept 2" in again.output
    assert page.stat().st_mtime_ns == before
    published = run("batch", source, "--out", out, "--quiet", "--replace", "--publish")
    assert published.exit_code == 0, published.output
    assert "made 2 area report(s) again" in published.output


def test_a_planted_record_in_a_batch_never_removes_anything_outside_out(
    make_workbook, framework, tmp_path, fake_runner
):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("must survive")
    (out / MARKER).write_text(
        json.dumps(
            {
                "status": "complete",
                "mode": {"publish": False, "threshold": 5},
                "files": ["../victim.txt", str(victim), "/etc/hostname"],
            }
        )
    )
    assert run("batch", make_workbook(rows(framework, "North", 3)), "--out", out, "--quiet").exit_code == 0
    assert victim.read_text() == "must survive"


def test_a_planted_record_never_removes_anything_outside_out(make_workbook, framework, tmp_path):
    outside = tmp_path / "outside"
    (outside / "d").mkdir(parents=True)
    (outside / "victim.txt").write_text("keep")
    (outside / "d" / "v2.txt").write_text("keep")
    (outside / "link").symlink_to(outside / "victim.txt")
    out = tmp_path / "out"
    out.mkdir()
    (out / "escape").symlink_to(outside)
    planted = [
        "../outside/victim.txt",
        str(outside / "d" / "v2.txt"),
        "../outside/link",
        "escape/link",
        "escape/d/v2.txt",
        "escape/victim.txt",
        "./../outside/link",
    ]
    record = {"status": "complete", "mode": {"publish": False, "threshold": 5}, "files": planted}
    (out / MARKER).write_text(json.dumps(record))
    result = run("score", make_workbook(rows(framework, "North", 3)), "--out", out, "--replace")
    assert result.exit_code == 0, result.output
    assert (outside / "victim.txt").read_text() == "keep"
    assert (outside / "d" / "v2.txt").read_text() == "keep"
    assert (outside / "link").is_symlink()


@pytest.mark.parametrize(
    "mode",
    [{"foo": 1}, {"publish": "yes", "threshold": 5}, {"publish": True, "threshold": "x"}, None, [1]],
)
def test_a_record_with_a_damaged_mode_is_refused_with_a_message(make_workbook, framework, tmp_path, mode):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"status": "complete", "mode": mode, "files": []}))
    result = run("score", make_workbook(rows(framework, "North", 3)), "--out", out, "--publish")
    assert result.exit_code == 2
    assert "is damaged" in result.output
