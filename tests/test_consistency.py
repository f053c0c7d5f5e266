"""One area's figures agree across summary.json, the scored workbook and the report's fragments."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from audit.analyse.area_result import analyse_area
from audit.analyse.findings import CATEGORY_LABELS
from audit.analyse.moderation import agreement, matched
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render import charts, present
from audit.render.present_judged import INDICATED
from audit.run.report import write_area_data
from tests.conftest import SAMPLE_DATA

AREA = "Amberlow Vale"


class _Tables(HTMLParser):
    """Every table in an HTML fragment, by caption: a list of rows, each a dict from header to cell text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self._caption = self._cell = None
        self._row: list[str] = []
        self._rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "caption":
            self._caption = ""
        elif tag in ("th", "td"):
            self._cell = ""
        elif tag == "tr":
            self._row = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data
        elif self._caption is not None:
            self._caption += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self._rows.append(self._row)
        elif tag == "caption":
            self._name, self._caption = self._caption, None
        elif tag == "table":
            header, *body = self._rows
            self.tables[self._name] = [dict(zip(header, r, strict=True)) for r in body]
            self._rows = []


def tables(fragment: str) -> dict[str, list[dict[str, str]]]:
    parser = _Tables()
    parser.feed(fragment)
    return parser.tables


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory, framework):
    data = load_audit(SAMPLE_DATA, framework, scan=False)
    result = publish(analyse_area(data, AREA), None)
    out: Path = tmp_path_factory.mktemp("out")
    paths = write_area_data(result, out)
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(paths["workbook"])
    report = "".join(
        [
            present.headline(result),
            present.findings(result),
            present.annex(result),
            present.criteria(result, ""),
            present.themes(result, ""),
            present.benchmarks(result),
            present.agencies(result, charts.sharing_heatmap(result).html()),
            present.moderation(result),
        ]
    )
    return result.analysed, summary, book, report


def _sheet_table(ws, title: str) -> dict[str, dict]:
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    header, out = rows[start], {}
    for r in rows[start + 1 :]:
        if r[0] is None:
            break
        out[r[0]] = dict(zip(header, r, strict=False))
    return out


def test_criteria_agree(outputs, framework):
    result, summary, book, report = outputs
    sheet = _sheet_table(book["Summary"], "Results by criterion")
    page = {row["ID"]: row for row in tables(report)[f"Results by criterion, {AREA}"]}
    found = {
        row["Criterion or theme"].removesuffix(" (key)"): row
        for row in tables(report)[f"Findings by criterion and theme, {AREA}"]
    }
    for c in framework.criteria:
        s, w, p = summary["criteria"][c.id], sheet[c.id], page[c.id]
        assert (w["Yes"], w["Partly"], w["No"], w["N/A"], w["Answered"]) == (
            s["yes"],
            s["partly"],
            s["no"],
            s["na"],
            s["answered"],
        )
        assert (w["% Yes"], w["95% interval low"], w["95% interval high"], w["Score"]) == (
            s["pct_yes"],
            s["ci_low"],
            s["ci_high"],
            s["score"],
        )
        assert (int(p["Yes"]), int(p["Partly"]), int(p["No"]), int(p["N/A"])) == (
            s["yes"],
            s["partly"],
            s["no"],
            s["na"],
        )
        raw = result.criteria.loc[c.id]  # the report rounds the same figure to whole numbers
        assert p["% Yes"] == f"{raw['pct_yes']:.0f}%" and s["pct_yes"] == round(raw["pct_yes"], 1)
        assert p["95% interval"] == f"{raw['ci_low']:.0f}% to {raw['ci_high']:.0f}%"
        f = found[f"{c.id} {c.label}"]
        assert f["% Yes (95% interval)"] == f"{p['% Yes']} ({p['95% interval']})"
        category = summary["findings"]["criteria"][c.id]
        # The report says what the data indicate (never a verdict); the workbook names the category.
        assert w["Finding"] == CATEGORY_LABELS[category] and f["Indicated by the data"] == INDICATED[category]
        assert f"In {s['yes']} of {s['answered']} cases ({p['% Yes']};" in report


def test_themes_agree(outputs, framework):
    result, summary, book, report = outputs
    sheet = _sheet_table(book["Summary"], "Results by theme")
    page = {row["Theme"]: row for row in tables(report)[f"Answers of Yes by theme, {AREA}"]}
    for t in framework.themes:
        s, w, p = summary["themes"][t.id], sheet[t.id], page[f"{t.number}. {t.label}"]
        assert (w["Answered"], w["% Yes"]) == (s["answered"], s["pct_yes"]) and int(p["Answers"]) == s["answered"]
        raw = result.themes.loc[t.id]
        assert p["% Yes"] == f"{raw['pct_yes']:.0f}%" and s["pct_yes"] == round(raw["pct_yes"], 1)
        assert w["Finding"] == CATEGORY_LABELS[summary["findings"]["themes"][t.id]]


def test_benchmarks_and_agencies_use_the_same_figures(outputs, framework):
    result, summary, _book, report = outputs
    bench = {
        row["Criterion or theme"]: row for row in tables(report)[f"{AREA} beside other areas, % Yes (95% interval)"]
    }
    for c in framework.criteria:
        s = summary["criteria"][c.id]
        raw = result.criteria.loc[c.id]
        assert (s["yes"], s["answered"]) == (raw["yes"], raw["answered"])
        assert (
            bench[f"{c.id} {c.label}"][AREA] == f"{raw['pct_yes']:.0f}% ({raw['ci_low']:.0f}% to {raw['ci_high']:.0f}%)"
        )
    agencies = tables(report)[f"Results by agency, {AREA}"]
    assert {row["Agency"] for row in agencies} <= set(framework.agencies.values())


def test_moderation_agrees(outputs, framework):
    result, summary, book, report = outputs
    raw = agreement(matched(result.cases, result.data.moderation), framework)
    rows = list(book["Moderation"].iter_rows(values_only=True))
    header = rows[0]
    sheet = {r[0]: dict(zip(header, r, strict=False)) for r in rows[1:] if r[0] and re.match(r"^[A-Z]+\d+$", r[0])}
    page = {
        row["Criterion"].split(" ")[0]: row
        for row in tables(report)[f"Agreement between auditors by criterion, {AREA}"]
    }
    assert summary["moderation"]["cases"] == 5
    for cid, s in summary["moderation"]["criteria"].items():
        assert sheet[cid]["Pairs"] == s["pairs"] == int(page[cid]["Pairs"])
        assert sheet[cid]["% agreement"] == s["agreement_pct"]
        assert sheet[cid]["Cohen's kappa"] == s["kappa"]
        assert s["kappa"] == (
            None if raw.loc[cid, "kappa"] != raw.loc[cid, "kappa"] else round(raw.loc[cid, "kappa"], 3)
        )
        assert page[cid]["Kappa"] == ("" if s["kappa"] is None else f"{raw.loc[cid, 'kappa']:.2f}")
