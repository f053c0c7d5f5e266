"""The values structural numbers may take on a published page (for the rules in tests/test_published_numbers.py).

Each function works out, from the framework and the run's published results,
what one kind of structural number must be where it stands: how many
criteria, themes, areas or cells a sentence counts, how many comparisons were
made on published rates, the tallies of findings, a theme's number, a chart
axis's ticks, and the framework's own text holding digits.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from audit.analyse import compare_areas
from audit.framework.model import Framework
from audit.framework.settings import age_focus, finding_rules
from audit.publish import cells
from audit.publish.cells import focus_criterion, sharing
from tests.published_pages import Page, Segment
from tests.published_registry import AreaRegistry, RunRegistry


@dataclass(frozen=True)
class Context:
    """Where a number stands: the run's registry, its page and its segment."""

    reg: RunRegistry
    page: Page
    seg: Segment

    @property
    def fw(self) -> Framework:
        return self.reg.framework

    @property
    def minimum(self) -> int:
        return finding_rules(self.fw).min_answered

    def areas(self) -> list[AreaRegistry]:
        """The page's area, or every area on the national summary and the index."""
        return [self.reg.areas[self.page.area]] if self.page.area else list(self.reg.areas.values())


def _enough(a: AreaRegistry, rid: str, minimum: int) -> bool:
    """Whether an area publishes ``rid``'s rate, on at least ``minimum`` answers."""
    res = a.published.analysed
    frame = res.criteria if rid in res.criteria.index else res.themes
    return rid in a.published_rates and int(frame.loc[rid, "answered"]) >= minimum


def tallies(ctx: Context, noun: str) -> set[int]:
    """How many framework entries, areas or shown rows a phrase such as "17 criteria" or "6 areas" may count.

    Counts of things, never of cases: the framework's criteria, themes and
    sharing pairs, the run's areas, and the rows a page shows with a published
    rate on enough answers (which a reader can count on the page).
    """
    fw, areas = ctx.fw, ctx.areas()
    crit, themes = set(fw.criterion_ids), {t.id for t in fw.themes}
    if noun in ("criteria", "criterion"):
        return {len(crit)} | {sum(_enough(a, r, ctx.minimum) for r in crit) for a in areas}
    if noun == "themes":
        return {len(themes)} | {sum(_enough(a, r, ctx.minimum) for r in themes) for a in areas}
    if noun == "spreads":  # the spreads tested: rows with two or more areas publishing a rate on enough answers
        tested = sum(sum(_enough(a, r, ctx.minimum) for a in ctx.reg.areas.values()) >= 2 for r in crit | themes)
        return {len(crit) + len(themes), tested}
    if noun in ("areas", "area"):
        n = len(ctx.reg.areas)
        found = {len(where) for by_id in findings_by_item(ctx.reg).values() for where in by_id.values()}
        rated = {sum(_enough(a, r, ctx.minimum) for a in ctx.reg.areas.values()) for r in crit | themes}
        # The national summary's areas by how they chose their cases (their Audit details), and those not recorded.
        methods = Counter(a.published.practice.details.get("selection") for a in ctx.reg.areas.values())
        return {n, n - 1} | found | rated | set(methods.values())
    if noun == "cells":
        out = set()
        for a in areas:
            share = a.published.analysed.analysis.sharing
            out.add(len(share))
            out.add(
                sum(
                    not a.published.rate_hidden(sharing(r["from"], r["to"])) and r["answered"] >= ctx.minimum
                    for _, r in share.iterrows()
                )
            )
        return out
    return set()


def compared_by_age(ctx: Context) -> set[int]:
    """Criteria an area compares between its focus and older age groups: both rates published, on enough answers."""
    a = ctx.reg.areas[ctx.page.area] if ctx.page.area else None
    focus = a.published.analysed.analysis.focus if a else None
    if focus is None:
        return set()
    groups = ("focus", "older")
    return {
        sum(
            all(
                not a.published.rate_hidden(focus_criterion(r["id"], p)) and r[f"{p}_answered"] >= ctx.minimum
                for p in groups
            )
            for _, r in focus.iterrows()
        )
    }


def compared_with_rest(ctx: Context) -> set[int]:
    """Criteria and themes an area compares with the other areas: its rate published, enough answers each side."""
    if not ctx.page.area:
        return set()
    a = ctx.reg.areas[ctx.page.area]
    bench = compare_areas.benchmark(a.published.analysed.analysis.others, ctx.page.area, ctx.fw)
    return {
        sum(
            r["id"] in a.published_rates and r["answered"] >= ctx.minimum and r["rest_answered"] >= ctx.minimum
            for _, r in bench.iterrows()
        )
    }


def rounds(ctx: Context) -> int:
    """How many audit rounds the page's area (any area, on the national summary and the index) has."""
    return max(len(a.published.analysed.analysis.rounds) for a in ctx.areas())


def findings_by_item(reg: RunRegistry) -> dict[str, dict[str, set[str]]]:
    """For each finding category, the areas where each criterion or theme has it (findings are published)."""
    out: dict[str, dict[str, set[str]]] = {}
    for area, a in reg.areas.items():
        for f in a.published.analysed.analysis.findings:
            out.setdefault(f.category, {}).setdefault(f.id, set()).add(area)
    return out


def findings_tally(m: re.Match[str], ctx: Context) -> bool:
    """A cell of the national summary's "Strengths" or "Areas for priority action" column, exactly.

    In a row naming an area: how many of its criteria have the finding; in a
    row naming a criterion or theme: in how many areas it has it.
    """
    category = {"Strengths": "strength", "Areas for priority action": "priority"}.get(ctx.seg.column)
    if category is None:
        return False
    found = findings_by_item(ctx.reg).get(category, {})
    n = int(m["n"])
    if ctx.seg.row in ctx.reg.areas:
        return n == sum(ctx.seg.row in where and rid in ctx.fw.criterion_ids for rid, where in found.items())
    rid = item_named(ctx.fw, ctx.seg.row)
    if rid is None:
        return False
    # Across areas, only the areas whose rate for the item is published are tallied (a hidden rate's finding
    # would say which side of a threshold it fell).
    row = cells.result_row("criterion" if rid in ctx.fw.criterion_ids else "theme", rid)
    shown = {area for area, a in ctx.reg.areas.items() if not a.published.rate_hidden(row)}
    return n == len(found.get(rid, set()) & shown)


def theme_number(m: re.Match[str], ctx: Context) -> bool:
    """The criteria table's Theme column: the number of that row's criterion's theme, exactly."""
    cid = item_named(ctx.fw, ctx.seg.row) if ctx.seg.column == "Theme" else None
    if cid not in ctx.fw.criterion_ids:
        return False
    return int(m["n"]) == [t.id for t in ctx.fw.themes].index(ctx.fw.criterion(cid).theme) + 1


def axis_ticks(ctx: Context) -> bool:
    """A chart axis's tick labels: three or more, evenly spaced from 0 (0/25/50/75/100%, 0/20/.../100, 0/5/.../30)."""
    if not ctx.seg.axis:
        return False
    try:
        ticks = [float(v.rstrip("%")) for v in ctx.page.axes[ctx.seg.axis]]
    except ValueError:
        return False
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    return len(ticks) >= 3 and ticks[0] == 0 and len(steps) == 1 and steps.pop() > 0


def item_named(fw: Framework, header: str, prefix: bool = False) -> str | None:
    """The criterion or theme a row or column header names ("I1", "I1 Child ...", "1. Response ...", a label).

    With ``prefix``, also a text that starts with a label, as a finding or a key
    criterion's sentence does ("Child's voice recorded: Yes in ...").
    """
    if not header:
        return None
    for c in fw.criteria:
        if header == c.id or header.startswith((f"{c.id} ", f"{c.label}:")) or header in (c.label, f"{c.label} (key)"):
            return c.id
    for i, t in enumerate(fw.themes, 1):
        if header in (t.label, f"{i}. {t.label}") or header.startswith(f"{t.label}:"):
            return t.id
    if prefix:
        labels = [(c.label, c.id) for c in fw.criteria] + [(t.label, t.id) for t in fw.themes]
        for label, iid in sorted(labels, key=lambda x: -len(x[0])):
            if header.startswith((f"{label} .", f"{label} (key criterion).")):
                return iid
    return None


def framework_text(reg: RunRegistry) -> list[str]:
    """Text of the framework holding digits, longest first: a number inside it is the framework's, not data.

    Criterion, theme and learning theme labels and questions, agency, age band ("0-2") and
    grade names, the age focus label ("children aged 0 to 7"), the version
    ("2025.1"), themes as the pages number them ("1. Response ..."), the
    checksum's name ("SHA-256") and the input files' names. Also the text the
    partnership wrote for publication, whose numbers are its words, not counts:
    judgement reasons, the Audit details' text fields and the framework's
    learning themes.
    """
    fw: Any = reg.framework
    texts = [fw.title, fw.version, "SHA-256", *fw.age_bands, *fw.grades, *fw.agencies.values()]
    texts += [c.label for c in fw.criteria] + [c.question for c in fw.criteria]
    texts += [t.label for t in fw.themes] + [f"{i}. {t.label}" for i, t in enumerate(fw.themes, 1)]
    texts += list(fw.learning_themes)
    focus = age_focus(fw)
    if focus is not None:
        texts.append(focus.label)
    texts += list(fw.learning_themes)
    for a in reg.areas.values():
        texts += list(a.published.analysed.data.files)
        practice = a.published.practice
        texts += [j.reason for j in practice.judgements if j.reason]
        texts += [v for v in practice.details.values() if isinstance(v, str)]
    return sorted({t for t in texts if t and re.search(r"\d", t)}, key=len, reverse=True)
