"""Run: notebooks executed through papermill on warm kernels, one report per area, a batch over every area.

- ``report``: one area's report: notebook, HTML, data files.
- ``batch``: every area, an index and a manifest.
- ``engine``: the papermill engine on a pool of warm kernels (kernel_pool, kernels, kernel_state, notebook_run).
- ``area_input``: what a report notebook works from: ``open_report``/``open_national`` (the batch's published result).
- ``outputs``: one output folder, one run.
- ``parallel``: every area of a run analysed in worker processes (``analyse_areas``).
- ``manifest``: what a set of reports was made from.
- ``notebooks_copy``: the shipped notebooks copied out for JupyterLab.

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "make_report": "audit.run.report",
    "run_batch": "audit.run.batch",
    "BatchOptions": "audit.run.batch",
    "run_notebook": "audit.run.notebook_run",
    "KernelPool": "audit.run.kernel_pool",
    "open_report": "audit.run.area_input",
    "open_national": "audit.run.area_input",
    "analyse_areas": "audit.run.parallel",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
