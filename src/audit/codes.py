"""The registry of problem codes: one stable, kebab-case name for each kind of problem or refusal.

A code names what went wrong, so programs (summary.json readers, the batch, the
report pages) decide by code and never by a message's wording, which may change.
Every :class:`audit.errors.Problem` and every :class:`audit.errors.AuditError`
carries one of these codes; the README's "Problem codes" table is checked against
this registry by the tests, and a code used in ``src/audit`` but not listed here
(or listed here but never used) fails them.

Severity:

- ``warning``: reported, but the data is used as it stands (a clean validation may have warnings);
- ``error``: a cell or row is not used as it stands (an invalid answer, a row left out, a column not read);
- ``stop``: a whole file, folder or command is refused, with the message saying why and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("warning", "error", "stop")


@dataclass(frozen=True)
class Code:
    """One registered code: its name, how serious it is, and a one-line meaning for the README."""

    name: str
    severity: str
    meaning: str


def _codes(*rows: tuple[str, str, str]) -> dict[str, Code]:
    return {name: Code(name, severity, meaning) for name, severity, meaning in rows}


CODES: dict[str, Code] = _codes(
    # --- cells and rows of a Cases or Moderation sheet
    ("answer-invalid", "error", "an answer is not Yes, Partly, No or N/A; it is not scored, the rest of the case is"),
    ("answer-blank", "warning", "an answer is blank; it counts as missing (never as No): use N/A if it does not apply"),
    ("field-blank", "warning", "an Audit date, Age band or Agencies involved cell of a case is blank"),
    ("age-band-invalid", "warning", "an Age band is not one of the framework's bands; the case has no age band"),
    ("grade-invalid", "warning", "an Overall grade is not one of the framework's grades; the case has no grade"),
    (
        "date-as-text",
        "warning",
        "a date (an Audit date, or one on the Audit details or Judgements sheet) is typed as text; "
        "it was read as day/month/year",
    ),
    (
        "date-invalid",
        "warning",
        "a date (an Audit date, or one on the Audit details or Judgements sheet) is not a date; it is left blank",
    ),
    ("agency-unknown", "warning", "an Agencies involved cell names agencies the framework does not know"),
    ("case-id-blank", "error", "row excluded: the Case ID is blank"),
    ("area-blank", "error", "row excluded: the Area is blank, so the case belongs to no area"),
    ("case-id-duplicate", "error", "row excluded: the Case ID appears more than once in its area and round"),
    ("answers-none-valid", "error", "row excluded: no criterion has a valid answer"),
    (
        "moderation-row-left-out",
        "error",
        "a Moderation sheet row is left out (no Case ID or area, a duplicate, or no valid answer)",
    ),
    (
        "area-name-close",
        "warning",
        "an area's name is very like another area's, with far fewer rows: perhaps a typing mistake",
    ),
    ("area-rows-few", "warning", "an area has only one or two rows in a workbook whose other areas have many"),
    # --- a case's practice columns (evidence, impact, learning themes, escalation)
    ("learning-theme-unknown", "warning", "a Learning themes cell names a theme not in the framework's list"),
    ("escalated-invalid", "error", "an Escalated cell is not Yes or No; the case is not counted as escalated"),
    ("escalation-note-blank", "warning", "a case is escalated (Escalated is Yes) but its Escalation note is blank"),
    # --- the optional sheets: Audit details, Agency answers, Agreed answers, Judgements
    ("details-field-unknown", "warning", "an Audit details row names no field the toolkit knows; it is not read"),
    ("details-field-repeated", "error", "an Audit details field is given twice; only the first is read"),
    (
        "details-value-invalid",
        "error",
        "an Audit details value is not one of the field's allowed values; the field is not recorded",
    ),
    ("details-differ", "warning", "two workbooks of one area give an Audit details field different values"),
    (
        "sheet-unread",
        "error",
        "an Agency answers, Agreed answers or Judgements sheet could not be read (no header row, a header "
        "repeated, a column missing); the cases are still scored",
    ),
    (
        "case-id-unknown",
        "error",
        "an Agency answers or Agreed answers row's Case ID is blank or not on the Cases sheet; the row is left out",
    ),
    (
        "case-id-ambiguous",
        "error",
        "an Agency answers or Agreed answers row's Case ID matches several cases; the row is left out",
    ),
    (
        "agency-invalid",
        "error",
        "an Agency answers row's Agency is blank or not one of the framework's agencies; the row is left out",
    ),
    (
        "sheet-row-duplicate",
        "error",
        "a case (or case and agency) is on two rows of Agency answers or Agreed answers; every copy is left out",
    ),
    (
        "judgement-target-unknown",
        "error",
        "a Judgements row names no criterion ID, theme or learning theme of the framework; it is left out",
    ),
    (
        "judgement-invalid",
        "error",
        "a Judgement is not Strength, Area for improvement, Area for priority action or No judgement; "
        "the row is left out",
    ),
    ("judgement-reason-blank", "warning", "a judgement gives no Reason"),
    ("judgement-area-unknown", "error", "a Judgements row's Area has no cases in the workbook; it is left out"),
    (
        "judgement-repeated",
        "error",
        "a criterion or theme is judged more than once for one area; every copy is left out",
    ),
    # --- the sheet's layout and cells read
    ("sheet-hidden", "warning", "the sheet is hidden in Excel; it was read all the same"),
    (
        "formula-no-result",
        "error",
        "a formula cell has no stored result (never recalculated), so it would read as blank",
    ),
    ("column-no-header", "error", "a column holds values but has no header, so it was not read"),
    (
        "header-criterion-unknown",
        "error",
        "a header starts like a criterion ID the framework does not define; not scored",
    ),
    (
        "criterion-column-missing",
        "error",
        "no column for one of the framework's criteria; its answers count as missing",
    ),
    ("moderation-sheet-unread", "error", "the Moderation sheet's layout could not be read; the cases are still scored"),
    # --- cells that look like personal data (never quoted)
    ("identifier-nhs-number", "warning", "a cell holds a 10-digit number that passes the NHS number checksum"),
    ("identifier-ni-number", "warning", "a cell matches the National Insurance number pattern"),
    ("identifier-postcode", "warning", "a cell matches the UK postcode pattern"),
    ("identifier-phone", "warning", "a cell looks like a UK phone number"),
    ("identifier-email", "warning", "a cell looks like an email address"),
    ("identifier-name-column", "warning", "a column header suggests people's names"),
    ("identifier-dob-column", "warning", "a column header suggests dates of birth"),
    ("identifier-dob-text", "warning", "a cell's text gives a date of birth"),
    ("identifiers-refused", "stop", "an area is not reported: its workbooks hold cells that look like personal data"),
    (
        "judgement-reason-refused",
        "stop",
        "an area is not published: a judgement's Reason looks like it holds personal data or names a Case ID",
    ),
    # --- a workbook file that is not read at all
    ("file-not-found", "stop", "the input file does not exist"),
    ("file-unreadable", "stop", "the input file cannot be opened or read (permissions, a lock, a disk error)"),
    ("file-is-folder", "stop", "a workbook path names a folder"),
    ("file-not-regular", "stop", "a workbook path names a device, pipe or socket"),
    ("file-empty", "stop", "the file is 0 bytes long"),
    ("file-too-large", "stop", "the file (or its decrypted contents) is over the file-size limit"),
    ("file-not-workbook", "stop", "the file is not an Excel workbook (PDF, text, CSV, HTML, another zip or OLE file)"),
    ("file-xls", "stop", "the file is a legacy Excel 97-2003 .xls workbook, which is not read"),
    ("file-xlsb", "stop", "the file is a binary .xlsb workbook, which is not read"),
    ("file-ods", "stop", "the file is an OpenDocument spreadsheet (.ods), not an Excel workbook"),
    ("file-damaged", "stop", "the file's zip or OLE container, or one of its parts, is truncated or corrupt"),
    ("folder-no-workbooks", "stop", "a folder given as input holds no .xlsx workbooks"),
    ("limit-invalid", "stop", "an AUDIT_MAX_* environment variable is not a positive number"),
    ("zip-bomb", "stop", "the zip declares or expands to more parts or data than a workbook could hold"),
    ("zip-part-duplicate", "stop", "the zip holds two parts with the same name (tampered or corrupt)"),
    (
        "zip-feature-unsupported",
        "stop",
        "a zip part uses encryption, patching or a compression method Excel never writes",
    ),
    (
        "xml-entity",
        "stop",
        "an XML part declares a DOCTYPE or entity, which workbooks never need (entity expansion attack)",
    ),
    ("password-needed", "stop", "the workbook is password-protected and no password was given"),
    ("password-empty", "stop", "the password given is empty"),
    ("password-wrong", "stop", "the password given does not open the workbook"),
    (
        "encryption-unsupported",
        "stop",
        "the workbook's encryption is outside the Office specification or cannot be decrypted",
    ),
    ("file-not-encrypted", "stop", "a file given to be decrypted is not password-protected"),
    ("sheet-missing", "stop", "the workbook has no sheet of the name needed (Cases)"),
    ("sheet-unreadable", "stop", "a sheet's data is missing or its XML cannot be read"),
    ("sheet-too-large", "stop", "a sheet's used range is over the cell limit (reading it would exhaust memory)"),
    ("sheet-reach-unchecked", "stop", "how far a sheet reaches cannot be checked, so it is not read"),
    ("reader-refused", "stop", "the spreadsheet reader could not read the file"),
    ("reader-crashed", "stop", "the spreadsheet reader stopped abnormally on the file (contained: the run goes on)"),
    ("header-missing", "stop", "the Cases sheet has no header row with a 'Case ID' cell"),
    ("header-split", "stop", "the headers run over two rows"),
    ("header-repeated", "stop", "two columns have the same header (or two headers for one criterion)"),
    # --- output folders
    ("output-not-folder", "stop", "--out names a file, not a folder"),
    ("output-unwritable", "stop", "--out cannot be made or written to"),
    ("output-busy", "stop", "another audit run is writing in --out"),
    ("output-record-damaged", "stop", "--out's record of the previous run is damaged"),
    ("output-record-unwritable", "stop", "the run cannot be recorded in --out"),
    ("output-unrecorded", "stop", "--out holds report outputs with no record of the run that made them"),
    ("output-mode-differs", "stop", "--out holds outputs of another mode (full or published); --replace removes them"),
    # --- everything else a command may refuse
    ("framework-invalid", "stop", "the criteria framework file is missing, unreadable or not of the expected shape"),
    (
        "framework-unknown",
        "stop",
        "a workbook's Audit details name a framework or version that is not shipped (or no version); not read",
    ),
    (
        "framework-mismatch",
        "stop",
        "a workbook's Audit details name another framework or version than --criteria gives; not read",
    ),
    (
        "frameworks-mixed",
        "stop",
        "the workbooks name more than one framework where one set of results was asked for (`audit batch` groups them)",
    ),
    ("settings-file-invalid", "stop", "a YAML or JSON settings file (national figures) cannot be read"),
    ("area-unknown", "stop", "the data has no area of the name asked for"),
    ("prepared-invalid", "stop", "a prepared result file is not one this toolkit wrote for that notebook"),
    ("report-failed", "stop", "a report (notebook, HTML or PDF) could not be produced for an area"),
    ("request-refused", "stop", "the command was asked for something the data, framework or machine cannot give"),
)


# The codes of a Cases row left out of the analysis (listed with the exclusions, not as other problems).
ROW_EXCLUDED = frozenset({"case-id-blank", "area-blank", "case-id-duplicate", "answers-none-valid"})


def code_of(name: str) -> Code:
    """The registered code ``name``; a ValueError for a name not registered (a bug, caught by the tests)."""
    try:
        return CODES[name]
    except KeyError:
        raise ValueError(f"{name!r} is not a registered problem code (see audit.codes)") from None


def markdown_table() -> str:
    """The README's table of codes, in registry order."""
    lines = ["| Code | Severity | Meaning |", "| --- | --- | --- |"]
    lines.extend(f"| `{c.name}` | {c.severity} | {c.meaning} |" for c in CODES.values())
    return "\n".join(lines)
