"""Publish: disclosure control, the one stage every published number passes through.

- ``disclosure``: primary and secondary suppression of small counts.
- ``published``: an area's tables as they may be published.

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "protect": "audit.publish.disclosure",
    "SUPPRESSED": "audit.publish.disclosure",
    "criteria_table": "audit.publish.published",
    "themes_table": "audit.publish.published",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
