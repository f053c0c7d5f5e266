"""Publish: disclosure control, the one stage every published number passes through.

- ``cells``: every count an area publishes, as a typed cell, and the groups of counts that add up to another.
- ``disclosure``: primary and secondary suppression of small counts.
- ``published``: :func:`publish`, an area's result with every count registered and suppression decided once.
- ``tables``: an area's results tables and sample profile as published.
- ``areas``: every area of a run (the national summary, each report's comparison): its counts as typed cells,
  primary and secondary suppression decided once for the run (:func:`publish_areas`).

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "publish": "audit.publish.published",
    "PublishedResult": "audit.publish.published",
    "Count": "audit.publish.published",
    "publish_areas": "audit.publish.areas",
    "PublishedAreas": "audit.publish.areas",
    "protect": "audit.publish.disclosure",
    "SUPPRESSED": "audit.publish.disclosure",
    "criteria_table": "audit.publish.tables",
    "themes_table": "audit.publish.tables",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
