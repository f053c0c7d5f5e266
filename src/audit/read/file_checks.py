"""The first checks on an untrusted workbook path: a readable, non-empty regular file under the size cap.

And, for a file that is neither a zip nor an OLE2 file, what it seems to be instead
(PDF, HTML, CSV or text), so the message can say what to do.
"""

from __future__ import annotations

import codecs
import stat
from pathlib import Path

from audit.errors import WorkbookError
from audit.read.limits import Limits, mb
from audit.read.sheet_scan import clean as _clean


def check_file_basics(path: Path, label: str, limits: Limits) -> int:
    """Refuse missing, non-regular, unreadable, empty and oversized files; return the size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise WorkbookError(
            f"{label}: file not found. Check the path and the file name.", code="file-not-found"
        ) from None
    except OSError as exc:
        raise WorkbookError(
            f"{label}: cannot be read ({_clean(exc.strerror or exc)}). Check the path and the file's permissions.",
            code="file-unreadable",
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise WorkbookError(
            f"{label}: is a folder, not a workbook file. Give the path of an .xlsx file.", code="file-is-folder"
        )
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError(
            f"{label}: is not a regular file (it is a device, pipe or socket). Give the path of an .xlsx file.",
            code="file-not-regular",
        )
    if st.st_size == 0:
        raise WorkbookError(
            f"{label}: is empty (0 bytes); the save, upload or copy probably failed. Ask the sender to send it again.",
            code="file-empty",
        )
    if st.st_size > limits.max_file_bytes:
        raise WorkbookError(
            f"{label}: is {mb(st.st_size)}, over the {mb(limits.max_file_bytes)} limit for one "
            "workbook. Check it is the right file; audit workbooks are normally far smaller. "
            "If it is, raise the file-size limit.",
            code="file-too-large",
        )
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise WorkbookError(
            f"{label}: cannot be read ({_clean(exc.strerror or exc)}). Check the file's permissions, "
            "and close it if another program has it open or locked.",
            code="file-unreadable",
        ) from None
    return st.st_size


def sniff_non_zip(head: bytes, label: str) -> WorkbookError:
    """Explain what a file that is neither a zip nor an OLE2 file seems to be."""
    if head.startswith(b"%PDF"):
        return WorkbookError(
            f"{label}: is not an Excel workbook; it looks like a PDF file. "
            "Ask the sender for the .xlsx workbook itself.",
            code="file-not-workbook",
        )
    text = _decode_as_text(head)
    if text is not None:
        if text.lstrip().startswith("<"):
            return WorkbookError(
                f"{label}: is not an Excel workbook; it looks like an HTML/XML text file "
                "(some systems export these with a spreadsheet name). "
                "Open it in Excel and save it as .xlsx (Excel Workbook).",
                code="file-not-workbook",
            )
        return WorkbookError(
            f"{label}: is not an Excel workbook; it looks like a CSV/text file (perhaps renamed to "
            ".xlsx). Open it in Excel and save it as .xlsx (Excel Workbook).",
            code="file-not-workbook",
        )
    return WorkbookError(
        f"{label}: is not an Excel workbook (its contents are not in .xlsx format). "
        "Check you have the right file; if it opens in Excel, save it again as .xlsx.",
        code="file-not-workbook",
    )


def _decode_as_text(head: bytes) -> str | None:
    """Return the start of the file as text if it plausibly is text, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in head:
        return None
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            # An incremental decoder tolerates a multi-byte character cut at the end.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not text:
            return None
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
        if controls <= len(text) // 100:
            return text
    return None
