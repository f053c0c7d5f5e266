"""A frame's axes written again as text when drawn as before: the same bytes, and never a stale axis.

A chart's axes (ticks, tick labels, grid lines, axis label) are the same for every
area of a layout, so their SVG is recorded once and written again (audit.render.chart_replay).
These tests hold it to the one thing that matters: a chart's bytes are what drawing
it in a new figure gives, whatever was changed or drawn before.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import pytest
from matplotlib.axis import Axis
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from audit.render import chart_layout, chart_replay, charts

AREA_CHARTS = [charts.criteria_chart, charts.themes_chart, charts.sharing_heatmap, charts.grades_chart]


def fresh(chart: Any, pub: Any) -> bytes:
    chart_layout.FRAMES.clear()
    return chart(pub).svg


def replays() -> int:
    return sum(
        axis.draw.replays
        for frame in chart_layout.FRAMES._frames.values()
        for ax in frame.fig.axes
        for axis in (ax.xaxis, ax.yaxis)
    )


def frame_axes(kind: str) -> Any:
    """The axes of the kept frame whose key starts with ``kind``."""
    return next(f.axes for k, f in chart_layout.FRAMES._frames.items() if k[0] == kind)


def test_an_axis_drawn_as_before_is_written_again_not_drawn(sample_pubs, monkeypatch):
    expected = fresh(charts.criteria_chart, sample_pubs[1])
    drawn: list[Any] = []
    draw = Axis.draw

    def counting(self: Axis, renderer: Any) -> None:
        drawn.append(self)
        draw(self, renderer)

    monkeypatch.setattr(Axis, "draw", counting)
    chart_layout.FRAMES.clear()
    charts.criteria_chart(sample_pubs[0])
    assert len(drawn) == 2  # the first chart of a frame draws both axes, and records them
    assert charts.criteria_chart(sample_pubs[1]).svg == expected
    assert len(drawn) == 2 and replays() == 2  # the second writes both again


def test_every_chart_is_the_bytes_a_new_figure_draws_in_any_order(sample_pubs):
    """Two areas of each version (tests/test_chart_frames.py draws every area through the same frames)."""
    some = [*sample_pubs[:2], *sample_pubs[-2:]]
    expected = {(i, c.__name__): fresh(c, p) for i, p in enumerate(some) for c in AREA_CHARTS}
    chart_layout.FRAMES.clear()
    for order in (list(enumerate(some)), list(enumerate(some))[::-1]):
        for i, p in order:
            for c in AREA_CHARTS:
                assert c(p).svg == expected[(i, c.__name__)], (i, c.__name__)
    assert replays() > 0


def test_a_count_axis_of_another_scale_is_drawn_not_replayed(sample_pubs):
    """The grades chart's count axis follows the area's largest count: each scale is its own recording."""
    charts_by_top = {}
    for p in sample_pubs:
        charts_by_top.setdefault(p.analysed.cases_scored, p)
    many = list(charts_by_top.values())
    assert len(many) > 1
    expected = [fresh(charts.grades_chart, p) for p in many]
    chart_layout.FRAMES.clear()
    for _ in range(2):
        for p, svg in zip(many, expected, strict=True):
            assert charts.grades_chart(p).svg == svg


def test_a_tick_label_changed_in_the_frame_is_drawn_afresh(sample_pubs):
    """Should a chart ever restyle the frame's ticks, the axis is drawn again, never written from before."""
    chart_layout.FRAMES.clear()
    charts.criteria_chart(sample_pubs[0])
    charts.criteria_chart(sample_pubs[0])  # recorded, then replayed
    ax = frame_axes("rates")
    ax.yaxis.get_ticklabels()[0].set_color("#ff00ff")
    svg = charts.criteria_chart(sample_pubs[0]).svg
    assert b"#ff00ff" in svg
    ax.yaxis.get_ticklabels()[0].set_color(chart_layout.TEXT)
    assert charts.criteria_chart(sample_pubs[0]).svg == fresh(charts.criteria_chart, sample_pubs[0])


def test_new_ticks_in_the_frame_are_drawn_afresh(sample_pubs):
    chart_layout.FRAMES.clear()
    charts.criteria_chart(sample_pubs[0])
    before = charts.criteria_chart(sample_pubs[0]).svg
    assert b"25%" in before
    ax = frame_axes("rates")
    ax.set_xticks([0, 50, 100], ["none", "half", "all"])
    after = charts.criteria_chart(sample_pubs[0]).svg
    assert b"half" in after and b"25%" not in after


def test_matplotlibs_own_svg_canvas_is_never_written_into_from_a_recording(sample_pubs):
    chart_layout.FRAMES.clear()
    charts.criteria_chart(sample_pubs[0])
    charts.criteria_chart(sample_pubs[0])
    done = replays()
    fig = chart_layout.FRAMES._frames[next(iter(chart_layout.FRAMES._frames))].fig
    canvas = fig.canvas
    FigureCanvasSVG(fig).print_figure(io.BytesIO(), format="svg")
    fig.set_canvas(canvas)
    assert replays() == done


def test_without_the_renderers_private_parts_every_axis_is_drawn(sample_pubs, monkeypatch):
    """Should matplotlib rename what the replay reads, charts are drawn as usual, the same bytes."""
    expected = fresh(charts.criteria_chart, sample_pubs[0])
    monkeypatch.setattr(chart_replay, "_BOOKS", ("_no_such_book",))
    chart_layout.FRAMES.clear()
    for _ in range(3):
        assert charts.criteria_chart(sample_pubs[0]).svg == expected
    assert replays() == 0


# Changes a future chart might make to a kept frame's axes that matplotlib's ``stale`` flags did not show:
# a hidden grid line, tick or right-hand label stays stale for good (matplotlib clears the flag only on
# what it draws), and a locator changed in place keeps its identity.
FRAME_CHANGES = {
    "grid lines turned on": lambda ax: ax.grid(True, color="#ff00ff"),
    "a tick hidden": lambda ax: ax.yaxis.get_major_ticks()[0].set_visible(False),
    "labels on the right too": lambda ax: ax.yaxis.set_tick_params(labelright=True),
    "fewer ticks from the same locator": lambda ax: ax.locator_params(axis="x", nbins=2),
    "an empty axis label given words": lambda ax: ax.set_ylabel("Criteria listed"),
}


def changed_frame_chart(chart: Any, pub: Any, change: Any) -> bytes:
    """The chart drawn once more after ``change`` is made to its kept frame's axes."""
    chart_layout.FRAMES.clear()
    chart(pub)
    chart(pub)  # recorded, then replayed
    (frame,) = chart_layout.FRAMES._frames.values()
    change(frame.axes)
    return chart(pub).svg


@pytest.mark.parametrize("change", FRAME_CHANGES.values(), ids=FRAME_CHANGES.keys())
def test_a_frame_changed_where_matplotlib_marks_nothing_stale_is_drawn_afresh(sample_pubs, change, monkeypatch):
    got = changed_frame_chart(charts.criteria_chart, sample_pubs[0], change)
    monkeypatch.setattr(chart_replay, "_state", lambda svg: None)  # never replayed: what matplotlib draws
    assert got == changed_frame_chart(charts.criteria_chart, sample_pubs[0], change)


def test_an_axis_drawn_as_paths_is_not_replayed_over_other_glyphs():
    """Under ``svg.fonttype: path`` a letter is defined once, where first drawn: an axis recorded when
    another plot's text had defined its letters must not be written where that text had other letters."""

    def two_plots() -> tuple[Any, Any]:
        fig = Figure(figsize=(4, 2))
        chart_layout._Canvas(fig)
        words = fig.add_axes((0.1, 0.1, 0.35, 0.8))
        ticked = fig.add_axes((0.6, 0.1, 0.35, 0.8))
        ticked.set_xticks([0.5], ["A"])
        ticked.set_yticks([])
        return fig, words

    def drawn(fig: Any, words: Any, text: str) -> bytes:
        label = words.text(0.5, 0.5, text)  # drawn before the second plot's axes: the same count of letters
        try:
            return chart_layout._render(fig)
        finally:
            label.remove()

    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "test"}):
        expected = drawn(*two_plots(), "QZ")
        fig, words = two_plots()
        for ax in fig.axes:
            chart_replay.install(ax, chart_layout._MeasuringRenderer)
        drawn(fig, words, "AZ")
        drawn(fig, words, "AZ")  # recorded, then replayed
        assert drawn(fig, words, "QZ") == expected


def test_a_count_axis_formatted_otherwise_in_place_is_drawn_afresh(sample_pubs, monkeypatch):
    """``ticklabel_format`` changes the count axis's formatter in place: the same object, other labels."""

    def change(ax: Any) -> None:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0), useMathText=True)

    got = changed_frame_chart(charts.grades_chart, sample_pubs[0], change)
    monkeypatch.setattr(chart_replay, "_state", lambda svg: None)
    assert got == changed_frame_chart(charts.grades_chart, sample_pubs[0], change)
