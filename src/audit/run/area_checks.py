"""What a batch decides about each area on its own: whether it may be reported, and how its failures are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.analyse.practice import CaseKeys
from audit.check.validate import AuditData
from audit.errors import AuditError
from audit.publish import cells
from audit.publish.disclosure import SUPPRESSED
from audit.publish.practice import refuse_area
from audit.publish.published import PublishedResult
from audit.read.identifiers import KINDS_BY_CODE
from audit.restricted import Access
from audit.run.area_input import REASON_REFUSED


def refuse_identifiers(data: AuditData) -> None:
    """Stop an area whose workbooks hold cells that look like personal data (named by cell, never by value)."""
    if not data.identifiers:
        return
    shown = data.identifiers[:5]
    places = "; ".join(f"{p.where} ({KINDS_BY_CODE[p.code]})" for p in shown)
    more = len(data.identifiers) - len(shown)
    raise AuditError(
        f"not reported: {len(data.identifiers)} cell(s) look like personal data: {places}"
        + (f" and {more} more" if more > 0 else "")
        + ". Remove them from the workbook, or pass --allow-identifiers if they are not personal data",
        code="identifiers-refused",
    )


def refused(
    data: AuditData, area: str, *, publish: bool, allow_identifiers: bool, keys: CaseKeys
) -> tuple[str, str] | None:
    """Before anything is analysed: why an area may not be reported at all (None when it may), and the kind of why.

    A judgement reason is printed as it stands in a published report, so one that
    looks like personal data or names a case stops the area even with
    ``allow_identifiers``. ``keys``: every Case ID of the run, as a reason naming any of them
    is refused (a judgement with no Area is published in every area of its workbook).
    """
    mine = data if data.areas == [area] else data.for_area(area)  # given its own slice, or the run's data
    try:
        if not allow_identifiers:
            refuse_identifiers(mine)
        if publish:
            refuse_area(mine, keys)
    except AuditError as exc:
        reasons = exc.code == "judgement-reason-refused"
        return str(exc), REASON_REFUSED if reasons else "refused: cells that look like personal data"
    return None


def unexpected(exc: Exception, publish: bool, access: Access, out_dir: Path, slug: str) -> str:
    """An unexpected failure as the console, index and manifest name it.

    Its text may quote a cell (an evidence note, a Case ID), so a published run names
    only its kind and keeps the details in ``restricted/<area>/error.txt`` (owner-only).
    """
    if not publish:
        return f"{type(exc).__name__}: {exc}"
    import traceback

    from audit.restricted import make_folder, write_file
    from audit.run.report import area_dirs

    kept = area_dirs(out_dir, slug)[1] / "error.txt"
    try:
        make_folder(kept.parent, access)
        write_file(kept, "".join(traceback.format_exception(exc)), access)
    except OSError:
        return f"an unexpected {type(exc).__name__} (its details are not shown in a published run)"
    return f"an unexpected {type(exc).__name__}; its details, which may quote a cell, are kept in {kept}"


def write_failure(exc: OSError) -> str:
    """A file that could not be written, named (as far as is safe) with the system's reason."""
    from audit.names import safe_text

    where = f" {safe_text(exc.filename, 240)}" if exc.filename else ""
    return f"could not write{where}: {exc.strerror or exc}"


def key_results(pub: PublishedResult) -> dict[str, Any]:
    """The index's figures for an area: % Yes on each key criterion, as published."""
    criteria = pub.analysed.criteria
    return {
        c.label: SUPPRESSED if pub.rate_hidden(cells.criterion(c.id)) else criteria.loc[c.id, "pct_yes"]
        for c in pub.framework.criteria
        if c.key
    }
