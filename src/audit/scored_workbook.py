"""The scored workbook: an area's results and cases as an Excel file a partnership can act on."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from audit.summarise import AreaResult, criteria_table

# Answer fills: light tints with dark text, and the answer is written in the cell,
# so colour is never the only sign.
FILLS = {
    "Yes": PatternFill("solid", fgColor="CCE2D8"),
    "Partly": PatternFill("solid", fgColor="FFF7BF"),
    "No": PatternFill("solid", fgColor="F4CDC6"),
    "Invalid": PatternFill("solid", fgColor="D9D9D9"),
}
BOLD = Font(bold=True)


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "B2"
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(45, len(str(h)) + 2))


def scored_workbook_bytes(result: AreaResult) -> bytes:
    """Summary, scored cases (answers colour-coded) and excluded rows, as xlsx bytes."""
    fw = result.framework
    wb = Workbook()
    wb.remove(wb.active)
    table = criteria_table(result)
    _sheet(wb, "Summary", list(table.columns), table.values.tolist())

    ids = list(fw.criterion_ids)
    header = [
        "Case ID",
        "Age band",
        "Agencies involved",
        "Auditor's grade",
        "Derived grade",
        "Mean points",
        *(fw.criterion(c).header for c in ids),
        "Source",
    ]
    rows = []
    for _, c in result.cases.iterrows():
        agencies = ", ".join(fw.agencies[a] for a in c["agencies"])
        mean = None if c["mean_points"] != c["mean_points"] else round(float(c["mean_points"]), 3)
        rows.append(
            [
                c["case_id"],
                c["age_band"],
                agencies,
                c["overall_grade"],
                c["derived_grade"],
                mean,
                *(c[i] for i in ids),
                f"{c['file']} {c['sheet']}!row {c['row']}",
            ]
        )
    _sheet(wb, "Cases", header, rows)
    ws = wb["Cases"]
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=6 + len(ids)):
        for cell in row:
            fill = FILLS.get(cell.value)
            if fill:
                cell.fill = fill

    _sheet(
        wb,
        "Excluded",
        ["Case ID", "File", "Cell", "Reason"],
        [[e["case_id"], e["file"], e["cell"], e["reason"]] for e in result.data.exclusions()],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
