"""Framework files are checked on load: the schema, one test per rule, and the YAML loader's limits."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from audit import safe_yaml
from audit.cli import main
from audit.errors import FrameworkError
from audit.framework.model import DEFAULT_CRITERIA, load_framework
from audit.framework.rules import RULES
from audit.framework.schema import _validator
from tests.conftest import case_row

SHIPPED = yaml.safe_load(DEFAULT_CRITERIA.read_text(encoding="utf-8"))
BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]" for a, b in zip("abcdefghi", "bcdefghij", strict=True)]
)


def write(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(SHIPPED)
    change(data)
    path = tmp_path / "framework.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def refused(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> str:
    path = write(tmp_path, change)
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert info.value.exit_code == 2
    return message


def criterion(data: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in data["criteria"] if c["id"] == cid)


def test_the_shipped_framework_and_schema_are_valid():
    _validator().check_schema(_validator().schema)
    assert load_framework().criterion_ids[:2] == ("I1", "I2")


# ---- the schema: keys, types, ranges -------------------------------------------------------------------------


SCHEMA_CASES = {
    "misspelt section": (
        lambda d: d.__setitem__("findigns", d.pop("findings")),
        "(top level): unknown key 'findigns' (did you mean 'findings'?)",
    ),
    "unknown key in a criterion": (
        lambda d: criterion(d, "V1").__setitem__("colour", "red"),
        "criteria[5]: unknown key 'colour'",
    ),
    "missing key": (lambda d: d.pop("answers"), "(top level): missing 'answers'"),
    "theme number not a number": (
        lambda d: d["themes"][1].__setitem__("number", "abc"),
        "themes[1].number: expected a whole number",
    ),
    "shares as a list": (
        lambda d: criterion(d, "I3").__setitem__("shares", ["police"]),
        "criteria[2].shares: expected a mapping",
    ),
    "min_answered .nan": (
        lambda d: d["findings"].__setitem__("min_answered", float("nan")),
        "findings.min_answered: expected a whole number",
    ),
    "strength_lower 160": (
        lambda d: d["findings"].__setitem__("strength_lower", 160),
        "findings.strength_lower: expected a percentage from 0 to 100",
    ),
    "kappa out of range": (
        lambda d: d["moderation"].__setitem__("kappa_min", 2),
        "moderation.kappa_min: expected a number from -1 to 1",
    ),
    "gap_days 0": (
        lambda d: d["rounds"].__setitem__("gap_days", 0),
        "rounds.gap_days: expected a number from 1 to 3660",
    ),
    "age_focus bands as text": (
        lambda d: d["age_focus"].__setitem__("bands", "0-2"),
        "age_focus.bands: expected a list or left empty",
    ),
    "findings as a list": (lambda d: d.__setitem__("findings", [1, 2]), "findings: expected a mapping"),
    "phrase not text": (
        lambda d: d["findings"]["phrases"].__setitem__("V1", ["a"]),
        "findings.phrases.V1: expected text",
    ),
    "unquoted Yes read as true": (
        lambda d: d["answers"]["Yes"]["accept"].append(True),
        "answers.Yes.accept[3]: expected text (quote words such as Yes",
    ),
    "criterion ID pattern": (
        lambda d: criterion(d, "V1").__setitem__("id", "V-1"),
        "criteria[5].id: expected an ID of letters then digits, such as V1",
    ),
    "no criteria": (lambda d: d.__setitem__("criteria", []), "criteria: expected at least one item"),
    "an answer missing": (lambda d: d["answers"].pop("N/A"), "answers: missing 'N/A'"),
    "grade band minimum not a number": (
        lambda d: d["grades"]["bands"][0].__setitem__("min", "high"),
        "grades.bands[0].min: expected a number",
    ),
    "key not true or false": (
        lambda d: criterion(d, "V1").__setitem__("key", "yes"),
        "criteria[5].key: expected true or false",
    ),
    "empty label": (
        lambda d: criterion(d, "V1").__setitem__("label", ""),
        "criteria[5].label: expected text, not an empty value",
    ),
    "age band twice": (lambda d: d["age_bands"].append("0-2"), "age_bands: expected each item once only"),
}


@pytest.mark.parametrize("case", list(SCHEMA_CASES))
def test_schema_refuses_with_the_key_path_and_what_was_expected(tmp_path, case):
    change, expected = SCHEMA_CASES[case]
    assert expected in refused(tmp_path, change)


def test_schema_messages_never_repeat_the_value(tmp_path):
    message = refused(tmp_path, lambda d: d["themes"][0].__setitem__("number", "Tom Jones 3 May 2016"))
    assert "themes[0].number" in message and "Tom Jones" not in message


def test_the_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"\(top level\): expected a mapping"):
        load_framework(path)


# ---- the rules: references, uniqueness, order ------------------------------------------------------------------


RULE_CASES = {
    "finite_numbers": (
        lambda d: d["findings"].__setitem__("strength_lower", float("nan")),
        "findings.strength_lower: expected a finite number",
    ),
    "unique_theme_ids": (
        lambda d: d["themes"][1].__setitem__("id", "identification"),
        "themes: expected each theme ID once; repeated: identification",
    ),
    "unique_theme_numbers": (
        lambda d: d["themes"][1].__setitem__("number", 1),
        "themes: expected each theme number once; repeated: 1",
    ),
    "unique_criterion_ids": (
        lambda d: criterion(d, "A1").__setitem__("id", "v1"),
        "criteria: expected each criterion ID once (case aside); repeated: V1",
    ),
    "criterion_themes_exist": (
        lambda d: criterion(d, "P1").__setitem__("theme", "protect"),
        "criteria[10].theme: expected one of the theme IDs",
    ),
    "criterion_agencies_exist": (
        lambda d: criterion(d, "I3")["shares"].__setitem__("to", ["schools"]),
        "criteria[2].shares.to: expected agency IDs from 'agencies'",
    ),
    "aliases_name_agencies": (
        lambda d: d["agency_aliases"].__setitem__("GP", "doctor"),
        "agency_aliases.GP: expected an agency ID",
    ),
    "spellings_name_one_answer": (
        lambda d: d["answers"]["No"]["accept"].append("P"),
        "answers.No.accept: expected spellings of one answer only; one is also Partly",
    ),
    "spellings_not_blank": (
        lambda d: d["answers"]["No"]["accept"].append("  "),
        "answers.No.accept[3]: expected a spelling, not blank text",
    ),
    "grade_bands_in_order": (
        lambda d: d["grades"]["bands"].reverse(),
        "grades.bands: expected bands from best to worst",
    ),
    "unique_grades": (
        lambda d: d["grades"]["bands"][1].__setitem__("grade", "Outstanding"),
        "grades.bands: expected each grade once; repeated: Outstanding",
    ),
    "key_no_cap_is_a_grade": (
        lambda d: d["grades"].__setitem__("key_no_cap", "Poor"),
        "grades.key_no_cap: expected one of the grades",
    ),
    "phrases_name_criteria": (
        lambda d: d["findings"]["phrases"].__setitem__("Z9", "x"),
        "findings.phrases: expected criterion IDs; unknown criteria: Z9",
    ),
    "focus_bands_are_age_bands": (
        lambda d: d["age_focus"]["bands"].append("0-4"),
        "age_focus.bands: expected bands listed in age_bands; not listed: 0-4",
    ),
    "learning_themes_distinct": (
        lambda d: d["learning_themes"].append("coercive  CONTROL"),
        "learning_themes: expected each theme once (case and spaces aside); repeated: coercive control",
    ),
}


def test_every_rule_has_a_test():
    assert set(RULE_CASES) == {rule.__name__ for rule in RULES}


@pytest.mark.parametrize("name", list(RULE_CASES))
def test_rule_refuses_when_the_file_is_loaded(tmp_path, name):
    change, expected = RULE_CASES[name]
    assert expected in refused(tmp_path, change)


def test_every_problem_is_listed_at_once(tmp_path):
    def two(d):
        d["themes"][1]["number"] = "abc"
        d["findings"]["strength_lower"] = 160

    message = refused(tmp_path, two)
    assert "themes[1].number" in message and "findings.strength_lower" in message


# ---- the loader: alias bombs, size, depth, encoding ------------------------------------------------------------


def test_alias_bomb_is_refused_before_anything_is_built(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the document was constructed")

    monkeypatch.setattr(safe_yaml.yaml, "load", never)
    with pytest.raises(safe_yaml.YamlRefused, match="aliases expand to more than"):
        safe_yaml.load_yaml(BOMB)


def test_a_few_aliases_are_still_read():
    data = safe_yaml.load_yaml("base: &b [csc, police]\nother: *b\nmerged: {<<: {x: 1}, y: 2}\n")
    assert data == {"base": ["csc", "police"], "other": ["csc", "police"], "merged": {"x": 1, "y": 2}}


def test_a_key_written_twice_is_refused_not_silently_overwritten(tmp_path):
    text = DEFAULT_CRITERIA.read_text(encoding="utf-8") + "\nfindings:\n  strength_lower: 10\n"
    path = tmp_path / "twice.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"the key 'findings' appears twice in one mapping \(line \d+\)"):
        load_framework(path)
    with pytest.raises(safe_yaml.YamlRefused, match="'V1' appears twice"):
        safe_yaml.load_yaml('{"V1": 40, "V1": 60}')


def test_deep_nesting_and_oversized_files_are_refused():
    with pytest.raises(safe_yaml.YamlRefused, match="nested more than"):
        safe_yaml.load_yaml("[" * 200 + "]" * 200)
    with pytest.raises(safe_yaml.YamlRefused, match="larger than"):
        safe_yaml.load_yaml(b" " * (safe_yaml.MAX_BYTES + 1))


def test_alias_bomb_as_criteria_is_exit_2(tmp_path):
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(BOMB, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--criteria", str(bomb)])
    assert result.exit_code == 2
    assert "bomb.yml: its aliases expand to more than" in result.output


def test_alias_bomb_as_national_figures_is_exit_2(tmp_path, make_workbook, framework):
    bomb = tmp_path / "national.yml"
    bomb.write_text(BOMB, encoding="utf-8")
    path = make_workbook([case_row(framework, "C1")])
    result = CliRunner().invoke(main, ["batch", str(path), "--out", str(tmp_path / "o"), "--national", str(bomb)])
    assert result.exit_code == 2, result.output
    assert "national.yml: national figures refused: its aliases expand" in result.output
    assert not (tmp_path / "o").exists()


def test_national_figures_not_utf8_is_exit_2(tmp_path, make_workbook, framework):
    latin1 = tmp_path / "national.yml"
    latin1.write_bytes("source: Ynys M\xf4n\nV1: 40\n".encode("latin-1"))
    path = make_workbook([case_row(framework, "C1")])
    result = CliRunner().invoke(main, ["batch", str(path), "--out", str(tmp_path / "o"), "--national", str(latin1)])
    assert result.exit_code == 2, result.output
    assert "national.yml: national figures refused: not UTF-8 text" in result.output


def test_criteria_file_not_utf8_is_exit_2(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes(DEFAULT_CRITERIA.read_text(encoding="utf-8").replace("Children's", "Ni\xf1os").encode("latin-1"))
    result = CliRunner().invoke(main, ["validate", "--criteria", str(path)])
    assert result.exit_code == 2 and "not UTF-8 text" in result.output


# ---- `audit validate --criteria FILE` alone -------------------------------------------------------------------


def test_validate_checks_a_framework_file_alone(tmp_path):
    good = CliRunner().invoke(main, ["validate", "--criteria", str(DEFAULT_CRITERIA)])
    assert good.exit_code == 0 and "a valid criteria framework (17 criteria in 4 themes)" in good.output
    bad = write(tmp_path, lambda d: d["findings"].__setitem__("strength_lower", 160))
    refused_run = CliRunner().invoke(main, ["validate", "--criteria", str(bad)])
    assert refused_run.exit_code == 2 and "findings.strength_lower" in refused_run.output
    assert "internal error" not in refused_run.output


def test_validate_with_nothing_to_check_is_a_usage_error():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2 and "--criteria FILE" in result.output


def _fifo_with_a_writer(path: Path, text: bytes) -> None:
    """A FIFO someone writes into: a reader that opens it would read a valid-looking file."""
    import os
    import threading

    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as handle:  # blocks until a reader opens; a daemon, so never holds the test
                handle.write(text)
        except OSError:  # the reader refused the FIFO and closed it: nothing to write to
            pass

    threading.Thread(target=write, daemon=True).start()


@pytest.mark.parametrize("command", ["criteria", "national"])
def test_settings_files_that_are_not_regular_files_are_refused_unread(command, tmp_path, make_workbook, framework):
    """A FIFO would block the run, /dev/zero would fill memory: neither is opened for reading."""
    settings = tmp_path / "settings.yaml"
    body = DEFAULT_CRITERIA.read_bytes() if command == "criteria" else b"V1: 40\n"
    _fifo_with_a_writer(settings, body)
    workbook = make_workbook([case_row(framework, "C1", "North")])
    args = ["validate", str(workbook), "--criteria", str(settings)]
    if command == "national":
        args = ["report", str(workbook), "--national", str(settings), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in result.output
    assert "Traceback" not in result.output


def test_a_criteria_path_is_printed_without_control_characters(tmp_path, make_workbook, framework):
    bad = tmp_path / "a\x1b[31mb\nforged.yaml"
    bad.write_text("criteria: [\n")
    workbook = make_workbook([case_row(framework, "C1")])
    result = CliRunner().invoke(main, ["validate", str(workbook), "--criteria", str(bad)])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\nforged" not in result.output


@pytest.mark.parametrize("option", ["criteria", "national"])
def test_yaml_tags_that_build_python_objects_are_refused_and_never_run(option, tmp_path, make_workbook, framework):
    """Safe loading: a tag such as !!python/object/apply is an error, and its call never happens."""
    marker = tmp_path / "ran"
    settings = tmp_path / "settings.yaml"
    settings.write_text(f'V1: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    workbook = make_workbook([case_row(framework, "C1", "North")])
    args = ["validate", str(workbook), "--criteria", str(settings)]
    if option == "national":
        args = ["report", str(workbook), "--national", str(settings), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert not marker.exists()
