"""How much of an area's analysis the audit's practice costs (judgements, evidence extracts, escalations, learning).

Times ``practice_tables`` inside ``analyse_area`` for every area of the benchmark's national workbook
(153 areas x 30 cases; made by ``benchmarks/run.py``), and prints its share of the whole analysis. A
benchmark, never a test.

    .venv/bin/python benchmarks/practice.py [benchmarks/out/data/national-153x30-seed2025/national.xlsx]
"""

from __future__ import annotations

import sys
import time

from audit.analyse import analysis, area_result
from audit.check.validate import load_audit

DEFAULT = "benchmarks/out/data/national-153x30-seed2025/national.xlsx"


def main() -> None:
    data = load_audit([sys.argv[1] if len(sys.argv) > 1 else DEFAULT])
    spent = [0.0]
    original = analysis.practice_tables

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    analysis.practice_tables = timed
    start = time.perf_counter()
    for area in data.areas:
        area_result.analyse_area(data, area)
    total = time.perf_counter() - start
    share = 100 * spent[0] / total if total else 0.0
    print(f"areas {len(data.areas)}: analyse_area {total:.2f} s, of which practice {spent[0]:.2f} s ({share:.1f}%)")


if __name__ == "__main__":
    main()
