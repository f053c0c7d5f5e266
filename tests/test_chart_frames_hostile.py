"""Charts drawn in reused frames, attacked with the caller's own matplotlib settings.

The claim held here (see audit.render.chart_layout.Frames): a chart's SVG depends on its data
and the settings it is drawn under only, never on what was drawn before it in the process.
tests/test_chart_frames.py checks order, threads, a failing chart and changed settings on the
sample areas; these check settings that used to leak from one chart into the next.
"""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib
import pandas as pd
import pytest
from cycler import cycler

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render import chart_layout, charts
from tests.conftest import SAMPLE_DATA


@pytest.fixture(scope="module")
def pubs() -> list[Any]:
    """Two sample areas in full."""
    sample = load_audit(SAMPLE_DATA)
    return [publish(analyse_area(sample, area, publish=False), None) for area in sample.areas[:2]]


def forget() -> None:
    """A new kernel: no frames kept, no text measured."""
    chart_layout.FRAMES.clear()
    chart_layout._text_extent.cache_clear()


def test_a_caller_cycle_of_line_styles_does_not_run_on_from_chart_to_chart(pubs):
    # The interval lines have a colour, not a line style: a caller's cycle of styles picks theirs,
    # and a reused frame must start that cycle where a new figure does.
    settings = {"axes.prop_cycle": cycler(color=["#000000", "#111111"], linestyle=["-", "--"])}
    with matplotlib.rc_context(settings):
        expected = []
        for p in pubs:
            forget()
            expected.append(charts.criteria_chart(p).svg)
        forget()
        got = [charts.criteria_chart(p).svg for p in pubs]
    assert got == expected


@pytest.mark.parametrize("settings", [{"font.family": "monospace"}, {"font.weight": "bold"}])
def test_a_label_is_measured_in_the_font_it_is_drawn_in(settings):
    forget()
    with matplotlib.rc_context(settings):
        expected = chart_layout._width(["Multi-agency referral"], chart_layout.TICK_PT)
    forget()
    chart_layout._width(["Multi-agency referral"], chart_layout.TICK_PT)  # measured in the default font first
    with matplotlib.rc_context(settings):
        assert chart_layout._width(["Multi-agency referral"], chart_layout.TICK_PT) == expected


def test_a_caller_who_sets_tex_for_their_own_figures_gets_the_same_charts(pubs):
    # Labels are plain text ("$", "%" and "&" are a criterion's words): never sent through LaTeX.
    forget()
    expected = charts.criteria_chart(pubs[0]).svg
    with matplotlib.rc_context({"text.usetex": True}):
        assert charts.criteria_chart(pubs[0]).svg == expected
    assert not matplotlib.rcParams["text.usetex"]


def test_a_label_missing_from_the_font_says_the_same_in_every_chart_of_a_kernel():
    # A kernel keeps frames and measures between areas: a warning given only where a text is measured
    # afresh would be in the first area's notebook and not the next (a fresh kernel writes it in each).
    labels = ["X1 Seen promptly \N{SLIGHTLY SMILING FACE}", "X2 Plan agreed"]
    table = pd.DataFrame({"pct_yes": [50.0, 75.0], "ci_low": [30.0, 55.0], "ci_high": [70.0, 90.0]})
    draw = chart_layout._drawn(charts._rate_chart)  # as criteria_chart draws a framework's labels
    forget()
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            svg = draw(labels, table, [10, 12], "Cases answered Yes, by criterion", [False, False])
        assert [str(w.message) for w in caught] == [] and "\N{SLIGHTLY SMILING FACE}".encode() in svg
