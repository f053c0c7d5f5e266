"""The package's modules import each other without a loop.

The graph is built from the source with :mod:`ast`, so it holds every import:
at the top of a module, inside functions (the lazy imports that keep
``audit --help`` quick), and under ``TYPE_CHECKING``. An edge A -> B means a
module A names module B (``import audit.b``, ``from audit import b``,
``from audit.b import x``, or a relative import).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "audit"

# Loops known and left for now, each as its modules in order. Empty: none are allowed.
KNOWN_CYCLES: list[tuple[str, ...]] = []


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = ["audit", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The package's modules that ``tree`` (the module ``name``) imports, anywhere in it."""
    found: set[str] = set()
    here = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from audit.run import report` imports audit.run.report; `from audit.x import f` imports audit.x.
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            # `import audit.a.b` names audit.a.b; keep the longest known prefix.
            parts = target.split(".")
            while parts and ".".join(parts) not in known:
                parts.pop()
            if parts and ".".join(parts) != name:
                found.add(".".join(parts))
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    return {
        name: imported_modules(ast.parse(path.read_text(encoding="utf-8")), name, path.name == "__init__.py", known)
        for name, path in files.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Every strongly connected group of two or more modules, as one loop through it, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(_loop_through(sorted(g), graph) for g in groups)


def _loop_through(group: list[str], graph: dict[str, set[str]]) -> tuple[str, ...]:
    """A shortest loop from the group's first module back to itself, inside the group, for the message."""
    start = group[0]
    members = set(group)
    paths = {start: (start,)}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    return paths[v]
                if w not in paths:
                    paths[w] = (*paths[v], w)
                    nxt.append(w)
        frontier = nxt
    return tuple(group)


def test_the_package_has_no_import_cycle():
    found = cycles(import_graph())
    new = [c for c in found if c not in KNOWN_CYCLES]
    assert not new, "import cycles:\n" + "\n".join(" -> ".join((*c, c[0])) for c in new)


def test_known_cycles_are_still_there():
    """A loop that has been broken must come off the known list, so the list never hides a new one."""
    found = cycles(import_graph())
    assert [c for c in KNOWN_CYCLES if c not in found] == []


def write_package(root: Path, modules: dict[str, str]) -> Path:
    for name, source in modules.items():
        path = root / "audit" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root / "audit"


def test_a_loop_through_a_function_level_import_is_found(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "report.py": "from audit.atomic import write\n",
            "atomic.py": "def write():\n    from audit import pdf\n",
            "pdf.py": "from . import report\n",
            "alone.py": "import audit.atomic\n",
        },
    )
    graph = import_graph(package)
    assert graph["audit.alone"] == {"audit.atomic"}
    assert cycles(graph) == [("audit.atomic", "audit.pdf", "audit.report")]


def test_imports_under_type_checking_and_of_subpackages_count(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "run/__init__.py": "from .engine import go\n",
            "run/engine.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..render import page\n",
            "render/__init__.py": "",
            "render/page.py": "import audit.run.engine as e\n",
        },
    )
    graph = import_graph(package)
    assert graph["audit.run"] == {"audit.run.engine"}
    assert graph["audit.run.engine"] == {"audit.render.page"}
    assert cycles(graph) == [("audit.render.page", "audit.run.engine")]


@pytest.mark.parametrize(
    ("source", "edges"),
    [
        ("import os\n", set()),
        ("from pandas import DataFrame\n", set()),
        ("from audit import AreaResult\n", {"audit"}),  # a name the package's __init__ offers: an edge to it
    ],
)
def test_only_the_package_s_own_modules_are_edges(tmp_path, source, edges):
    package = write_package(tmp_path, {"__init__.py": "", "a.py": source})
    assert import_graph(package)["audit.a"] == edges


def private_papermill_names(source: str) -> list[str]:
    """Names private to papermill (a part starting with "_") that ``source`` imports or reaches."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "papermill":
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            found += [node.module] if any(p.startswith("_") for p in node.module.split(".")) else []
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("papermill.") and "._" in a.name]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            dotted = ast.unparse(node.value)
            if dotted == "papermill" or dotted.startswith(("papermill.", "pm.")) or dotted == "pm":
                found.append(f"{dotted}.{node.attr}")
    return found


def test_no_private_papermill_name_is_used():
    """Papermill's private names change without notice: the engine uses its documented Engine API only."""
    root = PACKAGE.parents[1]
    used = {
        str(path.relative_to(root)): names
        for folder in ("src", "tests", "benchmarks")
        for path in sorted((root / folder).rglob("*.py"))
        if (names := private_papermill_names(path.read_text(encoding="utf-8")))
    }
    assert used == {}


def test_private_papermill_names_are_found():
    source = (
        "from papermill.inspection import _infer_parameters\n"
        "import papermill as pm\nimport papermill.engines\n"
        "pm.execute._x()\npapermill.engines.Engine\n"
    )
    assert private_papermill_names(source) == ["papermill.inspection._infer_parameters", "pm.execute._x"]


# The pipeline's stages in order: a module may import from its own stage or an earlier one, never a later one.
# The package's top-level modules (errors, codes, names, files written atomically...) come before every stage;
# the command line comes after all of them.
STAGES = ("framework", "read", "check", "analyse", "publish", "render", "workbooks", "run")
COMMAND_LINE = {"audit.cli", "audit.cli_options", "audit.__main__"}
# Back edges known and left for now, as (importer, imported).
KNOWN_BACK_EDGES: set[tuple[str, str]] = set()


def stage_rank(module: str) -> int:
    if module in COMMAND_LINE:
        return len(STAGES) + 1
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES):
        return STAGES.index(parts[1]) + 1
    return 0  # the package's foundation: audit, audit.errors, audit.names, ...


def test_every_module_sits_in_a_stage_or_the_foundation():
    for name in import_graph():
        parts = name.split(".")
        if len(parts) > 2:
            assert parts[1] in STAGES, f"{name}: not in one of the stages {STAGES}"


def test_imports_follow_the_pipeline_stages():
    graph = import_graph()
    back = {
        (a, b)
        for a, targets in graph.items()
        for b in targets
        if stage_rank(b) > stage_rank(a) and (a, b) not in KNOWN_BACK_EDGES
    }
    assert not back, "imports from a later stage: " + ", ".join(f"{a} -> {b}" for a, b in sorted(back))
    stale = {edge for edge in KNOWN_BACK_EDGES if edge[1] not in graph.get(edge[0], set())}
    assert not stale, f"back edges listed as known but gone: {sorted(stale)}"
