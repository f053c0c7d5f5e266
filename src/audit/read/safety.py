"""Checks run on an untrusted workbook file before any spreadsheet parser opens it.

Spreadsheet parsers trust their input far more than we can: python-calamine aborts
the whole process on a zip bomb and quietly reads a legacy .xls renamed .xlsx, and
openpyxl reads a formula with no stored result as a blank cell. So every file goes
through :func:`check_workbook_file` first, which refuses anything that is not a sane
.xlsx with a :class:`~audit.errors.WorkbookError` naming the file, saying what is
wrong and what to do about it. Nothing here raises any other exception type for a
bad file.

What is checked, in order: the path is a readable, non-empty regular file under the
size cap; it is not an OLE2 compound file (encrypted workbook or legacy .xls); it is
a zip (not CSV, text, HTML or random bytes renamed .xlsx) whose central directory
is intact; the declared sizes, compression ratios and part count are under the caps
(read from the central directory, so a zip bomb is refused without being expanded);
the zip holds ``[Content_Types].xml`` and ``xl/workbook.xml``; and finally every
part is expanded in bounded chunks to confirm its data matches its declared size
and CRC (a tampered header cannot smuggle a bomb past the size check) and that no
XML part declares a DOCTYPE or entity; and last, how far each worksheet reaches
(rows x columns), which readers allocate in full (see :mod:`audit.read.sheet_bounds`).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from audit.errors import WorkbookError
from audit.read.file_checks import check_file_basics, sniff_non_zip
from audit.read.limits import RESAVE as _RESAVE
from audit.read.limits import Limits, mb
from audit.read.ole_checks import OLE_MAGIC, classify_ole, decrypt, encrypted_message
from audit.read.sheet_scan import clean as _clean
from audit.read.sheet_scan import find_formulas_without_values
from audit.read.zip_checks import SNIFF_BYTES, ZIP_LOCAL, check_zip, damaged

__all__ = [
    "Limits",
    "check_workbook_file",
    "decrypt_to_bytes",
    "find_formulas_without_values",
]

_ZIP_EMPTY = b"PK\x05\x06"
DEFAULT_LIMITS = Limits()  # the caps as shipped (frozen, so one object serves every call)


def decrypt_to_bytes(path: str | os.PathLike[str], password: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Decrypt a password-protected .xlsx and return the plain workbook bytes.

    Raises WorkbookError (never containing the password) if the file is missing, is
    not an encrypted workbook, or the password is wrong. The returned bytes are not
    yet checked as a zip: prefer :func:`check_workbook_file`, which does both.
    """
    p = Path(path)
    label = str(path)
    check_file_basics(p, label, limits)
    with p.open("rb") as fh:
        head = fh.read(len(OLE_MAGIC))
    if head != OLE_MAGIC:
        raise WorkbookError(f"{label}: is not a password-protected (encrypted) workbook.", code="file-not-encrypted")
    classify_ole(p, label)
    return decrypt(p, label, password)


def check_workbook_file(
    path: str | os.PathLike[str],
    limits: Limits = DEFAULT_LIMITS,
    password: str | None = None,
    label: str | None = None,
) -> bytes | None:
    """Check an untrusted .xlsx before any parser opens it; raise WorkbookError if unsafe or unreadable.

    Returns None when the file on disk passed every check: open ``path`` as usual.
    Returns the decrypted workbook bytes when the file was password-protected and
    ``password`` opened it; those bytes have passed the same zip checks, so open
    them (e.g. via ``io.BytesIO``) instead of the path. A password given for a file
    that is not encrypted is ignored. The password never appears in any message.
    """
    from audit.names import safe_text

    p = Path(path)
    label = label or safe_text(str(path), 240)  # the path as given, but never raw bytes or control codes
    size = check_file_basics(p, label, limits)
    try:
        with p.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            if head.startswith(ZIP_LOCAL):
                check_zip(fh, size, label, limits)
                return None
    except OSError as exc:
        raise WorkbookError(
            f"{label}: cannot be read ({_clean(exc.strerror or exc)}).", code="file-unreadable"
        ) from None
    if head.startswith(OLE_MAGIC):
        classify_ole(p, label)  # raises unless it is an encrypted workbook
        if password is None:
            raise WorkbookError(encrypted_message(label), code="password-needed")
        data = decrypt(p, label, password)
        inner = f"{label} (after decryption)"
        if len(data) > limits.max_file_bytes:
            raise WorkbookError(
                f"{inner}: is {mb(len(data))}, over the {mb(limits.max_file_bytes)} limit for one workbook.",
                code="file-too-large",
            )
        if not data.startswith(ZIP_LOCAL):
            raise damaged(inner, "the decrypted contents are not a zip")
        check_zip(io.BytesIO(data), len(data), inner, limits)
        return data
    if head.startswith(_ZIP_EMPTY):
        raise WorkbookError(
            f"{label}: is an empty zip file, not an Excel workbook. {_RESAVE}", code="file-not-workbook"
        )
    if head.startswith(b"PK"):
        raise damaged(label, "unexpected zip layout")
    raise sniff_non_zip(head, label)
