"""The criteria framework: a YAML file (the default in audit/data/criteria/) read into plain dataclasses.

Nothing about the audit's questions, answers or grades is hard-coded: another
JTAI theme is another YAML file passed as ``--criteria``.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import FrameworkError
from audit.framework.registry import framework_path
from audit.framework.rules import fold, rule_problems
from audit.framework.schema import schema_problems
from audit.names import safe_text
from audit.resources import DEFAULT_CRITERIA
from audit.safe_yaml import SAFE_LOADER, YamlRefused, load_yaml, read_settings

__all__ = ["DEFAULT_CRITERIA", "SAFE_LOADER", "Framework", "load_framework"]
MAX_SHOWN = 20  # problems listed for one file; the rest are counted
CANONICAL_ANSWERS = ("Yes", "Partly", "No", "N/A")


@dataclass(frozen=True)
class Theme:
    id: str
    number: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    question: str
    theme: str
    agencies: tuple[str, ...]
    key: bool = False
    shares_from: tuple[str, ...] = ()
    shares_to: tuple[str, ...] = ()
    source: str = ""  # the public guidance or report the criterion follows ("" where the file gives none)

    @property
    def header(self) -> str:
        """The column header auditors see: the ID, a space, then the label."""
        return f"{self.id} {self.label}"


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: float


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    path: Path
    sha256: str
    themes: tuple[Theme, ...]
    criteria: tuple[Criterion, ...]
    agencies: dict[str, str]
    points: dict[str, float | None]
    synonyms: dict[str, str]
    age_bands: tuple[str, ...]
    grade_bands: tuple[GradeBand, ...]
    key_no_cap: str
    agency_aliases: dict[str, str] = field(default_factory=dict)
    # Names that stand for several agencies (such as "Health" in a framework that splits health services).
    agency_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""
    learning_themes: tuple[str, ...] = ()  # what a case's Learning themes cell may name
    extra: dict[str, Any] = field(default_factory=dict)

    def content_key(self) -> tuple[str, str, str]:
        """What the framework is, for a content digest: its id, version and the SHA-256 of its file."""
        return (self.id, self.version, self.sha256)

    @functools.cached_property
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    @property
    def grades(self) -> tuple[str, ...]:
        """Grade labels from best to worst."""
        return tuple(b.grade for b in self.grade_bands)

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id.upper() == cid.upper():
                return c
        raise KeyError(cid)

    def theme(self, tid: str) -> Theme:
        for t in self.themes:
            if t.id == tid:
                return t
        raise KeyError(tid)

    def criteria_in(self, theme_id: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.theme == theme_id)

    def agency_id(self, name: str) -> str | None:
        """The agency ID for a name an auditor wrote, or None if it is not known or names several agencies."""
        return self.agency_aliases.get(_fold(name))

    def agency_ids(self, name: str) -> tuple[str, ...]:
        """Every agency a name stands for: one, several (an alias listing several IDs), or none if not known."""
        folded = _fold(name)
        if folded in self.agency_aliases:
            return (self.agency_aliases[folded],)
        return self.agency_groups.get(folded, ())

    def normalise_answer(self, value: str) -> str | None:
        """The canonical answer for an auditor's spelling, or None if it is not one."""
        return self.synonyms.get(_fold(value))


_fold = fold


def _problems(data: object) -> list[str]:
    """Every way the parsed file breaks the schema or, once of the schema's shape, the framework rules."""
    if not isinstance(data, dict):
        return ["(top level): expected a mapping with 'criteria', 'themes' and 'answers'"]
    return schema_problems(data) or rule_problems(data)


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and check a criteria framework; the default is the JTAI domestic abuse one (version 2025.1).

    ``path`` is a YAML file or a shipped framework's id, optionally ``id@version``
    (see :mod:`audit.framework.registry`). The whole file is checked here, every
    section a report will use included, so a bad file is refused at once with
    each problem's key path (exit status 2).
    """
    path = framework_path(path)
    shown = safe_text(str(path), 240)
    try:
        raw_bytes = read_settings(path)
        data = load_yaml(raw_bytes)
    except OSError as exc:
        raise FrameworkError(f"{shown}: cannot read the criteria file ({exc.strerror or exc})") from None
    except YamlRefused as exc:
        raise FrameworkError(f"{shown}: {exc}") from None
    problems = _problems(data)
    if problems:
        shown = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            shown.append(f"... and {len(problems) - MAX_SHOWN} more")
        raise FrameworkError(f"{safe_text(str(path), 240)}: not a valid criteria framework:\n  " + "\n  ".join(shown))

    agencies = {str(k): str(v) for k, v in data["agencies"].items()}
    themes = tuple(
        Theme(
            id=t["id"],
            number=int(t.get("number", i + 1)),
            label=t["label"],
            description=" ".join(str(t.get("description", "")).split()),
        )
        for i, t in enumerate(data["themes"])
    )
    criteria = []
    for c in data["criteria"]:
        shares = c.get("shares") or {}
        criteria.append(
            Criterion(
                id=c["id"],
                label=c["label"],
                question=" ".join(c["question"].split()),
                theme=c["theme"],
                agencies=tuple(c["agencies"]),
                key=c.get("key", False),
                shares_from=tuple(shares.get("from", [])),
                shares_to=tuple(shares.get("to", [])),
                source=" ".join(str(c.get("source", "")).split()),
            )
        )
    points: dict[str, float | None] = {}
    synonyms: dict[str, str] = {}
    for canon, spec in data["answers"].items():
        p = spec.get("points")
        points[canon] = None if p is None else float(p)
        for spelling in [canon, *spec["accept"]]:
            synonyms[_fold(spelling)] = canon
    bands = tuple(GradeBand(b["grade"], float(b["min"])) for b in data["grades"]["bands"])
    cap = data["grades"].get("key_no_cap", bands[-1].grade)
    aliases: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for alias, named in (data.get("agency_aliases") or {}).items():
        if isinstance(named, str):
            aliases[_fold(alias)] = named
        elif len(named) == 1:
            aliases[_fold(alias)] = named[0]
        else:
            groups[_fold(alias)] = tuple(named)
    for aid, label in agencies.items():
        for name in (aid, aid.replace("_", " "), label):  # an agency's own ID and label always name it alone
            aliases[_fold(name)] = aid
            groups.pop(_fold(name), None)

    known = {
        "agency_aliases",
        "id",
        "title",
        "version",
        "description",
        "agencies",
        "themes",
        "criteria",
        "answers",
        "age_bands",
        "grades",
        "learning_themes",
    }
    return Framework(
        id=data["id"],
        title=data["title"],
        version=str(data["version"]),
        path=path.resolve(),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        themes=themes,
        criteria=tuple(criteria),
        agencies=agencies,
        points=points,
        synonyms=synonyms,
        age_bands=tuple(str(a) for a in data.get("age_bands", [])),
        grade_bands=tuple(bands),
        key_no_cap=cap,
        agency_aliases=aliases,
        agency_groups=groups,
        description=" ".join(str(data.get("description", "")).split()),
        learning_themes=tuple(" ".join(str(t).split()) for t in data.get("learning_themes") or []),
        extra={k: v for k, v in data.items() if k not in known},
    )
