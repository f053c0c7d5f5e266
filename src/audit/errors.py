"""Exception types. Each carries a message written for the person who gave the input."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from audit.codes import code_of


class AuditError(Exception):
    """Base class: anything the toolkit reports to a user instead of a traceback.

    Each carries a registered problem ``code`` (see :mod:`audit.codes`): given where it
    is raised, or the class's own. Programs decide by the code, never by the message.
    A class whose ``code`` is None must be given one each time it is raised.
    """

    exit_code = 1
    code: str | None = "request-refused"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        chosen = code or type(self).code
        if chosen is None:
            raise TypeError(f"{type(self).__name__} needs a problem code")
        self.code = code_of(chosen).name


class FrameworkError(AuditError):
    """The criteria framework file is missing or not of the expected shape."""

    exit_code = 2
    code = "framework-invalid"


class SettingsFileError(AuditError):
    """A YAML or JSON file the user supplies (national figures) cannot be read at all (exit status 2)."""

    exit_code = 2
    code = "settings-file-invalid"


class WorkbookError(AuditError):
    """A file cannot be read as a workbook at all (exit status 2)."""

    exit_code = 2
    code = None


class LayoutError(AuditError):
    """A workbook opens, but its Cases sheet cannot be interpreted (exit status 1)."""

    exit_code = 1
    code = None


class ReportError(AuditError):
    """A report could not be produced for an area."""

    exit_code = 1
    code = "report-failed"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located to a file, sheet and cell.

    Problems are data, not exceptions: validation collects every one of them so
    an auditor can mend a workbook in one pass. ``code`` is a registered problem code
    (see :mod:`audit.codes`), which also sets ``severity``: "warning" does not count
    against a clean validation, "error" does. ``subject`` says what the problem is
    about where a program needs it (the criterion ID or column of a blank cell, the
    kind of a possible identifier), so nothing has to be read back out of the message.
    """

    file: str
    sheet: str | None
    cell: str | None
    message: str
    code: str
    severity: str = field(init=False, default="error")
    area: str | None = None
    case_id: str | None = None
    subject: str | None = None

    def __post_init__(self) -> None:
        level = code_of(self.code).severity
        object.__setattr__(self, "severity", "warning" if level == "warning" else "error")

    @property
    def where(self) -> str:
        """`file: Sheet!A1`, as far as it is known."""
        if self.sheet and self.cell:
            return f"{self.file}: {self.sheet}!{self.cell}"
        if self.sheet:
            return f"{self.file}: sheet {self.sheet!r}"
        return self.file

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)
