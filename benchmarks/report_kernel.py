"""CPU seconds a report costs on a warm kernel: in the kernel process and in the process driving it.

Runs the area report on a one-kernel :class:`audit.run.kernel_pool.KernelPool`
for a spread of prepared areas (as ``benchmarks/report_cells.py`` prepares them),
and reports, per report, the kernel's CPU time (its cells, the reset, the
messaging on its side) and this process's CPU time (papermill, nbclient), plus
wall time. CPU time is steadier than wall time on a shared machine.

    .venv/bin/python benchmarks/report_kernel.py --areas 20
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_cells import DATA, NOTEBOOK, prepared_areas  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DATA)
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--publish", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    from audit.run.kernel_pool import KernelPool

    files = prepared_areas(args.source.resolve(), args.areas, args.publish)
    me = psutil.Process()
    with KernelPool(1) as pool, tempfile.TemporaryDirectory() as tmp:
        kernel = psutil.Process(pool._kernels[0].km.provisioner.process.pid)
        params = {"source": "unused", "area": None, "publish": args.publish}
        pool.execute(NOTEBOOK, {**params, "prepared": str(files[0])}, Path(tmp) / "warm.ipynb")  # off the clock
        k0, m0, w0 = sum(kernel.cpu_times()[:2]), sum(me.cpu_times()[:2]), time.perf_counter()
        n = 0
        for _ in range(args.repeat):
            for i, f in enumerate(files):
                pool.execute(NOTEBOOK, {**params, "prepared": str(f)}, Path(tmp) / f"area-{i}.ipynb")
                n += 1
        k1, m1, w1 = sum(kernel.cpu_times()[:2]), sum(me.cpu_times()[:2]), time.perf_counter()
    print(
        f"per report: kernel CPU {1000 * (k1 - k0) / n:.0f} ms, driver CPU {1000 * (m1 - m0) / n:.0f} ms, "
        f"wall {1000 * (w1 - w0) / n:.0f} ms ({n} reports, load {os.getloadavg()[0]:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
