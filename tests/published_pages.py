"""Every number a reader of a published batch sees, with the words around it (for tests/test_published_numbers.py).

A page is read into :class:`Segment` s: the text of one block (a paragraph,
a heading, a table cell, an ``alt`` or ``aria-label``, a text of an SVG
chart, a JSON value), with what a reader sees beside it: the column and row
headers of a table cell, the term of a description, the heading above, the
axis of a chart's tick label, the key path of a JSON value. Tags, attributes
other than ``alt``/``aria-label``/``title``, ``<style>`` and ``<script>`` are
not read. :func:`numbers` then finds each number in a segment's text.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

# Elements whose text reads as one piece; text in any other element joins the nearest one of these around it.
BLOCKS = frozenset(
    {"p", "li", "td", "th", "dt", "dd", "caption", "figcaption", "title", "summary", "label", "legend", "button"}
    | {"div", "section", "nav", "header", "footer", "main", "article", "aside", "figure", "dl", "ul", "ol"}
    | {"table", "tr", "thead", "tbody", "body", "html", "h1", "h2", "h3", "h4", "h5", "h6"}
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
READ_ATTRIBUTES = ("alt", "aria-label", "title")  # read out by a screen reader or shown on hover
SVG_DATA = "data:image/svg+xml;base64,"


@dataclass(frozen=True)
class Segment:
    """One piece of text a reader sees, and what they see beside it."""

    page: str
    text: str
    column: str = ""  # a table cell's column header, or a description's term
    row: str = ""  # a table cell's row header (the row's first cell)
    heading: str = ""  # the nearest heading above
    axis: str = ""  # a chart's tick label: which chart and axis it belongs to
    path: tuple[str, ...] = ()  # a JSON value's keys

    def where(self) -> str:
        parts = [f"{k} {v!r}" for k, v in (("column", self.column), ("row", self.row)) if v]
        if self.path:
            parts.append("at " + "/".join(self.path))
        return f"{self.page}: {self.text[:160]!r}" + (f" ({', '.join(parts)})" if parts else "")


def _squash(text: str) -> str:
    return " ".join(text.split())


class _PageReader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.out: list[Segment] = []
        self.skip = 0
        self.blocks: list[tuple[str, list[str]]] = []
        self.heading = ""
        self.term = ""
        self.charts = 0
        self.tables: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.skip += 1
            return
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.out.append(Segment(self.page, _squash(value), heading=self.heading))
            if tag == "img" and name == "src" and value and value.startswith(SVG_DATA):
                self.charts += 1
                self.out.extend(svg_segments(self.page, base64.b64decode(value[len(SVG_DATA) :]), self.charts))
        if tag == "table":
            self.tables.append({"headers": [], "cells": [], "head": False})
        elif tag == "thead" and self.tables:
            self.tables[-1]["head"] = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["cells"] = []
        if tag in BLOCKS:
            self.blocks.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1
            return
        if tag == "thead" and self.tables:
            self.tables[-1]["head"] = False
        if tag not in BLOCKS or not any(t == tag for t, _ in self.blocks):
            return
        while self.blocks:
            open_tag, parts = self.blocks.pop()
            text = _squash(" ".join(parts))
            if open_tag == tag:
                break
            self._emit(open_tag, text)
        self._emit(tag, text)

    def _emit(self, tag: str, text: str) -> None:
        table = self.tables[-1] if self.tables else None
        if tag in ("td", "th") and table is not None:
            table["cells"].append((tag, text))
            return
        if tag == "tr" and table is not None:
            self._row(table)
            return
        if tag == "table" and table is not None:
            self.tables.pop()
            return
        if not text:
            return
        if tag in HEADINGS:
            self.heading = text
        column = self.term if tag == "dd" else ""
        if tag == "dt":
            self.term = text
        self.out.append(Segment(self.page, text, column=column, heading=self.heading))

    def _row(self, table: dict[str, Any]) -> None:
        cells = table["cells"]
        if table["head"] or (not table["headers"] and cells and all(t == "th" for t, _ in cells)):
            table["headers"] = [text for _, text in cells]
            self.out.extend(Segment(self.page, text, heading=self.heading) for _, text in cells if text)
            return
        row = cells[0][1] if cells else ""
        for i, (_, text) in enumerate(cells):
            if text:
                column = table["headers"][i] if i < len(table["headers"]) else ""
                self.out.append(Segment(self.page, text, column=column, row=row if i else "", heading=self.heading))

    def handle_data(self, data: str) -> None:
        if not self.skip and self.blocks and data.strip():
            self.blocks[-1][1].append(data)


def svg_segments(page: str, svg: bytes, chart: int) -> list[Segment]:
    """Each ``<text>`` of an SVG chart; a tick label knows its chart and axis (matplotlib's ``xtick_N``/``ytick_N``)."""
    out: list[Segment] = []

    def walk(node: ET.Element, axis: str, tick: bool) -> None:
        gid = node.get("id", "")
        if re.fullmatch(r"matplotlib\.axis_\d+", gid):
            axis = f"chart {chart} {gid}"
        tick = tick or bool(re.fullmatch(r"[xy]tick_\d+", gid))
        if node.tag.rsplit("}", 1)[-1] == "text":
            text = _squash(" ".join(node.itertext()))
            if text:
                out.append(Segment(page, text, axis=axis if tick else ""))
            return
        for child in node:
            walk(child, axis, tick)

    walk(ET.fromstring(svg), "", False)
    return out


def html_segments(path: Path, page: str) -> list[Segment]:
    reader = _PageReader(page)
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.out


def json_segments(path: Path, page: str) -> list[Segment]:
    """Every key and value of a JSON file; a number's text is its JSON form, a key's path ends in ``"(key)"``."""
    out: list[Segment] = []

    def walk(value: Any, keys: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                out.append(Segment(page, str(k), path=(*keys, str(k), "(key)")))
                walk(v, (*keys, str(k)))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, (*keys, str(i)))
        elif isinstance(value, bool) or value is None:
            return
        else:
            out.append(Segment(page, json.dumps(value) if not isinstance(value, str) else value, path=keys))

    walk(json.loads(path.read_text(encoding="utf-8")), ())
    return out


# A number: not part of a word or ID ("V1", "e5323a"), with thousands separators ("1,234"), decimals, and a % sign.
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])(%?)")


@dataclass(frozen=True)
class Number:
    text: str  # as a registry holds it: no separators, no % ("1234", "57", "0.68")
    percent: bool
    start: int
    end: int

    @property
    def decimal(self) -> bool:
        return "." in self.text


def numbers(text: str) -> list[Number]:
    """Every number in ``text``; "V1" is an ID, "38%" is 38, "29% to 77%" is two, "1,234" is one."""
    return [
        Number(m.group(1).replace(",", "") + (m.group(2) or ""), bool(m.group(3)), m.start(), m.end())
        for m in NUMBER.finditer(text)
    ]


@dataclass
class Page:
    """A published file: its segments, and the area it is about (None: the national summary and the index)."""

    name: str
    area: str | None
    segments: list[Segment]
    axes: dict[str, list[str]] = field(default_factory=dict)  # each chart axis's tick labels, in order


def read_batch(out: Path, areas: dict[str, str], only: str | None = None) -> list[Page]:
    """Every published page and summary.json of a batch in ``out`` (``only`` that one); ``areas`` maps each area's
    folder to its name.

    The restricted folder and manifest.json are not for publication, so not read.
    """
    names: list[tuple[str, str | None]] = [("index.html", None), ("national/report.html", None)]
    names += [
        (f"{slug}/{name}", area) for slug, area in sorted(areas.items()) for name in ("report.html", "summary.json")
    ]
    pages = []
    for name, area in names:
        if only in (None, name):
            read = json_segments if name.endswith(".json") else html_segments
            pages.append(Page(name, area, read(out / name, name)))
    for page in pages:
        for seg in page.segments:
            if seg.axis:
                page.axes.setdefault(seg.axis, []).append(seg.text)
    return pages
