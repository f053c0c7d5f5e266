"""Charts: matplotlib figures of an area's results, each with alt text made from its data.

Colours come from the Government Analysis Function palette, in an order where
neighbours contrast; values are written on the bars so colour is never the only
carrier of meaning. Figures are drawn as SVG, so they stay sharp when a reader
zooms, and embedded in an HTML ``<figure>``.

Each figure is sized around its plot from the measured width of its labels
(``chart_layout`` measures and places; this module draws each chart).
"""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, Rectangle
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
    GRID,
    LABEL_PAD,
    LABEL_PT,
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


def _rate_chart(labels: list[str], table: pd.DataFrame, answered: list[int], title: str, hidden: list[bool]) -> bytes:
    """Horizontal bars of % Yes with Wilson intervals, value labels at the bar ends.

    ``table`` holds the rates; ``answered`` each bar's true number answered, to
    tell a bar with no answers. A rate hidden by disclosure control gets no bar,
    only the label [c].
    """
    n = len(labels)
    table = table.copy()
    table.loc[hidden, ["pct_yes", "ci_low", "ci_high"]] = None
    left = EDGE + _width(labels, TICK_PT) + TICK_GAP / 72
    fig, ax = _figure(PLOT_WIDTH, 0.36 * n + 0.3, left, EDGE + 0.05, TOP, X_AXIS)
    y = list(range(n))[::-1]
    pct = table["pct_yes"].astype(float).fillna(0).tolist()
    low = table["ci_low"].astype(float).tolist()
    high = table["ci_high"].astype(float).tolist()
    ax.barh(y, pct, color=DARK_BLUE, height=0.6)
    for yi, p, lo, hi, count, hide in zip(y, pct, low, high, answered, hidden, strict=True):
        if hide:
            ax.text(1.5, yi, "[c]", va="center", fontsize=TICK_PT, color=TEXT)
        elif count:
            ax.plot([lo, hi], [yi, yi], color=ORANGE, linewidth=2, solid_capstyle="butt")
            ax.text(min(hi, 100) + 1.5, yi, f"{p:.0f}%", va="center", fontsize=TICK_PT, color=TEXT)
        else:
            ax.text(1.5, yi, "no answers", va="center", fontsize=TICK_PT, color=TEXT)
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    _xlabel(ax, "Cases answered Yes (bar) with 95% interval (line)", UNDER_TICKS)
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    _title(ax, title)
    _style(ax)
    return _render(fig)


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
    fig, ax = _figure(plot_w, 2.4, left, EDGE + 0.05, TOP, bottom)
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
    ax.set_xticks(list(x), grades)
    ax.set_xlim(-0.6, len(grades) - 0.4)
    _ylabel(ax, "Cases", count_w + TICK_GAP / 72 + LABEL_PAD / 72)
    ax.set_ylim(0, top_count * 1.25)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # cases come whole: no 2.5 on a count axis
    ax.legend(frameon=False, fontsize=TICK_PT, loc="upper left")
    _title(ax, "Cases by grade")
    _style(ax)
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


CELL_PT = 9.5


FEW_FILL, FEW_HATCH = "#f3f2f1", "#b1b4b6"  # cells with too few answers: light grey, hatched


X_TILT = 20  # degrees: receiving agencies' names lean so long ones fit under narrow columns


COLOURBAR_W, COLOURBAR_GAP = 0.15, 0.15  # inches


@_drawn
def sharing_heatmap(pub: PublishedResult) -> Chart:
    """Who shared information with whom, and how well: % Yes per sharing pair as a heatmap.

    Rows are the agency sharing, columns the agency receiving. The colour map
    (cividis) is sequential and readable with colour-blindness; every cell also
    carries its value and its number of answers in words, so colour is never the
    only sign. A cell with fewer than the framework's ``min_answered`` answers is
    too few to conclude on: it is drawn grey and hatched, not shaded, with a
    legend saying so, and the alt text names a best and weakest pair only from
    the cells with enough answers.
    """
    fw = pub.framework
    sharing = pub.analysed.analysis.sharing
    if sharing.empty:  # the framework tags no criterion with who shares with whom
        note = "No information-sharing criteria in this framework"
        fig, ax = _figure(_width([note], TICK_PT), _lines(TICK_PT), EDGE, EDGE, EDGE, EDGE)
        ax.axis("off")
        ax.text(0, 0.5, note, va="center", fontsize=TICK_PT, color=TEXT)
        return Chart(_render(fig), "No information-sharing criteria in this framework.", "")
    givers = [a for a in fw.agencies if a in set(sharing["from"])]
    receivers = [a for a in fw.agencies if a in set(sharing["to"])]
    minimum = finding_rules(fw).min_answered
    cmap = matplotlib.colormaps["cividis"]
    # Each cell: its words (always with its number of answers), its colour value, and whether it has too few.
    boxes: dict[tuple[str, str], tuple[str, float | None, bool]] = {}
    for pair, pct in zip(zip(sharing["from"], sharing["to"], strict=True), sharing["pct_yes"], strict=True):
        row = cells.sharing(*pair)
        n = pub.count(row.cell("answered"))  # printed as published; its value decides "too few"
        if pub.rate_hidden(row):
            boxes[pair] = ("[c]", None, False)
        elif n.value >= minimum:
            boxes[pair] = (f"{pct:.0f}%\nof {n} answers", float(pct), False)
        elif n.value:
            boxes[pair] = (f"{pct:.0f}%\nof {n} answer{'s' if n.value > 1 else ''}", None, True)
        else:
            boxes[pair] = ("no answers\n(0)", None, False)
    few = sum(small for _, _, small in boxes.values())
    note = f"Fewer than {minimum} answers: too few to shade"

    # Sizes, in inches, from the labels: columns fit their cells' words, and the tilted names
    # of receiving agencies fit below the plot and, for the first column, to its left.
    giver_names = [fw.agencies[a] for a in givers]
    receiver_names = [fw.agencies[a] for a in receivers]
    col_w = max(1.3, _width([t for t, _, _ in boxes.values()] + ["not\ncovered"], CELL_PT) + 0.2)
    row_h = max(0.6, _lines(CELL_PT, 2) + 0.2)
    tilt = math.radians(X_TILT)
    name_w = [_width([name], TICK_PT) for name in receiver_names]
    y_names = _width(giver_names, TICK_PT) + TICK_GAP / 72
    x_names = TICK_GAP / 72 + max(name_w) * math.sin(tilt) + _lines(TICK_PT) * math.cos(tilt)
    left = max(EDGE + _lines(LABEL_PT) + LABEL_PAD / 72 + y_names, EDGE + name_w[0] * math.cos(tilt) - col_w / 2)
    bottom = EDGE + x_names + LABEL_PAD / 72 + _lines(LABEL_PT)
    bar_labels = COLOURBAR_GAP + COLOURBAR_W + TICK_GAP / 72 + _width(["100"], TICK_PT) + LABEL_PAD / 72
    plot_w = col_w * len(receivers)
    title = "Information shared, by sharing and receiving agency"
    # The legend for cells with too few answers sits between the title and the plot, when there are any.
    legend_w = 2.0 * TICK_PT / 72 + 0.8 * TICK_PT / 72 + _width([note], TICK_PT) + 0.2 if few else 0.0
    legend_gap = LEGEND_ROW + 0.1 if few else 0.0
    right = max(
        EDGE + bar_labels + _lines(LABEL_PT),
        EDGE + _width([title], TITLE_PT) - plot_w,
        EDGE + legend_w - plot_w,
    )
    # The colour bar's top label ("100") stands half a line above the plot: the title clears it.
    clear_bar = _lines(TICK_PT) / 2
    fig, ax = _figure(plot_w, row_h * len(givers), left, right, TOP + legend_gap + clear_bar, bottom)

    for i, giver in enumerate(givers):
        for j, receiver in enumerate(receivers):
            text, value, small = boxes.get((giver, receiver), ("", None, False))
            colour = cmap(value / 100) if value is not None else (0.95, 0.95, 0.95, 1.0)
            if small:
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor=FEW_FILL, edgecolor=FEW_HATCH, hatch="///", lw=0))
                ax.add_patch(Rectangle((j, i), 1, 1, fill=False, edgecolor="white", linewidth=2))
            else:
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="white", linewidth=2))
            ax.text(
                j + 0.5,
                i + 0.5,
                text or "not\ncovered",
                ha="center",
                va="center",
                fontsize=CELL_PT,
                color=_text_colour(colour) if value is not None else TEXT if small else "#505a5f",
                bbox={"facecolor": FEW_FILL, "edgecolor": "none", "pad": 1.5} if small else None,
            )
    ax.set_xlim(0, len(receivers))
    ax.set_ylim(len(givers), 0)
    ax.set_xticks([j + 0.5 for j in range(len(receivers))], receiver_names, rotation=X_TILT, ha="right")
    ax.set_yticks([i + 0.5 for i in range(len(givers))], giver_names)
    _xlabel(ax, "Receiving agency", x_names + LABEL_PAD / 72)
    _ylabel(ax, "Sharing agency", y_names + LABEL_PAD / 72)
    ax.tick_params(length=0, colors=TEXT, labelsize=TICK_PT)
    for side in ax.spines.values():
        side.set_visible(False)
    width, height = fig.get_size_inches()
    cax = fig.add_axes(
        ((left + plot_w + COLOURBAR_GAP) / width, bottom / height, COLOURBAR_W / width, row_h * len(givers) / height)
    )
    bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 100), cmap=cmap), cax=cax)
    bar.set_label("% of answers Yes", color=TEXT, fontsize=LABEL_PT)
    bar.ax.tick_params(colors=TEXT, labelsize=TICK_PT)
    bar.outline.set_visible(False)
    if few:
        handle = Patch(facecolor=FEW_FILL, edgecolor=FEW_HATCH, hatch="///", label=note)
        ax.legend(handles=[handle], frameon=False, fontsize=TICK_PT, loc="lower left", bbox_to_anchor=(0, 1.0))
    _title(ax, title, TITLE_PAD + (legend_gap + clear_bar) * 72)
    svg = _render(fig)
    rated = [(v, f"{fw.agencies[a]} to {fw.agencies[b]}") for (a, b), (_, v, _) in boxes.items() if v is not None]
    if len(rated) >= 2:
        (hi, hi_name), (lo, lo_name) = max(rated), min(rated)
        extremes = (
            f"Of the {len(rated)} cells with {minimum} or more answers, the best was {hi_name} at {hi:.0f}% Yes "
            f"and the weakest {lo_name} at {lo:.0f}% Yes."
        )
    else:
        extremes = f"Too few pairs had {minimum} or more answers to name the best and weakest."
    small_text = (
        f" {few} {'cell has' if few == 1 else 'cells have'} fewer than {minimum} answers, too few to conclude on: "
        "they are drawn grey and hatched, not shaded, with their figures written in."
        if few
        else ""
    )
    alt = (
        f"Heatmap of information sharing between agencies in {pub.area}: rows are the agency sharing, "
        f"columns the agency receiving, and each of {len(boxes)} cells gives the percentage of answers Yes "
        f"to the criteria about that pair and the number of answers.{small_text} {extremes}"
    )
    return Chart(svg, alt, f"Figure: information shared between agencies, {pub.area}. The data is in the table below.")


LEGEND_ROW = _lines(TICK_PT) + 2 * 0.4 * TICK_PT / 72  # one row of legend with matplotlib's border padding


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
