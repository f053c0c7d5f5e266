"""An incremental batch: each area's outputs keyed on what they are made from, and rebuilt only when that changes.

An area's report is made from its own data (rows, sheets, earlier rounds: its
fingerprint, see :mod:`audit.check.fingerprint`), the framework, the run's
parameters, the notebook, the toolkit itself, and the other areas it is
compared with (the run's areas as published). The batch keeps a record of each
of these, and of every file it wrote, in ``OUT/restricted/batch-cache.json``; a
later run into the same folder rebuilds only the areas whose key changed, says
why, and leaves every other area's files as they were (same bytes, same
modification time).

The record is read as untrusted input: it is JSON (never a pickle), held to a
size, checked field by field, and anything wrong with it means a full rebuild,
never a wrong skip. Each kept area's files are checked against the SHA-256s the
record holds, so a report deleted or edited by hand is made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from audit.digest import digest
from audit.restricted import RESTRICTED, Access, make_folder, write_file

CACHE = "batch-cache.json"
FORMAT = 2  # 2: each area's comparison with the others is kept (AreaRecord.view)
MAX_BYTES = 64 * 1024 * 1024  # a record of 10,000 areas is a few MB; anything far larger is not ours
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # an area's folder name (see audit.names.area_slugs)
_SHA256 = re.compile(r"[0-9a-f]{64}")

# Why an area is rebuilt, as the manifest says it (several may apply; the first that applies is the main one).
FORCED = "forced (--force)"
NO_RECORD = "no record of an earlier run"
NEW = "new"
INPUTS = "inputs changed"
FRAMEWORK = "framework changed"
PARAMETERS = "parameters changed"
SOURCES = "input files changed"  # added, removed or moved: the notebooks' parameters name every input file
NOTEBOOK = "notebook changed"
SOFTWARE = "software changed"
OTHERS = "other areas changed"  # the run's areas, which its report is compared with
OUTPUTS = "outputs missing or changed"
FAILED = "failed last time"
FOLDER = "folder name changed"
KEY_REASONS = {
    "framework": FRAMEWORK,
    "parameters": PARAMETERS,
    "sources": SOURCES,
    "notebook": NOTEBOOK,
    "software": SOFTWARE,
}

# What the toolkit's outputs depend on besides its own code: the manifest's packages that draw or write them.
SOFTWARE_PACKAGES = ("pandas", "numpy", "matplotlib", "openpyxl", "nbconvert", "nbformat", "papermill", "jinja2")


@dataclass(frozen=True)
class RunKeys:
    """What every area's outputs depend on, apart from the areas' own data."""

    framework: str
    parameters: str
    sources: str
    notebook: str
    software: str

    def changed(self, before: Mapping[str, Any]) -> list[str]:
        """The reasons (in order) for which these keys differ from ``before``'s."""
        return [KEY_REASONS[k] for k, v in asdict(self).items() if before.get(k) != v]


def run_keys(
    framework: Any, parameters: Mapping[str, Any], sources: Iterable[str], notebooks: Iterable[Path]
) -> RunKeys:
    """The run's keys: the framework file, the parameters that change outputs, the input files' paths (each
    report's notebook names them all), the notebooks, and the toolkit."""
    return RunKeys(
        framework=digest(framework),
        parameters=digest(dict(parameters)),
        sources=digest(list(sources)),
        notebook=digest([file_sha256(p) for p in notebooks]),
        software=software_key(),
    )


def output_parameters(opts: Any) -> dict[str, Any]:
    """The run's settings that change what its outputs hold, for its key (not ``workers``, which changes none)."""
    national = None
    if opts.national:
        national = [str(Path(opts.national).resolve()), file_sha256(Path(opts.national))]
    return {
        "criteria": str(Path(opts.criteria).resolve()) if opts.criteria else None,
        "publish": opts.publish,
        "threshold": opts.threshold,
        "allow_identifiers": opts.allow_identifiers,
        "pdf": opts.pdf,
        "national": national,
        "share_group": opts.share_group,
    }


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (read in blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_SOFTWARE: list[str] = []


def software_key() -> str:
    """The toolkit's version and every file of the installed package (code, templates, frameworks), and the
    versions of the libraries that draw and write the outputs: a change to any of them rebuilds everything.

    Worked out once per process (about 150 small files).
    """
    if not _SOFTWARE:
        root = Path(__file__).resolve().parents[1]
        files = sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        )
        parts = [[p.relative_to(root).as_posix(), file_sha256(p)] for p in files]
        versions = {}
        for name in ("audit", *SOFTWARE_PACKAGES):
            try:
                versions[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                versions[name] = None
        _SOFTWARE.append(digest([versions, parts]))
    return _SOFTWARE[0]


@dataclass
class AreaRecord:
    """What the record keeps of one area built by an earlier run."""

    slug: str
    data: str  # the area's data fingerprint
    cells: str  # a digest of the counts its report registered (publish mode: whether the run's decision can hold)
    own_hidden: list[list[str]]  # the run's area cells its own report hid (for the national summary)
    outcome: dict[str, Any]  # the index's figures for it
    files: dict[str, str]  # each file it wrote (relative to OUT) -> SHA-256
    view: str = ""  # digest of its comparison with the other areas as its report shows it (see rebuild.view_key)


@dataclass
class Record:
    """An earlier run's record: its keys, the run's areas as published, and each area it built."""

    keys: dict[str, str]
    comparison: str  # digest of the run's areas as published: what each report was compared with
    decision: list[list[str]]  # the area cells the run's decision hid (publish mode)
    run: str  # digest of everything the index and national summary show
    areas: dict[str, AreaRecord] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # the index, national summary: file -> SHA-256
    national: str = ""  # digest of the areas the national summary set side by side ("" when it was not made)
    inputs: list[list[Any]] = field(default_factory=list)  # input_stamps() as the run began: a hint, never a key


def cache_path(out_dir: Path) -> Path:
    return out_dir / RESTRICTED / CACHE


def read_record(out_dir: Path) -> tuple[Record | None, str | None]:
    """The earlier run's record in ``out_dir``, or None and why it could not be used (None: there was none)."""
    path = cache_path(out_dir)
    if not path.exists() and not path.is_symlink():
        return None, None
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            raise ValueError
        raw = json.loads(path.read_text(encoding="utf-8"))
        return _record(raw), None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None, f"the record of the earlier run ({RESTRICTED}/{CACHE}) could not be read; everything was rebuilt"


def _strs(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError
    return dict(value)


def _cells(value: Any) -> list[list[str]]:
    if not isinstance(value, list) or not all(
        isinstance(c, list) and len(c) == 5 and all(isinstance(x, str) for x in c) for c in value
    ):
        raise ValueError
    return [list(c) for c in value]


def _slug(value: Any) -> str:
    """An area's folder name as the batch makes them: one plain folder of its own, never one the toolkit uses."""
    from audit.names import RESERVED_FOLDERS

    if not isinstance(value, str) or not _SLUG.fullmatch(value) or value in RESERVED_FOLDERS:
        raise ValueError
    return value


def _files(value: Any, folders: tuple[str, ...], names: tuple[str, ...] = ()) -> dict[str, str]:
    """Recorded files (relative to OUT, with SHA-256s), each one of ``names`` or inside one of ``folders``.

    An entry elsewhere (another area's report, a file beside OUT) would let a damaged record
    remove or vouch for a file that is not this entry's.
    """
    files = _strs(value)
    for rel in files:
        parts = rel.split("/")
        inside = any(rel.startswith(f"{f}/") for f in folders) or rel in names
        if not inside or any(p in ("", ".", "..") for p in parts) or "\\" in rel or "\0" in rel:
            raise ValueError
        if not _SHA256.fullmatch(files[rel]):
            raise ValueError
    return files


def _outcome(value: Any, area: str, slug: str) -> dict[str, Any]:
    """An area's index figures as :class:`AreaOutcome` takes them: its fields exactly, each of its type."""
    from audit.run.outcomes import AreaOutcome

    def names(v: Any) -> bool:
        return v is None or (isinstance(v, list) and all(isinstance(x, str) for x in v))

    def count(v: Any) -> bool:
        return isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))

    def figure(v: Any) -> bool:
        return v is None or isinstance(v, str) or (isinstance(v, int | float) and not isinstance(v, bool))

    if not isinstance(value, dict) or set(value) != {f.name for f in fields(AreaOutcome)}:
        raise ValueError
    shown = value["key_results"]
    if (
        value["area"] != area
        or value["slug"] != slug
        or not (value["error"] is None or isinstance(value["error"], str))
        or not count(value["cases_scored"])
        or not isinstance(shown, dict)
        or not all(isinstance(k, str) and figure(v) for k, v in shown.items())
        or not isinstance(value["pdf"], bool)
        or not (names(value["strengths"]) and names(value["priorities"]))
    ):
        raise ValueError
    return dict(value)


def _record(raw: Any) -> Record:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError
    areas = {}
    if not isinstance(raw["areas"], dict):
        raise ValueError
    for name, a in raw["areas"].items():
        if not isinstance(name, str) or not isinstance(a, dict):
            raise ValueError
        if not all(isinstance(a[k], str) for k in ("data", "cells", "view")):
            raise ValueError
        slug = _slug(a["slug"])
        own, files = _cells(a["own_hidden"]), _files(a["files"], (slug, f"{RESTRICTED}/{slug}"))
        outcome = _outcome(a["outcome"], name, slug)
        areas[name] = AreaRecord(slug, a["data"], a["cells"], own, outcome, files, a["view"])
    if len({a.slug for a in areas.values()}) != len(areas):  # two areas in one folder: neither's files can be told
        raise ValueError
    if not all(isinstance(raw[k], str) for k in ("comparison", "run")):
        raise ValueError
    decision = _cells(raw["decision"])
    for name, a in areas.items():
        if any(c[1] != name for c in a.own_hidden):  # an area's own report hides its rows (itself, the rest) only
            raise ValueError
        cells_from(a.own_hidden)  # every cell must be one disclosure control knows (KeyError otherwise)
    if any((c[1] != "") != (c[0] != "all") or (c[1] and c[1] not in areas) for c in decision):
        raise ValueError  # a row of one area, or of every area but one, names an area of the record; all areas none
    cells_from(decision)
    pages = _files(raw["pages"], ("national", f"{RESTRICTED}/national"), ("index.html",))
    national = raw.get("national", "")
    if not isinstance(national, str):
        raise ValueError
    inputs = raw.get("inputs", [])
    if not isinstance(inputs, list) or not all(_stamp(x) for x in inputs):
        inputs = []  # a hint only, never a key: damaged, it says "changed" (a kernel starts early), nothing more
    return Record(_strs(raw["keys"]), raw["comparison"], decision, raw["run"], areas, pages, national, inputs)


def _stamp(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and all(isinstance(x, int) and not isinstance(x, bool) for x in value[1:])
    )


def write_record(out_dir: Path, record: Record, access: Access) -> Path:
    """Keep the run's record in OUT/restricted/ (with the restricted files' access)."""
    make_folder(out_dir / RESTRICTED, access)
    text = json.dumps({"format": FORMAT, **asdict(record)}, indent=1, sort_keys=True) + "\n"
    path = cache_path(out_dir)
    with contextlib.suppress(OSError):
        if not path.is_symlink() and path.is_file() and path.read_bytes() == text.encode():
            return path  # the same record: left untouched
    return write_file(path, text, access)


def files_of(out_dir: Path, folders: Iterable[Path]) -> dict[str, str]:
    """Every file under ``folders`` (relative to OUT) with its SHA-256; symlinks are not followed."""
    found = {}
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            for p in sorted(folder.rglob("*")):
                if p.is_file() and not p.is_symlink():
                    found[p.relative_to(out_dir).as_posix()] = file_sha256(p)
    return found


def files_intact(out_dir: Path, files: Mapping[str, str]) -> bool:
    """Whether every recorded file is still there, inside OUT, with the recorded bytes."""
    root = out_dir.resolve()
    for rel, sha in files.items():
        path = root / rel
        parts = Path(rel).parts
        if not parts or Path(rel).is_absolute() or ".." in parts:
            return False
        try:
            if path.is_symlink() or not path.is_file() or root not in path.resolve().parents:
                return False
            if file_sha256(path) != sha:
                return False
        except OSError:
            return False
    return bool(files)


def area_reasons(
    area: str, slug: str, fingerprint: str, record: Record | None, changed_keys: list[str], out_dir: Path
) -> list[str]:
    """Why ``area`` must be rebuilt (empty: its outputs stand as the earlier run made them)."""
    if record is None:
        return [NO_RECORD]
    before = record.areas.get(area)
    if before is None:
        return [NEW]
    reasons = list(changed_keys)
    if before.data != fingerprint:
        reasons.insert(0, INPUTS)
    if before.slug != slug:
        reasons.append(FOLDER)
    if before.outcome.get("error") is not None:
        reasons.append(FAILED)
    if not reasons and not files_intact(out_dir, before.files):
        reasons.append(OUTPUTS)
    return reasons


def comparison_digest(areas: Any) -> str:
    """A digest of the run's areas as published (every field but the framework, which is keyed on its own).

    The counts (tens of thousands for a national run) are taken as plain rows, and the results table by
    pandas' own row hashes, so this costs a fraction of a second rather than seconds.
    """
    import dataclasses

    import pandas as pd

    fields = {f.name: getattr(areas, f.name) for f in dataclasses.fields(areas)}
    counts = sorted(
        [c.row.kind, c.row.area, c.row.level, c.row.id, c.measure, int(v.value), bool(v.suppressed)]
        for c, v in fields.pop("counts").items()
    )
    results = fields.pop("results")
    rows = pd.util.hash_pandas_object(results, index=True).to_numpy()
    table = [list(map(str, results.columns)), [str(t) for t in results.dtypes], hashlib.sha256(rows).hexdigest()]
    del fields["framework"]
    return digest([fields, counts, table])


def cell_list(cells: Iterable[Any]) -> list[list[str]]:
    """Area cells as the record keeps them, sorted: [kind, area, level, id, measure]."""
    return sorted([c.row.kind, c.row.area, c.row.level, c.row.id, c.measure] for c in cells)


def cells_from(values: Iterable[list[str]]) -> set[Any]:
    """Area cells back from the record (each checked as it is made: an unknown kind or measure is refused)."""
    from audit.publish.areas import AreaCell, AreaRow

    return {AreaCell(AreaRow(kind, area, level, iid), measure) for kind, area, level, iid, measure in values}
