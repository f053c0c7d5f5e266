"""Exception types. Each carries a message written for the person who gave the input."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class AuditError(Exception):
    """Base class: anything the toolkit reports to a user instead of a traceback."""

    exit_code = 1


class FrameworkError(AuditError):
    """The criteria framework file is missing or not of the expected shape."""

    exit_code = 2


class SettingsFileError(AuditError):
    """A YAML or JSON file the user supplies (national figures) cannot be read at all (exit status 2)."""

    exit_code = 2


class WorkbookError(AuditError):
    """A file cannot be read as a workbook at all (exit status 2)."""

    exit_code = 2


class LayoutError(AuditError):
    """A workbook opens, but its Cases sheet cannot be interpreted (exit status 1)."""

    exit_code = 1


class ReportError(AuditError):
    """A report could not be produced for an area."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located to a file, sheet and cell.

    Problems are data, not exceptions: validation collects every one of them so
    an auditor can mend a workbook in one pass.
    """

    file: str
    sheet: str | None
    cell: str | None
    message: str
    severity: str = "error"  # "error" counts against a clean validation; "warning" does not
    area: str | None = None
    case_id: str | None = None

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
