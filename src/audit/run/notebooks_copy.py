"""`audit notebooks DIR`: copy the notebooks shipped in the package out, for JupyterLab."""

from __future__ import annotations

import shutil
from pathlib import Path

from audit.errors import AuditError
from audit.resources import NOTEBOOKS, NOTEBOOKS_DIR


class NotebooksExistError(AuditError):
    """A notebook is already where the copy would go, and --force was not given (exit status 2)."""

    exit_code = 2


def copy_notebooks(out_dir: Path, *, force: bool = False) -> list[Path]:
    """Copy every shipped notebook into ``out_dir``; refuse, before copying any, to replace one without ``force``."""
    targets = [out_dir / name for name in NOTEBOOKS]
    existing = [t.name for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        raise NotebooksExistError(
            f"{out_dir}: already holds {', '.join(existing)}; nothing was copied (--force replaces them)"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for target in targets:
            if target.is_symlink() or (target.exists() and not target.is_file()):
                raise NotebooksExistError(f"{target}: not a regular file; nothing was replaced there")
            shutil.copyfile(NOTEBOOKS_DIR / target.name, target)
    except OSError as exc:
        raise NotebooksExistError(f"{out_dir}: cannot write the notebooks ({exc.strerror})") from None
    return targets
