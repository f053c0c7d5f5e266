"""Charts: matplotlib figures of an area's results, each with alt text made from its data.

Colours come from the Government Analysis Function palette, in an order where
neighbours contrast; values are written on the bars so colour is never the only
carrier of meaning. Figures are drawn as SVG, so they stay sharp when a reader
zooms, and embedded in an HTML ``<figure>``.

Each figure is sized around its plot from the measured width of its labels
(``chart_layout`` measures and places; this module draws each chart).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from audit.framework.settings import finding_rules
from audit.publish import cells
from audit.publish.areas import PublishedAreas, all_row
from audit.publish.published import PublishedResult

# The layout machinery; its public names are re-exported for callers that import them from here.
from audit.render.chart_layout import (  # noqa: F401
    DARK_BLUE,
    DARK_PINK,
    EDGE,
    FONT_SLACK,
    FRAMES,
    GRID,
    LABEL_PAD,
    LABEL_PT,
    LEGEND_ROW,
    LINE,
    ORANGE,
    PLOT_WIDTH,
    RC,
    TEXT,
    TICK_GAP,
    TICK_PT,
    TITLE_PAD,
    TITLE_PT,
    TOP,
    TURQUOISE,
    UNDER_TICKS,
    X_AXIS,
    Chart,
    _drawn,
    _figure,
    _lines,
    _render,
    _style,
    _text_colour,
    _title,
    _width,
    _xlabel,
    _ylabel,
)
from audit.render.chart_sharing import sharing_heatmap  # noqa: F401  (one of the area's charts)


def _rate_chart(labels: list[str], table: pd.DataFrame, answered: list[int], title: str, hidden: list[bool]) -> bytes:
    """Horizontal bars of % Yes with Wilson intervals, value labels at the bar ends.

    ``table`` holds the rates; ``answered`` each bar's true number answered, to
    tell a bar with no answers. A rate hidden by disclosure control gets no bar,
    only the label [c].
    """
    n = len(labels)
    table = table.copy()
    table.loc[hidden, ["pct_yes", "ci_low", "ci_high"]] = None
    y = list(range(n))[::-1]
    pct = table["pct_yes"].astype(float).fillna(0).tolist()
    low = table["ci_low"].astype(float).tolist()
    high = table["ci_high"].astype(float).tolist()
    with FRAMES.use(("rates", tuple(labels), title), lambda: _rate_frame(labels, title)) as (fig, ax):
        ax.barh(y, pct, color=DARK_BLUE, height=0.6)
        for yi, p, lo, hi, count, hide in zip(y, pct, low, high, answered, hidden, strict=True):
            if hide:
                ax.text(1.5, yi, "[c]", va="center", fontsize=TICK_PT, color=TEXT)
            elif count:
                ax.plot([lo, hi], [yi, yi], color=ORANGE, linewidth=2, solid_capstyle="butt")
                ax.text(min(hi, 100) + 1.5, yi, f"{p:.0f}%", va="center", fontsize=TICK_PT, color=TEXT)
            else:
                ax.text(1.5, yi, "no answers", va="center", fontsize=TICK_PT, color=TEXT)
        return _render(fig)


def _rate_frame(labels: list[str], title: str) -> tuple[Figure, Axes]:
    """What every area's bar chart of these rows shares: its size, the rows' labels, the axes, the title."""
    n = len(labels)
    left = EDGE + _width(labels, TICK_PT) + TICK_GAP / 72
    fig, ax = _figure(PLOT_WIDTH, 0.36 * n + 0.3, left, EDGE + 0.05, TOP, X_AXIS)
    ax.set_yticks(list(range(n))[::-1], labels)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    _xlabel(ax, "Cases answered Yes (bar) with 95% interval (line)", UNDER_TICKS)
    # The y axis has no label; placed, it is not placed again from every row's label at each drawing.
    ax.yaxis.set_label_coords(0, 0.5)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    _title(ax, title)
    _style(ax)
    return fig, ax


def _extremes(names: list[str], table: pd.DataFrame, answered: list[int], hidden: list[bool], minimum: int) -> str:
    """The highest and lowest bars in words, named only from those with at least ``minimum`` answers."""
    if not any(n > 0 for n in answered):
        return "No criterion had an answer."
    rated = [
        (p, name)
        for p, name, hide, n in zip(table["pct_yes"], names, hidden, answered, strict=True)
        if p is not None and p == p and not hide and n >= max(1, minimum)
    ]
    if len(rated) < 2:
        return f"Too few bars rest on {minimum} or more answers to name the highest and lowest."
    hi, lo = max(rated), min(rated)
    return (
        f"Of the {len(rated)} with {minimum} or more answers, highest: {hi[1]} at {hi[0]:.0f}%. "
        f"Lowest: {lo[1]} at {lo[0]:.0f}%."
    )


def _answered(pub: PublishedResult, rows: list[cells.Row]) -> list[int]:
    """Each row's true number answered: whether a bar has answers, and enough to be named, are decisions."""
    return [pub.count(row.cell("answered")).value for row in rows]


@_drawn
def criteria_chart(pub: PublishedResult) -> Chart:
    fw = pub.framework
    names = [f"{c.id} {c.label}" + (" (key)" if c.key else "") for c in fw.criteria]
    table = pub.analysed.criteria.loc[list(fw.criterion_ids)]
    rows = [cells.criterion(c.id) for c in fw.criteria]
    hidden, answered = [pub.rate_hidden(row) for row in rows], _answered(pub, rows)
    svg = _rate_chart(names, table, answered, "Cases answered Yes, by criterion", hidden)
    alt = (
        f"Horizontal bar chart of the percentage of cases in {pub.area} answered Yes for each of "
        f"{len(names)} criteria, with 95% intervals. "
        + _extremes(names, table, answered, hidden, finding_rules(fw).min_answered)
    )
    return Chart(svg, alt, f"Figure: cases answered Yes by criterion, {pub.area}. The data is in the table below.")


@_drawn
def themes_chart(pub: PublishedResult) -> Chart:
    fw = pub.framework
    names = [f"{t.number}. {t.label}" for t in fw.themes]
    table = pub.analysed.themes.loc[[t.id for t in fw.themes]]
    rows = [cells.theme(t.id) for t in fw.themes]
    hidden, answered = [pub.rate_hidden(row) for row in rows], _answered(pub, rows)
    svg = _rate_chart(names, table, answered, "Answers of Yes, by theme", hidden)
    alt = (
        f"Horizontal bar chart of the percentage of answers that were Yes in each of {len(names)} themes in "
        f"{pub.area}, with 95% intervals. " + _extremes(names, table, answered, hidden, finding_rules(fw).min_answered)
    )
    return Chart(svg, alt, f"Figure: answers of Yes by theme, {pub.area}. The data is in the table below.")


@_drawn
def grades_chart(pub: PublishedResult) -> Chart:
    """Cases by grade: the auditors' own grade beside the grade derived from the criteria."""
    grades = list(pub.framework.grades)
    counts_a = [pub.count(cells.grade("auditor", g)) for g in grades]
    counts_d = [pub.count(cells.grade("derived", g)) for g in grades]
    hide_a, hide_d = [c.suppressed for c in counts_a], [c.suppressed for c in counts_d]
    # A hidden count is drawn as no bar: its height is never the true count.
    auditor = pd.Series([0 if c.suppressed else c.value for c in counts_a], index=grades)
    derived = pd.Series([0 if c.suppressed else c.value for c in counts_d], index=grades)
    top_count = max(1, int(max(auditor.max(), derived.max())))
    # Each grade's name is centred under its pair of bars: the plot is wide enough for the longest.
    plot_w = max(PLOT_WIDTH, len(grades) * (_width(grades, TICK_PT) + 0.2))
    count_w = _width([top_count * 10], TICK_PT)
    left = EDGE + count_w + TICK_GAP / 72 + LABEL_PAD / 72 + _lines(LABEL_PT)
    bottom = EDGE + TICK_GAP / 72 + _lines(TICK_PT)
    key = ("grades", tuple(grades), plot_w, count_w, left, bottom)
    with FRAMES.use(key, lambda: _grades_frame(grades, plot_w, count_w, left, bottom)) as (fig, ax):
        x = range(len(grades))
        w = 0.38
        bars_a = ax.bar([i - w / 2 for i in x], auditor.values, w, color=DARK_BLUE, label="Auditor's grade")
        bars_d = ax.bar(
            [i + w / 2 for i in x],
            derived.values,
            w,
            color=ORANGE,
            hatch="//",
            edgecolor="white",
            label="Derived from the criteria",
        )
        for bars, hide in ((bars_a, hide_a), (bars_d, hide_d)):
            labels = ["[c]" if h else f"{int(b.get_height())}" for b, h in zip(bars, hide, strict=True)]
            ax.bar_label(bars, labels=labels, fontsize=TICK_PT, color=TEXT, padding=2)
        ax.set_ylim(0, top_count * 1.25)
        ax.legend(frameon=False, fontsize=TICK_PT, loc="upper left")
        svg = _render(fig)
    visible = derived[[not h for h in hide_d]]
    most = visible.idxmax() if visible.sum() else None
    alt = (
        f"Grouped bar chart of the {pub.shown(cells.CASES)} scored cases in {pub.area} by "
        "grade, comparing the "
        f"auditors' own grades with the grades derived from the criteria. "
        + (
            f"The most common derived grade was {most} ({pub.shown(cells.grade('derived', most))} cases)."
            if most
            else "No derived grade can be published."
            if pub.publish
            else "No case was graded."
        )
    )
    return Chart(svg, alt, f"Figure: cases by grade, {pub.area}. The data is in the table below.")


def _grades_frame(grades: list[str], plot_w: float, count_w: float, left: float, bottom: float) -> tuple[Figure, Axes]:
    """What every area's grade chart shares: its size, the grades under the bars, the axis label and the title."""
    fig, ax = _figure(plot_w, 2.4, left, EDGE + 0.05, TOP, bottom)
    ax.set_xticks(list(range(len(grades))), grades)
    ax.set_xlim(-0.6, len(grades) - 0.4)
    _ylabel(ax, "Cases", count_w + TICK_GAP / 72 + LABEL_PAD / 72)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # cases come whole: no 2.5 on a count axis
    _title(ax, "Cases by grade")
    _style(ax)
    return fig, ax


@_drawn
def area_spread_chart(areas: PublishedAreas) -> Chart:
    """Every area's % Yes on each criterion as a dot, with all areas pooled as a bar: the spread at a glance.

    ``areas`` is the run's areas as published: a rate it hides is left off the chart.
    """
    results, fw = areas.results, areas.framework
    hidden = areas.hidden_rates("criterion")
    crit = results[(results["level"] == "criterion") & results["pct_yes"].notna()]  # areas with an answer
    names = [f"{c.id} {c.label}" + (" (key)" if c.key else "") for c in fw.criteria]
    n = len(names)
    left = EDGE + _width(names, TICK_PT) + TICK_GAP / 72
    legend_gap = LEGEND_ROW + 0.1
    fig, ax = _figure(PLOT_WIDTH, 0.36 * n + 0.3, left, EDGE + 0.05, TOP + legend_gap, X_AXIS)
    y = {c.id: n - 1 - i for i, c in enumerate(fw.criteria)}
    pooled = {}
    for c in fw.criteria:
        whole = all_row("criterion", c.id)  # all areas pooled, as registered and published
        yes, answered = (areas.count(whole.cell(m)).value for m in ("yes", "answered"))
        if answered and not areas.rate_hidden(whole):
            pooled[c.id] = yes / answered * 100
            ax.barh(y[c.id], pooled[c.id], color=GRID, height=0.55, zorder=1)
    shown = crit[[(a, i) not in hidden for a, i in zip(crit["area"], crit["id"], strict=True)]]
    dots = ax.scatter(
        shown["pct_yes"].astype(float),
        [y[i] for i in shown["id"]],
        color=DARK_BLUE,
        edgecolor="white",
        s=36,
        zorder=3,
        label="One area",
    )
    handles = [dots, Patch(facecolor=GRID, label="All areas together")]
    ax.set_yticks(list(reversed(range(n))), names)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(-2, 102)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    _xlabel(ax, "Cases answered Yes: each area (dot) and all areas together (bar)", UNDER_TICKS)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(handles=handles, frameon=False, fontsize=TICK_PT, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    pad = TITLE_PAD + legend_gap * 72
    _title(ax, "Cases answered Yes, by criterion and area", pad)
    _style(ax)
    svg = _render(fig)
    minimum = finding_rules(fw).min_answered
    enough = {cid for cid in pooled if areas.count(all_row("criterion", cid).cell("answered")).value >= minimum}
    named = {cid: pct for cid, pct in pooled.items() if cid in enough}
    if len(named) >= 2:
        low_id = min(named, key=named.get)
        high_id = max(named, key=named.get)
        main = (
            f"Lowest across all areas: {fw.criterion(low_id).label} at {named[low_id]:.0f}%. "
            f"Highest: {fw.criterion(high_id).label} at {named[high_id]:.0f}%."
        )
    elif pooled:
        main = f"Too few criteria have {minimum} or more answers across all areas to name the highest and lowest."
    else:
        main = "No criterion had an answer."
    areas = len(set(results["area"]))
    alt = (
        f"Dot plot of the percentage of cases answered Yes on each of {n} criteria in each of {areas} areas, "
        f"with a bar for all areas together. {main}"
    )
    return Chart(svg, alt, "Figure: cases answered Yes by criterion and area. The data is in the tables below.")
