"""Charts: matplotlib figures of an area's results, each with alt text made from its data.

Colours come from the Government Analysis Function palette, in an order where
neighbours contrast; values are written on the bars so colour is never the only
carrier of meaning. Figures are embedded as PNG in an HTML ``<figure>``.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # reports are drawn off-screen, in a kernel or in a batch

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from audit.framework import Framework  # noqa: E402
from audit.summarise import AreaResult  # noqa: E402

DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE = "#12436D", "#28A197", "#801650", "#F46A25"
TEXT = "#0b0c0c"
GRID = "#b1b4b6"


@dataclass
class Chart:
    """A drawn chart with what a screen reader needs to say about it."""

    png: bytes
    alt: str
    caption: str

    def html(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


def _style(ax: plt.Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT, labelsize=9)
    ax.xaxis.label.set_color(TEXT)


def _render(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _rate_chart(labels: list[str], table: pd.DataFrame, title: str, hidden: list[bool]) -> bytes:
    """Horizontal bars of % Yes with Wilson intervals, value labels at the bar ends.

    A rate hidden by disclosure control gets no bar, only the label [c].
    """
    n = len(labels)
    table = table.copy()
    table.loc[hidden, ["pct_yes", "ci_low", "ci_high"]] = None
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * n + 1.1))
    y = list(range(n))[::-1]
    pct = table["pct_yes"].astype(float).fillna(0).tolist()
    low = table["ci_low"].astype(float).tolist()
    high = table["ci_high"].astype(float).tolist()
    ax.barh(y, pct, color=DARK_BLUE, height=0.6)
    for yi, p, lo, hi, answered, hide in zip(y, pct, low, high, table["answered"], hidden, strict=True):
        if hide:
            ax.text(1.5, yi, "[c]", va="center", fontsize=9, color=TEXT)
        elif answered:
            ax.plot([lo, hi], [yi, yi], color=ORANGE, linewidth=2, solid_capstyle="butt")
            ax.text(min(hi, 100) + 1.5, yi, f"{p:.0f}%", va="center", fontsize=9, color=TEXT)
        else:
            ax.text(1.5, yi, "no answers", va="center", fontsize=9, color=TEXT)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("Cases answered Yes (bar) with 95% interval (line)")
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_title(title, loc="left", fontsize=11, color=TEXT)
    _style(ax)
    return _render(fig)


def _extremes(names: list[str], table: pd.DataFrame, hidden: list[bool]) -> str:
    rated = [
        (p, name)
        for p, name, hide in zip(table["pct_yes"], names, hidden, strict=True)
        if p is not None and p == p and not hide
    ]
    if not rated:
        return "No criterion had an answer."
    hi, lo = max(rated), min(rated)
    return f"Highest: {hi[1]} at {hi[0]:.0f}%. Lowest: {lo[1]} at {lo[0]:.0f}%."


def criteria_chart(result: AreaResult) -> Chart:
    fw = result.framework
    names = [f"{c.id} {c.label}" + (" (key)" if c.key else "") for c in fw.criteria]
    table = result.criteria.loc[list(fw.criterion_ids)]
    hidden = [result.rate_hidden(("c", c.id)) for c in fw.criteria]
    png = _rate_chart(names, table, "Cases answered Yes, by criterion", hidden)
    alt = (
        f"Horizontal bar chart of the percentage of cases in {result.area} answered Yes for each of "
        f"{len(names)} criteria, with 95% intervals. " + _extremes(names, table, hidden)
    )
    return Chart(png, alt, f"Figure: cases answered Yes by criterion, {result.area}. The data is in the table below.")


def themes_chart(result: AreaResult) -> Chart:
    fw = result.framework
    names = [f"{t.number}. {t.label}" for t in fw.themes]
    table = result.themes.loc[[t.id for t in fw.themes]]
    hidden = [result.rate_hidden(("t", t.id)) for t in fw.themes]
    png = _rate_chart(names, table, "Answers of Yes, by theme", hidden)
    alt = (
        f"Horizontal bar chart of the percentage of answers that were Yes in each of {len(names)} themes in "
        f"{result.area}, with 95% intervals. " + _extremes(names, table, hidden)
    )
    return Chart(png, alt, f"Figure: answers of Yes by theme, {result.area}. The data is in the table below.")


def grades_chart(result: AreaResult) -> Chart:
    """Cases by grade: the auditors' own grade beside the grade derived from the criteria."""
    grades = list(result.framework.grades)
    auditor = result.cases["overall_grade"].value_counts().reindex(grades, fill_value=0)
    derived = result.cases["derived_grade"].value_counts().reindex(grades, fill_value=0)
    hide_a = [("auditor", g) in result.hidden for g in grades]
    hide_d = [("derived", g) in result.hidden for g in grades]
    auditor[hide_a] = 0
    derived[hide_d] = 0
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
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
        ax.bar_label(bars, labels=labels, fontsize=9, color=TEXT, padding=2)
    ax.set_xticks(list(x), grades)
    ax.set_ylabel("Cases")
    ax.set_ylim(0, max(1, int(max(auditor.max(), derived.max()))) * 1.25)
    ax.legend(frameon=False, fontsize=9)
    ax.set_title("Cases by grade", loc="left", fontsize=11, color=TEXT)
    _style(ax)
    png = _render(fig)
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
    return Chart(png, alt, f"Figure: cases by grade, {result.area}. The data is in the table below.")


def _text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Black or white, whichever reads better on a cell colour (by relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return TEXT if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def sharing_heatmap(result: AreaResult) -> Chart:
    """Who shared information with whom, and how well: % Yes per sharing pair as a heatmap.

    Rows are the agency sharing, columns the agency receiving. The colour map
    (cividis) is sequential and readable with colour-blindness; every cell also
    carries its value in words, so colour is never the only sign.
    """
    from audit.agencies import sharing_results

    fw = result.framework
    sharing = sharing_results(result.cases, fw)
    if sharing.empty:  # the framework tags no criterion with who shares with whom
        fig, ax = plt.subplots(figsize=(4, 0.6))
        ax.axis("off")
        ax.text(0, 0.5, "No information-sharing criteria in this framework", fontsize=9, color=TEXT)
        return Chart(_render(fig), "No information-sharing criteria in this framework.", "")
    givers = [a for a in fw.agencies if a in set(sharing["from"])]
    receivers = [a for a in fw.agencies if a in set(sharing["to"])]
    cmap = matplotlib.colormaps["cividis"]
    fig, ax = plt.subplots(figsize=(1.6 * len(receivers) + 2.6, 0.75 * len(givers) + 1.4))
    cells: dict[tuple[str, str], tuple[str, float | None]] = {}
    for _, r in sharing.iterrows():
        if result.rate_hidden(("share", r["from"], r["to"])):
            cells[(r["from"], r["to"])] = ("[c]", None)
        elif r["answered"]:
            cells[(r["from"], r["to"])] = (f"{r['pct_yes']:.0f}%\nof {int(r['answered'])} answers", float(r["pct_yes"]))
        else:
            cells[(r["from"], r["to"])] = ("no answers", None)
    for i, giver in enumerate(givers):
        for j, receiver in enumerate(receivers):
            text, value = cells.get((giver, receiver), ("", None))
            colour = cmap(value / 100) if value is not None else (0.95, 0.95, 0.95, 1.0)
            ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="white", linewidth=2))
            ax.text(
                j + 0.5,
                i + 0.5,
                text or "not\ncovered",
                ha="center",
                va="center",
                fontsize=8.5,
                color=_text_colour(colour) if value is not None else "#505a5f",
            )
    ax.set_xlim(0, len(receivers))
    ax.set_ylim(len(givers), 0)
    ax.set_xticks(
        [j + 0.5 for j in range(len(receivers))], [fw.agencies[a] for a in receivers], rotation=20, ha="right"
    )
    ax.set_yticks([i + 0.5 for i in range(len(givers))], [fw.agencies[a] for a in givers])
    ax.set_xlabel("Receiving agency")
    ax.set_ylabel("Sharing agency")
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    bar = fig.colorbar(
        plt.cm.ScalarMappable(norm=matplotlib.colors.Normalize(0, 100), cmap=cmap), ax=ax, fraction=0.04, pad=0.02
    )
    bar.set_label("% of answers Yes", color=TEXT)
    bar.outline.set_visible(False)
    ax.set_title("Information shared, by sharing and receiving agency", loc="left", fontsize=11, color=TEXT)
    ax.tick_params(colors=TEXT, labelsize=9)
    png = _render(fig)
    rated = [(v, f"{fw.agencies[a]} to {fw.agencies[b]}") for (a, b), (_, v) in cells.items() if v is not None]
    if rated:
        (hi, hi_name), (lo, lo_name) = max(rated), min(rated)
        extremes = f"Best: {hi_name} at {hi:.0f}% Yes. Weakest: {lo_name} at {lo:.0f}% Yes."
    else:
        extremes = "No pair has a result that can be shown."
    alt = (
        f"Heatmap of information sharing between agencies in {result.area}: rows are the agency sharing, "
        f"columns the agency receiving, and each of {len(cells)} cells gives the percentage of answers Yes "
        f"to the criteria about that pair. {extremes}"
    )
    return Chart(
        png, alt, f"Figure: information shared between agencies, {result.area}. The data is in the table below."
    )


def area_spread_chart(results: pd.DataFrame, fw: Framework, hidden: set[tuple[str, str]] | None = None) -> Chart:
    """Every area's % Yes on each criterion as a dot, with all areas pooled as a bar: the spread at a glance.

    ``results`` is compare.area_results; ``hidden`` holds (area, criterion ID)
    pairs whose rate may not be published, which are left off the chart.
    """
    hidden = hidden or set()
    crit = results[(results["level"] == "criterion") & (results["answered"] > 0)]
    names = [f"{c.id} {c.label}" + (" (key)" if c.key else "") for c in fw.criteria]
    n = len(names)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * n + 1.3))
    y = {c.id: n - 1 - i for i, c in enumerate(fw.criteria)}
    pooled = {}
    for c in fw.criteria:
        mine = crit[crit["id"] == c.id]
        yes, answered = int(mine["yes"].sum()), int(mine["answered"].sum())
        if answered:
            pooled[c.id] = yes / answered * 100
            ax.barh(y[c.id], pooled[c.id], color=GRID, height=0.55, zorder=1)
    shown = crit[[(a, i) not in hidden for a, i in zip(crit["area"], crit["id"], strict=True)]]
    ax.scatter(
        shown["pct_yes"].astype(float),
        [y[i] for i in shown["id"]],
        color=DARK_BLUE,
        edgecolor="white",
        s=36,
        zorder=3,
        label="One area",
    )
    from matplotlib.patches import Patch

    handles = [
        ax.collections[0],
        Patch(facecolor=GRID, label="All areas together"),
    ]
    ax.set_yticks(list(reversed(range(n))), names)
    ax.set_xlim(-2, 102)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("Cases answered Yes: each area (dot) and all areas together (bar)")
    ax.grid(axis="x", color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(handles=handles, frameon=False, fontsize=9, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2)
    ax.set_title("Cases answered Yes, by criterion and area", loc="left", fontsize=11, color=TEXT, pad=24)
    _style(ax)
    png = _render(fig)
    if pooled:
        low_id = min(pooled, key=pooled.get)
        high_id = max(pooled, key=pooled.get)
        main = (
            f"Lowest across all areas: {fw.criterion(low_id).label} at {pooled[low_id]:.0f}%. "
            f"Highest: {fw.criterion(high_id).label} at {pooled[high_id]:.0f}%."
        )
    else:
        main = "No criterion had an answer."
    areas = len(set(results["area"]))
    alt = (
        f"Dot plot of the percentage of cases answered Yes on each of {n} criteria in each of {areas} areas, "
        f"with a bar for all areas together. {main}"
    )
    return Chart(png, alt, "Figure: cases answered Yes by criterion and area. The data is in the tables below.")
