"""Reports for one area: run the report notebook, publish it as HTML, write the area's data files.

The notebook (area_report.ipynb, shipped in the package; notebooks/ in a checkout) is the report's source: papermill
runs it with the area's parameters and nbconvert turns its outputs, never its
code, into one self-contained HTML file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os  # noqa: F401  # tests patch report.os.replace to simulate a failing write_atomic
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.atomic import write_atomic  # also imported from here by callers written before audit.atomic
from audit.errors import ReportError
from audit.framework.model import Framework
from audit.publish.published import PublishedResult, publish
from audit.render.marking import version_banner
from audit.render.summary_json import summary_dict
from audit.resources import NOTEBOOKS_DIR, REPORT_TEMPLATES_DIR
from audit.restricted import OWNER_ONLY, RESTRICTED, Access, make_folder, write_file
from audit.run.notebook_run import NotebookCellError, run_notebook

AREA_NOTEBOOK = NOTEBOOKS_DIR / "area_report.ipynb"
NATIONAL_NOTEBOOK = NOTEBOOKS_DIR / "national_summary.ipynb"
REPORT_TEMPLATE = REPORT_TEMPLATES_DIR / "area_report.html.j2"


def area_dirs(out_dir: Path, slug: str) -> tuple[Path, Path]:
    """Where an area's outputs go: the folder that may be circulated, and its restricted twin.

    Executed notebooks, failure details and case-level data go under
    ``out_dir/restricted/``; everything else in ``out_dir`` may be circulated.
    """
    return out_dir / slug, out_dir / RESTRICTED / slug


def write_area_data(pub: PublishedResult, out_dir: Path, access: Access = OWNER_ONLY) -> dict[str, Path]:
    """summary.json (as published) beside the report; the full summary and scored workbook in restricted/.

    ``access`` says who may read the restricted files (see :mod:`audit.restricted`).
    """
    from audit.render.scored_workbook import scored_workbook_bytes

    public, restricted = area_dirs(out_dir, pub.slug)
    full = publish(pub.analysed, None) if pub.publish else pub  # the same analysis, nothing hidden
    paths = {"summary": write_atomic(public / "summary.json", _json(summary_dict(pub)))}
    if pub.publish:
        paths["full_summary"] = write_file(restricted / "summary.json", _json(summary_dict(full)), access)
    paths["workbook"] = write_file(restricted / "scored.xlsx", scored_workbook_bytes(full), access)
    return paths


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, default=str) + "\n"


@dataclass
class ReportMeta:
    """Words around the report body: the page title, masthead and footer."""

    title: str
    masthead: str
    footer: str
    description: str = ""
    index_href: str | None = None
    #: What the page is (full or published), at the top of the page and of every PDF page.
    banner: str = ""
    published: bool = False


def report_meta(result: PublishedResult, date: dt.date | None = None, index_href: str | None = None) -> ReportMeta:
    fw = result.framework
    date = date or dt.date.today()
    data = result.analysed.data
    # The files by name and the area's data by its fingerprint, so the page changes only when that data does.
    files = sorted({label for part in (*data.earlier, data) for label in part.files})
    inputs = f"{', '.join(files)} (the area's data: SHA-256 {result.analysed.fingerprint[:12]})"
    mode = (
        f"Published version: counts from 1 to {result.threshold} suppressed."
        if result.publish
        else "Full version: for the partnership, not for publication."
    )
    return ReportMeta(
        title=f"{result.area}: case-file audit report - {fw.title}",
        masthead="Multi-agency case-file audit",
        footer=f"{mode} Framework {fw.id} version {fw.version}.{_earlier(result)} Inputs: {inputs}. "
        f"Made {date:%-d %B %Y}.",
        description=f"Findings of a multi-agency case-file audit in {result.area}: {fw.title}.",
        index_href=index_href,
        banner=version_banner(result.publish, result.threshold),
        published=result.publish,
    )


def _earlier(result: PublishedResult) -> str:
    """The footer's words for rounds scored against an older version of the framework, if any."""
    versions = [e.framework.version for e in result.analysed.data.earlier]
    return f" Earlier rounds scored against version {', '.join(versions)}." if versions else ""


_EXPORTERS: queue.SimpleQueue[Any] = queue.SimpleQueue()  # made ones, each free for the next export


@contextlib.contextmanager
def _html_exporter() -> Iterator[Any]:
    """An HTML exporter for one export: a free one made earlier, else a new one (its template compiled once).

    An exporter keeps per-export state, so each is used by one thread at a time (as nbconvert's own command
    reuses one); a batch's report threads share them, so no more are compiled than export at the same moment.
    """
    try:
        exporter = _EXPORTERS.get_nowait()
    except queue.Empty:
        from nbconvert.exporters import TemplateExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        # The generic exporter, not HTMLExporter: our template writes the whole page, and
        # HTMLExporter's extra pass (parsing and re-writing the page with BeautifulSoup to add
        # alt text and tabindex to JupyterLab's markup, which the page does not use) was 90% of
        # the export's time. The page is the same element for element either way.
        exporter = TemplateExporter(
            template_name="base",
            template_file=REPORT_TEMPLATE.name,
            extra_template_paths=[str(REPORT_TEMPLATE.parent)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            optimistic_validation=True,  # validate the notebook once, after all preprocessors, not after each
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags={"notebook-only", "parameters", "injected-parameters"}),
            enabled=True,
        )
    try:
        yield exporter
    finally:
        _EXPORTERS.put(exporter)


def import_report_modules() -> None:
    """Import what making reports needs: papermill's machinery, nbconvert, the workbook writer and the page.

    A batch calls this while its worker processes analyse the areas and its own
    process would otherwise wait; done later, these imports hold up the kernels
    starting and the first reports, which all need them at once.
    """
    from audit.run.kernels import import_jupyter_quietly

    import_jupyter_quietly()  # first: nbconvert imports nbformat, which must not load jsonschema the slow way
    import nbconvert.exporters  # noqa: F401
    import nbconvert.preprocessors  # noqa: F401

    import audit.render.html_page  # noqa: F401
    import audit.render.scored_workbook  # noqa: F401


def notebook_to_html(nb: Any, meta: ReportMeta) -> str:
    """An executed report notebook as one HTML page: outputs and prose, no code."""
    with _html_exporter() as exporter:
        body, _ = exporter.from_notebook_node(nb, resources={"report": meta.__dict__})
    from audit.render.html_page import finish_page

    return finish_page(body)


def execute_notebook(
    parameters: dict[str, Any],
    output: Path,
    notebook: Path = AREA_NOTEBOOK,
    runner: Any = None,
    access: Access = OWNER_ONLY,
) -> Any:
    """Run the notebook; the executed copy is kept at ``output`` even when a cell fails.

    Every notebook runs through ``papermill.execute_notebook`` on the toolkit's
    papermill engine (:func:`audit.run.notebook_run.run_notebook`): on ``runner``'s
    warm kernels in a batch (an :class:`audit.run.kernel_pool.KernelPool`, or any
    object with its ``execute``), else on one kernel started for this notebook.
    The kernel works in the notebook's folder and the parameters hold absolute
    paths. The executed notebook and any error.txt are restricted files with ``access``.
    """
    make_folder(output.parent, access)
    execute = runner.execute if runner is not None else run_notebook
    try:
        return execute(notebook, parameters, output, access=access)
    except NotebookCellError as exc:
        _keep_error(output, exc.traceback, access)
        raise ReportError(
            f"the report notebook failed at {exc.where} ({exc.ename}); the executed notebook and the "
            f"error are kept in {output.parent}"
        ) from None


def _keep_error(output: Path, lines: list[str], access: Access = OWNER_ONLY) -> None:
    """The traceback of a failed notebook, for its maintainers: restricted, never published."""
    write_file(output.parent / "error.txt", "\n".join(lines) + "\n", access)


def report_parameters(
    result: PublishedResult,
    sources: list[str],
    criteria: str | None,
    national: str | None = None,
    prepared: Path | None = None,
) -> dict[str, Any]:
    """The notebook's parameters for one area: absolute paths, so it runs from anywhere.

    ``prepared`` is the area's published result (:func:`audit.run.area_input.save_prepared`):
    the kernel loads it and neither reads the workbooks nor analyses anything again.
    """
    return {
        "prepared": str(prepared) if prepared else None,
        "source": [str(Path(s).resolve()) for s in sources],
        "area": result.area,
        "criteria": str(Path(criteria).resolve()) if criteria else None,
        "publish": result.publish,
        "threshold": result.threshold,
        "national": str(Path(national).resolve()) if national else None,
    }


def make_national_summary(
    sources: list[str],
    out_dir: Path,
    framework: Framework,
    criteria: str | None = None,
    *,
    publish: bool = False,
    threshold: int = 5,
    pdf: bool = False,
    prepared: Path | None = None,
    runner: Any = None,
    access: Access = OWNER_ONLY,
) -> dict[str, Path]:
    """All areas side by side: OUT/national/report.html, its executed notebook in restricted/."""
    public, restricted = area_dirs(out_dir, "national")
    params = {
        "source": [str(Path(s).resolve()) for s in sources],
        "criteria": str(Path(criteria).resolve()) if criteria else None,
        "publish": publish,
        "threshold": threshold,
        "prepared": str(prepared) if prepared else None,
    }
    nb = execute_notebook(params, restricted / "report.ipynb", NATIONAL_NOTEBOOK, runner, access)
    mode = f"Published version: counts from 1 to {threshold} suppressed." if publish else "Full version."
    meta = ReportMeta(
        title=f"National summary - {framework.title}",
        masthead="Multi-agency case-file audit",
        footer=f"{mode} Framework {framework.id} version {framework.version}. Made {dt.date.today():%-d %B %Y}.",
        description=f"Every area's case-file audit results side by side: {framework.title}.",
        index_href="../index.html",
        banner=version_banner(publish, threshold),
        published=publish,
    )
    html = notebook_to_html(nb, meta)
    paths = {"notebook": restricted / "report.ipynb", "html": write_atomic(public / "report.html", html)}
    if pdf:
        from audit.render.pdf import html_to_pdf

        paths["pdf"] = html_to_pdf(html, public / "report.pdf")
    return paths


def make_report(
    result: PublishedResult,
    sources: list[str],
    out_dir: Path,
    criteria: str | None = None,
    *,
    pdf: bool = False,
    index_href: str | None = None,
    national: str | None = None,
    prepared: Path | None = None,
    runner: Any = None,
    access: Access = OWNER_ONLY,
) -> dict[str, Path]:
    """Everything for one area: data files, executed notebook (restricted), report.html, and report.pdf if asked."""
    public, restricted = area_dirs(out_dir, result.slug)
    paths = write_area_data(result, out_dir, access)
    executed = restricted / "report.ipynb"
    params = report_parameters(result, sources, criteria, national, prepared)
    nb = execute_notebook(params, executed, runner=runner, access=access)
    paths["notebook"] = executed
    html = notebook_to_html(nb, report_meta(result, index_href=index_href))
    paths["html"] = write_atomic(public / "report.html", html)
    if pdf:
        from audit.render.pdf import html_to_pdf

        paths["pdf"] = html_to_pdf(html, public / "report.pdf")
    return paths
