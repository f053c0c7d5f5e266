"""Deterministic synthetic cases: invented areas, answers, dates, grades and comments.

Everything here is invented: the area names are made-up compounds, case IDs are
plainly synthetic (``AV-0001``) and comments are stock phrases with no people,
places or identifiers. Rates follow the pattern inspections report: the child's
voice, coercive control, perpetrator risk and drawing information together are
often weak; midwives' work on unborn babies and Operation Encompass notifications
to schools are stronger. The same arguments always give the same data.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from audit.framework.model import CANONICAL_ANSWERS, Framework
from audit.workbooks.template import case_columns

# Six invented areas (none is an English local authority) and their case ID prefixes.
AREAS: dict[str, str] = {
    "Amberlow Vale": "AV",
    "Brackenholt Moor": "BM",
    "Cindersey Fen": "CF",
    "Dunmerrow Hythe": "DH",
    "Elderwyke Downs": "ED",
    "Fennistow Bay": "FB",
}


# Base (P(Yes), P(Partly)) per criterion; the rest is No. Criteria not listed
# (another framework) get DEFAULT_RATES.
BASE_RATES: dict[str, tuple[float, float]] = {
    "I1": (0.55, 0.25),
    "I2": (0.65, 0.20),
    "I3": (0.78, 0.12),
    "I4": (0.58, 0.27),
    "I5": (0.80, 0.12),
    "V1": (0.33, 0.37),
    "A1": (0.50, 0.30),
    "A2": (0.36, 0.34),
    "A3": (0.60, 0.22),
    "A4": (0.50, 0.30),
    "P1": (0.50, 0.30),
    "P2": (0.31, 0.36),
    "P3": (0.55, 0.25),
    "P4": (0.45, 0.30),
    "S1": (0.38, 0.37),
    "S2": (0.55, 0.25),
    "S3": (0.50, 0.30),
}


DEFAULT_RATES = (0.55, 0.27)


# The inspection focus is babies and young children, so the sample leans that way.
AGE_WEIGHTS = {"Unborn": 0.20, "0-2": 0.27, "3-7": 0.25, "8-12": 0.16, "13-17": 0.12}


# Spellings auditors use instead of the canonical answers (kept only if the framework accepts them).
MESS_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Yes": ("Y", "Met", "y"),
    "Partly": ("Partial", "Partially met", "Partly met", "Partially"),
    "No": ("N", "Not met", "n"),
    "N/A": ("NA", "Not applicable", "n/a"),
}


COMMENTS = {
    "good": (
        "Child seen alone and their views recorded.",
        "Good joint working; strategy discussion well attended.",
        "Clear plan focused on the child's safety.",
        "School informed promptly and supported the child.",
    ),
    "mixed": (
        "Child's views recorded but not reflected in the plan.",
        "History considered only in part.",
        "Some delay in sharing information with children's social care.",
        "Perpetrator risk assessed but not actively managed.",
    ),
    "poor": (
        "Focus on the adult victim; little sense of the child's experience.",
        "No evidence perpetrator history was checked.",
        "Reliance on the non-abusing parent to keep the child safe.",
        "Agencies held information that was not drawn together.",
    ),
}


def area_code(area: str) -> str:
    """The case ID prefix for an area: its fixed code, else initials plus any digits."""
    if area in AREAS:
        return AREAS[area]
    words = re.sub(r"\(.*?\)", " ", area).split()
    letters = "".join(w[0] for w in words if w[0].isalpha()).upper()
    digits = "".join(w for w in words if w.isdigit())
    code = letters + digits
    if len(code) < 2:
        code = "".join(ch for ch in area if ch.isalnum()).upper()[:3] or "XX"
    return code


def slug(area: str) -> str:
    """File-name form of an area: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", area.lower()).strip("-")


def _rng(seed: int, *parts: str) -> np.random.Generator:
    """A generator seeded from an int and strings, stable across runs (unlike hash())."""
    return np.random.default_rng([seed, *(zlib.crc32(p.encode()) for p in parts)])


def area_profile(framework: Framework, area: str, seed: int) -> dict[str, tuple[float, float]]:
    """Per-criterion (P(Yes), P(Partly)) for an area: the base rates shifted by a seeded offset."""
    rng = _rng(seed, "profile", area)
    offset = rng.uniform(-0.12, 0.12)
    profile = {}
    for c in framework.criteria:
        yes, partly = BASE_RATES.get(c.id.upper(), DEFAULT_RATES)
        yes = float(np.clip(yes + offset + rng.normal(0, 0.04), 0.05, 0.95))
        profile[c.id] = (yes, min(partly, 1.0 - yes))
    return profile


def _agency_rules(key: str, ages: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Whether each case involves an agency, by the agency's usual involvement."""
    young = np.isin(ages, ["Unborn", "0-2"])
    school_age = np.isin(ages, ["3-7", "8-12", "13-17"])
    if key == "csc":
        return np.ones(len(ages), dtype=bool)
    if key == "police":
        return u < 0.9
    if key == "health":
        return young | (u < 0.7)
    if key == "education":
        return (school_age & (u < 0.95)) | ((ages == "0-2") & (u < 0.3))
    if key == "probation":
        return u < 0.3
    if key == "youth_justice":
        return (ages == "13-17") & (u < 0.25)
    if key == "voluntary":
        return u < 0.35
    return u < 0.5


def generate_cases(
    framework: Framework,
    area: str,
    n_cases: int,
    seed: int,
    profile: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Synthetic audited cases for one area, with canonical answers.

    ``profile`` maps criterion ID to (P(Yes), P(Partly)); by default it is
    ``area_profile(framework, area, seed)``. N/A is set where a criterion cannot
    apply (no unborn baby, no school, probation not involved).
    """
    rng = _rng(seed, "cases", area)
    profile = dict(profile) if profile is not None else area_profile(framework, area, seed)
    n = int(n_cases)

    bands = list(framework.age_bands)
    if bands:
        w = np.array([AGE_WEIGHTS.get(b, 0.15) for b in bands])
        ages = rng.choice(np.array(bands, dtype=object), size=n, p=w / w.sum())
    else:
        ages = np.array([""] * n, dtype=object)

    involved = {k: _agency_rules(k, ages, rng.random(n)) for k in framework.agencies}
    # At least one agency per case: children's social care when the framework has it, else the first.
    none = ~np.any(np.column_stack(list(involved.values())), axis=1)
    first = "csc" if "csc" in involved else next(iter(involved))
    involved[first] = involved[first] | none
    agency_text = [", ".join(label for k, label in framework.agencies.items() if involved[k][i]) for i in range(n)]

    # A case-level quality term so answers within a case hang together.
    quality = rng.normal(0, 0.10, n)
    answers: dict[str, np.ndarray] = {}
    for c in framework.criteria:
        yes, partly = profile.get(c.id, BASE_RATES.get(c.id.upper(), DEFAULT_RATES))
        p_yes = np.clip(yes + quality, 0.02, 0.98)
        p_partly = np.minimum(partly, 1.0 - p_yes)
        u = rng.random(n)
        col = np.where(u < p_yes, "Yes", np.where(u < p_yes + p_partly, "Partly", "No")).astype(object)
        col[_not_applicable(c.id, c.agencies, ages, involved, rng.random(n))] = "N/A"
        answers[c.header] = col

    dates = _audit_dates(rng, n)
    grades = _auditor_grades(framework, answers, rng)
    comments = _comments(grades, framework, rng)
    code = area_code(area)
    frame = pd.DataFrame(
        {
            "Case ID": [f"{code}-{i:04d}" for i in range(1, n + 1)],
            "Area": [area] * n,
            "Audit date": pd.to_datetime(dates),
            "Age band": ages,
            "Agencies involved": agency_text,
            "Overall grade": grades,
            "Auditor comments": comments,
            **answers,
        }
    )
    return frame[[c for c in case_columns(framework) if c in frame]]  # practice columns: synthetic_practice


def _not_applicable(
    cid: str,
    agencies: Sequence[str],
    ages: np.ndarray,
    involved: Mapping[str, np.ndarray],
    u: np.ndarray,
) -> np.ndarray:
    """Cases where a criterion does not apply."""
    cid = cid.upper()
    if cid == "I5":  # an unborn baby; sometimes a 0-2 case with the mother pregnant again
        return ~((ages == "Unborn") | ((ages == "0-2") & (u < 0.25)))
    if cid == "I3":  # no school or early years setting
        no_setting = (ages == "Unborn") | ((ages == "0-2") & (u < 0.8))
        if "education" in involved:
            no_setting |= ~involved["education"]
        return no_setting
    if cid == "A3":  # a strategy discussion was not needed
        return u < 0.08
    known = [a for a in agencies if a in involved]
    if not known:
        return np.zeros(len(ages), dtype=bool)
    # None of the criterion's agencies involved (e.g. P3 without probation).
    return ~np.any(np.column_stack([involved[a] for a in known]), axis=1)


def _audit_dates(rng: np.random.Generator, n: int) -> list[dt.date]:
    """Weekdays in 2025, within a six-week audit window per area."""
    start = dt.date(2025, 1, 6) + dt.timedelta(days=int(rng.integers(0, 300)))
    out = []
    for offset in rng.integers(0, 42, n):
        d = start + dt.timedelta(days=int(offset))
        while d.weekday() >= 5:
            d += dt.timedelta(days=1)
        out.append(d)
    return out


def _auditor_grades(framework: Framework, answers: Mapping[str, np.ndarray], rng: np.random.Generator) -> list[str]:
    """The auditor's own grade: the derived one, blurred by judgement, and not always capped."""
    headers = list(answers)
    if not headers:
        return []
    n = len(answers[headers[0]])
    pts = np.full((n, len(headers)), np.nan)
    for j, h in enumerate(headers):
        for canon, p in framework.points.items():
            if p is not None:
                pts[answers[h] == canon, j] = p
    answered = ~np.isnan(pts)
    mean = np.where(answered.any(axis=1), np.nansum(pts, axis=1) / np.maximum(answered.sum(axis=1), 1), 0.5)
    judged = mean + rng.normal(0, 0.08, n)
    key_headers = [c.header for c in framework.criteria if c.key]
    key_no = np.zeros(n, dtype=bool)
    for h in key_headers:
        key_no |= answers[h] == "No"
    follows_cap = rng.random(n) < 0.7
    grades = list(framework.grades)
    cap = grades.index(framework.key_no_cap)
    out = []
    for i in range(n):
        idx = next((k for k, b in enumerate(framework.grade_bands) if judged[i] >= b.min), len(grades) - 1)
        if key_no[i] and follows_cap[i]:
            idx = max(idx, cap)
        out.append(grades[idx])
    return out


def _comments(grades: Sequence[str], framework: Framework, rng: np.random.Generator) -> list[str | None]:
    """Stock comments matched to the grade; about a third of cases have none."""
    n_grades = max(len(framework.grades), 1)
    out: list[str | None] = []
    for g, u, k in zip(grades, rng.random(len(grades)), rng.integers(0, 4, len(grades)), strict=True):
        if u < 0.35:
            out.append(None)
            continue
        rank = framework.grades.index(g) / max(n_grades - 1, 1)
        kind = "good" if rank < 0.34 else "mixed" if rank < 0.67 else "poor"
        out.append(COMMENTS[kind][int(k)])
    return out


def generate_national(
    framework: Framework, n_areas: int = 153, cases_per_area: int = 30, seed: int = 2025
) -> pd.DataFrame:
    """Cases for ``n_areas`` synthetic areas ("Area 001 (synthetic)", ...), for benchmarks."""
    frames = [
        generate_cases(framework, f"Area {i:03d} (synthetic)", cases_per_area, seed) for i in range(1, n_areas + 1)
    ]
    return pd.concat(frames, ignore_index=True)


def _mess_spellings(framework: Framework) -> dict[str, list[str]]:
    """Synonyms to use for each canonical answer, limited to those the framework accepts."""
    out = {}
    for canon in CANONICAL_ANSWERS:
        spellings = [s for s in MESS_SYNONYMS[canon] if framework.normalise_answer(s) == canon]
        if not spellings:  # another framework: its own accepted spellings, title-cased
            spellings = [k.title() for k, v in framework.synonyms.items() if v == canon and k != canon.casefold()]
        out[canon] = spellings or [canon]
    return out


def _messy(value: str, spellings: Mapping[str, list[str]], rng: np.random.Generator) -> str | None:
    """An auditor's rendering of a canonical answer: mostly as is, sometimes not."""
    r = rng.random()
    if r < 0.025:
        return None
    if r < 0.15:
        options = spellings.get(value, [value])
        return options[int(rng.integers(0, len(options)))]
    if r < 0.20:
        forms = (f"  {value.lower()} ", value.upper(), f"{value} ", f" {value.lower()}")
        return forms[int(rng.integers(0, len(forms)))]
    return value


def moderation_frame(frame: pd.DataFrame, framework: Framework, n: int = 5, seed: int = 0) -> pd.DataFrame:
    """A second auditor's answers for ``n`` of the cases: mostly the same, a few one step apart."""
    rng = _rng(seed, "moderation")
    picks = sorted(int(i) for i in rng.choice(len(frame), size=min(n, len(frame)), replace=False))
    mod = frame.iloc[picks].copy().reset_index(drop=True)
    mod["Auditor comments"] = None
    # A disagreement is one step on the Yes-Partly-No scale; N/A is not disputed.
    step = {"Yes": ("Partly",), "No": ("Partly",), "Partly": ("Yes", "No")}
    for c in framework.criteria:
        col = mod[c.header].to_numpy(dtype=object)
        for i, v in enumerate(col):
            if v in step and rng.random() < 0.1:
                col[i] = step[v][int(rng.integers(0, len(step[v])))]
        mod[c.header] = col
    return mod
