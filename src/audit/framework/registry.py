"""The frameworks shipped with the toolkit, and how a ``--criteria`` value names one.

Every ``*.yml`` file in ``audit/data/criteria`` (found with ``importlib.resources``,
so an installed wheel works from any folder) is a shipped framework: adding a file
there adds a framework, with no code change. A framework is named by

- its id (``jtai-domestic-abuse``): the newest version shipped;
- its id and version (``jtai-domestic-abuse@2025.1``);
- or the path of a YAML file (an existing file wins over an id of the same spelling).

An unknown id or version is a :class:`FrameworkError` naming what is shipped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from audit.errors import FrameworkError
from audit.names import safe_text
from audit.resources import CRITERIA_DIR, DEFAULT_CRITERIA
from audit.safe_yaml import load_yaml, read_settings


@dataclass(frozen=True)
class Shipped:
    """One shipped framework file, as ``audit frameworks`` lists it."""

    id: str
    version: str
    title: str
    themes: int
    criteria: int
    path: Path

    @property
    def name(self) -> str:
        """``id@version``, the exact name of this file's framework."""
        return f"{self.id}@{self.version}"


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for versions such as ``2025.1``: numbers as numbers, so 2026.10 follows 2026.9."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-]", version))


@functools.cache
def shipped() -> tuple[Shipped, ...]:
    """Every framework shipped, by id then version (oldest first).

    Read for their names and counts only (``load_framework`` checks a file in full when it
    is used, and the tests check every shipped file), so listing them stays quick.
    """
    found = []
    for path in sorted(CRITERIA_DIR.glob("*.yml")):
        data = load_yaml(read_settings(path))
        if not isinstance(data, dict) or not {"id", "version", "title"} <= set(data):
            raise FrameworkError(f"{path.name}: a shipped framework file without id, version and title")
        themes, criteria = data.get("themes") or [], data.get("criteria") or []
        found.append(
            Shipped(str(data["id"]), str(data["version"]), str(data["title"]), len(themes), len(criteria), path)
        )
    return tuple(sorted(found, key=lambda s: (s.id, version_key(s.version))))


def available() -> str:
    """The shipped frameworks as one line for messages: ``id (version, version); ...``."""
    ids: dict[str, list[str]] = {}
    for s in shipped():
        ids.setdefault(s.id, []).append(s.version)
    return "; ".join(f"{i} ({', '.join(vs)})" for i, vs in ids.items()) or "none"


def find(framework_id: str, version: str | None = None) -> Shipped:
    """The shipped framework of that id (its newest version, unless ``version`` is given)."""
    versions = [s for s in shipped() if s.id.casefold() == framework_id.strip().casefold()]
    if not versions:
        raise FrameworkError(
            f"no framework {safe_text(framework_id, 80)!r} is shipped; the frameworks shipped are: {available()}"
        )
    if version is None:
        return versions[-1]
    for s in versions:
        if s.version == version.strip():
            return s
    raise FrameworkError(
        f"framework {versions[0].id} has no version {safe_text(version, 40)!r}; "
        f"the versions shipped are: {', '.join(s.version for s in versions)}"
    )


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(@[A-Za-z0-9_.-]+)?$")


def framework_path(spec: str | Path | None) -> Path:
    """The YAML file a ``--criteria`` value names: None the default, an existing file, or a shipped id[@version]."""
    if spec is None or spec == "":
        return DEFAULT_CRITERIA
    path = Path(spec)
    if isinstance(spec, Path) or path.exists() or not _NAME.match(str(spec)) or path.suffix in (".yml", ".yaml"):
        return path  # a file (load_framework says so clearly if it cannot be read)
    framework_id, _, version = str(spec).partition("@")
    return find(framework_id, version or None).path
