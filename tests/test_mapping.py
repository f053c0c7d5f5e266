"""The v1 -> v2 criterion mapping: the shipped file loads and says what compares; a broken one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from audit.errors import FrameworkError
from audit.framework.mapping import load_mapping, mapping_path, shipped_mappings
from audit.framework.model import Framework, load_framework
from audit.resources import CRITERIA_DIR

SHIPPED_MAP = mapping_path("jtai-domestic-abuse", "2025.1", "2026.1")


@pytest.fixture(scope="module")
def versions() -> tuple[Framework, Framework]:
    return load_framework(CRITERIA_DIR / "jtai_domestic_abuse.yml"), load_framework(
        CRITERIA_DIR / "jtai_domestic_abuse_2026.yml"
    )


def _frameworks() -> dict[tuple[str, str], Framework]:
    return {(fw.id, fw.version): fw for fw in map(load_framework, sorted(CRITERIA_DIR.glob("*.yml")))}


def test_every_shipped_mapping_loads_against_its_frameworks():
    frameworks = _frameworks()
    assert SHIPPED_MAP in shipped_mappings()
    for path in shipped_mappings():
        fid, old, new = path.stem.split("_")
        mapping = load_mapping(path, frameworks[fid, old], frameworks[fid, new])
        assert (mapping.framework, mapping.from_version, mapping.to_version) == (fid, old, new)


def test_domestic_abuse_mapping_compares_only_one_to_one_pairs(versions):
    v1, v2 = versions
    mapping = load_mapping(SHIPPED_MAP, v1, v2)
    assert mapping.path == SHIPPED_MAP.resolve()
    assert set(mapping.carried) | set(mapping.no_equivalent) == set(v1.criterion_ids)
    assert mapping.carried["I5"] == ("I6", "I7")
    assert mapping.carried["V1"] == ("V2", "V3")
    assert mapping.carried["P3"] == ("P5", "P6")
    assert mapping.carried["S2"] == ("S4", "S5")
    assert mapping.comparable["P2"] == "P2" and mapping.comparable["I3"] == "I3"
    assert set(mapping.not_comparable) == {"I5", "V1", "P3", "S2", "S3"}
    assert "M1" in mapping.new_in_target and "I6" not in mapping.new_in_target
    assert mapping.why_not_comparable("I5").startswith("I5 was split into I6 and I7 (")
    assert all(mapping.notes[cid] for cid in v1.criterion_ids)


def _write(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SHIPPED_MAP.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "map.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _refused(path: Path, versions) -> str:
    with pytest.raises(FrameworkError) as info:
        load_mapping(path, *versions)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert info.value.exit_code == 2
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["criteria"]["I1"].__setitem__("to", ["X9"]),
            "criteria.I1.to[0]: expected a criterion ID of jtai-domestic-abuse 2026.1; not known: X9",
        ),
        (
            lambda d: d["criteria"].pop("I2"),
            "criteria: expected every criterion of jtai-domestic-abuse 2025.1; missing: I2",
        ),
        (
            lambda d: d["criteria"].__setitem__("i1", {"to": ["I1"], "note": "again"}),
            "criteria.i1: expected each criterion once; I1 is already listed",
        ),
        (
            lambda d: d["criteria"].__setitem__("Z9", {"to": ["I1"], "note": "x"}),
            "criteria.Z9: expected a criterion ID of jtai-domestic-abuse 2025.1",
        ),
        (
            lambda d: d["criteria"]["I5"].__setitem__("to", ["I6", "I6"]),
            "criteria.I5.to[1]: expected each criterion once",
        ),
        (lambda d: d["criteria"]["I5"].__setitem__("to", []), "criteria.I5.to: expected a list of criterion IDs"),
        (lambda d: d["criteria"]["I5"].pop("note"), "criteria.I5.note: expected a one-line note"),
        (lambda d: d["criteria"]["I5"].__setitem__("notes", "x"), "criteria.I5.notes: unknown key"),
        (lambda d: d.__setitem__("from", "2024.1"), "from: expected '2025.1'"),
        (lambda d: d.pop("criteria"), "(top level): missing 'criteria'"),
        (lambda d: d.__setitem__("criteria", ["I1"]), "criteria: expected a mapping of criterion IDs"),
    ],
)
def test_a_broken_mapping_is_refused_with_its_key_path(tmp_path, versions, change, expected):
    assert expected in _refused(_write(tmp_path, change), versions)


def test_a_key_written_twice_is_refused_with_its_line(tmp_path, versions):
    text = SHIPPED_MAP.read_text(encoding="utf-8") + '  I1: {to: [I1], note: "again"}\n'
    path = tmp_path / "map.yml"
    path.write_text(text, encoding="utf-8")
    assert "the key 'I1' appears twice in one mapping (line" in _refused(path, versions)


def test_mapping_between_the_wrong_frameworks_is_refused(versions):
    v1, v2 = versions
    assert "from: expected '2026.1'" in _refused(SHIPPED_MAP, (v2, v2))


def test_no_equivalent_and_merges_are_not_comparable(tmp_path, versions):
    def change(d):
        d["criteria"]["A4"] = {"to": "No equivalent", "note": "dropped"}
        d["criteria"]["A3"] = {"to": ["A2"], "note": "merged into A2"}

    mapping = load_mapping(_write(tmp_path, change), *versions)
    assert mapping.no_equivalent == ("A4",)
    assert "A2" not in mapping.comparable and "A3" not in mapping.comparable
    assert {"A2", "A3", "A4"} <= set(mapping.not_comparable)
    assert {"A3", "A4"} <= set(mapping.new_in_target)  # no earlier criterion maps to them now
    assert mapping.why_not_comparable("A4") == "A4 has no equivalent in version 2026.1 (dropped)"
    assert mapping.why_not_comparable("A3").startswith("A2 and A3 were merged into A2")
