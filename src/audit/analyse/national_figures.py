"""National figures a user gives (``--national``): % Yes per criterion or theme ID, read from YAML or JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import AuditError, SettingsFileError
from audit.framework.model import Framework
from audit.names import safe_text
from audit.safe_yaml import YamlRefused, load_yaml, read_settings


@dataclass(frozen=True)
class NationalFigures:
    """Comparison figures the user supplies (% Yes by criterion or theme ID) and where they come from."""

    figures: dict[str, float] = field(default_factory=dict)
    source: str = "national figure"


def read_national(path: str | Path, fw: Framework) -> NationalFigures:
    """Read national figures from YAML or JSON: ``{V1: 41.5, ...}``, optionally with ``source: "..."``.

    IDs are criterion or theme IDs (any case); values are percentages from 0 to 100.
    """
    path = Path(path)
    shown = safe_text(str(path), 240)
    try:
        raw = load_yaml(read_settings(path))  # YAML reads JSON too
    except OSError as exc:
        raise SettingsFileError(f"{shown}: cannot read the national figures ({exc.strerror or exc})") from None
    except YamlRefused as exc:
        raise SettingsFileError(f"{shown}: national figures refused: {exc}") from None
    if not isinstance(raw, dict):
        raise AuditError(f"{shown}: national figures should map criterion IDs to percentages, such as V1: 41.5")
    source = str(raw.pop("source", "") or "national figure")
    known = {c.id.upper(): c.id for c in fw.criteria} | {t.id.upper(): t.id for t in fw.themes}
    figures: dict[str, float] = {}
    for key, value in raw.items():
        iid = known.get(str(key).upper())
        if iid is None:
            raise AuditError(f"{shown}: {safe_text(str(key), 40)!r} is not a criterion or theme of {fw.id}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise AuditError(f"{shown}: the figure for {safe_text(str(key), 40)} should be a percentage from 0 to 100")
        figures[iid] = float(value)
    return NationalFigures(figures, source)
