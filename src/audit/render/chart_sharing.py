"""The sharing heatmap: who shared information with whom, and how well, as % Yes per pair of agencies.

Split from ``charts`` for size; drawn the same way (a frame per layout, see
``chart_layout.Frames``), and offered from ``charts`` beside the area's other charts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from audit.framework.settings import finding_rules
from audit.publish import cells
from audit.publish.published import PublishedResult
from audit.render.chart_layout import (
    EDGE,
    FRAMES,
    LABEL_PAD,
    LABEL_PT,
    LEGEND_ROW,
    TEXT,
    TICK_GAP,
    TICK_PT,
    TITLE_PAD,
    TITLE_PT,
    TOP,
    Chart,
    _drawn,
    _figure,
    _lines,
    _render,
    _text_colour,
    _title,
    _width,
    _xlabel,
    _ylabel,
)

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
    layout = _SharingLayout(
        tuple(giver_names),
        tuple(receiver_names),
        plot_w,
        row_h,
        left,
        right,
        bottom,
        x_names,
        y_names,
        legend_gap + clear_bar,
        note if few else None,
        title,
    )
    with FRAMES.use(layout, lambda: _sharing_frame(layout)) as (fig, ax):
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


@dataclass(frozen=True)
class _SharingLayout:
    """What a sharing heatmap's frame is made from (inches, and the agencies' names): its key among the frames."""

    giver_names: tuple[str, ...]
    receiver_names: tuple[str, ...]
    plot_w: float
    row_h: float
    left: float
    right: float
    bottom: float
    x_names: float
    y_names: float
    above: float  # between the title and the plot: the legend for too few answers and the colour bar's top label
    few_note: str | None  # that legend's words, when a cell has too few answers
    title: str


def _sharing_frame(lay: _SharingLayout) -> tuple[Figure, Axes]:
    """What every area's sharing heatmap of this layout shares: axes, agencies' names, colour bar, legend, title."""
    givers, receivers = len(lay.giver_names), len(lay.receiver_names)
    fig, ax = _figure(lay.plot_w, lay.row_h * givers, lay.left, lay.right, TOP + lay.above, lay.bottom)
    ax.set_xlim(0, receivers)
    ax.set_ylim(givers, 0)
    ax.set_xticks([j + 0.5 for j in range(receivers)], lay.receiver_names, rotation=X_TILT, ha="right")
    ax.set_yticks([i + 0.5 for i in range(givers)], lay.giver_names)
    _xlabel(ax, "Receiving agency", lay.x_names + LABEL_PAD / 72)
    _ylabel(ax, "Sharing agency", lay.y_names + LABEL_PAD / 72)
    ax.tick_params(length=0, colors=TEXT, labelsize=TICK_PT)
    for side in ax.spines.values():
        side.set_visible(False)
    width, height = fig.get_size_inches()
    cax = fig.add_axes(
        (
            (lay.left + lay.plot_w + COLOURBAR_GAP) / width,
            lay.bottom / height,
            COLOURBAR_W / width,
            lay.row_h * givers / height,
        )
    )
    bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 100), cmap=matplotlib.colormaps["cividis"]), cax=cax)
    bar.set_label("% of answers Yes", color=TEXT, fontsize=LABEL_PT)
    bar.ax.tick_params(colors=TEXT, labelsize=TICK_PT)
    bar.outline.set_visible(False)
    if lay.few_note:
        handle = Patch(facecolor=FEW_FILL, edgecolor=FEW_HATCH, hatch="///", label=lay.few_note)
        ax.legend(handles=[handle], frameon=False, fontsize=TICK_PT, loc="lower left", bbox_to_anchor=(0, 1.0))
    _title(ax, lay.title, TITLE_PAD + lay.above * 72)
    return fig, ax
