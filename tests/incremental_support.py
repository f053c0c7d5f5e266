"""Helpers for the incremental batch's tests: editing a workbook cell, and outputs compared apart from timestamps."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

# What differs between two runs of the same inputs only because they ran at different times.
_XLSX_TIMES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
# The date a page was made: "Made 29 November 2026" in a footer, "... areas, made 29 November 2026." in the index.
_MADE = re.compile(r"[Mm]ade \d{1,2} [A-Z][a-z]+ \d{4}")
# The run's own files: the manifest says when and what this run did, the record what it found.
RUN_FILES = {"manifest.json", "restricted/batch-cache.json"}


def set_cell(path: Path, sheet: str, header: str, nth: int, value: Any) -> None:
    """Put ``value`` in the ``nth`` data row (0-based) under the column headed ``header`` of ``sheet``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for row in ws.iter_rows(min_row=1, max_row=10):
        for cell in row:
            if cell.value == header:
                ws.cell(row=cell.row + 1 + nth, column=cell.column).value = value
                wb.save(path)
                return
    raise AssertionError(f"no column headed {header!r} on {sheet}")


def get_cell(path: Path, sheet: str, header: str, nth: int) -> Any:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for row in ws.iter_rows(min_row=1, max_row=10):
        for cell in row:
            if cell.value == header:
                return ws.cell(row=cell.row + 1 + nth, column=cell.column).value
    raise AssertionError(f"no column headed {header!r} on {sheet}")


def _notebook(raw: bytes) -> Any:
    nb = json.loads(raw)
    nb["metadata"].get("papermill", {}).pop("start_time", None)
    nb["metadata"].get("papermill", {}).pop("end_time", None)
    nb["metadata"].get("papermill", {}).pop("duration", None)
    for cell in nb["cells"]:
        cell.pop("id", None)  # the fake runner's cells are new each time; a real run's come from the notebook
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("papermill", None)
    return nb


def _xlsx(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: _XLSX_TIMES.sub(b"", z.read(n)) for n in sorted(z.namelist())}


def snapshot(out: Path) -> dict[str, Any]:
    """Every file of a batch's folder, keyed by its path in OUT, as it compares apart from timestamps."""
    found: dict[str, Any] = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if not path.is_file() or rel in RUN_FILES or path.name == ".audit-run.lock":
            continue
        raw = path.read_bytes()
        if path.suffix == ".ipynb":
            found[rel] = _notebook(raw)
        elif path.suffix == ".xlsx":
            found[rel] = _xlsx(path)
        elif path.suffix == ".html":
            found[rel] = _MADE.sub("Made <date>", raw.decode())
        elif path.name == ".audit-run.json":
            found[rel] = sorted(f for f in json.loads(raw)["files"] if f not in RUN_FILES)
        else:
            found[rel] = raw
    return found


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The files that differ between two snapshots (by name only: a cell's text is never printed)."""
    names = sorted(set(a) | set(b))
    return [n for n in names if a.get(n) != b.get(n)]


def inputs_key(data: Path, options: dict[str, Any]) -> str | None:
    """What a clean run's outputs are made from: every input file's name and contents (a workbook's apart from the
    times openpyxl stamps on each save) and the run's options. None when an option names a file of its own."""
    if any(isinstance(v, (str, Path)) and Path(v).exists() for v in options.values()):
        return None
    key = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in options.items())).encode())
    for path in sorted(data.rglob("*")):
        if not path.is_file():
            continue
        key.update(b"\0file\0" + path.relative_to(data).as_posix().encode())
        try:
            parts = _xlsx(path) if path.suffix == ".xlsx" else {"": path.read_bytes()}
        except zipfile.BadZipFile:
            parts = {"": path.read_bytes()}
        for name, raw in parts.items():
            key.update(b"\0part\0" + name.encode() + b"\0" + hashlib.sha256(raw).digest())
    return key.hexdigest()


# Clean runs' snapshots and areas, by inputs_key, kept for the test process's run: on the fake runner the same inputs
# give the same clean outputs wherever the inputs lie (no compared file names their folder).
_CLEAN: dict[str, tuple[dict[str, Any], list[str]]] = {}


def clean_run(key: str | None, out: Path, run: Callable[[Path], object]) -> tuple[dict[str, Any], list[str]]:
    """The snapshot and the areas of ``run(out)``, a clean run into a new folder at ``out``'s own path (a real
    report's notebook names its OUT), ``out`` itself left as it was. Made once per ``key`` (every time when None),
    so the sequences comparing the same inputs run the clean batch once."""
    if key is not None and key in _CLEAN:
        return _CLEAN[key]
    kept = out.with_name(out.name + "-rerun")
    out.rename(kept)
    try:
        run(out)
        found = snapshot(out), sorted(build(out)["areas"])
    finally:
        shutil.rmtree(out, ignore_errors=True)
        kept.rename(out)
    if key is not None:
        _CLEAN[key] = found
    return found


def stamps(out: Path) -> dict[str, tuple[int, bytes]]:
    """Each file's modification time (ns) and bytes, to show a file was not touched."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def build(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text())["build"]


def rebuilt(out: Path) -> dict[str, list[str]]:
    """The areas the last run made again, with why."""
    return {a: v["why"] for a, v in build(out)["areas"].items() if v["rebuilt"]}


AMBERLOW = "amberlow-vale.xlsx"
KEPT = {AMBERLOW, "brackenholt-moor.xlsx", "elderwyke-downs.xlsx"}


def sample_fixtures() -> tuple[Any, Any]:
    """A test module's ``sample`` (three of the sample areas, each in its own workbook with every optional
    sheet, written once per module) and ``data`` (a copy of it for one test) fixtures."""
    from audit.framework.model import load_framework
    from audit.workbooks.sample import write_sample_data

    @pytest.fixture(scope="module")
    def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
        folder = tmp_path_factory.mktemp("sample")
        for path in write_sample_data(folder, load_framework()):
            if path.name not in KEPT:
                path.unlink()
        return folder

    @pytest.fixture
    def data(sample: Path, tmp_path: Path) -> Path:
        folder = tmp_path / "data"
        shutil.copytree(sample, folder)
        return folder

    return sample, data
