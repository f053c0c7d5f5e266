"""A stand-in for the warm-kernel pool, for batch tests whose subject is not the notebooks.

It runs no kernel: each "executed" notebook is a markdown cell naming the area (and, for an
area's report, its comparison with the other areas as the real report shows it), written
where the pool would write it, so a batch's files, folders and messages can be tested in
a fraction of the time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat


class FakeRunner:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def execute(self, notebook: Path, parameters: dict[str, Any], output: Path, access: Any = None) -> Any:
        from audit.run.engine import write_notebook

        self.calls.append(dict(parameters))
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_markdown_cell(f"Report for {parameters.get('area', 'every area')}"))
        if parameters.get("area") is not None and parameters.get("prepared"):
            nb.cells.append(nbformat.v4.new_markdown_cell(_compared(parameters)))
        write_notebook(nb, output, *([access] if access is not None else []))  # as the pool writes it: restricted
        return nb


def _compared(parameters: dict[str, Any]) -> str:
    """The area's comparison with the other areas, as its real report shows it: the one section that reads the
    other areas, so a batch re-run that kept an area whose comparison changed differs from a clean run."""
    from audit.analyse.compare import read_national
    from audit.render import present
    from audit.run.area_input import load_prepared

    pub = load_prepared(parameters["prepared"])
    national = read_national(parameters["national"], pub.framework) if parameters.get("national") else None
    return str(present.benchmarks(pub, national))


def use_fake_runner(monkeypatch: Any) -> FakeRunner:
    """Make `audit batch` (in this process) use a FakeRunner instead of kernels."""
    runner = FakeRunner()

    @contextlib.contextmanager
    def kernels(workers: int, areas: int, cancel: Any = None) -> Iterator[FakeRunner]:
        yield runner

    monkeypatch.setattr("audit.run.batch._kernels", kernels)
    return runner


def stop_during_first_report(monkeypatch: Any, wait_for: Any = None, stops: int = 1) -> list[Any]:
    """Make `audit batch` use a FakeRunner whose first report sends this process SIGTERM (``stops`` times, 0.3 s
    apart, after ``wait_for()`` returns) and goes on for 0.5 s more, as a report still on its kernel when the batch
    takes the stop. Returns the areas reported, in order (None for the national summary)."""
    import os
    import signal
    import time

    runner = use_fake_runner(monkeypatch)
    real_execute, ran = runner.execute, []

    def execute(notebook: Path, parameters: dict[str, Any], output: Path, access: Any = None) -> Any:
        ran.append(parameters.get("area"))
        if len(ran) == 1:
            if wait_for is not None:
                wait_for()
            for i in range(stops):
                time.sleep(0.3 if i else 0)
                os.kill(os.getpid(), signal.SIGTERM)  # a real signal: it wakes the batch's thread wherever it waits
            time.sleep(0.5)
        return real_execute(notebook, parameters, output, access)

    monkeypatch.setattr(runner, "execute", execute)
    return ran


def run_cli(*args: object) -> Any:
    """Run the `audit` command in this process; no bad input may end in a traceback or an internal error."""
    from click.testing import CliRunner

    from audit.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def area_rows(fw: Any, area: Any, n: int, start: int = 1) -> list[list[Any]]:
    """``n`` case rows for one area, every criterion answered Yes."""
    from tests.conftest import case_row

    return [case_row(fw, f"{str(area)[:1]}{i}", area) for i in range(start, start + n)]
