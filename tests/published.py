"""Tests' way to an area's published result, as the report notebook makes it."""

from __future__ import annotations

from audit.analyse.area_result import analyse_area
from audit.check.validate import AuditData
from audit.publish.published import PublishedResult, publish


def published(data: AuditData, area: str | None = None, threshold: int | None = None) -> PublishedResult:
    """``area`` of ``data`` as its report shows it: the full version, or published with ``threshold``."""
    return publish(analyse_area(data, area, publish=threshold is not None), threshold)
