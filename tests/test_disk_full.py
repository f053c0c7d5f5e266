"""A batch that runs out of room to write: per-area failures, a clear closing message, a non-zero exit."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import case_row

LIMIT = 120 * 1024  # bytes per file: the prepared data and summaries fit, the report pages do not


def _small_files_only() -> None:
    # Writing past RLIMIT_FSIZE fails as a full disk does (EFBIG rather than ENOSPC), once SIGXFSZ is ignored.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


def test_a_batch_that_cannot_write_names_what_failed_and_exits_non_zero(tmp_path, make_workbook, framework):
    rows = [case_row(framework, f"N{i}", "North") for i in range(8)] + [
        case_row(framework, f"S{i}", "South", V1="No") for i in range(8)
    ]
    source = make_workbook(rows)
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "audit"), "batch", str(source), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_small_files_only,
    )
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert "Traceback" not in text and "internal error" not in text
    lines = text.splitlines()
    failed = [line for line in lines if ": FAILED: could not write" in line]
    assert failed, text  # each area whose outputs did not fit is named, with the file
    assert all("File too large" in line for line in failed)
    assert all(f"could not write {out}{os.sep}" in line for line in failed), text  # the file that did not fit
    # The run still ended properly: its index and manifest are written and name the failures.
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(str(v).startswith("failed: could not write") for v in manifest["outputs"].values())
    assert (out / "index.html").exists()
    assert os.path.getsize(out / "index.html") < LIMIT
