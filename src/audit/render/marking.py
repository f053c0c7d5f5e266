"""What a page is: the words every page of a report, index or national summary carries at its top.

The full version holds case-level detail that must not be published; the published version has
small counts suppressed. A reader holding any single page, on screen or printed, must be able to
tell which it is, so the words sit at the top of every HTML page and in the running header of
every PDF page (report.css sets the header from the banner's text).
"""

from __future__ import annotations

FULL = "Full version: holds case-level detail. Not for publication."


def version_banner(publish: bool, threshold: int | None = None) -> str:
    """The banner's words for a full (``publish`` false) or published page (the threshold only named, never applied)."""
    if not publish:
        return FULL
    suppressed = "small counts" if not isinstance(threshold, int) else f"counts from 1 to {threshold}"
    return f"Published version: {suppressed} suppressed."
