"""A report's PDF: the same HTML page, laid out on A4 by WeasyPrint.

The page's own print stylesheet (audit/data/report/report.css, ``@page`` and
``@media print``) sets the paper, margins and "Page X of Y". The PDF is tagged
(PDF/UA-1: structure tree, alt text for charts, document language and title)
so screen readers can read it, and WeasyPrint is only allowed ``data:`` and
``file:`` URLs, so making a PDF never reaches any other host.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from audit.errors import ReportError

#: PDF/UA-1 switches on WeasyPrint's tags and writes the XMP metadata that says so.
PDF_VARIANT = "pdf/ua-1"
ALLOWED_PROTOCOLS = ("data", "file")


class _ScreenOnlyRules(logging.Filter):
    """Drop WeasyPrint's notes on ``@media screen and (max-width: ...)``: print rightly skips them."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        return not ("media type" in msg and "max-width" in msg)


_FILTER = _ScreenOnlyRules()


def html_to_pdf(html: str, path: Path, base_url: str | Path | None = None) -> Path:
    """Write ``html`` as a tagged A4 PDF at ``path``, atomically; return ``path``.

    The PDF is built in memory, written beside ``path`` and renamed into
    place, so a failed run never leaves half a PDF where a good one was.
    ``base_url`` resolves relative links and images (default: ``path``'s folder).
    """
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango missing from the system
        raise ReportError(
            f"cannot make PDFs here: WeasyPrint did not load ({exc}); it needs Debian's "
            "libpango-1.0-0 and libpangoft2-1.0-0 (`make system-deps` installs them, as root)"
        ) from None

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    base = str(base_url) if base_url is not None else str(path.parent.resolve()) + os.sep
    fetcher = URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, timeout=5)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # font subsetting is chatty at INFO
    if _FILTER not in logging.getLogger("weasyprint").filters:
        logging.getLogger("weasyprint").addFilter(_FILTER)
    data = HTML(string=html, base_url=base, url_fetcher=fetcher, media_type="print").write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        custom_metadata=False,
        optimize_images=False,
    )
    if not data:
        raise ReportError(f"WeasyPrint made an empty PDF for {path.name}")
    from audit.atomic import write_atomic

    return write_atomic(path, data)


def pdf_available() -> str | None:
    """None when PDFs can be made here, else why not (for a clear message before a long batch)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"WeasyPrint did not load: {exc}"
    return None
