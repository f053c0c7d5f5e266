"""Whether a batch run again will make a report before it has read its workbooks: a hint for starting a kernel.

The run's record (:mod:`audit.run.incremental`) keeps each workbook's size and modification time as the run
began (``Record.inputs``). A re-run whose workbooks differ from them most likely has a report to make, so it
starts a kernel before reading (kernels take seconds to start). The stamps are never a key of what is made again:
that is decided from the data read, so a workbook saved again unchanged starts a kernel that is then called off.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from audit.restricted import RESTRICTED
from audit.run.incremental import CACHE, Record, cache_path, read_record


def input_stamps(inputs: Iterable[str | Path]) -> list[list[Any]]:
    """Each workbook the inputs name, with its size and modification time (as Make tells a changed file)."""
    from audit.read.load import expand_inputs

    found, _ = expand_inputs(inputs)
    stamps = []
    for path in found:
        with contextlib.suppress(OSError):
            st = path.stat()
            stamps.append([str(path), st.st_size, st.st_mtime_ns])
    return sorted(stamps)


def rerun_hint(out_dir: str | Path, paths: list[Path]) -> tuple[list[list[Any]], bool]:
    """The inputs' stamps, and whether a run into ``out_dir`` will likely make a report before it has read them:
    an earlier run's record is there (or, for several frameworks, one in a framework's folder), and the workbooks
    are not the files it read (by size and time).

    Only a hint, for starting a kernel early: what is made again is decided from the data read (a workbook saved
    again unchanged rebuilds nothing). Whatever is wrong with a path or the folder is found and said by the run.
    """
    try:
        stamps = input_stamps(paths)
    except Exception:  # a hint only
        return [], False
    with contextlib.suppress(Exception):
        return stamps, any(record.inputs != stamps for record in _records_in(Path(out_dir).resolve()))
    return stamps, False


def _records_in(root: Path) -> Iterator[Record]:
    """The records a run into ``root`` left, read as asked for: its own, else one in each framework's folder (each
    has every input's stamps). None read through a link. OUT's own record, even damaged, makes its folders areas'."""
    if (root / RESTRICTED).is_symlink():
        return
    if cache_path(root).exists() or cache_path(root).is_symlink():
        record, _ = read_record(root)
        if record is not None:
            yield record
    elif root.is_dir():  # not a first run: one directory read, and one lstat for most folders (areas' have no record)
        with os.scandir(root) as entries:
            folders = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        for folder in folders:
            try:
                os.lstat(os.path.join(folder, RESTRICTED, CACHE))
                linked = not stat.S_ISDIR(os.lstat(os.path.join(folder, RESTRICTED)).st_mode)
            except OSError:
                continue
            if not linked and (record := read_record(Path(folder))[0]) is not None:
                yield record
