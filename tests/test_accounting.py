"""Property tests: random messy workbooks never lose a row, and no answer is read as another."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.check.validate import EXCLUDED, INVALID, SCORED, load_audit
from audit.framework.model import load_framework
from audit.read.load import fold

FW = load_framework()
IDS = FW.criterion_ids[:4]  # a few criteria keep the examples small; the rest are absent columns
SPELLINGS = [s for s in FW.synonyms] + ["  YES ", "Partially Met", "n/a", "N / A"]
answer = st.one_of(
    st.sampled_from(SPELLINGS),
    st.sampled_from(["", None, "   "]),
    st.sampled_from(["Unsure", "?", "yes-ish", "0", "TRUE"]),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
row = st.one_of(
    st.tuples(
        st.one_of(st.sampled_from(["C1", "c1", "C2", "C3", " C4 ", "", None]), st.integers(1, 4)),
        st.sampled_from(["North", "north ", "South", "", None]),
        *[answer] * len(IDS),
    ),
    st.just(None),  # an all-blank row
)


def _expected(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and fold(value) in FW.synonyms:
        return FW.synonyms[fold(value)]
    return INVALID


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=0, max_size=25))
def test_every_row_accounted_for_and_answers_kept(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Cases"
        ws.append(["Audit of cases"])
        ws.append(["Case ID", "Area", *(FW.criterion(c).header for c in IDS)])
        for r in rows:
            ws.append(list(r) if r else [None])
        wb.save(path)
        data = load_audit(path, FW, scan=False)

    written = [r for r in rows if r and any(v is not None and str(v).strip() for v in r)]
    assert len(data.cases) == len(written)
    assert len(data.scored) + len(data.excluded) == len(data.cases)
    assert set(data.cases["status"]) <= {SCORED, EXCLUDED}
    assert all(data.excluded["reason"].notna()) and all(data.excluded["reason_cell"].notna())

    keys = Counter()
    for r in written:
        cid = str(r[0]).strip() if r[0] is not None else ""
        area = str(r[1]).strip() if r[1] is not None else ""
        if cid and area:
            keys[(fold(area), fold(cid))] += 1
    for (_, rec), r in zip(data.cases.iterrows(), written, strict=True):
        for cid, raw in zip(IDS, r[2:], strict=True):
            assert rec[cid] == _expected(raw), (cid, raw, rec[cid])
        has_valid = any(_expected(v) not in (None, INVALID) for v in r[2:])
        cid = rec["case_id"]
        unique = cid is not None and rec["area"] is not None and keys[(fold(rec["area"]), fold(cid))] == 1
        assert (rec["status"] == SCORED) == (unique and has_valid)
