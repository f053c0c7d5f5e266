"""Time (or profile) the area report's cells in this process, with no kernel, for a spread of areas.

The report's own work, cell by cell, as ``benchmarks/run.py``'s floor runs it: each
area's published result is prepared once (as ``audit batch`` prepares it for its
kernels) and kept under ``benchmarks/out/report_cells/``; then the notebook's code
cells are run for each area, and each cell's seconds summed over the areas.

    .venv/bin/python benchmarks/report_cells.py                  # 20 areas, seconds by cell
    .venv/bin/python benchmarks/report_cells.py --profile charts # cProfile of the chart cells only
    .venv/bin/python benchmarks/report_cells.py --save out.json  # every cell's HTML, to diff two versions

``--save`` writes each area's cell outputs, so two versions of the code can be
checked to give the same report, byte for byte.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE.parent / "src" / "audit" / "notebooks" / "area_report.ipynb"
DATA = HERE / "out" / "data" / "national-153x30-seed2025" / "national.xlsx"
CACHE = HERE / "out" / "report_cells"
CHART_WORDS = ("charts.",)


def prepared_areas(source: Path, n: int, publish: bool) -> list[Path]:
    """``n`` evenly spread areas' prepared results (made once per source and mode, then reused)."""
    folder = CACHE / f"{source.parent.name}-{'publish' if publish else 'full'}-{n}"
    done = folder / "areas.json"
    if done.exists():
        return [folder / name for name in json.loads(done.read_text())]
    from audit.check.validate import load_audits
    from audit.run.area_input import published_results, save_prepared

    data = load_audits([source])[0]
    results, _ = published_results(data, publish, 5)
    names = sorted(results)
    step = max(1, len(names) // n)
    chosen = names[::step][:n]
    folder.mkdir(parents=True, exist_ok=True)
    files = [save_prepared(results[a], folder / f"area-{i}.audit.pickle") for i, a in enumerate(chosen)]
    done.write_text(json.dumps([f.name for f in files]))
    return files


def code_cells(path: Path) -> list[tuple[str, bool]]:
    """Each code cell's source and whether it is the parameters cell."""
    nb = json.loads(path.read_text())
    return [
        ("".join(c["source"]), "parameters" in c["metadata"].get("tags", []))
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]


def run_cells(
    cells: list[tuple[str, bool]],
    params: dict[str, Any],
    seconds: list[float],
    profiler: cProfile.Profile | None = None,
    profiled: frozenset[int] = frozenset(),
) -> list[str]:
    """Run the cells as a kernel would, rendering each cell's result; add each cell's time to ``seconds``."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    shown = []
    for i, (source, is_params) in enumerate(cells):
        watched = profiler is not None and i in profiled
        if watched:
            profiler.enable()
        start = time.process_time()
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), namespace)  # noqa: S102  # the project's own notebook
        out = ""
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)  # noqa: S307
            if value is not None:
                render = getattr(value, "_repr_html_", None)
                out = render() if callable(render) else repr(value)
        if is_params:
            namespace.update(params)
        seconds[i] += time.process_time() - start
        if watched:
            profiler.disable()
        shown.append(out)
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DATA)
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--publish", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="run every area this many times")
    parser.add_argument("--profile", choices=["all", "charts", "present"], help="cProfile these cells")
    parser.add_argument("--save", type=Path, help="write every cell's output here as JSON")
    args = parser.parse_args(argv)

    files = prepared_areas(args.source.resolve(), args.areas, args.publish)
    cells = code_cells(NOTEBOOK)
    os.chdir(NOTEBOOK.parent)
    params = {"publish": args.publish}
    seconds = [0.0] * len(cells)
    run_cells(cells, {**params, "prepared": str(files[0])}, [0.0] * len(cells))  # imports, off the clock
    profiled = frozenset(
        i
        for i, (source, is_params) in enumerate(cells)
        if not is_params
        and (args.profile == "all" or (args.profile == "charts") == any(w in source for w in CHART_WORDS))
    )
    profiler = cProfile.Profile() if args.profile else None
    outputs: dict[str, list[str]] = {}
    total = time.process_time()
    for _ in range(args.repeat):
        for f in files:
            outputs[f.name] = run_cells(cells, {**params, "prepared": str(f)}, seconds, profiler, profiled)
    total = time.process_time() - total
    n = len(files) * args.repeat
    for i, (source, _) in enumerate(cells):
        first = source.strip().splitlines()[-1][:70]
        print(f"{1000 * seconds[i] / n:8.1f} ms  cell {i:2d}  {first}")
    print(f"{1000 * total / n:8.1f} ms CPU a report ({n} reports, load {os.getloadavg()[0]:.2f})")
    if args.save:
        args.save.write_text(json.dumps(outputs, indent=0))
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(45)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
