"""No auditor's free text in anything a published run writes; judgement reasons published only when clean.

A workbook with a marker in every free-text field (tests/practice_books.py) goes through
``audit batch --publish`` on real kernels, and every file the run writes is searched (each
XML part of a workbook, the text of a PDF): no marker may appear outside ``restricted/``.
The search is over whatever files exist, so a section added later that prints evidence,
impact, good practice, escalation notes, Case IDs, round labels or who agreed a judgement
fails here. The full version of the same workbook must show the evidence, once a renderer
shows practice at all.
"""

from __future__ import annotations

import ast
import json
import re
import stat
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

import audit.render
from audit.analyse.area_result import analyse_area
from audit.check.validate import load_audit
from audit.cli import main
from audit.errors import AuditError
from audit.framework.model import Framework, load_framework
from audit.publish.published import publish
from audit.resources import NOTEBOOKS_DIR
from audit.run.area_input import load_prepared, report_results, save_prepared
from tests.conftest import KERNELS
from tests.fakes import use_fake_runner
from tests.practice_books import AREAS, MARK, REASON, case_id, markers_in, reasons_for, write_marked

# Markers of text that no version ever shows: notes columns of the optional sheets, an unknown Audit details
# field and an invalid value, the Audit details heading cell, and an unknown learning theme.
NEVER_SHOWN = {
    "detailsnote",
    "detailsheading",
    "detailsfield",
    "detailsvalue",
    "audittype",
    "theme",
    "agencynote",
    "agreednote",
    "judgementnote",
}
NHS_LIKE = "9434765919"  # passes the NHS number checksum (a well-known test number)


def _kinds(found: dict[str, set[str]]) -> set[str]:
    return {hit.split("-")[1].casefold() for hits in found.values() for hit in hits}


def _batch(inputs: list[Path], out: Path, *options: str):
    result = CliRunner().invoke(main, ["batch", *map(str, inputs), "--out", str(out), "--workers", KERNELS, *options])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework()


@pytest.fixture(scope="module")
def marked(tmp_path_factory, fw) -> Path:
    return write_marked(tmp_path_factory.mktemp("marked") / "marked.xlsx", fw)


@pytest.fixture(scope="module")
def published_run(tmp_path_factory, marked):
    """The marked workbook through ``audit batch --publish`` on real kernels."""
    out = tmp_path_factory.mktemp("published") / "out"
    result = _batch([marked], out, "--publish")
    assert result.exit_code == 0, result.output
    return out, result


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, marked):
    """The marked workbook through ``audit batch`` (the full version) on real kernels."""
    out = tmp_path_factory.mktemp("full") / "out"
    result = _batch([marked], out)
    assert result.exit_code == 0, result.output
    return out, result


# ------------------------------------------------------------------ the published version


def test_the_marked_workbook_holds_a_marker_in_every_free_text_field(marked, fw):
    """The seeding itself: every free-text column of every sheet was read with its marker."""
    data = load_audit([marked], fw, scan=False)
    case = data.cases.iloc[0]
    free = [c for c in data.cases.columns if c.startswith("free_") and c != "free_text"]
    assert len(free) == len(fw.criteria) + 3
    assert all(MARK in case[c] for c in free)
    assert MARK in next(iter(case["free_text"].values()))  # Auditor comments
    assert MARK in case["case_id"] and MARK in case["audit_round"]
    assert all(MARK in v for v in data.judgements["free_agreed_by"])
    assert data.agency_answers is not None and (data.agency_answers["status"] == "scored").all()
    assert sum(data.agreed_changes.values()) > 0
    assert int(data.cases["escalated"].eq(True).sum()) == 14


def test_a_published_run_writes_no_free_text_outside_restricted(published_run):
    out, result = published_run
    public = [p for p in out.rglob("*") if p.is_file() and "restricted" not in p.relative_to(out).parts]
    names = {p.relative_to(out).as_posix() for p in public}
    # The search covered every kind of file the run writes.
    assert {"index.html", "manifest.json", "national/report.html"} <= names
    assert {f"{a}/{f}" for a in ("quillan-marsh", "rookby-wold") for f in ("report.html", "summary.json")} <= names
    assert markers_in(out, skip=("restricted",)) == {}
    assert MARK not in result.output


def test_a_published_run_keeps_case_level_files_in_restricted_only(published_run):
    """restricted/ holds the scored workbooks, full summaries and notebooks, owner-only; the notebooks hold no text."""
    out, _ = published_run
    restricted = out / "restricted"
    files = {p.relative_to(restricted).as_posix() for p in restricted.rglob("*") if p.is_file()}
    expected = {
        f"{a}/{f}" for a in ("quillan-marsh", "rookby-wold") for f in ("report.ipynb", "scored.xlsx", "summary.json")
    }
    assert files == expected | {"national/report.ipynb", "batch-cache.json"}  # the record for a re-run
    for path in restricted.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    # The executed notebooks of a published run are the published pages' source: no free text there either.
    notebooks = {k: v for k, v in markers_in(restricted).items() if ".ipynb" in k}
    assert notebooks == {}
    # What restricted/ may hold (case-level, owner-only) is never text that no version shows.
    assert not _kinds(markers_in(restricted)) & NEVER_SHOWN


def test_a_published_run_hands_its_kernels_no_free_text(marked, tmp_path, fw):
    """The prepared result a kernel renders from holds no auditor's text (Case IDs aside), only published practice."""
    data = load_audit([marked], fw, scan=False)
    pub = report_results(data, True, 5)[AREAS[0]]
    path = save_prepared(pub, tmp_path / "area.audit.pickle")
    held = path.read_bytes()
    found = {m.decode().split("-")[1] for m in re.findall(rb"ZQXMARK-[a-z]+", held)}
    assert found <= {"id"}, found
    kept = load_prepared(path)
    assert kept.practice.evidence and all(v == [] for v in kept.practice.evidence.values())
    assert kept.analysed.analysis.practice.evidence == kept.practice.evidence
    assert kept.analysed.analysis.practice.escalated == 7
    assert all(j.agreed_by is None for j in kept.analysed.analysis.practice.judgements)
    # The run itself keeps the text for the restricted outputs (scored workbook, full summary).
    assert any(pub.analysed.analysis.practice.evidence.values())


def test_a_full_run_hands_its_kernels_everything(marked, tmp_path, fw):
    data = load_audit([marked], fw, scan=False)
    pub = report_results(data, False, 5)[AREAS[0]]
    held = save_prepared(pub, tmp_path / "area.audit.pickle").read_bytes()
    assert f"{MARK}-evidence-".encode() in held and f"{MARK}-agreedby".encode() in held


def test_text_no_version_shows_is_in_no_output_of_either_run(published_run, full_run):
    for out, _ in (published_run, full_run):
        assert not _kinds(markers_in(out)) & NEVER_SHOWN, out


def test_the_published_report_shows_clean_judgement_reasons(published_run):
    out, _ = published_run
    for area in ("quillan-marsh", "rookby-wold"):
        page = (out / area / "report.html").read_text(encoding="utf-8")
        assert f"{REASON}-V1" in page and f"{REASON}-I3" in page


def test_the_full_report_shows_the_evidence_and_the_escalations(full_run):
    out, _ = full_run
    page = (out / "quillan-marsh" / "report.html").read_text(encoding="utf-8")
    for kind in ("evidence", "escalation", "impact", "goodpractice"):
        assert f"{MARK}-{kind}-" in page, kind
    assert f"{REASON}-V1" in page


# ------------------------------------------------------------------ judgement reasons that may not be published


def _three_areas(tmp_path: Path, fw: Framework) -> Path:
    """Quillan Marsh's reason names one of its Case IDs, Sallowmere's holds an NHS number, Rookby Wold's is clean."""
    folder = tmp_path / "data"
    naming = [["V1", "Strength", f"Seen well, as in {case_id('Quillan Marsh', 3)}.", "x", None]]
    write_marked(folder / "quillan.xlsx", fw, areas=("Quillan Marsh",), judgements=naming)
    nhs = [["V1", "Strength", f"Checked against {NHS_LIKE[:3]} {NHS_LIKE[3:6]} {NHS_LIKE[6:]}.", "x", None]]
    write_marked(folder / "sallowmere.xlsx", fw, areas=("Sallowmere",), judgements=nhs)
    write_marked(folder / "rookby.xlsx", fw, areas=("Rookby Wold",))
    return folder


def _public_text(out: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace")
        for p in out.rglob("*")
        if p.is_file() and "restricted" not in p.relative_to(out).parts
    )


@pytest.mark.parametrize("allow", [False, True], ids=["scanned", "allow-identifiers"])
def test_a_reason_naming_a_case_or_personal_data_stops_only_its_area(tmp_path, fw, monkeypatch, allow):
    folder = _three_areas(tmp_path, fw)
    use_fake_runner(monkeypatch)  # the refusal happens before any kernel: the subject is the batch's outcome
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["batch", str(folder), "--out", str(out), "--publish", *(["--allow-identifiers"] if allow else [])]
    )
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 1, result.output
    text = result.output + _public_text(out)
    assert "Rookby Wold: ok" in result.output
    assert (
        "Quillan Marsh: FAILED: not published: 1 judgement reason(s) look like they hold personal data or a Case ID: "
        "quillan.xlsx, Judgements!C2. Reword the Reason" in result.output
    )
    if allow:  # the cells' own scan is waived, the reasons' is not
        assert "Sallowmere: FAILED: not published: 1 judgement reason(s)" in result.output
        assert "sallowmere.xlsx, Judgements!C2" in result.output
    else:  # the cells' scan stops the area first, naming the same cell
        assert "Sallowmere: FAILED: not reported: 1 cell(s) look like personal data" in result.output
        assert "sallowmere.xlsx: Judgements!C2 (NHS number)" in result.output
    assert (out / "rookby-wold" / "report.html").exists()
    assert not (out / "quillan-marsh").exists() and not (out / "sallowmere").exists()
    assert not list((out / "restricted").glob("quillan-marsh*")) and not list((out / "restricted").glob("sallowmere*"))
    # Never the reason: neither the Case ID it names nor the number, anywhere outside restricted/ or on the console.
    assert MARK not in text and "Seen well" not in text and NHS_LIKE[:3] + " " not in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outputs"]["Quillan Marsh"].startswith("failed: not published: 1 judgement reason(s)")
    assert manifest["outputs"]["Rookby Wold"] == "ok"


def test_a_refused_reason_carries_its_code_and_cell_not_its_text(tmp_path, fw):
    folder = _three_areas(tmp_path, fw)
    data = load_audit([folder / "quillan.xlsx"], fw, scan=False)
    with pytest.raises(AuditError) as caught:
        publish(analyse_area(data, publish=True), 5)
    assert caught.value.code == "judgement-reason-refused"
    assert "quillan.xlsx, Judgements!C2" in str(caught.value)
    assert MARK not in str(caught.value) and "Seen well" not in str(caught.value)
    # audit report (which has no cells' scan to waive) refuses the area for its reason alone.
    refused = CliRunner().invoke(
        main, ["report", str(folder / "sallowmere.xlsx"), "--out", str(tmp_path / "p"), "--publish"]
    )
    assert refused.exit_code == 1, refused.output
    assert "judgement reason(s)" in refused.output and "sallowmere.xlsx, Judgements!C2" in refused.output
    assert NHS_LIKE[:3] + " " not in refused.output and "Checked against" not in refused.output
    assert not (tmp_path / "p" / "sallowmere").exists()


def test_score_names_an_area_refused_for_its_reasons_and_writes_the_others(tmp_path, fw):
    """`audit score --publish` once left such an area out without a word, with exit status 0."""
    folder = _three_areas(tmp_path, fw)
    (folder / "sallowmere.xlsx").unlink()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(folder), "--out", str(out), "--publish"])
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 1, result.output
    assert "Rookby Wold: 14 scored" in result.output
    assert "Quillan Marsh: FAILED: not published: 1 judgement reason(s)" in result.output
    assert "quillan.xlsx, Judgements!C2" in result.output and MARK not in result.output
    assert (out / "rookby-wold" / "summary.json").exists() and not (out / "quillan-marsh").exists()
    outputs = json.loads((out / "manifest.json").read_text())["outputs"]
    assert outputs["Quillan Marsh"].startswith("failed: not published") and outputs["Rookby Wold"] == "ok"
    assert MARK not in _public_text(out)


def test_a_clean_reason_is_published(tmp_path, fw):
    data = load_audit([write_marked(tmp_path / "a.xlsx", fw)], fw, scan=False)
    pub = report_results(data, True, 5)[AREAS[0]]
    reasons = {j.target: j.reason for j in pub.practice.judgements}
    assert reasons["V1"].startswith(f"{REASON}-V1") and reasons["I3"].startswith(f"{REASON}-I3")
    assert len(pub.practice.judgements) == len(reasons_for(fw))


# ------------------------------------------------------------------ renderers read practice only as published


RENDER = Path(audit.render.__file__).parent
# Write restricted/ only: the case-level workbook (and its practice sheets) needs the text. explore_view.py
# writes nothing: it shows the audit team each case's evidence in JupyterLab (explore_cases.ipynb, never published).
RESTRICTED_RENDERERS = {"scored_workbook.py", "scored_practice.py", "explore_view.py"}
FREE_TEXT_NAMES = {"evidence_column", "is_free_text", "free_columns", "practice_tables", "_extract", "_extracts"}


def practice_reads(source: str, name: str) -> list[str]:
    """Where code reads practice around the published result: ``X.analysis.practice``, ``"free_..."`` columns,
    the free-text helpers, or the raw data's ``free_agreed_by``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Attribute) and node.attr == "practice":
            inner = node.value
            if isinstance(inner, ast.Attribute) and inner.attr == "analysis":
                found.append(f"{name}:{line} reads .analysis.practice (use pub.practice)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("free_"):
            found.append(f"{name}:{line} names the free-text column {node.value!r}")
        if isinstance(node, ast.Name | ast.Attribute):
            ident = node.id if isinstance(node, ast.Name) else node.attr
            if ident in FREE_TEXT_NAMES:
                found.append(f"{name}:{line} uses {ident}")
    return found


def _notebook_sources() -> list[tuple[str, str]]:
    out = []
    for path in sorted(Path(NOTEBOOKS_DIR).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        out.append((path.name, code))
    return out


SOURCES = [
    *(
        (p.name, p.read_text(encoding="utf-8"))
        for p in sorted(RENDER.glob("*.py"))
        if p.name not in RESTRICTED_RENDERERS
    ),
    *_notebook_sources(),
]


@pytest.mark.parametrize(("name", "source"), SOURCES, ids=[n for n, _ in SOURCES])
def test_pages_read_practice_only_through_the_published_result(name, source):
    assert practice_reads(source, name) == []


def test_the_practice_check_sees_what_it_looks_for():
    bad = (
        "from audit.check.audit_data import evidence_column\n"
        "def f(pub):\n"
        "    a = pub.analysed.analysis.practice.evidence\n"
        "    b = pub.analysed.cases['free_impact']\n"
        "    c = pub.analysed.cases[evidence_column('V1')]\n"
    )
    assert len(practice_reads(bad, "bad.py")) == 3
    assert practice_reads("def f(pub):\n    return pub.practice.evidence, pub.practice.judgements\n", "g") == []


@pytest.mark.parametrize("stage", ["analysis", "report"])
def test_an_unexpected_failure_in_a_published_run_never_quotes_its_text(tmp_path, fw, monkeypatch, stage):
    """An exception's text may quote a cell: a published run names its kind only, the details kept in restricted/."""
    from audit.run import batch as batch_module

    folder = tmp_path / "data"
    write_marked(folder / "q.xlsx", fw, areas=AREAS[:1])
    write_marked(folder / "r.xlsx", fw, areas=AREAS[1:])
    secret = f"{MARK}-evidence-in-an-exception"
    name = "analyse_area" if stage == "analysis" else "make_report"
    real = getattr(batch_module, name)

    def failing(result, *args, **kwargs):
        area = result.area if stage == "report" else args[0]
        if area == AREAS[0]:
            raise KeyError(secret)
        return real(result, *args, **kwargs)

    monkeypatch.setattr(batch_module, name, failing)
    use_fake_runner(monkeypatch)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(folder), "--out", str(out), "--publish"])
    assert result.exit_code == 1, result.output
    assert f"{AREAS[0]}: FAILED: an unexpected KeyError; its details, which may quote a cell, are kept in" in (
        result.output
    )
    assert f"{AREAS[1]}: ok" in result.output
    assert MARK not in result.output and markers_in(out, skip=("restricted",)) == {}
    kept = out / "restricted" / "quillan-marsh" / "error.txt"
    assert secret in kept.read_text() and stat.S_IMODE(kept.stat().st_mode) == 0o600
