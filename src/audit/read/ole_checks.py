"""OLE2 compound files: an encrypted (password-protected) workbook is decrypted; anything else is named and refused.

A legacy .xls, a Word or PowerPoint file and a damaged OLE2 file each get their own
message. Decryption is msoffcrypto's; the password never appears in any message.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO

from audit.errors import WorkbookError
from audit.read.limits import RESAVE as _RESAVE
from audit.read.zip_checks import has_doctype

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_SPIN_COUNT = 10_000_000  # MS-OFFCRYPTO's upper bound for the password hash spin count


def _open_ole(source: BinaryIO, label: str) -> Any:
    """Open an OLE2 compound file with olefile, turning any failure into a WorkbookError."""
    import olefile

    try:
        return olefile.OleFileIO(source)
    except Exception:
        raise WorkbookError(
            f"{label}: starts like an older Office file (OLE2) but is damaged. {_RESAVE}", code="file-damaged"
        ) from None


def classify_ole(path: Path, label: str) -> None:
    """Raise the right WorkbookError for an OLE2 file unless it is an encrypted workbook.

    Returns normally only for an encrypted OOXML package (EncryptionInfo plus
    EncryptedPackage streams), after refusing a DOCTYPE in its encryption XML.
    """
    with path.open("rb") as fh:
        ole = _open_ole(fh, label)
        try:
            if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
                try:
                    info = ole.openstream("EncryptionInfo").read()
                except Exception:
                    raise WorkbookError(
                        f"{label}: is an encrypted workbook whose encryption header is damaged. {_RESAVE}",
                        code="file-damaged",
                    ) from None
                if has_doctype(iter([info[8:]])):
                    raise WorkbookError(
                        f"{label}: its encryption header contains an XML DOCTYPE/entity declaration, "
                        "which workbooks never need; refusing it (XML entity expansion attack).",
                        code="xml-entity",
                    )
                return
            if ole.exists("Workbook") or ole.exists("Book"):
                raise WorkbookError(
                    f"{label}: is a legacy Excel 97-2003 .xls file, which this toolkit does not read. "
                    "Open it in Excel and save it as .xlsx (Excel Workbook).",
                    code="file-xls",
                )
            if ole.exists("WordDocument"):
                kind = "a Word 97-2003 document (.doc)"
            elif ole.exists("PowerPoint Document"):
                kind = "a PowerPoint 97-2003 presentation (.ppt)"
            else:
                kind = "an older Microsoft Office (OLE2) file of an unknown kind"
            raise WorkbookError(
                f"{label}: is {kind}, not an Excel workbook. Check you have the right file.", code="file-not-workbook"
            )
        finally:
            ole.close()


def encrypted_message(label: str) -> str:
    return (
        f"{label}: is password-protected (encrypted). Give the password with --password-env VAR "
        "(the name of an environment variable holding it), or ask the sender for an unprotected "
        "copy (in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it, save)."
    )


def decrypt(path: Path, label: str, password: str) -> bytes:
    """Decrypt an encrypted OOXML workbook with msoffcrypto; never mention the password."""
    import msoffcrypto
    from msoffcrypto import exceptions as mso_errors

    if not password:
        raise WorkbookError(f"{label}: is password-protected, but the password given is empty.", code="password-empty")
    wrong = (
        f"{label}: the password given does not open this workbook. Check the password, and that "
        "--password-env names the environment variable that holds it."
    )
    try:
        with path.open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            info = getattr(office, "info", None) or {}
            spin = info.get("spinValue", 0) if isinstance(info, dict) else 0
            if not isinstance(spin, int) or spin > _MAX_SPIN_COUNT:
                raise WorkbookError(
                    f"{label}: its encryption settings are outside the Office specification "
                    "(password hashing spin count too large); refusing it.",
                    code="encryption-unsupported",
                )
            office.load_key(password=password, verify_password=True)
            out = io.BytesIO()
            office.decrypt(out)
    except WorkbookError:
        raise
    except mso_errors.InvalidKeyError:
        raise WorkbookError(wrong, code="password-wrong") from None
    except Exception:
        # Library messages are not echoed: they are unhelpful and must never risk the password.
        raise WorkbookError(
            f"{label}: is encrypted in a way this toolkit cannot decrypt, or is damaged. "
            "Ask the sender for an unprotected .xlsx copy.",
            code="encryption-unsupported",
        ) from None
    return out.getvalue()
