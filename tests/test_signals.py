"""A batch stopped by SIGTERM, SIGHUP or Ctrl-C (timeout, systemd, a cancelled CI job) leaves no case data behind:
not its prepared data in OUT/restricted/prepared/, nor the kernels' files in the temporary folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import case_row, ctrl_c_as_in_a_terminal
from tests.fakes import run_cli, stop_during_first_report


def _wait_for(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stopped_batch_removes_its_temporary_copy_of_the_data(signum, tmp_path, make_workbook, framework):
    # Small areas on one kernel: one report in flight, which is all a stop has to finish; the rest never start.
    # Twelve of them, so that a stop delivered late (a busy machine) still comes well before the last report.
    areas = [f"Area {n:02d}" for n in range(1, 13)]
    source = make_workbook([case_row(framework, f"C{i}", area) for area in areas for i in range(1, 7)])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "audit"), "batch", str(source), "--out", str(tmp_path / "out"), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    try:
        prepared = tmp_path / "out" / "restricted" / "prepared"  # the prepared data: case-level, owner-only
        started = _wait_for(lambda: any(prepared.glob("*.pickle")), 120)
        assert started, "the batch never wrote its prepared data"
        proc.send_signal(signum)
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = output.decode("utf-8", "replace")
    assert proc.returncode == (130 if signum == signal.SIGINT else 128 + signum), text
    assert "Traceback" not in text
    assert "stopped" in text
    left = [p for p in tmp.rglob("*")]
    assert not left, f"left behind: {[str(Path(p).relative_to(tmp)) for p in left]}"
    assert not prepared.exists(), "the prepared data was left behind"
    made = list((tmp_path / "out").glob("*/report.html"))
    assert len(made) < len(areas), "the batch went on reporting after it was stopped"


def test_a_stopped_batch_starts_no_report_still_waiting_for_a_kernel(make_workbook, framework, tmp_path, monkeypatch):
    # One kernel, several reports in hand (the summary's and two areas'): the stop comes while the first runs.
    # It finishes; the others, already taken by the batch's threads but waiting for the kernel, never run.
    areas = ["North", "South", "East", "West"]
    source = make_workbook([case_row(framework, f"C{i}", area) for area in areas for i in range(1, 7)])
    ran = stop_during_first_report(monkeypatch)
    result = run_cli("batch", source, "--out", tmp_path / "out", "--workers", 1, "--quiet")
    assert result.exit_code == 128 + signal.SIGTERM, result.output
    assert len(ran) == 1, f"reports run after the stop: {ran[1:]}"
    assert not (tmp_path / "out" / "restricted" / "prepared").exists()
