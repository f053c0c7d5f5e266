"""Writing a file all at once: a failed run never leaves half a file in place of a good one.

For outputs that may be circulated (report pages, PDFs, summary.json, the index,
the manifest). Restricted outputs are written by :mod:`audit.restricted`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_beside(path: Path, data: bytes | str, prepare: Callable[[int, str], None]) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    ``mkstemp`` makes the file with mode 0600 whatever the umask; ``prepare(fd, tmp)``
    gives it its final mode (and group) before a byte is written. A failed write
    leaves no half file, and its error names ``path`` (a full disk's error names none).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    fh = None
    try:
        prepare(fd, tmp)
        fh = os.fdopen(fd, "wb")
        with fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException as exc:
        if fh is None:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not exc.filename:
            exc.filename = str(path)
        raise
    return path


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write beside the target, then rename: a failed run never leaves half a file in place of a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_beside(path, data, lambda _fd, tmp: os.chmod(tmp, 0o666 & ~_UMASK))
