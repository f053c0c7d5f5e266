"""Problem codes: one registry, every code used and listed, and no program deciding by a message's words."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit import codes
from audit.cli import main
from audit.errors import AuditError, LayoutError, Problem, WorkbookError
from audit.run.outputs import OutputFolderError
from tests.conftest import case_row, header_for

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "audit"
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
# Calls whose positional argument at this index is a code.
CODE_ARG = {"Problem": 4}
STRING_METHODS = {"startswith", "endswith", "split", "rsplit", "partition", "find", "index", "count", "replace"}
REGEX_METHODS = {"match", "search", "fullmatch", "findall", "finditer"}


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def codes_in(tree: ast.AST) -> set[str]:
    """Every string literal this module puts where a code goes.

    A ``code=`` keyword; a class's ``code = ...``; an assignment to a name ``code``; a Problem's fifth
    argument; a name ending ``CODES`` assigned a literal; a comparison with some ``x.code``.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found |= {k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)}
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            index = CODE_ARG.get(name or "")
            if index is not None and len(node.args) > index and isinstance(node.args[index], ast.Constant):
                found.add(node.args[index].value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if node.value is not None and ("code" in names and isinstance(node.value, ast.Constant)):
                found.add(node.value.value)
            if node.value is not None and any(n.endswith("CODES") for n in names):
                found |= _strings(node.value)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "code" for s in sides):
                for s in sides:
                    found |= _strings(s)
    return {c for c in found if c is not None}


def _modules() -> dict[str, ast.AST]:
    return {
        str(p.relative_to(SRC)): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(SRC.rglob("*.py"))
        if p.name != "codes.py" and "notebooks" not in p.parts
    }


def test_the_registry_is_well_formed():
    assert codes.CODES, "no codes registered"
    for name, code in codes.CODES.items():
        assert name == code.name and KEBAB.match(name), name
        assert code.severity in codes.SEVERITIES, name
        assert code.meaning and "\n" not in code.meaning and "|" not in code.meaning, name
    assert codes.ROW_EXCLUDED.issubset(codes.CODES)


def test_every_code_used_in_src_is_registered_and_every_registered_code_is_used():
    used: dict[str, set[str]] = {}
    for name, tree in _modules().items():
        for code in codes_in(tree):
            used.setdefault(code, set()).add(name)
    unregistered = {c: sorted(m) for c, m in used.items() if c not in codes.CODES}
    assert not unregistered, f"codes used but not in audit/codes.py: {unregistered}"
    unused = sorted(set(codes.CODES) - set(used))
    assert not unused, f"codes registered but never used in src/audit: {unused}"


def test_the_scan_finds_codes_where_they_are_given():
    """The scan above can fail: it sees each way a code is written in src, and nothing else."""
    tree = ast.parse(
        "Problem(f, s, c, m, 'a-b')\nraise E(m, code='c-d')\nclass X:\n    code = 'e-f'\n"
        "code = 'g-h'\nMY_CODES = {'i-j'}\nif p.code == 'k-l': pass\nprint('not-a-code')\n"
    )
    assert codes_in(tree) == {"a-b", "c-d", "e-f", "g-h", "i-j", "k-l"}


def test_the_readme_lists_every_code_with_its_meaning():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Problem codes" in readme
    assert codes.markdown_table() in readme, "README's table differs from audit.codes.markdown_table()"
    for code in codes.CODES.values():
        assert f"| `{code.name}` | {code.severity} | {code.meaning} |" in readme


def test_no_program_decides_by_a_message():
    """A problem's message or an exception's text is shown, never compared, split or matched."""
    offences = []
    for name, tree in _modules().items():
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            is_message = isinstance(node, ast.Attribute) and node.attr == "message"
            is_text = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str"
            if not (is_message or is_text):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.Compare):
                offences.append(f"{name}:{node.lineno} compares it")
            elif isinstance(parent, ast.Attribute) and parent.attr in STRING_METHODS and is_message:
                offences.append(f"{name}:{node.lineno} .{parent.attr}() on it")
            elif (
                isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Attribute)
                and parent.func.attr in REGEX_METHODS
                and is_message
            ):
                offences.append(f"{name}:{node.lineno} matches a pattern against it")
    assert not offences, offences


def test_a_problem_takes_its_severity_from_its_code():
    assert Problem("f.xlsx", "Cases", "B2", "m", "answer-blank").severity == "warning"
    assert Problem("f.xlsx", "Cases", "B2", "m", "answer-invalid").severity == "error"
    assert Problem("f.xlsx", None, None, "m", "file-empty").severity == "error"  # a refusal, listed as an error
    with pytest.raises(ValueError, match="not a registered problem code"):
        Problem("f.xlsx", "Cases", "B2", "m", "no-such-code")


def test_every_refusal_carries_a_registered_code():
    assert AuditError("x").code == "request-refused"
    assert WorkbookError("x", code="file-empty").code == "file-empty"
    for kind in (WorkbookError, LayoutError, OutputFolderError):  # each raise names its own
        with pytest.raises(TypeError, match="needs a problem code"):
            kind("x")
    with pytest.raises(ValueError, match="not a registered problem code"):
        WorkbookError("x", code="no-such-code")


def _json(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["validate", "--format", "json", *args])
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_validate_json_carries_each_problems_code(make_workbook, framework, tmp_path):
    rows = [
        case_row(framework, "C1", V1="Maybe"),
        case_row(framework, "C1"),
        case_row(framework, None),
        case_row(framework, "C4", A1=None),
    ]
    rows[3][3] = "ten"  # the Age band
    listed = _json(str(make_workbook(rows, name="north.xlsx")))
    by_code = {p["code"] for p in listed}
    assert {"answer-invalid", "answer-blank", "case-id-duplicate", "case-id-blank", "age-band-invalid"} <= by_code
    for p in listed:
        assert p["severity"] == ("warning" if codes.CODES[p["code"]].severity == "warning" else "error")

    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert [(p["file"], p["code"]) for p in _json(str(tmp_path / "empty.xlsx"))] == [("empty.xlsx", "file-empty")]


def test_identifier_warnings_are_coded_by_kind_and_refused_by_code(make_workbook, framework):
    from audit.check.validate import load_audit
    from audit.run.batch import refuse_identifiers

    row = case_row(framework, "C1")
    row.insert(6, "call 943 476 5919")  # a made-up NHS number (the NHS's published test number)
    path = make_workbook([row], header=header_for(framework, ("Notes",)))
    data = load_audit(path, framework)
    assert [p.code for p in data.identifiers] == ["identifier-nhs-number"]
    assert data.identifiers[0].subject == "NHS number"
    with pytest.raises(AuditError) as caught:
        refuse_identifiers(data)
    assert caught.value.code == "identifiers-refused"
    assert "(NHS number)" in str(caught.value)


def test_summary_json_problems_carry_their_code(make_workbook, framework):
    from audit.analyse.area_result import analyse_area
    from audit.check.validate import load_audit
    from audit.publish.published import publish
    from audit.render.summary_json import summary_dict

    rows = [case_row(framework, f"C{i}") for i in range(6)]
    rows[0][framework.criterion_ids.index("V1") + 6] = "Maybe"  # six fixed columns before the criteria
    data = load_audit(make_workbook(rows), framework)
    problems = summary_dict(publish(analyse_area(data, "Testshire"), None))["problems"]
    assert [(p["where"], p["code"], p["severity"]) for p in problems] == [
        (f"audit.xlsx: Cases!{chr(65 + 6 + framework.criterion_ids.index('V1'))}2", "answer-invalid", "error")
    ]


def test_output_folder_refusals_carry_their_code(tmp_path):
    from audit.run.outputs import RunMode, claim_output

    a_file = tmp_path / "out"
    a_file.write_text("not a folder")
    with pytest.raises(OutputFolderError) as caught, claim_output(a_file, RunMode(False, 5), whole_run=True):
        pass
    assert caught.value.code == "output-not-folder"

    unrecorded = tmp_path / "old"
    unrecorded.mkdir()
    (unrecorded / "summary.json").write_text("{}")
    with pytest.raises(OutputFolderError) as caught, claim_output(unrecorded, RunMode(False, 5), whole_run=True):
        pass
    assert caught.value.code == "output-unrecorded"
