"""One output folder, one run: what `score`, `report` and `batch` check before they write into OUT.

A folder that mixes runs can leak: a full-mode report left beside published ones is
circulated as if it were published. So every run records, in ``OUT/.audit-run.json``,
its mode and every file it leaves there, and takes a lock on OUT while it writes.

- An empty or new folder is fine.
- A folder holding report outputs that no run recorded is refused: nothing says what they are.
- A batch replaces the previous run whole: the files the previous run recorded are removed
  before the new ones are written, so none can outlive it.
- ``score`` and ``report`` add to a folder whose run was made in the same mode, and
  refuse one made in another mode unless told to replace it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import AuditError

MARKER = ".audit-run.json"
LOCK = ".audit-run.lock"
# What a report run writes at the top of OUT, or in an area's folder: a folder holding any of
# these with no record of the run that made it is refused rather than mixed with.
_OUTPUT_NAMES = frozenset({"index.html", "manifest.json", "summary.json", "report.html", "report.pdf"})
_OUTPUT_FOLDERS = frozenset({"restricted", "national"})
# A run that stopped before recording its files leaves the folder's files unlisted; only
# files of the kinds the toolkit writes are then taken to be its own.
_OUTPUT_SUFFIXES = frozenset({".html", ".json", ".pdf", ".ipynb", ".xlsx", ".txt", ".part", ".pickle"})


class OutputFolderError(AuditError):
    """OUT cannot be written, is in use, or holds outputs this run must not mix with."""

    exit_code = 2
    code = None  # each refusal names its own


@dataclass(frozen=True)
class RunMode:
    """What kind of outputs a run writes: full, or published with a threshold."""

    publish: bool
    threshold: int

    def describe(self) -> str:
        return f"published (threshold {self.threshold})" if self.publish else "full"

    def as_dict(self) -> dict[str, object]:
        return {"publish": self.publish, "threshold": self.threshold}


def _shown(out_dir: Path) -> str:
    from audit.names import safe_text

    return safe_text(str(out_dir), 240)


def _make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputFolderError(f"--out {_shown(out_dir)}: is a file, not a folder", code="output-not-folder") from None
    except OSError as exc:
        raise OutputFolderError(
            f"--out {_shown(out_dir)}: cannot make the output folder ({exc.strerror or exc}). "
            "Give a folder you can write to.",
            code="output-unwritable",
        ) from None
    if not out_dir.is_dir():
        raise OutputFolderError(f"--out {_shown(out_dir)}: is not a folder", code="output-not-folder")


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    try:
        fd = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputFolderError(
            f"--out {_shown(out_dir)}: cannot write there ({exc.strerror or exc}). Give a folder you can write to.",
            code="output-unwritable",
        ) from None
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; the record still keeps runs apart
            fcntl = None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise OutputFolderError(
                    f"--out {_shown(out_dir)}: another audit run is writing there; wait for it to finish, "
                    "or give another folder",
                    code="output-busy",
                ) from None
        yield
    finally:
        os.close(fd)


def _read_record(out_dir: Path) -> dict | None:
    path = out_dir / MARKER
    if not path.exists() and not path.is_symlink():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        mode = record.get("mode") if isinstance(record, dict) else None
        if (
            not isinstance(record.get("files", []), list)
            or not isinstance(mode, dict)
            or set(mode) != {"publish", "threshold"}
            or not isinstance(mode["publish"], bool)
            or type(mode["threshold"]) is not int
        ):
            raise ValueError
        return record
    except (OSError, ValueError, AttributeError):
        raise OutputFolderError(
            f"--out {_shown(out_dir)}: its record of the previous run ({MARKER}) is damaged; "
            "give an empty folder, or remove the old outputs",
            code="output-record-damaged",
        ) from None


def _files_under(out_dir: Path) -> list[str]:
    skip = {MARKER, LOCK}
    return sorted(
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name not in skip
    )


def _unrecorded_outputs(out_dir: Path) -> list[str]:
    """Report outputs that no run recorded: the files of the toolkit's own layout, found by their names."""
    found: list[Path] = []
    for child in out_dir.iterdir():
        if child.is_symlink():
            continue
        if child.name in _OUTPUT_NAMES and child.is_file():
            found.append(child)
        elif child.name in _OUTPUT_FOLDERS and child.is_dir():
            found.extend(p for p in child.rglob("*") if p.is_file() and not p.is_symlink())
        elif child.is_dir() and any((child / n).is_file() for n in _OUTPUT_NAMES):
            found.extend(child / n for n in _OUTPUT_NAMES if (child / n).is_file())
    return sorted(p.relative_to(out_dir).as_posix() for p in found)


def _previous_files(out_dir: Path, record: dict) -> list[str]:
    if record.get("status") == "complete":
        return [str(f) for f in record.get("files", [])]
    # The previous run stopped before it recorded what it wrote: its files are whatever it could have written.
    listed = {str(f) for f in record.get("files", [])}
    return sorted(listed | {f for f in _files_under(out_dir) if Path(f).suffix in _OUTPUT_SUFFIXES})


def _inside(root: Path, rel: str) -> Path | None:
    """The file ``rel`` names in OUT, reached only through real folders inside OUT; None otherwise.

    A record is untrusted input: it may name ``../x``, an absolute path, or a path through a
    symlink that leaves OUT. The file itself may be a symlink (it is removed, never followed).
    """
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or any(part in ("", ".", "..") for part in parts) or "\0" in rel:
        return None
    try:
        folder = (root / rel).parent.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if folder != root and root not in folder.parents:
        return None
    return folder / parts[-1]


def _remove(out_dir: Path, files: list[str]) -> None:
    """Remove a previous run's files, and the folders they leave empty; never anything outside OUT."""
    root = out_dir.resolve()
    folders = set()
    for rel in files:
        path = _inside(root, rel)
        if path is None:
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            path.unlink()
        folders.update(p for p in path.parents if root in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


def remove_files(out_dir: Path, files: list[str]) -> None:
    """Remove files named relative to OUT (never anything outside it), and the folders they leave empty."""
    _remove(out_dir, files)


def drop_links(folders: Iterable[Path]) -> None:
    """Remove a symbolic link standing where a run writes a folder of its own: the link only, never what it
    points to, so the folder is made afresh inside OUT and nothing is written or read through the link."""
    for folder in folders:
        if folder.is_symlink():
            folder.unlink()


def clear_folders(out_dir: Path, folders: Iterable[Path]) -> None:
    """Remove every file in folders a run is about to fill (inside OUT; links removed, never followed), so none
    left by an earlier run (a PDF no longer asked for, a failure's details) stands beside the new files."""
    found = [
        p.relative_to(out_dir).as_posix()
        for folder in folders
        if folder.is_dir() and not folder.is_symlink()
        for p in folder.rglob("*")
        if p.is_file() or p.is_symlink()
    ]
    _remove(out_dir, found)


def _write_record(out_dir: Path, record: dict) -> None:
    from audit.run.report import write_atomic

    try:
        write_atomic(out_dir / MARKER, json.dumps(record, indent=2) + "\n")
    except OSError as exc:
        why = exc.strerror or exc
        raise OutputFolderError(
            f"--out {_shown(out_dir)}: cannot record the run there ({why})", code="output-record-unwritable"
        ) from None


@dataclass
class Claim:
    """A run's hold on OUT: the folder, and what could not be recorded when the run ended.

    ``previous``: the files an earlier run of the same mode left, which an incremental batch
    keeps where they still stand (see :meth:`remove_stale`).
    """

    path: Path
    problems: list[str] = field(default_factory=list)
    previous: list[str] = field(default_factory=list)

    def remove_stale(self, owned: set[str]) -> None:
        """Remove the earlier run's files that this run neither kept nor wrote again (``owned``, relative to OUT)."""
        _remove(self.path, [f for f in self.previous if f not in owned])
        self.previous = []


@contextlib.contextmanager
def claim_output(
    out_dir: str | Path, mode: RunMode, *, whole_run: bool, replace: bool = False, keep: bool = False
) -> Iterator[Claim]:
    """Make OUT ready for one run and hold it for the run's length; yields the claim, with OUT as an absolute path.

    ``whole_run`` (a batch) replaces the previous run's files. Otherwise the run adds to
    a folder of the same mode, and a folder of another mode is refused unless ``replace``.
    With ``keep`` (an incremental batch), a finished earlier run of the same mode keeps its
    files for now (listed in ``claim.previous``); the batch removes those it does not keep.
    A folder of another mode, or of a run that stopped, is emptied first as ever, so a
    full version never stands beside a published one.
    """
    out_dir = Path(out_dir).resolve()
    _make_folder(out_dir)
    with _locked(out_dir):
        record = _read_record(out_dir)
        kept: list[str] = []
        if record is None:
            unrecorded = _unrecorded_outputs(out_dir)
            if unrecorded and not replace:
                raise OutputFolderError(
                    f"--out {_shown(out_dir)}: already holds report outputs with no record of the run that made "
                    "them, so they could be mixed with this run's; give an empty or new folder, or pass --replace "
                    "to remove them first",
                    code="output-unrecorded",
                )
            _remove(out_dir, unrecorded)
        else:
            same = record.get("mode") == mode.as_dict()
            # --replace is about outputs of another mode or of no recorded run: a finished batch of the same mode
            # stays incremental with it too (`make reports` passes it), and --force makes everything again.
            if whole_run and keep and same and record.get("status") == "complete":
                kept = _previous_files(out_dir, record)
            elif whole_run or replace:
                _remove(out_dir, _previous_files(out_dir, record))
            elif not same:
                before = RunMode(**record["mode"]).describe() if isinstance(record.get("mode"), dict) else "unknown"
                raise OutputFolderError(
                    f"--out {_shown(out_dir)}: holds {before} outputs, and this run makes {mode.describe()} ones; "
                    "give another folder, or pass --replace to remove the old outputs first",
                    code="output-mode-differs",
                )
            else:
                kept = _previous_files(out_dir, record)
        drop_links([out_dir / "restricted"])  # the case-level outputs are written inside OUT, never through a link
        _write_record(out_dir, {"status": "running", "mode": mode.as_dict(), "files": kept})
        claim = Claim(out_dir, previous=kept if whole_run else [])
        yield claim
        try:
            _write_record(out_dir, {"status": "complete", "mode": mode.as_dict(), "files": _files_under(out_dir)})
        except OutputFolderError as exc:  # the record stays "running", which the next run reads safely
            claim.problems.append(str(exc))
