"""Charts drawn in reused frames: the same SVG as a new figure gives, whatever was drawn before, and nothing kept.

Every area of a framework gets charts of the same layout, so a chart is drawn in a
frame (figure, axes, ticks, labels, title) kept from the last chart of that layout,
and text is measured once per process. These tests hold that to what a reader and
the incremental batch need: the bytes depend on the chart's data only.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import matplotlib
import pytest
from matplotlib.backends.backend_svg import FigureCanvasSVG

from audit.render import chart_layout, chart_sharing, charts
from audit.run import kernel_state

AREA_CHARTS = [charts.criteria_chart, charts.themes_chart, charts.sharing_heatmap, charts.grades_chart]


def fresh(chart: Any, pub: Any) -> bytes:
    """The chart drawn in a new frame, with text measured afresh: what a first chart in a new kernel draws."""
    chart_layout.FRAMES.clear()
    chart_layout._text_extent.cache_clear()
    return chart(pub).svg


def test_a_chart_is_the_same_bytes_whatever_was_drawn_before(sample_pubs):
    expected = {(i, c.__name__): fresh(c, p) for i, p in enumerate(sample_pubs) for c in AREA_CHARTS}
    chart_layout.FRAMES.clear()
    # each frame reused by every other area
    for order in (list(enumerate(sample_pubs)), list(enumerate(sample_pubs))[::-1]):
        for i, p in order:
            for c in AREA_CHARTS:
                assert c(p).svg == expected[(i, c.__name__)], (i, c.__name__)
    assert len({expected[(i, "criteria_chart")] for i in range(len(sample_pubs))}) > 1  # the areas' charts differ


def test_the_frames_are_reused(sample_pubs, monkeypatch):
    chart_layout.FRAMES.clear()
    built: list[Any] = []
    frame = charts._rate_frame

    def counting(*args: Any) -> Any:
        built.append(args)
        return frame(*args)

    monkeypatch.setattr(charts, "_rate_frame", counting)
    for p in sample_pubs:
        charts.criteria_chart(p)
    assert len(built) == 1  # one framework, one layout of criteria: one frame for every area


def test_a_frame_keeps_none_of_the_area_it_drew(sample_pubs):
    chart_layout.FRAMES.clear()
    for c in AREA_CHARTS:
        c(sample_pubs[0])
    kept = list(chart_layout.FRAMES._frames.values())
    assert len(kept) == len(AREA_CHARTS)
    for frame in kept:
        ax = frame.axes  # the plot: bars, lines, cells and their words are the area's, and gone
        assert not ax.patches and not ax.texts and not ax.lines and not ax.containers and not ax.collections
        for state in frame.built:
            assert {id(a) for a in state.axes.get_children()} == state.children  # as built, nothing more


def test_a_chart_that_fails_part_way_leaves_no_half_drawn_frame(sample_pubs, monkeypatch):
    pub = sample_pubs[0]
    expected = fresh(charts.criteria_chart, pub)
    other = sample_pubs[1]

    def broken(fig: Any) -> bytes:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(charts, "_render", broken)
    with pytest.raises(RuntimeError):
        charts.criteria_chart(other)  # the other area's bars are in the frame when it fails
    monkeypatch.undo()
    assert charts.criteria_chart(pub).svg == expected


def test_a_frame_made_under_other_matplotlib_settings_is_not_reused(sample_pubs):
    pub = sample_pubs[0]
    expected = fresh(charts.criteria_chart, pub)
    with matplotlib.rc_context({"font.size": 14, "axes.edgecolor": "#ff0000"}):
        other = charts.criteria_chart(pub).svg
    assert other != expected and b"#ff0000" in other  # the caller's settings count, as for a new figure
    assert charts.criteria_chart(pub).svg == expected


def test_the_canvas_draws_what_matplotlibs_own_svg_canvas_draws(sample_pubs):
    """The canvas only measures text once; its print_svg must stay matplotlib's (checked on every chart)."""
    chart_layout.FRAMES.clear()
    got: list[tuple[bytes, bytes]] = []
    render = chart_layout._render

    def both(fig: Any) -> bytes:
        ours = render(fig)
        theirs = io.BytesIO()
        canvas = fig.canvas
        FigureCanvasSVG(fig).print_figure(theirs, format="svg", metadata={"Date": None, "Creator": None})
        canvas.figure.set_canvas(canvas)
        got.append((ours, theirs.getvalue()))
        return ours

    with pytest.MonkeyPatch.context() as mp:
        for module in (charts, chart_sharing):
            mp.setattr(module, "_render", both)
        for p in sample_pubs[:2]:
            for c in AREA_CHARTS:
                c(p)
    assert len(got) == 2 * len(AREA_CHARTS)
    for ours, theirs in got:
        assert ours == theirs


def test_charts_drawn_at_once_from_several_threads_are_each_as_drawn_alone(sample_pubs):
    expected = {(i, c.__name__): fresh(c, p) for i, p in enumerate(sample_pubs[:4]) for c in AREA_CHARTS}
    got: dict[tuple[int, str], bytes] = {}
    failures: list[BaseException] = []

    def draw(i: int) -> None:
        try:
            for _ in range(2):
                for c in AREA_CHARTS:
                    got[(i, c.__name__)] = c(sample_pubs[i]).svg
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert got == expected


def test_a_kernel_keeps_the_frames_and_measures_between_areas(sample_pubs):
    charts.criteria_chart(sample_pubs[0])
    assert chart_layout._text_extent.cache_info().currsize > 0 and chart_layout.FRAMES._frames
    kernel_state._clear_audit_caches()
    assert chart_layout._text_extent.cache_info().currsize > 0  # a pure function of the text and font: kept
    assert chart_layout.FRAMES._frames  # they hold the framework's layout only (see the test above)
