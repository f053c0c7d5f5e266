"""Finishing touches to an exported report page: a contents list and scrollable tables.

The report's sections arrive as separate notebook outputs, so the page as a
whole is only known after export. These functions work on that finished HTML
(our own markup, from present.py and the report template), and are idempotent:
running them twice changes nothing.
"""

from __future__ import annotations

import html
import re

_H2 = re.compile(r"<h2(?P<attrs>\s[^>]*)?>(?P<body>.*?)</h2>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r"""\bid\s*=\s*(["'])(?P<id>.*?)\1""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_H1_BLOCK = re.compile(r"<h1[\s>].*?</h1>\s*(?:<p\s+class=\"lead\"[^>]*>.*?</p>)?", re.DOTALL | re.IGNORECASE)
# The escalations box (present.escalations) opens the report, before even the contents list; in the published
# version the mode note comes between it and the title.
_OPENING_BOX = re.compile(
    r"(?:\s*<p\s+class=\"mode\"[^>]*>.*?</p>)?\s*<div\s+class=\"escalations\"[^>]*>.*?</div>", re.DOTALL | re.IGNORECASE
)
_TABLE = re.compile(r"<table(?P<attrs>\s[^>]*)?>(?P<body>.*?)</table>", re.DOTALL | re.IGNORECASE)
_CAPTION = re.compile(r"<caption(?P<attrs>\s[^>]*)?>", re.IGNORECASE)
_COL_HEADER = re.compile(r"<th\b[^>]*\bscope\s*=\s*[\"']?col", re.IGNORECASE)

# A header cell of one word (no spaces, no markup): "N/A", "95%", "Kappa".
_ONE_WORD_TH = re.compile(r"<th(?P<attrs>(?:\s[^>]*)?)>(?P<word>[^<>\s]+)</th>", re.IGNORECASE)

CONTENTS_MARK = 'class="contents"'
WRAP_MARK = 'class="table-wrap'
#: Tables with no more columns than this are kept narrow on a wide screen (class ``table-narrow``).
WIDE_TABLE_COLUMNS = 3


def text_of(fragment: str) -> str:
    """The plain text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "section"


def _unique(base: str, taken: set[str]) -> str:
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    taken.add(ident)
    return ident


def add_contents(page: str, title: str = "Contents") -> str:
    """Give every h2 an id and put a contents list linking to them after the h1 and its lead paragraph.

    A report that opens with an escalations box keeps it first, straight after the title: the contents
    list follows it.

    Readers of a long report (and screen reader users most of all) need a way
    to jump to a section; the PDF's print stylesheet adds page numbers to the
    same list. A page without an h1 or with fewer than two sections is returned
    with ids only.
    """
    if CONTENTS_MARK in page:
        return page
    taken = {m["id"] for m in _ID.finditer(page)}
    sections: list[tuple[str, str]] = []

    def number(m: re.Match[str]) -> str:
        attrs = m["attrs"] or ""
        existing = _ID.search(attrs)
        if existing:
            sections.append((existing["id"], text_of(m["body"])))
            return m.group(0)
        ident = _unique(_slug(text_of(m["body"])), taken)
        sections.append((ident, text_of(m["body"])))
        return f'<h2 id="{ident}"{attrs}>{m["body"]}</h2>'

    page = _H2.sub(number, page)
    block = _H1_BLOCK.search(page)
    if block is None or len(sections) < 2:
        return page
    items = "".join(f'<li><a href="#{html.escape(ident)}">{html.escape(label)}</a></li>' for ident, label in sections)
    nav = (
        f'<nav class="contents" aria-label="{html.escape(title)}">'
        f'<h2 class="contents-title" id="{_unique("contents", taken)}">{html.escape(title)}</h2>'
        f"<ol>{items}</ol></nav>"
    )
    end = block.end()
    box = _OPENING_BOX.match(page, end)
    end = box.end() if box else end
    return page[:end] + nav + page[end:]


def wrap_tables(page: str) -> str:
    """Put each table in a ``div.table-wrap``: its own region that scrolls sideways on a narrow screen.

    Without it a wide table makes the whole page scroll sideways, or is cut off, at 320 px
    (WCAG 1.4.10 Reflow). Every wrapper is a named region that takes keyboard focus, labelled by
    the table's caption, so it can be scrolled without a mouse (WCAG 2.1.1): even a table of few
    columns can be wider than a phone when its cells hold long words. Tables of few columns keep
    the class ``table-narrow``, which stops them stretching across a wide screen.
    """
    if WRAP_MARK in page:
        return page
    taken = {m["id"] for m in _ID.finditer(page)}

    def wrap(m: re.Match[str]) -> str:
        table = m.group(0)
        kind = "table-wrap table-narrow" if len(_COL_HEADER.findall(m["body"])) <= WIDE_TABLE_COLUMNS else "table-wrap"
        caption = _CAPTION.search(table)
        if caption is None:
            return f'<div class="{kind}" role="region" aria-label="Table" tabindex="0">{table}</div>'
        existing = _ID.search(caption["attrs"] or "")
        if existing:
            ident = existing["id"]
        else:
            ident = _unique("table-caption", taken)
            table = (
                table[: caption.start()] + f'<caption id="{ident}"{caption["attrs"] or ""}>' + table[caption.end() :]
            )
        return f'<div class="{kind}" role="region" aria-labelledby="{ident}" tabindex="0">{table}</div>'

    return _TABLE.sub(wrap, page)


def keep_words_whole(page: str) -> str:
    """Keep one-word header cells on one line, so a narrow column never breaks "N/A" as "N/" and "A".

    Browsers and WeasyPrint may break a line after a slash; a header of one word is short enough
    to keep whole. Idempotent: a kept word is wrapped in a span, which the pattern no longer matches.
    """
    return _ONE_WORD_TH.sub(lambda m: f'<th{m["attrs"]}><span class="nowrap">{m["word"]}</span></th>', page)


def finish_page(page: str) -> str:
    """Everything a report page needs after export: the contents list, scrollable tables, whole words."""
    return keep_words_whole(wrap_tables(add_contents(page)))
