"""Analysis settings from the framework file: thresholds for findings, moderation, rounds and age bands.

The framework YAML holds them as data (sections ``findings``, ``moderation``,
``rounds`` and ``age_focus``), so another framework can set its own without a
code change. Each section is optional; a missing key takes the default here.
The sections' types, ranges and references are checked when the file is loaded
(``framework_schema`` and ``framework_rules``); the checks here guard frameworks
built in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit.errors import FrameworkError
from audit.framework.model import Framework


@dataclass(frozen=True)
class FindingRules:
    """When a result is a strength, an area for improvement or an area for priority action (percentages)."""

    min_answered: int = 5
    strength_lower: float = 60.0
    priority_upper: float = 50.0
    key_priority_pct: float = 50.0
    phrases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModerationRules:
    """Below either threshold the two auditors are taken to disagree on a criterion."""

    kappa_min: float = 0.6
    agreement_min: float = 80.0


@dataclass(frozen=True)
class AgeFocus:
    """The age bands reported on their own (the inspections' focus), and what to call them."""

    label: str
    bands: tuple[str, ...]


def _section(fw: Framework, name: str) -> dict[str, Any]:
    raw = fw.extra.get(name) or {}
    if not isinstance(raw, dict):
        raise FrameworkError(f"{fw.path}: '{name}' should be a mapping")
    return raw


def _number(fw: Framework, section: str, raw: dict[str, Any], key: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FrameworkError(f"{fw.path}: {section}.{key} should be a number, got {value!r}")
    return float(value)


def finding_rules(fw: Framework) -> FindingRules:
    """The ``findings`` section: thresholds (0-100) and optional per-criterion phrases."""
    raw = _section(fw, "findings")
    rules = FindingRules(
        min_answered=int(_number(fw, "findings", raw, "min_answered", 5)),
        strength_lower=_number(fw, "findings", raw, "strength_lower", 60),
        priority_upper=_number(fw, "findings", raw, "priority_upper", 50),
        key_priority_pct=_number(fw, "findings", raw, "key_priority_pct", 50),
        phrases={str(k): " ".join(str(v).split()) for k, v in (raw.get("phrases") or {}).items()},
    )
    for name in ("strength_lower", "priority_upper", "key_priority_pct"):
        if not 0 <= getattr(rules, name) <= 100:
            raise FrameworkError(f"{fw.path}: findings.{name} is a percentage from 0 to 100")
    unknown = sorted(set(rules.phrases) - set(fw.criterion_ids))
    if unknown:
        raise FrameworkError(f"{fw.path}: findings.phrases names unknown criteria: {', '.join(unknown)}")
    return rules


def moderation_rules(fw: Framework) -> ModerationRules:
    """The ``moderation`` section."""
    raw = _section(fw, "moderation")
    return ModerationRules(
        kappa_min=_number(fw, "moderation", raw, "kappa_min", 0.6),
        agreement_min=_number(fw, "moderation", raw, "agreement_min", 80),
    )


def round_gap_days(fw: Framework) -> int:
    """``rounds.gap_days``: more days than this between audit dates starts a new round."""
    return int(_number(fw, "rounds", _section(fw, "rounds"), "gap_days", 90))


def age_focus(fw: Framework) -> AgeFocus | None:
    """The ``age_focus`` section, or None when the framework names no focus bands."""
    raw = _section(fw, "age_focus")
    bands = tuple(str(b) for b in raw.get("bands") or ())
    if not bands:
        return None
    unknown = [b for b in bands if b not in fw.age_bands]
    if unknown:
        raise FrameworkError(f"{fw.path}: age_focus.bands has bands not in age_bands: {', '.join(unknown)}")
    return AgeFocus(str(raw.get("label") or ", ".join(bands)), bands)
