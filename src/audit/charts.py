"""Charts: matplotlib figures of an area's results, each with alt text made from its data.

Colours come from the Government Analysis Function palette, in an order where
neighbours contrast; values are written on the bars so colour is never the only
carrier of meaning. Figures are drawn as SVG, so they stay sharp when a reader
zooms, and embedded in an HTML ``<figure>``.

Each figure is sized around its plot from the measured width of its labels,
rather than drawn twice to find its edges (``bbox_inches="tight"``): drawing is
most of a report's time, and a national batch draws hundreds of charts.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch, Rectangle
from matplotlib.textpath import text_to_path

from audit.framework import Framework
from audit.settings import finding_rules
from audit.summarise import AreaResult

DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE = "#12436D", "#28A197", "#801650", "#F46A25"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"

# Font sizes in points, and the gaps matplotlib leaves around text (its defaults, in points).
TICK_PT, LABEL_PT, TITLE_PT = 10, 11, 12  # on screen about 13, 15 and 16 px: no smaller than the old PNG charts
TICK_GAP = 3.5 + 3.5  # tick length + tick label pad
LABEL_PAD, TITLE_PAD = 4, 6
LINE = 1.2  # line height as a multiple of the font size
EDGE = 0.1  # inches of white space at every edge
# Readers see the SVG's text in their own sans-serif (DejaVu Sans, else Verdana, Arial ...),
# which may run a little wider than the DejaVu Sans the margins are measured in.
FONT_SLACK = 1.1

#: Settings every chart is drawn with, whatever the notebook or caller has set. Text is kept
#: as text in the SVG (searchable, sharp, small); the fixed salt makes the SVG's internal IDs,
#: and so the report, the same on every run; labels are plain text, never TeX.
RC = {"svg.fonttype": "none", "svg.hashsalt": "audit-charts", "text.parse_math": False}

P = ParamSpec("P")
R = TypeVar("R")


def _drawn(chart: Callable[P, R]) -> Callable[P, R]:
    """Draw a chart under :data:`RC`, leaving the caller's matplotlib settings as they were."""

    @functools.wraps(chart)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(RC):
            return chart(*args, **kwargs)

    return wrapper


@dataclass
class Chart:
    """A drawn chart (SVG) with what a screen reader needs to say about it."""

    svg: bytes
    alt: str
    caption: str

    def html(self) -> str:
        data = base64.b64encode(self.svg).decode("ascii")
        return (
            f'<figure class="chart"><img src="data:image/svg+xml;base64,{data}" alt="{html.escape(self.alt)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


def _width(texts: Iterable[object], size: float) -> float:
    """The widest of ``texts`` (any may span lines) at ``size`` points, in inches."""
    return max((_line_width(line, size) for text in texts for line in str(text).split("\n")), default=0.0)


@functools.lru_cache(maxsize=4096)
def _line_width(line: str, size: float) -> float:
    # Cached: the same labels come back in every area's charts.
    w, _, _ = text_to_path.get_text_width_height_descent(line, FontProperties(size=size), ismath=False)
    return w * FONT_SLACK / 72


def _lines(size: float, n: int = 1) -> float:
    """The height of ``n`` lines of text at ``size`` points, in inches."""
    return n * size * LINE / 72


def _figure(plot_w: float, plot_h: float, left: float, right: float, top: float, bottom: float) -> tuple[Figure, Axes]:
    """A figure just big enough for a plot of ``plot_w`` x ``plot_h`` inches and its margins (inches).

    A bare Figure, not pyplot's: nothing is registered globally, so no chart
    is shown twice in a notebook or kept alive after it is drawn.
    """
    width, height = left + plot_w + right, bottom + plot_h + top
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((left / width, bottom / height, plot_w / width, plot_h / height))
    return fig, ax


def _plot_size(ax: Axes) -> tuple[float, float]:
    """The plot's width and height in inches."""
    box = ax.get_position()
    width, height = ax.get_figure().get_size_inches()
    return box.width * width, box.height * height


# Titles and axis labels are placed where the margins were sized for them, so matplotlib
# need not measure every tick label again at draw time to find room for them.
def _title(ax: Axes, text: str, pad: float = TITLE_PAD) -> None:
    ax.set_title(text, loc="left", fontsize=TITLE_PT, color=TEXT, pad=pad, y=1.0)


def _xlabel(ax: Axes, text: str, below: float) -> None:
    """Label the x axis ``below`` inches under the plot."""
    ax.set_xlabel(text, fontsize=LABEL_PT, color=TEXT)
    ax.xaxis.set_label_coords(0.5, -below / _plot_size(ax)[1])


def _ylabel(ax: Axes, text: str, left_of: float) -> None:
    """Label the y axis ``left_of`` inches to the left of the plot."""
    ax.set_ylabel(text, fontsize=LABEL_PT, color=TEXT)
    ax.yaxis.set_label_coords(-left_of / _plot_size(ax)[0], 0.5)


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT, labelsize=TICK_PT)
    ax.xaxis.label.set_color(TEXT)
    ax.yaxis.label.set_color(TEXT)


def _render(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


PLOT_WIDTH = 5.4  # inches: the plotting area of a bar chart, whatever its labels
TOP = EDGE + _lines(TITLE_PT) + TITLE_PAD / 72  # a title above the plot
UNDER_TICKS = TICK_GAP / 72 + _lines(TICK_PT) + LABEL_PAD / 72  # from the plot to its x-axis label
X_AXIS = EDGE + UNDER_TICKS + _lines(LABEL_PT)  # tick labels and axis label


def _rate_chart(labels: list[str], table: pd.DataFrame, title: str, hidden: list[bool]) -> bytes:
    """Horizontal bars of % Yes with Wilson intervals, value labels at the bar ends.

    A rate hidden by disclosure control gets no bar, only the label [c].
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
    for yi, p, lo, hi, answered, hide in zip(y, pct, low, high, table["answered"], hidden, strict=True):
        if hide:
            ax.text(1.5, yi, "[c]", va="center", fontsize=TICK_PT, color=TEXT)
        elif answered:
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


def _extremes(names: list[str], table: pd.DataFrame, hidden: list[bool], minimum: int) -> str:
    """The highest and lowest bars in words, named only from those with at least ``minimum`` answers."""
    if not (table["answered"] > 0).any():
        return "No criterion had an answer."
    rated = [
        (p, name)
        for p, name, hide, n in zip(table["pct_yes"], names, hidden, table["answered"], strict=True)
        if p is not None and p == p and not hide and n >= max(1, minimum)
    ]
    if len(rated) < 2:
        return f"Too few bars rest on {minimum} or more answers to name the highest and lowest."
    hi, lo = max(rated), min(rated)
    return (
        f"Of the {len(rated)} with {minimum} or more answers, highest: {hi[1]} at {hi[0]:.0f}%. "
        f"Lowest: {lo[1]} at {lo[0]:.0f}%."
    )


@_drawn
def criteria_chart(result: AreaResult) -> Chart:
    fw = result.framework
    names = [f"{c.id} {c.label}" + (" (key)" if c.key else "") for c in fw.criteria]
    table = result.criteria.loc[list(fw.criterion_ids)]
    hidden = [result.rate_hidden(("c", c.id)) for c in fw.criteria]
    svg = _rate_chart(names, table, "Cases answered Yes, by criterion", hidden)
    alt = (
        f"Horizontal bar chart of the percentage of cases in {result.area} answered Yes for each of "
        f"{len(names)} criteria, with 95% intervals. " + _extremes(names, table, hidden, finding_rules(fw).min_answered)
    )
    return Chart(svg, alt, f"Figure: cases answered Yes by criterion, {result.area}. The data is in the table below.")


@_drawn
def themes_chart(result: AreaResult) -> Chart:
    fw = result.framework
    names = [f"{t.number}. {t.label}" for t in fw.themes]
    table = result.themes.loc[[t.id for t in fw.themes]]
    hidden = [result.rate_hidden(("t", t.id)) for t in fw.themes]
    svg = _rate_chart(names, table, "Answers of Yes, by theme", hidden)
    alt = (
        f"Horizontal bar chart of the percentage of answers that were Yes in each of {len(names)} themes in "
        f"{result.area}, with 95% intervals. " + _extremes(names, table, hidden, finding_rules(fw).min_answered)
    )
    return Chart(svg, alt, f"Figure: answers of Yes by theme, {result.area}. The data is in the table below.")


@_drawn
def grades_chart(result: AreaResult) -> Chart:
    """Cases by grade: the auditors' own grade beside the grade derived from the criteria."""
    grades = list(result.framework.grades)
    auditor = result.cases["overall_grade"].value_counts().reindex(grades, fill_value=0)
    derived = result.cases["derived_grade"].value_counts().reindex(grades, fill_value=0)
    hide_a = [("auditor", g) in result.hidden for g in grades]
    hide_d = [("derived", g) in result.hidden for g in grades]
    auditor[hide_a] = 0
    derived[hide_d] = 0
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
    ax.legend(frameon=False, fontsize=TICK_PT, loc="upper left")
    _title(ax, "Cases by grade")
    _style(ax)
    svg = _render(fig)
    visible = derived[[not h for h in hide_d]]
    most = visible.idxmax() if visible.sum() else None
    alt = (
        f"Grouped bar chart of the {result.show('cases', len(result.cases))} scored cases in {result.area} by "
        "grade, comparing the "
        f"auditors' own grades with the grades derived from the criteria. "
        + (
            f"The most common derived grade was {most} ({derived[most]} cases)."
            if most
            else "No derived grade can be published."
            if result.publish
            else "No case was graded."
        )
    )
    return Chart(svg, alt, f"Figure: cases by grade, {result.area}. The data is in the table below.")


def _text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Black or white, whichever reads better on a cell colour (by relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return TEXT if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


CELL_PT = 9.5
FEW_FILL, FEW_HATCH = "#f3f2f1", "#b1b4b6"  # cells with too few answers: light grey, hatched
X_TILT = 20  # degrees: receiving agencies' names lean so long ones fit under narrow columns
COLOURBAR_W, COLOURBAR_GAP = 0.15, 0.15  # inches


@_drawn
def sharing_heatmap(result: AreaResult) -> Chart:
    """Who shared information with whom, and how well: % Yes per sharing pair as a heatmap.

    Rows are the agency sharing, columns the agency receiving. The colour map
    (cividis) is sequential and readable with colour-blindness; every cell also
    carries its value and its number of answers in words, so colour is never the
    only sign. A cell with fewer than the framework's ``min_answered`` answers is
    too few to conclude on: it is drawn grey and hatched, not shaded, with a
    legend saying so, and the alt text names a best and weakest pair only from
    the cells with enough answers.
    """
    from audit.agencies import sharing_results

    fw = result.framework
    sharing = sharing_results(result.cases, fw)
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
    cells: dict[tuple[str, str], tuple[str, float | None, bool]] = {}
    for pair, answered, pct in zip(
        zip(sharing["from"], sharing["to"], strict=True), sharing["answered"], sharing["pct_yes"], strict=True
    ):
        n = int(answered)
        if result.rate_hidden(("share", *pair)):
            cells[pair] = ("[c]", None, False)
        elif n >= minimum:
            cells[pair] = (f"{pct:.0f}%\nof {n} answers", float(pct), False)
        elif n:
            cells[pair] = (f"{pct:.0f}%\nof {n} answer{'s' if n > 1 else ''}", None, True)
        else:
            cells[pair] = ("no answers\n(0)", None, False)
    few = sum(small for _, _, small in cells.values())
    note = f"Fewer than {minimum} answers: too few to shade"

    # Sizes, in inches, from the labels: columns fit their cells' words, and the tilted names
    # of receiving agencies fit below the plot and, for the first column, to its left.
    giver_names = [fw.agencies[a] for a in givers]
    receiver_names = [fw.agencies[a] for a in receivers]
    col_w = max(1.3, _width([t for t, _, _ in cells.values()] + ["not\ncovered"], CELL_PT) + 0.2)
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
    fig, ax = _figure(plot_w, row_h * len(givers), left, right, TOP + legend_gap, bottom)

    for i, giver in enumerate(givers):
        for j, receiver in enumerate(receivers):
            text, value, small = cells.get((giver, receiver), ("", None, False))
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
    _title(ax, title, TITLE_PAD + legend_gap * 72)
    svg = _render(fig)
    rated = [(v, f"{fw.agencies[a]} to {fw.agencies[b]}") for (a, b), (_, v, _) in cells.items() if v is not None]
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
        f"Heatmap of information sharing between agencies in {result.area}: rows are the agency sharing, "
        f"columns the agency receiving, and each of {len(cells)} cells gives the percentage of answers Yes "
        f"to the criteria about that pair and the number of answers.{small_text} {extremes}"
    )
    return Chart(
        svg, alt, f"Figure: information shared between agencies, {result.area}. The data is in the table below."
    )


LEGEND_ROW = _lines(TICK_PT) + 2 * 0.4 * TICK_PT / 72  # one row of legend with matplotlib's border padding


@_drawn
def area_spread_chart(results: pd.DataFrame, fw: Framework, hidden: set[tuple[str, str]] | None = None) -> Chart:
    """Every area's % Yes on each criterion as a dot, with all areas pooled as a bar: the spread at a glance.

    ``results`` is compare.area_results; ``hidden`` holds (area, criterion ID)
    pairs whose rate may not be published, which are left off the chart.
    """
    hidden = hidden or set()
    crit = results[(results["level"] == "criterion") & (results["answered"] > 0)]
    names = [f"{c.id} {c.label}" + (" (key)" if c.key else "") for c in fw.criteria]
    n = len(names)
    left = EDGE + _width(names, TICK_PT) + TICK_GAP / 72
    legend_gap = LEGEND_ROW + 0.1
    fig, ax = _figure(PLOT_WIDTH, 0.36 * n + 0.3, left, EDGE + 0.05, TOP + legend_gap, X_AXIS)
    y = {c.id: n - 1 - i for i, c in enumerate(fw.criteria)}
    pooled = {}
    for c in fw.criteria:
        mine = crit[crit["id"] == c.id]
        yes, answered = int(mine["yes"].sum()), int(mine["answered"].sum())
        if answered:
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
    named = {cid: pct for cid, pct in pooled.items() if int(crit[crit["id"] == cid]["answered"].sum()) >= minimum}
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
