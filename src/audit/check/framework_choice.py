"""Which framework each workbook is scored against, and how workbooks of several frameworks are grouped.

A workbook made by ``audit template`` names its framework's id and version on its
``Audit details`` sheet (rows ``Framework`` and ``Framework version``).

- Given a framework (``--criteria``), every workbook is read with it; a workbook
  naming another framework, or another version of it, is refused (code
  ``framework-mismatch``), never scored against questions it was not made for.
- Given none, each workbook is read with the shipped framework version it names
  (one naming none, as every workbook made before versions travelled: the default,
  domestic abuse 2025.1, as before). A name that is not shipped is refused (code
  ``framework-unknown``) with the versions shipped.

Workbooks are then grouped (:func:`group_versions`): one group per framework version,
where each area sits in the group of the NEWEST version its cases were scored
against, and its cases under older versions of the same framework travel with it
as ``earlier`` (older audit rounds, compared with through the criterion mapping in
the change-over-time section). So a folder of one framework gives one group, as
before; a folder mixing frameworks gives one group per framework (and version), which
``audit batch`` reports one after another; ``load_audit`` refuses a mix (code
``frameworks-mixed``), since one set of results cannot hold two frameworks' criteria.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

from audit.check.audit_data import AuditData
from audit.check.audit_details import FRAMEWORK_LABEL, VERSION_LABEL, framework_named
from audit.check.audit_sheets import AUDIT_DETAILS_SHEET
from audit.errors import FrameworkError, LayoutError
from audit.framework.model import Framework, load_framework
from audit.framework.registry import available, find, shipped, version_key
from audit.read.load import SheetGrid, fold
from audit.resources import DEFAULT_CRITERIA


def framework_key(fw: Framework) -> tuple[str, str]:
    return (fw.id, fw.version)


@functools.lru_cache(maxsize=32)
def _shipped_framework(path: Path, stamp: tuple[int, int]) -> Framework:
    return load_framework(path)


def shipped_framework(path: Path) -> Framework:
    """A shipped framework file, loaded once per run (a batch names the same one in every workbook)."""
    st = path.stat()
    return _shipped_framework(path, (st.st_mtime_ns, st.st_size))


def workbook_framework(grids: Mapping[str, SheetGrid], label: str, fixed: Framework | None) -> Framework:
    """The framework one workbook is read with (module docstring); a LayoutError naming the cell if it cannot be."""
    details = grids.get(AUDIT_DETAILS_SHEET)
    named = framework_named(details)
    if not named:
        return fixed or shipped_framework(DEFAULT_CRITERIA)
    sheet = details.sheet if details is not None else AUDIT_DETAILS_SHEET
    fid, id_cell = named.get("id", (None, None))
    version, version_cell = named.get("version", (None, None))
    where = f"{label}: {sheet}!"
    if fid is None:
        cell = id_cell or version_cell
        raise LayoutError(
            f"{where}{cell}: the {FRAMEWORK_LABEL} row names no framework id; write the id the workbook was made "
            f"for (the frameworks shipped are: {available()})",
            code="framework-unknown",
        )
    if fixed is not None:
        if fold(fid) != fold(fixed.id) or (version is not None and version != fixed.version):
            raise LayoutError(
                f"{where}{id_cell if fold(fid) != fold(fixed.id) else version_cell}: the workbook was made for "
                f"another framework or version than --criteria gives ({fixed.id} {fixed.version}); "
                "leave --criteria out to score each workbook against the framework it names",
                code="framework-mismatch",
            )
        return fixed
    try:
        named_fw = find(fid)
    except FrameworkError:
        raise LayoutError(
            f"{where}{id_cell}: names a framework that is not shipped (the frameworks shipped are: {available()}); "
            "give its file with --criteria",
            code="framework-unknown",
        ) from None
    if version is None:
        raise LayoutError(
            f"{where}{version_cell or id_cell}: names {named_fw.id} but no {VERSION_LABEL}; "
            f"the versions shipped are: {_versions(named_fw.id)}",
            code="framework-unknown",
        )
    try:
        return shipped_framework(find(named_fw.id, version).path)
    except FrameworkError:
        raise LayoutError(
            f"{where}{version_cell}: names a version of {named_fw.id} that is not shipped; "
            f"the versions shipped are: {_versions(named_fw.id)}",
            code="framework-unknown",
        ) from None


def _versions(framework_id: str) -> str:
    return ", ".join(s.version for s in shipped() if s.id == framework_id)


def group_versions(by_version: Sequence[AuditData]) -> list[AuditData]:
    """One AuditData per framework version read, each area in its newest version's, older rounds as ``earlier``.

    ``by_version`` holds each framework version's workbooks as read. A version left with
    no rows once its areas moved to a newer one is no group of its own.
    """
    newest: dict[tuple[str, str], tuple[str, ...]] = {}  # (framework id, folded area) -> newest version's key
    for data in by_version:
        for area in data.areas:
            key = (data.framework.id, fold(area))
            if key not in newest or version_key(data.framework.version) > version_key(newest[key][1]):
                newest[key] = framework_key(data.framework)
    moved: dict[tuple[str, str], list[AuditData]] = {}  # newest version -> older versions' rows of its areas
    kept: list[AuditData] = []
    for data in by_version:
        mine = framework_key(data.framework)
        away = [a for a in data.areas if newest[(data.framework.id, fold(a))] != mine]
        for target in dict.fromkeys(newest[(data.framework.id, fold(a))] for a in away):
            going = [a for a in away if newest[(data.framework.id, fold(a))] == target]
            moved.setdefault(target, []).append(data.only_areas(going))
        rest = data.without_areas(dict.fromkeys(away, "newer framework version"), record=False)
        if away and rest.cases.empty:
            continue
        kept.append(rest)
    for data in kept:
        older = moved.get(framework_key(data.framework), [])
        data.earlier = tuple(sorted(older, key=lambda d: version_key(d.framework.version)))
    return kept


def mixed_error(groups: Sequence[AuditData]) -> FrameworkError:
    """The refusal of a set of workbooks naming several frameworks, where one set of results was asked for."""
    parts = [f"{g.framework.id} {g.framework.version}: {', '.join(sorted(g.files)) or 'no workbook'}" for g in groups]
    return FrameworkError(
        "the workbooks name more than one framework or version (" + "; ".join(parts) + "); `audit batch` reports each "
        "framework apart, or give the workbooks of one framework",
        code="frameworks-mixed",
    )
