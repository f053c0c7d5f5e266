"""The report sections that compare: the area beside the other areas, and change since the last audit round."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from audit.analyse.compare import ABOVE, BELOW, DOWN, UP, NationalFigures, spread
from audit.analyse.compare_areas import RunRates, benchmark
from audit.framework.model import Framework
from audit.framework.settings import finding_rules, round_gap_days
from audit.publish import cells
from audit.publish.areas import rest_row
from audit.publish.disclosure import SUPPRESSED
from audit.publish.published import Compared, PublishedResult
from audit.render.html_blocks import Fragment, _join, esc, table
from audit.render.present_findings import _shown_rate


def _rate_text(pct: float | None, low: float | None, high: float | None) -> str:
    if pct is None or pct != pct:
        return ""
    return f"{pct:.0f}% ({low:.0f}% to {high:.0f}%)"


def benchmarks(
    published: PublishedResult | Compared, national: NationalFigures | None = None, run: RunRates | None = None
) -> Fragment:
    """The area beside the other areas in this run (and a national figure, where one was given).

    The other areas are the run's, as its one disclosure decision publishes
    them (``pub.others``): the other areas pooled are hidden where they would
    give away a hidden rate, and the range leaves out every hidden area rate.
    The section reads only what :class:`Compared` holds, so a batch can tell
    whether it would change for an area it has not analysed again; ``run`` is
    what every area's comparison shares, when the caller has it.
    """
    pub = published if isinstance(published, Compared) else Compared.of(published)
    fw, result = pub.framework, pub
    results = pub.results
    others = sorted(set(results["area"].unique()) - {result.area})
    parts = ["<h2>How the area compares</h2>"]
    if not others and national is None:
        parts.append(
            "<p>This run holds no other area and no national figure was given, so there is nothing to compare "
            "with. Run the areas together (<code>audit batch</code>) or give national figures.</p>"
        )
        return Fragment("".join(parts))
    bench = benchmark(results, result.area, fw, national, run)
    if pub.publish:  # the range leaves out every area rate the run's disclosure control hides
        ranges = spread(pub.others.published_rates())
        for k in ("areas", "lowest", "highest"):
            bench[k] = [
                ranges[k].get((lv, i)) if (lv, i) in ranges.index else None
                for lv, i in zip(bench["level"], bench["id"], strict=True)
            ]
    parts.append(
        "<p>Each result is set beside "
        + (f"the other {len(others)} areas in this run taken together" if others else "")
        + (" and " if others and national else "")
        + (f"the {esc(national.source)}" if national else "")
        + ". A comparison is made only where both the area and the figure it is set beside rest on "
        f"{bench.attrs['min_answered']} or more answers (otherwise: too few answers). A result is marked above or "
        "below only where the difference is clear after Holm's correction for the number of comparisons in the "
        "section (the test is the one behind the 95% interval, so the interval then lies wholly above or below "
        "the figure); otherwise it is marked similar. The range runs from the lowest to the highest area in the "
        "run.</p>"
    )
    # Plain dicts, column by column: a pandas Series per row, or pandas' own records, cost more than the text.
    columns = [str(c) for c in bench.columns]
    records = [dict(zip(columns, row, strict=True)) for row in zip(*(bench[c].tolist() for c in columns), strict=True)]
    if others:
        above = [_versus(pub, r) for r in records if r["vs_rest"] == ABOVE and not _hidden_row(pub, r)]
        below = [_versus(pub, r) for r in records if r["vs_rest"] == BELOW and not _hidden_row(pub, r)]
        made = bench.attrs["comparisons_rest"]
        parts.append(
            (
                f"<p>{made} criteria and themes were compared with the other areas, and Holm's method was used to "
                "allow for that many comparisons. "
                if not _tally_hidden(pub, bench)
                else "<p>Criteria and themes with enough answers were compared with the other areas, and Holm's "
                "method was used to allow for the number of comparisons. "
            )
            + (f"Results were clearly higher for {esc(_join(above))}" if above else "No result was clearly higher")
            + (f", and clearly lower for {esc(_join(below))}." if below else ", and none was clearly lower.")
            + "</p>"
        )
    if national is not None:
        made = bench.attrs["comparisons_national"]
        parts.append(
            f"<p>{made} criteria and themes were compared with the {esc(national.source)}, with Holm's method "
            "for that many comparisons.</p>"
            if not _tally_hidden(pub, bench)
            else f"<p>Criteria and themes with enough answers were compared with the {esc(national.source)}, with "
            "Holm's method for the number of comparisons.</p>"
        )
    rows = []
    for r in records:
        key = cells.result_row(r["level"], r["id"])
        hidden = pub.rate_hidden(key)
        out = {
            "Criterion or theme": r["label"],
            result.area: _shown_rate(pub, key, r["pct_yes"], r["ci_low"], r["ci_high"]),
        }
        if others:
            rest_ok = not _rest_hidden(pub, r)
            out["Other areas"] = _rate_text(r["rest_pct"], r["rest_low"], r["rest_high"]) if rest_ok else SUPPRESSED
            out["Range across areas"] = (
                f"{r['lowest']:.0f}% to {r['highest']:.0f}%"
                if r["lowest"] is not None and r["lowest"] == r["lowest"] and r["areas"] > 1
                else ""
            )
            out["Compared with other areas"] = "" if hidden else _word(r["vs_rest"])
        if national is not None:
            figure = r.get("national")
            out["National"] = "" if figure is None or figure != figure else f"{figure:.0f}%"
            vs = r.get("vs_national")
            out["Compared with national"] = "" if hidden else _word(vs)
        rows.append(out)
    frame = pd.DataFrame(rows)
    parts.append(
        table(frame, f"{result.area} beside other areas, % Yes (95% interval)", [c for c in frame.columns[1:]])
    )
    return Fragment("".join(parts))


def _rest_hidden(pub: Compared, r: Mapping[str, Any]) -> bool:
    """Whether the other areas pooled may not be shown beside this row (the run's decision, see publish.areas)."""
    return pub.others.rate_hidden(rest_row(pub.area, r["level"], r["id"]))


def _versus(pub: Compared, r: Mapping[str, Any]) -> str:
    """A result named in a comparison, with the counts it rests on: "V1 ... (Yes in 6 of 30, against 90 of 150)"."""
    rest = rest_row(pub.area, r["level"], r["id"])
    rest_text = (
        SUPPRESSED
        if _rest_hidden(pub, r)
        else f"{pub.others.shown(rest.cell('yes'))} of {pub.others.shown(rest.cell('answered'))}"
    )
    own = cells.result_row(r["level"], r["id"])
    mine = f"{pub.shown(own.cell('yes'))} of {pub.shown(own.cell('answered'))}"
    return f"{r['label']} (Yes in {mine} answers, against {rest_text} in the other areas)"


def _word(value: object) -> str:
    """A label such as "above" as a table shows it ("Above"); blank when missing (None or NaN)."""
    return value.capitalize() if isinstance(value, str) else ""


def _hidden_row(pub: Compared, r: Mapping[str, Any]) -> bool:
    return pub.rate_hidden(cells.result_row(r["level"], r["id"]))


def change_over_time(pub: PublishedResult) -> Fragment:
    """The change since the previous audit round, per criterion and theme, with intervals."""
    fw, result = pub.framework, pub
    rounds, change = pub.analysed.analysis.rounds, pub.analysed.analysis.change
    cases = pub.analysed.cases
    parts = ["<h2>Change over time</h2>"]
    rule = (
        "Rounds come from the Audit round column."
        if cases["audit_round"].notna().any()
        else f"With no Audit round column, a new round starts after a gap of more than {round_gap_days(fw)} days "
        "between audit dates."
    )
    if change is None:
        only = f" ({esc(rounds['round'].iloc[0])})" if len(rounds) else ""
        parts.append(
            f"<p>The cases are from one audit round{only}, so there is no earlier round to compare with. "
            f"{esc(rule)}</p>"
        )
        return Fragment("".join(parts))
    previous, latest = change.attrs["rounds"]
    rframe = pd.DataFrame(
        {
            "Round": rounds["round"],
            "Cases": [pub.shown(cells.round_cases(r)) for r in rounds["round"]],
            "Audit dates": [
                "" if a is None else (f"{a:%-d %B %Y} to {b:%-d %B %Y}" if a != b else f"{a:%-d %B %Y}")
                for a, b in zip(rounds["first_date"], rounds["last_date"], strict=True)
            ],
        }
    )
    if "version" in rounds:
        rframe["Framework version"] = list(rounds["version"])
    minimum, made = finding_rules(fw).min_answered, change.attrs["comparisons"]
    rows_compared = [cells.round_criterion(label, i) for label in (previous, latest) for i in change["id"]]
    if pub.publish and any(pub.rate_hidden(row) for row in rows_compared):
        # How many were compared would tell a reader that a hidden number answered is at least the minimum.
        tally, family = "The criteria and themes", "the number of comparisons"
    else:
        tally, family = f"{made} of the {len(change)} criteria and themes", f"the {made} comparisons"
    parts.append(
        f"<p>{esc(rule)} The latest round ({esc(latest)}) is set beside the one before ({esc(previous)}). "
        f"{tally} with {minimum} or more answers in both rounds were "
        "compared; the rest have too few answers. A change is called clear only where its 95% interval "
        f"(Newcombe's method) excludes zero and it survives Holm's correction for {family}. "
        + (
            "The other sections of this report pool every round.</p>"
            if "versions" not in change.attrs
            else f"The other sections of this report are of the rounds scored against version {esc(fw.version)}.</p>"
        )
    )
    if "versions" in change.attrs:
        parts.append(versions_note(change, latest, previous, fw))
    parts.append(table(rframe, f"Audit rounds, {result.area}", ["Cases"]))
    rows, moved = [], []
    for _, r in change.iterrows():
        p_key, l_key = cells.round_criterion(previous, r["id"]), cells.round_criterion(latest, r["id"])
        hidden = pub.rate_hidden(p_key) or pub.rate_hidden(l_key)
        if r["level"] == "theme":
            hidden = hidden or pub.rate_hidden(cells.theme(r["id"]))
        if not hidden and r["direction"] in (UP, DOWN):
            before, after = (f"{pub.shown(k.cell('yes'))} of {pub.shown(k.cell('answered'))}" for k in (p_key, l_key))
            moved.append(
                f"{r['label']} ({'up' if r['direction'] == UP else 'down'}: Yes in {before} answers, then {after})"
            )
        rows.append(
            {
                "Criterion or theme": r["label"],
                previous: _shown_rate(pub, p_key, r["previous_pct"], None, None)
                if pub.rate_hidden(p_key)
                else _pct_n(r["previous_pct"]),
                latest: _shown_rate(pub, l_key, r["latest_pct"], None, None)
                if pub.rate_hidden(l_key)
                else _pct_n(r["latest_pct"]),
                "Change (95% interval)": ""
                if hidden or r["change"] is None or r["change"] != r["change"]
                else f"{r['change']:+.0f} points ({r['change_low']:+.0f} to {r['change_high']:+.0f})",
                "Direction": "" if hidden else _word(r["direction"]),
            }
        )
    if change.empty:
        parts.append("<p>No criterion or theme carries over between the two versions, so none is compared.</p>")
        return Fragment("".join(parts))
    if not made:
        summary = f"No criterion or theme had {minimum} or more answers in both rounds, so none is called a change."
    else:
        summary = f"Clear changes: {esc(_join(moved))}." if moved else "No criterion or theme changed clearly."
    parts.append(f"<p>{summary}</p>")
    frame = pd.DataFrame(rows)
    parts.append(table(frame, f"% Yes by audit round, {result.area}", list(frame.columns[1:4])))
    return Fragment("".join(parts))


def versions_note(change: pd.DataFrame, latest: str, previous: str, fw: Framework) -> str:
    """What a change across two framework versions compares, and, plainly, what it cannot."""
    before, after = change.attrs["versions"]
    lost = change.attrs["not_compared"]
    criteria = [n["why"] for n in lost if n["level"] == "criterion"]
    themes = [n["why"] for n in lost if n["level"] == "theme"]
    text = (
        f"<p>The latest round ({esc(latest)}) was scored against version {esc(after)} of the framework and the "
        f"one before ({esc(previous)}) against version {esc(before)}. Only criteria that ask the same question in "
        "both versions (the mapping shipped with the toolkit pairs them one to one) are compared, under their "
        f"version {esc(fw.version)} ID; a theme is compared only where all its questions "
        "carry over.</p>"
    )
    if criteria or themes:
        items = "".join(f"<li>{esc(w)}</li>" for w in [*criteria, *themes])
        text += f"<p>These cannot be compared across the two versions:</p><ul>{items}</ul>"
    return text


def _pct_n(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.0f}%"


def _tally_hidden(pub: Compared, bench: pd.DataFrame) -> bool:
    """Whether saying how many rows were compared would tell a reader that a hidden number answered is enough."""
    return pub.publish and any(
        pub.rate_hidden(cells.result_row(lv, i)) for lv, i in zip(bench["level"], bench["id"], strict=True)
    )
