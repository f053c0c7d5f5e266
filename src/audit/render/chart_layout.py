"""How a chart is measured, laid out and drawn: palette, font sizes, margins, the SVG it becomes.

Each figure is sized around its plot from the measured width of its labels,
rather than drawn twice to find its edges (``bbox_inches="tight"``): drawing is
most of a report's time, and a national batch draws hundreds of charts.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import functools
import html
import io
import math
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import matplotlib
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.textpath import text_to_path

from audit.render import chart_replay

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
#: and so the report, the same on every run; labels are plain text, never mathematics nor TeX
#: (a caller's ``text.usetex`` would send every label through LaTeX, or fail where it is not installed).
RC = {"svg.fonttype": "none", "svg.hashsalt": "audit-charts", "text.parse_math": False, "text.usetex": False}


P = ParamSpec("P")


R = TypeVar("R")


#: One chart is drawn at a time in a process: matplotlib's settings (changed for each chart by
#: ``rc_context``) are global, and a frame is drawn in by one chart at a time.
_DRAWING = threading.RLock()


_GLYPH_MISSING = r"Glyph \d+ .* missing from font"  # matplotlib's words (ft2font), for the filter below


def _drawn(chart: Callable[P, R]) -> Callable[P, R]:
    """Draw a chart under :data:`RC`, leaving the caller's matplotlib settings as they were.

    matplotlib's warning that a label's character is missing from the font it measures in is not
    shown: the SVG's text is drawn by the reader's own fonts, and the warning came only where a
    text was measured afresh, so a report kernel, which keeps measures and frames between areas,
    would write it into the first area's notebook only (not what a fresh kernel writes).
    """

    @functools.wraps(chart)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _DRAWING, matplotlib.rc_context(RC), warnings.catch_warnings():
            warnings.filterwarnings("ignore", _GLYPH_MISSING, UserWarning)
            return chart(*args, **kwargs)

    return wrapper


@dataclass
class Chart:
    """A drawn chart (SVG) with what a screen reader needs to say about it."""

    svg: bytes
    alt: str
    caption: str

    def html(self) -> str:
        """The chart as a ``<figure>``, in a region of its own that scrolls sideways on a narrow screen.

        On screen the picture never shrinks below the width at which its smallest text is
        :data:`MIN_TEXT_PX` CSS pixels (``--chart-min``, read by report.css): on a phone the chart
        scrolls inside its labelled, keyboard-focusable region rather than shrinking its words to
        a few pixels. Print ignores the floor: a PDF page fits the whole chart.
        """
        data = base64.b64encode(self.svg).decode("ascii")
        label = html.escape(f"Chart: {self.caption or self.alt}"[:200])
        floor = min_width_px(self.svg)
        style = f' style="--chart-min: {floor}px"' if floor else ""
        return (
            f'<figure class="chart"><div class="chart-scroll" role="region" aria-label="{label}" tabindex="0">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(self.alt)}"{style}></div>'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )


#: The smallest a chart's words may be drawn on screen, in CSS pixels.
MIN_TEXT_PX = 11
_VIEWBOX_WIDTH = re.compile(rb'<svg[^>]*\sviewBox="[-\d.]+ [-\d.]+ (?P<w>[\d.]+) [\d.]+"')
_FONT_SIZE = re.compile(rb"font-size:\s*(?P<size>[\d.]+)px")


def min_width_px(svg: bytes) -> int:
    """The narrowest (CSS px) an SVG chart may be shown at for its smallest text to be MIN_TEXT_PX; 0 if no text.

    The SVG's text sizes are in its own units (matplotlib's points); shown ``w`` px wide, a
    size ``s`` is drawn at ``s * w / viewBox width`` px.
    """
    box = _VIEWBOX_WIDTH.search(svg)
    sizes = [float(m["size"]) for m in _FONT_SIZE.finditer(svg)]
    if box is None or not sizes or min(sizes) <= 0:
        return 0
    return math.ceil(MIN_TEXT_PX * float(box["w"]) / min(sizes))


def _width(texts: Iterable[object], size: float) -> float:
    """The widest of ``texts`` (any may span lines) at ``size`` points, in inches, in the font they are drawn in."""
    # The font (family, weight, style) is matplotlib's setting when the chart is drawn: part of the measure's key,
    # so a label measured under one setting is not taken for its width under another.
    prop = FontProperties(size=size)
    font = findfont(prop)
    lines = (line for text in texts for line in str(text).split("\n"))
    return max((_text_extent(line, prop, False, font)[0] * FONT_SLACK / 72 for line in lines), default=0.0)


@functools.lru_cache(maxsize=8192)
def _text_extent(text: str, prop: FontProperties, ismath: bool | str, font: str) -> tuple[float, float, float]:
    """A text's width, height and descent in points, as matplotlib's SVG renderer measures it (``font``: its file).

    Cached: the same labels come back in every area's charts, both to size a chart's margins and to draw it.
    """
    return text_to_path.get_text_width_height_descent(text, prop, ismath)


# The answer depends on the text, its font and size only, whichever area asks: a report kernel keeps these
# between areas (see audit.run.kernel_state), rather than measuring every label again per report.
_text_extent.keep_between_areas = True  # type: ignore[attr-defined]


class _MeasuringRenderer(RendererSVG):
    """matplotlib's SVG renderer, measuring each text once per process rather than once per picture.

    matplotlib remembers a text's measure for one renderer only, and each picture gets a new one:
    laying the same labels out with FreeType again was about a third of drawing a chart.
    """

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: bool | str) -> Any:
        if ismath:  # mathematics and TeX as matplotlib lays them out (the charts turn both off)
            return super().get_text_width_height_descent(s, prop, ismath)
        return _text_extent(s, prop.copy(), ismath, findfont(prop))


class _Canvas(FigureCanvasSVG):
    """An SVG canvas whose renderer measures text with :class:`_MeasuringRenderer`.

    ``print_svg`` is matplotlib's own (matplotlib 3.11, backend_svg), with the renderer swapped;
    tests/test_chart_frames.py checks the result is byte for byte what matplotlib's own canvas draws.
    """

    def print_svg(self, filename: Any, *, bbox_inches_restore: Any = None, metadata: Any = None, **_: Any) -> None:
        # The other keywords savefig passes (dpi, facecolor, ...) are those matplotlib drops for its own SVG canvas.
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            w, h = width * 72, height * 72
            renderer = MixedModeRenderer(
                self.figure,
                width,
                height,
                dpi,
                _MeasuringRenderer(w, h, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore,
            )
            self.figure.draw(renderer)
            renderer.finalize()


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
    _Canvas(fig)  # drawn as SVG, measuring text once (see _MeasuringRenderer)
    ax = fig.add_axes((left / width, bottom / height, plot_w / width, plot_h / height))
    return fig, ax


@dataclass
class _AxesState:
    """What an axes of a frame holds as built: its artists, containers, limits and data limits."""

    axes: Axes
    children: set[int]
    containers: list[Any]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    data_lim: Any

    @classmethod
    def of(cls, ax: Axes) -> _AxesState:
        children = {id(a) for a in ax.get_children()}
        return cls(ax, children, list(ax.containers), ax.get_xlim(), ax.get_ylim(), ax.dataLim.frozen())

    def restore(self) -> None:
        """Every artist added since is removed, and the limits set since are undone."""
        ax = self.axes
        for artist in ax.get_children():
            if id(artist) not in self.children:
                artist.remove()
        # A line or patch drawn without every property of the caller's cycle (a cycle of line styles, say)
        # takes the next from it: start the cycle again, where a new figure starts (no frame sets a cycle).
        ax.set_prop_cycle(None)
        ax.containers[:] = self.containers
        ax.set_xlim(self.xlim, auto=None)
        ax.set_ylim(self.ylim, auto=None)
        ax.dataLim.set(self.data_lim)


@dataclass
class _Frame:
    """A figure's parts that are the same for every area (size, axes, ticks, labels, title), kept between charts."""

    fig: Figure
    axes: Axes
    rc: dict[str, Any]  # matplotlib's settings it was built under: a frame built under others is not reused
    built: list[_AxesState] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.built = [_AxesState.of(ax) for ax in self.fig.axes]
        for ax in self.fig.axes:  # the axes are the same for every area: their SVG is written once, then again
            chart_replay.install(ax, _MeasuringRenderer)

    def restore(self) -> None:
        """Back to the frame as built, keeping none of the chart drawn in it."""
        for state in self.built:
            state.restore()


class Frames:
    """Figures reused between charts of the same layout: drawing a chart then costs only its data.

    Making a figure, its axes and their ticks is about half of a chart's time, and every area
    of a framework gets charts of the same layout (the same criteria, themes, grades and agencies).
    A chart asks :meth:`use` for the frame of its layout, adds its data, renders it; on leaving,
    everything it added is removed, so the frame keeps no area's figures and the next chart
    drawn in it gives the same SVG as one drawn in a new figure. At most ``size`` frames are kept
    (the least recently used go first).
    """

    def __init__(self, size: int = 12) -> None:
        self.size = size
        self._frames: OrderedDict[Hashable, _Frame] = OrderedDict()
        self._lock = _DRAWING  # one chart at a time in a frame, whichever thread draws

    @contextlib.contextmanager
    def use(self, key: Hashable, build: Callable[[], tuple[Figure, Axes]]) -> Iterator[tuple[Figure, Axes]]:
        """The frame for ``key`` (made by ``build`` when there is none, or matplotlib's settings changed)."""
        rc = dict(matplotlib.rcParams)
        with self._lock:
            frame = self._frames.pop(key, None)
            if frame is None or frame.rc != rc:
                fig, ax = build()
                frame = _Frame(fig, ax, rc)
            yield frame.fig, frame.axes  # a chart that fails here leaves its frame dropped, never reused half drawn
            frame.restore()
            self._frames[key] = frame
            while len(self._frames) > self.size:
                self._frames.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()


#: The frames every chart shares. A report kernel keeps them between areas (see audit.run.kernel_state):
#: what they hold is the framework's layout, never an area's figures.
FRAMES = Frames()


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


LEGEND_ROW = _lines(TICK_PT) + 2 * 0.4 * TICK_PT / 72  # one row of legend with matplotlib's border padding


def _text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Black or white, whichever reads better on a cell colour (by relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return TEXT if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"
