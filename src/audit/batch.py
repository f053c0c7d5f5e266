"""Batch runs: every area in the inputs to its own report, and an index linking them.

The inputs are read and validated once; each area is then scored and reported
on its own, so one area that fails never stops the others.
"""

from __future__ import annotations

import datetime as dt
import html
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import AuditError
from audit.framework import TEMPLATES_DIR, Framework
from audit.report import make_report, write_atomic
from audit.summarise import analyse_area, slugify
from audit.validate import AuditData, load_audit


@dataclass
class AreaOutcome:
    area: str
    slug: str
    error: str | None = None
    cases_scored: int = 0
    rows_read: int = 0
    key_results: dict[str, float | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchOutcome:
    out_dir: Path
    areas: list[AreaOutcome]
    failed_files: dict[str, str]
    unassigned_rows: int
    index: Path | None = None

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.areas) and not self.failed_files


def _report_one(
    data: AuditData, area: str, sources: list[str], out_dir: Path, criteria: str | None
) -> AreaOutcome:
    outcome = AreaOutcome(area, slugify(area))
    try:
        result = analyse_area(data, area)
        outcome.cases_scored, outcome.rows_read = result.cases_scored, result.rows_read
        outcome.key_results = {
            c.label: result.criteria.loc[c.id, "pct_yes"] for c in data.framework.criteria if c.key
        }
        make_report(result, sources, out_dir, criteria)
    except AuditError as exc:
        outcome.error = str(exc)
    except Exception as exc:  # one area's failure must not stop the batch
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path,
    criteria: str | None = None,
    *,
    workers: int = 1,
    progress: bool = True,
    password: str | None = None,
) -> BatchOutcome:
    """Report every area found in ``inputs`` under ``out_dir`` and write ``out_dir/index.html``."""
    from audit.load import workbook_files

    out_dir = Path(out_dir)
    files = [str(p) for p in workbook_files(inputs)]
    data = load_audit(files, criteria, password=password)
    slugs: dict[str, str] = {}
    for area in data.areas:
        other = slugs.setdefault(slugify(area), area)
        if other != area:
            raise AuditError(
                f"areas {other!r} and {area!r} would share the folder {slugify(area)!r}; rename one"
            )
    sources = [f for f in files if Path(f).name in data.files]
    outcomes: list[AreaOutcome] = []
    bar = _progress(len(data.areas), progress)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_report_one, data, a, sources, out_dir, criteria) for a in data.areas]
        for fut in as_completed(futures):
            outcomes.append(fut.result())
            bar.update(1)
    bar.close()
    order = {a: i for i, a in enumerate(data.areas)}
    outcomes.sort(key=lambda o: order[o.area])
    batch = BatchOutcome(out_dir, outcomes, {k: str(v) for k, v in data.failed.items()}, len(data.unassigned))
    batch.index = write_atomic(out_dir / "index.html", index_html(batch, data.framework))
    return batch


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="Area reports", unit="area", disable=not enabled)


def index_html(batch: BatchOutcome, fw: Framework) -> str:
    """The batch's front page: every area with its key results and a link, and what failed."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR / "report"), autoescape=select_autoescape())
    key_labels = [c.label for c in fw.criteria if c.key]
    return env.get_template("index.html.j2").render(
        batch=batch,
        fw=fw,
        key_labels=key_labels,
        made=dt.date.today(),
        escape=html.escape,
    )
