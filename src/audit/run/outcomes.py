"""What a batch made: each area's outcome (for the index and the manifest) and the run's as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.framework.model import Framework


@dataclass
class AreaOutcome:
    area: str
    slug: str
    error: str | None = None
    cases_scored: int | str = 0
    key_results: dict[str, float | str | None] = field(default_factory=dict)
    pdf: bool = False
    # What the area's people recorded on its Judgements sheet, as the report names each target:
    # None when the area recorded no judgement at all (the index says "none recorded").
    strengths: list[str] | None = None
    priorities: list[str] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchOutcome:
    out_dir: Path
    areas: list[AreaOutcome]
    failed_files: dict[str, str]
    unassigned_rows: int
    publish: bool = False
    pdf: bool = False
    national: bool = False
    national_error: str | None = None
    index: Path | None = None
    write_errors: list[str] = field(default_factory=list)  # run-level files that could not be written
    unassigned_cells: list[str] = field(default_factory=list)  # where the rows that name no area are
    # With workbooks of several frameworks: (framework, its folder in OUT, its own outcome) for each.
    groups: list[tuple[Framework, str, BatchOutcome]] = field(default_factory=list)
    threshold: int | None = None  # the published version's suppression threshold, for the page banner
    # What this run rebuilt and why, and what it kept from the run before (see audit.run.incremental).
    build: dict[str, Any] = field(default_factory=dict)
    owned: set[str] = field(default_factory=set)  # every file this run wrote or kept, relative to its folder

    @property
    def ok(self) -> bool:
        run_ok = not self.failed_files and not self.national_error and not self.write_errors
        return run_ok and all(a.ok for a in self.areas)
