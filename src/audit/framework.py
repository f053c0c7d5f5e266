"""The criteria framework: a YAML file in templates/criteria/ read into plain dataclasses.

Nothing about the audit's questions, answers or grades is hard-coded: another
JTAI theme is another YAML file passed as ``--criteria``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from audit.errors import FrameworkError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
DEFAULT_CRITERIA = TEMPLATES_DIR / "criteria" / "jtai_domestic_abuse.yml"
#: libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one:
#: both build only plain data, never objects.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CRITERION_ID = re.compile(r"^[A-Za-z]+\d+$")
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
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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
        """The agency ID for a name an auditor wrote, or None if it is not known."""
        return self.agency_aliases.get(_fold(name))

    def normalise_answer(self, value: str) -> str | None:
        """The canonical answer for an auditor's spelling, or None if it is not one."""
        return self.synonyms.get(_fold(value))


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _need(data: dict, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise FrameworkError(f"{where}: missing '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise FrameworkError(f"{where}: '{key}' should be a {names}, got {value!r}")
    return value


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and check a criteria framework; the default is the JTAI domestic abuse one."""
    path = Path(path) if path else DEFAULT_CRITERIA
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise FrameworkError(f"{path}: cannot read the criteria file ({exc.strerror})") from None
    try:
        data = yaml.load(raw_bytes, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise FrameworkError(f"{path}: expected a mapping with 'criteria', 'themes' and 'answers'")
    where = str(path)

    agencies = {str(k): str(v) for k, v in _need(data, "agencies", where, dict).items()}
    themes = []
    for i, t in enumerate(_need(data, "themes", where, list)):
        tw = f"{where}: themes[{i}]"
        if not isinstance(t, dict):
            raise FrameworkError(f"{tw}: expected a mapping")
        themes.append(
            Theme(
                id=str(_need(t, "id", tw, str)),
                number=int(t.get("number", i + 1)),
                label=str(_need(t, "label", tw, str)),
                description=" ".join(str(t.get("description", "")).split()),
            )
        )
    theme_ids = {t.id for t in themes}
    if len(theme_ids) != len(themes):
        raise FrameworkError(f"{where}: theme IDs must be unique")

    criteria = []
    for i, c in enumerate(_need(data, "criteria", where, list)):
        cw = f"{where}: criteria[{i}]"
        if not isinstance(c, dict):
            raise FrameworkError(f"{cw}: expected a mapping")
        cid = str(_need(c, "id", cw, str))
        cw = f"{where}: criterion {cid}"
        if not CRITERION_ID.match(cid):
            raise FrameworkError(f"{cw}: an ID is letters then digits, such as V1")
        theme = str(_need(c, "theme", cw, str))
        if theme not in theme_ids:
            raise FrameworkError(f"{cw}: theme '{theme}' is not one of {sorted(theme_ids)}")
        cagencies = tuple(str(a) for a in _need(c, "agencies", cw, list))
        shares = c.get("shares") or {}
        sfrom = tuple(str(a) for a in shares.get("from", []))
        sto = tuple(str(a) for a in shares.get("to", []))
        for a in (*cagencies, *sfrom, *sto):
            if a not in agencies:
                raise FrameworkError(f"{cw}: agency '{a}' is not one of {sorted(agencies)}")
        key = c.get("key", False)
        if not isinstance(key, bool):
            raise FrameworkError(f"{cw}: 'key' should be true or false")
        criteria.append(
            Criterion(
                id=cid,
                label=str(_need(c, "label", cw, str)),
                question=" ".join(str(_need(c, "question", cw, str)).split()),
                theme=theme,
                agencies=cagencies,
                key=key,
                shares_from=sfrom,
                shares_to=sto,
            )
        )
    if not criteria:
        raise FrameworkError(f"{where}: the framework has no criteria")
    ids = [c.id.upper() for c in criteria]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise FrameworkError(f"{where}: criterion IDs must be unique; repeated: {', '.join(dupes)}")

    answers = _need(data, "answers", where, dict)
    if set(answers) != set(CANONICAL_ANSWERS):
        raise FrameworkError(f"{where}: 'answers' must define exactly {', '.join(CANONICAL_ANSWERS)}")
    points: dict[str, float | None] = {}
    synonyms: dict[str, str] = {}
    for canon, spec in answers.items():
        aw = f"{where}: answers.{canon}"
        if not isinstance(spec, dict):
            raise FrameworkError(f"{aw}: expected 'points' and 'accept'")
        p = spec.get("points")
        if p is not None and not isinstance(p, (int, float)):
            raise FrameworkError(f"{aw}: 'points' should be a number or null")
        points[canon] = None if p is None else float(p)
        for spelling in [canon, *_need(spec, "accept", aw, list)]:
            folded = _fold(spelling)
            if synonyms.get(folded, canon) != canon:
                raise FrameworkError(f"{aw}: '{spelling}' is also accepted for {synonyms[folded]}")
            synonyms[folded] = canon

    grades = _need(data, "grades", where, dict)
    bands = []
    for i, b in enumerate(_need(grades, "bands", f"{where}: grades", list)):
        bw = f"{where}: grades.bands[{i}]"
        bands.append(GradeBand(str(_need(b, "grade", bw, str)), float(_need(b, "min", bw, (int, float)))))
    if (
        [b.min for b in bands] != sorted((b.min for b in bands), reverse=True)
        or not bands
        or bands[-1].min > 0
    ):
        raise FrameworkError(f"{where}: grade bands go from best to worst, and the last starts at 0")
    cap = str(grades.get("key_no_cap", bands[-1].grade))
    if cap not in {b.grade for b in bands}:
        raise FrameworkError(f"{where}: grades.key_no_cap '{cap}' is not a grade")

    aliases = {}
    for alias, agency in (data.get("agency_aliases") or {}).items():
        if str(agency) not in agencies:
            raise FrameworkError(f"{where}: agency_aliases: '{alias}' points at unknown agency '{agency}'")
        aliases[_fold(alias)] = str(agency)
    for aid, label in agencies.items():
        aliases[_fold(aid)] = aliases[_fold(aid.replace("_", " "))] = aliases[_fold(label)] = aid

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
    }
    return Framework(
        id=str(_need(data, "id", where, str)),
        title=str(_need(data, "title", where, str)),
        version=str(_need(data, "version", where, (str, int, float))),
        path=path.resolve(),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        themes=tuple(themes),
        criteria=tuple(criteria),
        agencies=agencies,
        points=points,
        synonyms=synonyms,
        age_bands=tuple(str(a) for a in data.get("age_bands", [])),
        grade_bands=tuple(bands),
        key_no_cap=cap,
        agency_aliases=aliases,
        description=" ".join(str(data.get("description", "")).split()),
        extra={k: v for k, v in data.items() if k not in known},
    )
