"""A frame's axes written into the SVG again, as text, when they are drawn just as last time.

Every area's chart of a layout has the same axes: the same ticks, tick labels,
grid lines and axis label, within the same limits (see :class:`audit.render.chart_layout.Frames`).
Drawing them is about a third of a bar chart's time. So the first time a frame's
axis is drawn its SVG is recorded, with what drawing it did to the renderer's own
bookkeeping (the ids of its groups, markers and clip paths); when it is next drawn
with the same limits, at the same place and size, into a renderer in the same state,
that SVG is written again instead, and the bookkeeping brought to where drawing
would have left it. Anything else draws as matplotlib does, and is recorded afresh.

Only the toolkit's own SVG renderer is replayed into (``_MeasuringRenderer``), never
matplotlib's, so a chart can still be checked against matplotlib's own canvas;
tests/test_chart_frames.py checks every chart of the sample areas, in both versions,
is byte for byte what a new figure draws.

This reads private parts of matplotlib's SVG renderer and its XML writer
(matplotlib 3.11); should they change, :func:`_state` finds nothing to key on and
every axis is drawn as usual.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from matplotlib.axis import Axis
from matplotlib.backends.backend_svg import RendererSVG

# The renderer's bookkeeping an axis's drawing may add to, and the writer's state it starts from.
_BOOKS = ("_groupd", "_markers", "_clipd", "_clip_path_ids", "_hatchd")
_OPEN, _TAGS, _DATA, _WRITE = "_XMLWriter__open", "_XMLWriter__tags", "_XMLWriter__data", "_XMLWriter__write"


#: Recordings kept per axis: a count axis has a few scales across areas (grades), the others one.
RECORDINGS = 8


@dataclass
class _Recording:
    text: str
    added: dict[str, dict[Any, Any]]  # each book's entries the drawing added or changed
    counters: tuple[int, bool]  # the renderer's path-collection counter and Gouraud flag after it


class ReplayingDraw:
    """Stands in for one axis's ``draw``: matplotlib's, or an earlier drawing's SVG written again."""

    def __init__(self, axis: Axis, renderer_type: type[RendererSVG]) -> None:
        self.axis = axis
        self.renderer_type = renderer_type
        self.recordings: OrderedDict[tuple[Any, ...], _Recording] = OrderedDict()  # the last few, by key
        self.as_drawn: tuple[Any, ...] | None = None  # the axis's own artists as the last drawing left them
        self.replays = 0

    def __call__(self, renderer: Any) -> None:
        svg = getattr(renderer, "_renderer", renderer)  # under matplotlib's MixedModeRenderer, the SVG renderer
        key = _key(self.axis, svg) if type(svg) is self.renderer_type else None
        now = _artists(self.axis)
        if now != self.as_drawn:  # a tick, label or ticker changed since the last drawing: no recording stands
            self.recordings.clear()
        rec = self.recordings.get(key) if key is not None else None
        if rec is not None:
            self.recordings.move_to_end(key)
            self._replay(svg, rec)
            return
        rec = _record(self.axis, renderer, svg, key)
        _settle(self.axis)
        self.as_drawn = _artists(self.axis)
        if rec is not None and key is not None:
            self.recordings[key] = rec
            while len(self.recordings) > RECORDINGS:
                self.recordings.popitem(last=False)

    def _replay(self, svg: RendererSVG, rec: _Recording) -> None:
        writer = svg.writer
        getattr(writer, _WRITE)(rec.text)
        setattr(writer, _OPEN, 0)  # the axis's drawing ends by closing its group
        for name, added in rec.added.items():
            getattr(svg, name).update(added)
        svg._path_collection_id, svg._has_gouraud = rec.counters
        self.axis.stale = False
        self.replays += 1


def _state(svg: RendererSVG) -> tuple[Any, ...] | None:
    """The renderer's and its writer's state an axis's SVG depends on; None if they are not as expected."""
    writer = svg.writer
    try:
        books = tuple(tuple(getattr(svg, name).items()) for name in _BOOKS)
        return (
            books,
            getattr(writer, _OPEN),
            len(getattr(writer, _TAGS)),
            bool(getattr(writer, _DATA)),
            svg._path_collection_id,
            svg._has_gouraud,
            svg._n_gradients,
            tuple(svg._glyph_map),  # which glyphs are defined already, not how many: a replay defines none
        )
    except (AttributeError, TypeError):
        return None


def _key(axis: Axis, svg: RendererSVG) -> tuple[Any, ...] | None:
    """What the axis's SVG depends on beyond its own artists: its limits, the plot's place, the renderer's state."""
    state = _state(svg)
    if state is None or not axis.get_visible():
        return None
    ax = axis.axes
    key = (
        state,
        tuple(axis.get_view_interval()),  # an axis's ticks and grid lines do not depend on the other's limits
        # where its tickers put ticks and what they write there: a locator or formatter changed in place
        # (``locator_params``, ``ticklabel_format``) keeps its identity
        *_ticks(axis.major, axis.get_majorticklocs()),
        *_ticks(axis.minor, axis.get_minorticklocs()),
        tuple(ax.bbox.bounds),
        ax.get_figure(root=True).dpi,
        svg.width,
        svg.height,
        svg.image_dpi,
    )
    try:
        hash(key)
    except TypeError:  # a book keyed on something unhashable: not worth the risk
        return None
    return key


def _ticks(ticker: Any, locs: Any) -> tuple[Any, ...]:
    """The places of one kind of tick, their labels and the offset text, as drawing would write them."""
    return tuple(locs), tuple(ticker.formatter.format_ticks(locs)), ticker.formatter.get_offset()


def _parts(axis: Axis) -> list[Any]:
    """The axis's own artists: its label, offset text, ticks and each tick's lines and labels."""
    parts = [axis.label, axis.offsetText]
    for tick in (*axis.majorTicks, *axis.minorTicks):
        parts.append(tick)
        parts.extend(tick.get_children())
    return parts


def _settle(axis: Axis) -> None:
    """Mark every part of the axis as drawn. matplotlib clears ``stale`` only on what it draws: a hidden
    grid line or an empty label would stay stale for good, and turning it on later would go unseen."""
    for part in _parts(axis):
        part.stale = False


def _artists(axis: Axis) -> tuple[Any, ...]:
    """The axis's own artists as they stand: each one's ``stale`` flag, which any change to its text, colour,
    size or visibility sets (and :func:`_settle` clears after each drawing), and the tick locators and
    formatters (``set_ticks`` puts in new ones; held here, so no other object can take one's ``id`` while
    it is compared)."""
    tickers = (axis.major.locator, axis.major.formatter, axis.minor.locator, axis.minor.formatter)
    return tuple(a.stale for a in _parts(axis)), tickers


def _record(axis: Axis, renderer: Any, svg: RendererSVG, key: tuple[Any, ...] | None) -> _Recording | None:
    """Draw the axis as matplotlib does; with a key, keep the SVG it wrote and what it added to the books."""
    if key is None:
        type(axis).draw(axis, renderer)
        return None
    writer = svg.writer
    before = {name: dict(getattr(svg, name)) for name in _BOOKS}
    write = getattr(writer, _WRITE)
    written: list[str] = []

    def tee(text: str) -> None:
        written.append(text)
        write(text)

    setattr(writer, _WRITE, tee)
    try:
        type(axis).draw(axis, renderer)
    finally:
        setattr(writer, _WRITE, write)
    defined_before = key[0][-2:]  # gradients and glyphs, as _state gives them, before the drawing
    if getattr(writer, _OPEN) or getattr(writer, _DATA) or (svg._n_gradients, tuple(svg._glyph_map)) != defined_before:
        return None  # left something part written, or drew what these books do not cover: never replayed
    added = {
        name: {k: v for k, v in getattr(svg, name).items() if k not in before[name] or before[name][k] is not v}
        for name in _BOOKS
    }
    return _Recording("".join(written), added, (svg._path_collection_id, svg._has_gouraud))


def install(axes: Any, renderer_type: type[RendererSVG]) -> None:
    """Have every axis of ``axes`` replay its SVG into ``renderer_type`` renderers when drawn as last time."""
    for axis in (axes.xaxis, axes.yaxis):
        axis.draw = ReplayingDraw(axis, renderer_type)
