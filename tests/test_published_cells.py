"""Renderers read every count through the published result: a misspelt cell is refused, and no page reads a count
column, applies a suppression rule of its own or works an analysis out again."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

import audit.render
from audit.check.validate import load_audit
from audit.publish import cells
from audit.publish.cells import Cell, Row, UnregisteredCell
from audit.render import charts, present
from tests.conftest import SAMPLE_DATA
from tests.published import published

RENDER = Path(audit.render.__file__).parent

COUNT_COLUMNS = {"yes", "partly", "no", "answered", "na", "missing", "invalid", "cases", "pairs", "agreed", "not_yes"}
SUPPRESSION_RULES = {"protect", "result_groups", "shown"}  # audit.publish.disclosure's own rule and helpers
ANALYSES = {
    "agency_results",
    "sharing_results",
    "age_band_results",
    "focus_by_criterion",
    "matched",
    "agreement",
    "unmatched",
    "grade_comparison",
    "assess",
    "rounds_table",
    "change_since_previous",
    "area_results",
    "score_criteria",
    "score_themes",
    "grade_cases",
    "analyse_area",
    "analyse_tables",
}


# A renderer given a misspelt cell key is refused -------------------------------------------------------------


@pytest.fixture(scope="module")
def pub():
    """Amberlow Vale, the sample area with moderation: every section has something to print."""
    return published(load_audit(SAMPLE_DATA, scan=False), "Amberlow Vale")


def _misspelt(made: Row | Cell) -> Row | Cell:
    """The same cell with a typo in its key, as a renderer might build it by hand."""
    row = made.row if isinstance(made, Cell) else made
    typo = Row(row.table, tuple(f"{k}." for k in row.key) or ("typo",))
    return typo.cell(made.measure) if isinstance(made, Cell) else typo


def _agencies(pub):
    return present.agencies(pub, "")


# Each way a renderer names a cell, and the sections and charts that name cells that way.
MADE_BY: dict[str, list[Callable]] = {
    "criterion": [present.annex, present.findings, lambda p: present.criteria(p, ""), charts.criteria_chart],
    "theme": [present.findings, lambda p: present.themes(p, ""), charts.themes_chart],
    "grade": [present.sample, lambda p: present.grades(p, ""), charts.grades_chart],
    "age": [present.sample, present.age_bands],
    "involved": [present.sample],
    "agency": [_agencies],
    "sharing": [_agencies, charts.sharing_heatmap],
    "band": [present.age_bands],
    "focus_criterion": [present.age_bands],
    "agreement": [present.moderation],
    "moderation_grade": [present.moderation],
    "CASES": [present.title, present.headline, present.sample, present.data_quality, charts.grades_chart],
    "EXCLUDED": [present.headline, present.data_quality],
    "ROWS": [present.data_quality],
    "GRADE_AGREEMENT": [lambda p: present.grades(p, "")],
    "KEY_NO": [lambda p: present.grades(p, "")],
    "MODERATED": [present.moderation],
}
CASES_ = [(name, i) for name, renderers in MADE_BY.items() for i in range(len(renderers))]
# The practice's cells, each named by a section in the sample area that has something for it to print.
PRACTICE_MADE_BY: dict[str, tuple[str, Callable]] = {
    "ESCALATED": ("Brackenholt Moor", present.escalations),
    "learning": ("Amberlow Vale", present.impact_learning),
    "AGREED_CHANGED": ("Elderwyke Downs", present.moderation),
    "agreed_change": ("Elderwyke Downs", present.moderation),
    "agency_own": ("Fennistow Bay", _agencies),
}


def _misspell(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``cells.<name>`` (a constructor or a constant) give a cell that was never registered."""
    made = getattr(cells, name)
    if callable(made):
        monkeypatch.setattr(cells, name, lambda *args: _misspelt(made(*args)))
    else:
        monkeypatch.setattr(cells, name, _misspelt(made))


@pytest.mark.parametrize(("name", "i"), CASES_, ids=[f"{n}-{i}" for n, i in CASES_])
def test_a_misspelt_cell_is_refused_not_published(pub, monkeypatch, name, i):
    render = MADE_BY[name][i]
    render(pub)  # as written, every cell it names was registered
    _misspell(monkeypatch, name)
    with pytest.raises(UnregisteredCell):
        render(pub)


@pytest.mark.parametrize("name", list(PRACTICE_MADE_BY))
def test_a_misspelt_practice_cell_is_refused_not_published(monkeypatch, name):
    area, render = PRACTICE_MADE_BY[name]
    pub = published(load_audit(SAMPLE_DATA, scan=False), area, 5)
    render(pub)
    _misspell(monkeypatch, name)
    with pytest.raises(UnregisteredCell):
        render(pub)


def test_a_misspelt_measure_or_table_cannot_even_be_named():
    with pytest.raises(UnregisteredCell):
        cells.criterion("V1").cell("yse")
    with pytest.raises(UnregisteredCell):
        Row("criterio", ("V1",))
    with pytest.raises(UnregisteredCell):
        cells.moderation_grade("first").cell("both")


# No renderer reads a count column, applies a suppression rule or runs an analysis ------------------------------


def _strings(node: ast.AST) -> list[str]:
    """The string constants a subscript's index is made of: ``r["yes"]``, ``frame.loc[i, "yes"]``, ``f[["yes"]]``."""
    parts = node.elts if isinstance(node, ast.Tuple | ast.List) else [node]
    out = []
    for part in parts:
        if isinstance(part, ast.List):
            out += _strings(part)
        elif isinstance(part, ast.Constant) and isinstance(part.value, str):
            out.append(part.value)
    return out


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def violations(path: Path) -> list[tuple[str, str]]:
    """``(where, what)`` for every read of a count column, suppression rule or analysis in a render module.

    ``where`` is ``module:function`` (``module`` at the top level).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    analyses: set[str] = set()  # local names of analysis functions, and of analysis modules (called as module.f)
    modules: set[str] = set()
    rules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("audit.analyse"):
            for alias in node.names:
                if alias.name in ANALYSES:
                    analyses.add(alias.asname or alias.name)
                elif node.module == "audit.analyse":
                    modules.add(alias.asname or alias.name)
        if isinstance(node, ast.ImportFrom) and node.module == "audit.publish.disclosure":
            rules |= {alias.asname or alias.name for alias in node.names if alias.name in SUPPRESSION_RULES}
    found = []

    def visit(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and where == path.name:
            where = f"{path.name}:{node.name}"
        if isinstance(node, ast.Subscript):
            for s in _strings(node.slice):
                if s in COUNT_COLUMNS:
                    found.append((where, f"line {node.lineno} reads the count column {s!r}"))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in analyses | rules:
                found.append((where, f"line {node.lineno} calls {func.id}"))
            elif isinstance(func, ast.Attribute) and _name(func.value) in modules and func.attr in ANALYSES:
                found.append((where, f"line {node.lineno} calls {_name(func.value)}.{func.attr}"))
            elif _name(func) == "protect":
                found.append((where, f"line {node.lineno} calls protect"))
        if isinstance(node, ast.Compare):
            names = [_name(n) for n in [node.left, *node.comparators]]
            if any("threshold" in n for n in names):
                found.append((where, f"line {node.lineno} compares a count with the threshold"))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(tree, path.name)
    return found


MODULES = sorted(p.name for p in RENDER.glob("*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_no_renderer_reads_a_count_column_or_applies_its_own_rule(module):
    found = violations(RENDER / module)
    assert not found, found


def test_the_check_sees_what_it_looks_for(tmp_path):
    """The checker itself: each kind of read it must catch, and a clean module it must pass."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from audit.analyse.agencies import sharing_results\n"
        "from audit.analyse import moderation\n"
        "from audit.publish.disclosure import protect\n"
        "def f(result, r, frame, n, threshold):\n"
        "    a = int(r['yes'])\n"
        "    b = frame.loc['V1', 'answered']\n"
        "    c = frame[['no', 'label']]\n"
        "    sharing_results(result.cases, result.framework)\n"
        "    moderation.matched(result.cases, None)\n"
        "    protect({}, [], 5)\n"
        "    return 0 < n <= threshold or n <= result.threshold\n",
        encoding="utf-8",
    )
    found = violations(bad)
    assert {w for w, _ in found} == {"bad.py:f"}
    assert len(found) == 8, found
    good = tmp_path / "good.py"
    good.write_text("def f(pub, r):\n    return r['pct_yes'], r['label'], pub.shown(r)\n", encoding="utf-8")
    assert violations(good) == []
