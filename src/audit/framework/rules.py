"""Checks a framework file must pass beyond its schema: references, uniqueness, ranges that depend on each other.

Each rule is one function of the parsed file (already of the schema's shape)
that returns a line per breach, ``key.path: what was expected``. The rules run
when the file is loaded, so a report never meets a framework it would choke on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from audit.framework.schema import key_path

Rule = Callable[[dict[str, Any]], list[str]]
RULES: list[Rule] = []


def rule(func: Rule) -> Rule:
    """Register a rule; they run in the order they are defined."""
    RULES.append(func)
    return func


def fold(text: str) -> str:
    """How names and spellings are compared: spaces collapsed, case ignored."""
    return " ".join(str(text).split()).casefold()


def _walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    return data.get(name) or {}


def _repeated(values: list[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


@rule
def finite_numbers(data: dict[str, Any]) -> list[str]:
    """No .nan or .inf anywhere: they pass every range test and then break every comparison."""
    return [
        f"{key_path(path)}: expected a finite number, not .nan or .inf"
        for path, value in _walk(data)
        if isinstance(value, float) and not math.isfinite(value)
    ]


@rule
def unique_theme_ids(data: dict[str, Any]) -> list[str]:
    dupes = _repeated([t["id"] for t in data["themes"]])
    return [f"themes: expected each theme ID once; repeated: {', '.join(dupes)}"] if dupes else []


@rule
def unique_theme_numbers(data: dict[str, Any]) -> list[str]:
    numbers = [str(t.get("number", i + 1)) for i, t in enumerate(data["themes"])]
    dupes = _repeated(numbers)
    return [f"themes: expected each theme number once; repeated: {', '.join(dupes)}"] if dupes else []


@rule
def unique_criterion_ids(data: dict[str, Any]) -> list[str]:
    dupes = _repeated([c["id"].upper() for c in data["criteria"]])
    return [f"criteria: expected each criterion ID once (case aside); repeated: {', '.join(dupes)}"] if dupes else []


@rule
def criterion_themes_exist(data: dict[str, Any]) -> list[str]:
    themes = {t["id"] for t in data["themes"]}
    return [
        f"criteria[{i}].theme: expected one of the theme IDs {', '.join(sorted(themes))}"
        for i, c in enumerate(data["criteria"])
        if c["theme"] not in themes
    ]


@rule
def criterion_agencies_exist(data: dict[str, Any]) -> list[str]:
    agencies = set(data["agencies"])
    found = []
    for i, c in enumerate(data["criteria"]):
        shares = c.get("shares") or {}
        for where, names in (
            ("agencies", c["agencies"]),
            ("shares.from", shares.get("from", [])),
            ("shares.to", shares.get("to", [])),
        ):
            unknown = [a for a in names if a not in agencies]
            if unknown:
                found.append(
                    f"criteria[{i}].{where}: expected agency IDs from 'agencies' ({', '.join(sorted(agencies))});"
                    f" not known: {', '.join(unknown)}"
                )
    return found


@rule
def aliases_name_agencies(data: dict[str, Any]) -> list[str]:
    """Each alias names one agency ID, or a list of them (a name such as "Health" that stands for several)."""
    agencies = set(data["agencies"])
    found = []
    for alias, named in _section(data, "agency_aliases").items():
        listed = [named] if isinstance(named, str) else list(named)
        if any(agency not in agencies for agency in listed):
            what = "an agency ID" if isinstance(named, str) else "agency IDs"
            found.append(f"agency_aliases.{alias}: expected {what} from 'agencies' ({', '.join(sorted(agencies))})")
    return found


@rule
def spellings_name_one_answer(data: dict[str, Any]) -> list[str]:
    owner: dict[str, str] = {}
    found = []
    for canon, spec in data["answers"].items():
        for spelling in [canon, *spec["accept"]]:
            other = owner.setdefault(fold(spelling), canon)
            if other != canon:
                found.append(f"answers.{canon}.accept: expected spellings of one answer only; one is also {other}")
    return found


@rule
def spellings_not_blank(data: dict[str, Any]) -> list[str]:
    """A blank spelling would make empty cells count as an answer; a blank answer is missing, never scored."""
    return [
        f"answers.{canon}.accept[{i}]: expected a spelling, not blank text"
        for canon, spec in data["answers"].items()
        for i, spelling in enumerate(spec["accept"])
        if not fold(spelling)
    ]


@rule
def grade_bands_in_order(data: dict[str, Any]) -> list[str]:
    mins = [b["min"] for b in data["grades"]["bands"]]
    if mins != sorted(mins, reverse=True) or mins[-1] > 0:
        return ["grades.bands: expected bands from best to worst (each 'min' lower), the last starting at 0"]
    return []


@rule
def unique_grades(data: dict[str, Any]) -> list[str]:
    dupes = _repeated([b["grade"] for b in data["grades"]["bands"]])
    return [f"grades.bands: expected each grade once; repeated: {', '.join(dupes)}"] if dupes else []


@rule
def key_no_cap_is_a_grade(data: dict[str, Any]) -> list[str]:
    grades = data["grades"]
    if "key_no_cap" in grades and grades["key_no_cap"] not in {b["grade"] for b in grades["bands"]}:
        return ["grades.key_no_cap: expected one of the grades in grades.bands"]
    return []


@rule
def phrases_name_criteria(data: dict[str, Any]) -> list[str]:
    ids = {c["id"] for c in data["criteria"]}
    unknown = sorted(str(k) for k in (_section(data, "findings").get("phrases") or {}) if k not in ids)
    return [f"findings.phrases: expected criterion IDs; unknown criteria: {', '.join(unknown)}"] if unknown else []


@rule
def focus_bands_are_age_bands(data: dict[str, Any]) -> list[str]:
    bands = set(data.get("age_bands") or [])
    unknown = [b for b in (_section(data, "age_focus").get("bands") or []) if b not in bands]
    return [f"age_focus.bands: expected bands listed in age_bands; not listed: {', '.join(unknown)}"] if unknown else []


@rule
def learning_themes_distinct(data: dict[str, Any]) -> list[str]:
    """Themes are typed into one cell separated by ';', and matched without regard to case and spaces."""
    themes = [str(t) for t in data.get("learning_themes") or []]
    found = [
        f"learning_themes[{i}]: expected a theme without ';' (it separates themes in a cell)"
        for i, t in enumerate(themes)
        if ";" in t
    ]
    dupes = _repeated([fold(t) for t in themes])
    if dupes:
        found.append(f"learning_themes: expected each theme once (case and spaces aside); repeated: {', '.join(dupes)}")
    return found


def rule_problems(data: dict[str, Any]) -> list[str]:
    """Every breach of every rule, rule by rule."""
    return [line for check in RULES for line in check(data)]
