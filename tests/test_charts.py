"""Charts: every label inside the picture, SVG that is the same on every run, no side effects on the caller."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.framework.model import DEFAULT_CRITERIA, load_framework
from audit.publish.published import publish
from audit.render import charts
from audit.run.area_input import run_areas
from tests.conftest import SAMPLE_DATA, case_row, header_for

AREA_CHARTS = [charts.criteria_chart, charts.themes_chart, charts.sharing_heatmap, charts.grades_chart]


@pytest.fixture(scope="module")
def sample() -> Any:
    return load_audit(SAMPLE_DATA)


def assert_nothing_cut_off(fig: Figure) -> None:
    """Every artist's ink lies on the canvas: no label, title or legend runs off an edge."""
    # Measured with Agg, whose hinted text runs a little wider than the SVG's: the stricter test.
    renderer = FigureCanvasAgg(fig).get_renderer()
    ink = fig.get_tightbbox(renderer)  # inches
    width, height = fig.get_size_inches()
    canvas = Bbox.from_bounds(0, 0, width, height)
    slack = 0.01
    assert ink.x0 >= canvas.x0 - slack and ink.y0 >= canvas.y0 - slack, (ink, canvas)
    assert ink.x1 <= canvas.x1 + slack and ink.y1 <= canvas.y1 + slack, (ink, canvas)
    plot = fig.axes[0].get_position()  # and the plot itself never shrinks to a sliver
    assert plot.width > 0.3 and plot.height > 0.3, plot


def long_label_framework(tmp_path: Path) -> Path:
    """The default framework with long, awkward labels: the margins must grow to fit them."""
    spec = yaml.safe_load(DEFAULT_CRITERIA.read_text(encoding="utf-8"))
    spec["agencies"]["csc"] = "Children's social care and early help (local authority front door)"
    spec["agencies"]["education"] = "Education, early years settings and alternative provision"
    spec["criteria"][0]["label"] = (
        "Child recognised as a victim in their own right under s.3 of the 2021 Act, with $5 and $6"
    )
    spec["themes"][0]["label"] = "Response at the point of identification, including out-of-hours and weekends"
    spec["grades"]["bands"][0]["grade"] = "Outstanding practice throughout the case"
    path = tmp_path / "long.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def draw_area_charts(sample, published: bool) -> None:
    """Every chart of every area's report, as published or in full (the ``figures`` fixture keeps each)."""
    for area in sample.areas:
        result = publish(analyse_area(sample, area, publish=published), 5 if published else None)
        for chart in AREA_CHARTS:
            chart(result)


@pytest.mark.parametrize("published", [False, True])
def test_area_charts_keep_every_label_on_the_canvas(sample, figures, published):
    draw_area_charts(sample, published)
    assert len(figures) == len(AREA_CHARTS) * len(sample.areas)
    for fig in figures:
        assert_nothing_cut_off(fig)


def test_long_labels_widen_the_margins_and_stay_on_the_canvas(tmp_path, make_workbook, figures):
    fw = load_framework(long_label_framework(tmp_path))
    rows = [case_row(fw, f"C{i}", answer=["Yes", "No", "Partly"][i % 3]) for i in range(12)]
    for row in rows:
        row[4] = "Police, Health, Schools, Children's social care, Probation"
    data = load_audit(make_workbook(rows, header=header_for(fw), fw=fw), fw, scan=False)
    result = publish(analyse_area(data), None)
    for chart in AREA_CHARTS:
        chart(result)
    charts.area_spread_chart(run_areas(data, False, 5))
    for fig in figures:
        assert_nothing_cut_off(fig)
    long_width = figures[0].get_size_inches()[0]
    figures.clear()
    charts.criteria_chart(publish(analyse_area(load_audit(make_workbook(rows, name="plain.xlsx"), scan=False)), None))
    # The long first label needs a wider figure than the default framework's labels do.
    assert long_width > figures[0].get_size_inches()[0] + 1


def test_national_spread_chart_keeps_every_label_on_the_canvas(sample, figures):
    charts.area_spread_chart(run_areas(sample, False, 5))
    assert_nothing_cut_off(figures[-1])


def test_framework_without_sharing_criteria_gets_a_note_that_fits(small_framework, make_workbook, figures):
    rows = [case_row(small_framework, f"C{i}") for i in range(3)]
    data = load_audit(make_workbook(rows, header=header_for(small_framework), fw=small_framework), small_framework)
    chart = charts.sharing_heatmap(publish(analyse_area(data), None))
    assert b"No information-sharing criteria in this framework" in chart.svg
    assert_nothing_cut_off(figures[-1])


def test_charts_are_svg_with_their_words_as_text(sample):
    result = publish(analyse_area(sample, "Amberlow Vale"), None)
    chart = charts.criteria_chart(result)
    assert chart.svg.lstrip().startswith(b"<?xml") and b"<svg" in chart.svg
    text = chart.svg.decode("utf-8")
    # Text stays text (sharp when zoomed, found by a search), with fallbacks for readers without DejaVu Sans.
    assert "Child&#x27;s voice recorded (key)" in text or "Child's voice recorded (key)" in text
    assert re.search(r"font-family:[^;]*'DejaVu Sans'[^;]*sans-serif", text)
    assert chart.html().startswith('<figure class="chart"><div class="chart-scroll" role="region" aria-label="Chart: ')
    assert '<img src="data:image/svg+xml;base64,' in chart.html()


def test_dollar_signs_in_labels_are_words_not_mathematics(tmp_path, make_workbook):
    fw = load_framework(long_label_framework(tmp_path))
    rows = [case_row(fw, f"C{i}") for i in range(3)]
    data = load_audit(make_workbook(rows, header=header_for(fw), fw=fw), fw, scan=False)
    assert b"with $5 and $6" in charts.criteria_chart(publish(analyse_area(data), None)).svg


def test_the_same_chart_is_the_same_bytes_every_time(sample):
    result = publish(analyse_area(sample, "Amberlow Vale"), None)
    for chart in AREA_CHARTS:
        assert chart(result).svg == chart(result).svg
    assert b"Date" not in charts.grades_chart(result).svg  # no time stamp to make two runs differ


def test_charts_leave_the_callers_matplotlib_as_they_found_it(sample):
    result = publish(analyse_area(sample, "Amberlow Vale"), None)
    with matplotlib.rc_context({"svg.fonttype": "path", "font.size": 14}):
        before = dict(matplotlib.rcParams)
        for chart in AREA_CHARTS:
            chart(result)
        assert dict(matplotlib.rcParams) == before
    assert plt.get_fignums() == []  # nothing left open in pyplot to show twice in a notebook


def overlapping_text(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible words in a figure whose ink boxes overlap (measured with Agg, as above)."""
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # legends and titles find their places when drawn
    renderer = canvas.get_renderer()
    boxes = [
        (t.get_text(), t.get_window_extent(renderer))
        for t in fig.findobj(Text)
        # A tilted label's box is not its ink (the box of a slanted line is mostly empty): upright text only.
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None and not t.get_rotation() % 180
    ]
    return [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if box_a.overlaps(box_b)
        and box_a.intersection(box_a, box_b).width * box_a.intersection(box_a, box_b).height > 1
    ]


@pytest.mark.parametrize("published", [False, True])
def test_no_chart_text_overlaps_other_text(sample, figures, published):
    """No title touches a colour-bar label, no tick label runs into another: every area's charts."""
    draw_area_charts(sample, published)
    charts.area_spread_chart(run_areas(sample, published, 5))
    found = {i: overlapping_text(fig) for i, fig in enumerate(figures)}
    found = {i: pairs for i, pairs in found.items() if pairs}
    assert not found, found
