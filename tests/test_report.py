"""Report outputs: atomic writes and per-file accounting."""

from __future__ import annotations

import pytest

from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.publish.published import publish
from audit.render.summary_json import summary_dict
from audit.run import report
from tests.conftest import case_row


def test_failed_write_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    report.write_atomic(target, "good report")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(report.os, "replace", broken_replace)
    with pytest.raises(OSError):
        report.write_atomic(target, "half a rep")
    assert target.read_text() == "good report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind


def test_summary_accounts_for_every_file(make_workbook, framework):
    a = make_workbook([case_row(framework, "C1"), case_row(framework, "C1")], name="a.xlsx")
    b = make_workbook([case_row(framework, "C2"), case_row(framework, "C3", answer=None)], name="b.xlsx")
    summary = summary_dict(publish(analyse_area(load_audit([a, b], framework)), None))
    assert summary["files"] == {
        "a.xlsx": {"rows_read": 2, "cases_scored": 0, "cases_excluded": 2},
        "b.xlsx": {"rows_read": 2, "cases_scored": 1, "cases_excluded": 1},
    }
    assert summary["rows_read"] == summary["cases_scored"] + summary["cases_excluded"] == 4
