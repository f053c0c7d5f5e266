"""Every command in the README's shell examples runs, as written, on the sample data in a temporary folder.

Each fenced `sh` block is read line by line. `audit ...` lines run in README order through the command line
(in this process, so no interpreter starts), in a folder holding a copy of sample_data/ and `my-audit.xlsx` (a
sample workbook). The two `audit batch` examples are the test run's own batches (tests/conftest.py runs exactly
those arguments, plus --quiet), so they are checked against those rather than run twice. Every other line
(make, papermill, the benchmark) must be one this file names, with the test that runs it, so a new README
example cannot go untested.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import main
from tests.conftest import BATCH_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Lines run elsewhere, and where.
ELSEWHERE = {
    "make reports": "the `audit batch sample_data` it runs is the test run's batch (sample_batch)",
    "make test": "this test run",
    "make docs": "tests/test_docs.py builds the guide as make docs does",
    ".venv/bin/papermill --engine audit notebooks/area_report.ipynb out.ipynb -p area \"Fennistow Bay\" -p source "
    "sample_data": "tests/test_engine.py::test_papermill_command_runs_the_area_report_on_the_engine",
    ".venv/bin/python benchmarks/run.py": "the benchmark itself (about 16 minutes): not run by the tests",
}


def _commands() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            command = line.split(" # ")[0].split("  #")[0].strip()
            if command:
                lines.append(command)
    return lines


def test_every_readme_example_is_run_somewhere():
    commands = _commands()
    assert len([c for c in commands if c.startswith("audit ")]) >= 11
    unknown = [c for c in commands if not c.startswith("audit ") and c not in ELSEWHERE]
    assert not unknown, f"README examples no test runs: {unknown}"


def test_the_readme_batch_examples_are_the_test_runs_batches(sample_batch, published_batch):
    batches = [shlex.split(c)[1:] for c in _commands() if c.startswith("audit batch ")]
    assert batches == [
        ["batch", "sample_data", "--out", "reports", "--workers", "2"],
        ["batch", "sample_data", "--out", "public", "--publish"],
    ]
    # conftest runs: batch SAMPLE_DATA --out DIR --workers 2 --quiet [--publish]
    assert BATCH_OPTIONS == ("--workers", "2", "--quiet")
    for (out, run), name in ((sample_batch, "reports"), (published_batch, "public")):
        assert run.exit_code == 0, run.output
        assert (out / "index.html").is_file() and (out / "manifest.json").is_file(), name
    assert "Published version" in (published_batch[0] / "brackenholt-moor" / "report.html").read_text(encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    shutil.copy2(ROOT / "sample_data" / "amberlow-vale.xlsx", tmp_path / "my-audit.xlsx")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_other_readme_audit_command_runs_as_written(folder):
    runner = CliRunner()
    ran = []
    for command in _commands():
        if not command.startswith("audit ") or command.startswith("audit batch "):
            continue
        args = shlex.split(command)[1:]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, f"`{command}` exited {result.exit_code}:\n{result.output[-2000:]}"
        ran.append(args[0])
        if "--format" in args:
            assert isinstance(json.loads(result.stdout), list)
    assert sorted(set(ran)) == ["frameworks", "report", "sample", "score", "template", "validate"]
    assert (folder / "blank.xlsx").is_file() and (folder / "csa.xlsx").is_file()
    assert (folder / "results" / "amberlow-vale" / "report.html").is_file()
    assert (folder / "results" / "restricted" / "amberlow-vale" / "scored.xlsx").is_file()
    assert len(list((folder / "samples").glob("*.xlsx"))) >= 1
