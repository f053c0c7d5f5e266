"""The HTML building blocks of a report: a fragment Jupyter shows as HTML, escaping, accessible tables.

Every report section, the national summary included, builds its HTML from these.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd


class Fragment(str):
    """HTML that Jupyter displays as HTML rather than as a string."""

    def _repr_html_(self) -> str:
        return str(self)

    def __repr__(self) -> str:  # keeps the notebook's text/plain copy short
        return f"<{len(self)} characters of report HTML>"


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def table(frame: pd.DataFrame, caption: str, numeric: Iterable[str] = ()) -> str:
    """An accessible table: a caption, column headers with scope, the first column as row headers."""
    numeric = set(numeric)
    head = "".join(f'<th scope="col"{_num(c, numeric)}>{esc(c)}</th>' for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = [f'<th scope="row">{esc(row[0])}</th>']
        cells += [f"<td{_num(c, numeric)}>{esc(v)}</td>" for c, v in zip(frame.columns[1:], row[1:], strict=True)]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _num(column: str, numeric: set[str]) -> str:
    return ' class="num"' if column in numeric else ""


def _pct(value: float | None) -> str:
    return "no answers" if value is None or value != value else f"{value:.0f}%"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
