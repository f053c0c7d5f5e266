"""Benchmark for issue 16: how `audit batch` scales, and what a re-run into the same folder costs.

    .venv/bin/python benchmarks/scaling.py [--quick] [--skip scaling|reruns]

``benchmarks/run.py`` runs both parts too (leave them out with ``--skip scaling reruns``);
this file runs only them, writing ``benchmarks/out/scaling.json``.

- **scaling**: ``audit batch --workers N`` as a subprocess over 10, 50, 153 and 500 areas of
  30 cases and 153 areas of 100 cases: wall time, CPU and the peak memory of the whole process
  tree (``run.measured``); a straight-line fit of time against areas, and the linearity check
  (the 500-area time within 10% of 500/153 x the 153-area time).
- **reruns**: one full batch into a folder, then again into the same folder with nothing
  changed, with the workbook re-saved unchanged, after one area's answer to one criterion
  changed (the figures every area is compared with change), after one area's evidence note
  changed (only that area changes), and with ``--force`` when the command has it. Each re-run
  counts the area reports it rewrote (their modification time changed).

The data is written by ``audit.workbooks.sample.generate_national`` (``run.make_data``) and
kept under ``benchmarks/out/data/``. Nothing here is asserted in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  # the shared helpers: data, the measured subprocess, logging

LINEARITY_TOLERANCE = 0.10  # the largest run within 10% of the reference run scaled by areas
RERUN_TARGETS = {"unchanged": 5.0, "resaved": 5.0, "answer_changed": 10.0, "evidence_changed": 10.0}
# A stock comment of the synthetic generator: text the identifier scan is known to pass.
EDITED_NOTE = "Clear plan focused on the child's safety."


# --- scaling -------------------------------------------------------------------------------------


def batch_once(source: Path, out: Path, workers: int, extra: Sequence[str] = (), fresh: bool = True) -> dict[str, Any]:
    """One ``audit batch`` run as a subprocess, measured; ``fresh`` empties OUT first."""
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    cmd = [str(bench.BIN / "audit"), "batch", str(source), "--out", str(out), "--workers", str(workers), "--quiet"]
    res = bench.measured([*cmd, *extra])
    res.pop("stdout_tail", None)
    return res


def scaling(
    points: Sequence[tuple[int, int]],
    reference: tuple[int, int],
    workers: int,
    out: Path,
    known: dict[tuple[int, int], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``audit batch`` over each (areas, cases) data set; ``known`` holds runs already made (not repeated)."""
    rows: list[dict[str, Any]] = []
    for n_areas, cases in points:
        if known and (n_areas, cases) in known:
            res = dict(known[(n_areas, cases)])
            res["reused"] = "the audit_batch run above"
        else:
            data = bench.make_data(n_areas, cases, out, per_area=False)
            bench.log(f"scaling: audit batch over {n_areas} areas x {cases} cases")
            res = batch_once(data["workbook"], out / "runs" / f"scaling-{n_areas}x{cases}", workers)
        rows.append(
            {
                "areas": n_areas,
                "cases_per_area": cases,
                "workers": workers,
                "ok": res.get("ok", True),
                "wall_s": round(res["wall_s"], 2),
                "per_area_s": round(res["wall_s"] / n_areas, 4),
                "cpu_s": res.get("cpu_s"),
                "peak_tree_mb": res.get("peak_tree_mb"),
                "largest_process_mb": res.get("largest_process_mb"),
                **({"reused": res["reused"]} if "reused" in res else {}),
            }
        )
    return {"points": rows, "fit": linear_fit(rows, reference[1]), "linearity": linearity(rows, reference)}


def linear_fit(rows: Sequence[dict[str, Any]], cases: int) -> dict[str, Any] | None:
    """Least-squares wall time = fixed + per_area x areas over the runs of ``cases`` cases per area."""
    pts = [(r["areas"], r["wall_s"]) for r in rows if r["cases_per_area"] == cases]
    if len({a for a, _ in pts}) < 2:
        return None
    n = len(pts)
    mx, my = sum(a for a, _ in pts) / n, sum(t for _, t in pts) / n
    slope = sum((a - mx) * (t - my) for a, t in pts) / sum((a - mx) ** 2 for a, _ in pts)
    fixed = my - slope * mx
    worst = max(abs(t - (fixed + slope * a)) / t for a, t in pts)
    return {
        "cases_per_area": cases,
        "fixed_s": round(fixed, 2),
        "per_area_s": round(slope, 4),
        "largest_deviation": round(worst, 3),  # of any run from the line, as a share of its time
    }


def linearity(rows: Sequence[dict[str, Any]], reference: tuple[int, int]) -> dict[str, Any] | None:
    """The largest run of the reference's cases per area against the reference run scaled by areas."""
    ref = next((r for r in rows if (r["areas"], r["cases_per_area"]) == reference), None)
    same = [r for r in rows if r["cases_per_area"] == reference[1] and r["areas"] > reference[0]]
    if ref is None or not same:
        return None
    big = max(same, key=lambda r: r["areas"])
    expected = big["areas"] / ref["areas"] * ref["wall_s"]
    ratio = big["wall_s"] / expected
    return {
        "areas": big["areas"],
        "reference_areas": ref["areas"],
        "wall_s": big["wall_s"],
        "expected_s": round(expected, 2),
        "ratio": round(ratio, 3),
        "met": abs(ratio - 1) <= LINEARITY_TOLERANCE,
    }


# --- re-runs -------------------------------------------------------------------------------------


def has_option(option: str) -> bool:
    """Whether ``audit batch`` takes ``option`` (``--force`` comes with the incremental batch)."""
    done = subprocess.run([str(bench.BIN / "audit"), "batch", "--help"], capture_output=True, text=True, check=False)
    return option in done.stdout


def stamps(out: Path) -> dict[str, int]:
    """Every file under OUT (``restricted/`` too, but not the run's lock) with its modification time in ns."""
    if not out.exists():
        return {}
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "lock" not in p.name
    }


def is_area_report(name: str) -> bool:
    """An area's report page (``AREA/report.html``), not the national summary's."""
    parts = Path(name).parts
    return len(parts) == 2 and parts[1] == "report.html" and parts[0] not in ("national", "restricted")


def rewritten(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """How many files and area reports a run wrote anew or rewrote, out of those in OUT after it."""
    changed = [name for name, ns in after.items() if before.get(name) != ns]
    return {
        "files_rewritten": len(changed),
        "files": len(after),
        "reports_rewritten": sum(1 for name in changed if is_area_report(name)),
        "reports": sum(1 for name in after if is_area_report(name)),
    }


def build_record(out: Path) -> dict[str, Any]:
    """What the run says it rebuilt and why (manifest.json's ``build`` section), when it says so."""
    try:
        build = json.loads((out / "manifest.json").read_text()).get("build")
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(build, dict) or not isinstance(build.get("areas"), dict):
        return {}
    areas = [a for a in build["areas"].values() if isinstance(a, dict)]
    reasons: dict[str, int] = {}
    for a in areas:
        why = a.get("why") or []
        for reason in [why] if isinstance(why, str) else why:
            reasons[str(reason)] = reasons.get(str(reason), 0) + 1
    return {
        "areas_rebuilt": sum(1 for a in areas if a.get("rebuilt")),
        "areas": len(areas),
        "why": reasons,
        "national_summary_rebuilt": (build.get("national summary") or {}).get("rebuilt"),
    }


def cases_sheet(wb: Any) -> tuple[Any, int, dict[str, int]]:
    """The Cases sheet, its header row and each header's column, found by the header row (not assumed)."""
    ws = wb["Cases"]
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=min(20, ws.max_row), values_only=True), start=1):
        if "Case ID" in row and "Area" in row:
            return ws, r, {str(v): c for c, v in enumerate(row, start=1) if v is not None}
    raise ValueError("no header row with Case ID and Area in the first 20 rows of the Cases sheet")


def edit_workbook(path: Path, area: str, what: str) -> str:
    """Change one cell of ``area``'s first case in place (openpyxl); ``what`` is ``answer``, ``evidence`` or ``none``.

    ``answer`` flips the first Yes or No among the criteria; ``evidence`` writes an
    evidence note (the first criterion's evidence column, else Auditor comments);
    ``none`` re-saves the workbook unchanged. Returns what changed: a column's header.
    """
    import openpyxl

    from audit.framework.model import load_framework

    wb = openpyxl.load_workbook(path)
    ws, header_row, cols = cases_sheet(wb)
    changed = "no cell: re-saved"
    if what != "none":
        rows = [r for r in range(header_row + 1, ws.max_row + 1) if ws.cell(r, cols["Area"]).value == area]
        if not rows:
            raise ValueError(f"no case of {area} in {path.name}")
        criteria = [c for c in load_framework().criteria if c.header in cols]
        if what == "answer":
            flip = {"Yes": "No", "No": "Yes"}
            cell = next(
                ws.cell(r, cols[c.header]) for r in rows for c in criteria if ws.cell(r, cols[c.header]).value in flip
            )
            cell.value = flip[cell.value]
        else:
            evidence = [h for h in (f"{c.id} evidence" for c in criteria) if h in cols]
            header = evidence[0] if evidence else "Auditor comments"
            cell = ws.cell(rows[0], cols[header])
            cell.value = EDITED_NOTE if cell.value != EDITED_NOTE else EDITED_NOTE.rstrip(".")
        changed = str(ws.cell(header_row, cell.column).value)
    wb.save(path)
    return changed


def reruns(data: dict[str, Any], workers: int, out: Path) -> dict[str, Any]:
    """A full batch into a folder, then re-runs into it after each kind of change to the workbook."""
    work = out / "runs" / "reruns"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    source = work / "national.xlsx"
    shutil.copyfile(data["workbook"], source)
    target = out / "runs" / "reruns" / "out"
    area = data["areas"][len(data["areas"]) // 2]
    force = has_option("--force")
    steps: list[tuple[str, str, Sequence[str]]] = [
        ("first_full", "", ()),
        ("unchanged", "", ()),
        ("resaved", "none", ()),
        ("answer_changed", "answer", ()),
        ("evidence_changed", "evidence", ()),
    ]
    if force:
        steps.append(("forced", "", ("--force",)))
    results: dict[str, Any] = {"areas": len(data["areas"]), "changed_area": area, "incremental": force}
    for name, edit, extra in steps:
        cell = edit_workbook(source, area, edit) if edit else None
        before = stamps(target)
        bench.log(f"re-runs: {name}" + (f" ({cell})" if cell else ""))
        res = batch_once(source, target, workers, extra, fresh=name == "first_full")
        res.update(rewritten(before, stamps(target)))
        if record := build_record(target):
            res["build"] = record
        if cell:
            res["changed_cell"] = cell
        results[name] = res
    if not force:
        results["note"] = "audit batch has no --force yet: every re-run is a full batch (no incremental mode)"
    return results


# --- the figures, as checks and as a table -------------------------------------------------------


def checks(results: dict[str, Any]) -> dict[str, Any]:
    """Issue 16's scaling and re-run targets, each with the figure it is judged on."""
    out: dict[str, Any] = {}
    lin = (results.get("scaling") or {}).get("linearity")
    if lin:
        n, ref = lin["areas"], lin["reference_areas"]
        out[f"scaling: {n}-area time / ({n}/{ref} x the {ref}-area time)"] = {
            "value": lin["ratio"],
            "target": f"{1 - LINEARITY_TOLERANCE:.2f} to {1 + LINEARITY_TOLERANCE:.2f}",
            "met": lin["met"],
        }
    rr = results.get("reruns") or {}
    for name, limit in RERUN_TARGETS.items():
        if name in rr and "wall_s" in rr[name]:
            value = rr[name]["wall_s"]
            out[f"re-run, {name.replace('_', ' ')}: wall seconds"] = {
                "value": round(value, 2),
                "target": limit,
                "met": bool(rr[name].get("ok", True)) and value <= limit,
            }
    return out


def rerun_line(name: str, r: dict[str, Any]) -> str:
    """One re-run: its time, memory, what it rewrote, and what the manifest says it rebuilt and why."""
    line = (
        f"  {name:17s} {r['wall_s']:7.1f} s  peak {r['peak_tree_mb']:5.0f} MB  reports rewritten "
        f"{r['reports_rewritten']}/{r['reports']}, files {r['files_rewritten']}/{r['files']}"
    )
    if r.get("changed_cell"):
        line += f"  [{r['changed_cell']}]"
    if b := r.get("build"):
        line += f"; manifest: {b['areas_rebuilt']}/{b['areas']} areas rebuilt {b['why'] or ''}"
    return line + ("" if r["ok"] else "  FAILED")


def table_rows(results: dict[str, Any]) -> list[str]:
    """Lines for the results table."""
    rows: list[str] = []
    sc = results.get("scaling")
    if sc:
        rows.append("scaling (audit batch, whole process tree):")
        rows.append("   areas  cases   wall s   s/area    CPU s   peak MB  largest MB")
        for p in sc["points"]:
            rows.append(
                f"  {p['areas']:6d} {p['cases_per_area']:6d} {p['wall_s']:8.1f} {p['per_area_s']:8.3f} "
                f"{p['cpu_s'] or 0:8.0f} {p['peak_tree_mb'] or 0:9.0f} {p['largest_process_mb'] or 0:11.0f}"
                + ("" if p["ok"] else "  FAILED")
            )
        if sc.get("fit"):
            f = sc["fit"]
            rows.append(
                f"  fit ({f['cases_per_area']} cases an area): {f['fixed_s']:.1f} s + {f['per_area_s']:.3f} s an area; "
                f"largest deviation from the line {f['largest_deviation']:.1%}"
            )
        if sc.get("linearity"):
            lin = sc["linearity"]
            rows.append(
                f"  linearity: {lin['areas']} areas {lin['wall_s']:.1f} s against {lin['expected_s']:.1f} s expected "
                f"from {lin['reference_areas']} areas: ratio {lin['ratio']:.3f}"
            )
    rr = results.get("reruns")
    if rr:
        rows.append(f"re-runs into the same folder ({rr['areas']} areas; the changed area is {rr['changed_area']}):")
        for name in ("first_full", "unchanged", "resaved", "answer_changed", "evidence_changed", "forced"):
            if name in rr:
                rows.append(rerun_line(name, rr[name]))
        if rr.get("note"):
            rows.append(f"  note: {rr['note']}")
    return rows


# --- the command line (these two parts alone) ----------------------------------------------------


def plan(areas: int, cases: int, quick: bool) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """The scaling runs and the reference run the linearity check scales from."""
    if quick:
        return [(2, cases), (areas, cases), (2 * areas, cases), (areas, 2 * cases)], (areas, cases)
    return [(10, cases), (50, cases), (areas, cases), (500, cases), (areas, 100)], (areas, cases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", type=int, default=153, help="areas of the reference run and the re-runs")
    parser.add_argument("--cases", type=int, default=30, help="cases per area")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 to 8 areas; figures not comparable")
    parser.add_argument("--skip", nargs="*", default=[], choices=["scaling", "reruns"], metavar="PART")
    parser.add_argument("--out", type=Path, default=bench.OUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.areas = min(args.areas, 4)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"issue": 16, "machine": bench.machine(), "settings": vars(args) | {"out": str(args.out)}}
    if "scaling" not in args.skip:
        points, reference = plan(args.areas, args.cases, args.quick)
        results["scaling"] = scaling(points, reference, args.workers, args.out)
    if "reruns" not in args.skip:
        data = bench.make_data(args.areas, args.cases, args.out, per_area=False)
        results["reruns"] = reruns(data, args.workers, args.out)
    results["checks"] = checks(results)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    (args.out / "scaling.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print("\n".join(table_rows(results)))
    print("\ntargets:")
    for name, c in results["checks"].items():
        print(f"  [{'met' if c['met'] else 'NOT MET'}] {name}: {c['value']} (target {c['target']})")
    print(f"\nwritten: {args.out / 'scaling.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
