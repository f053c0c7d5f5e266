"""Names from untrusted input: printable labels, distinct inputs, area folders that never collide."""

from __future__ import annotations

import os
from pathlib import Path

from audit.names import RESERVED_FOLDERS, area_slugs, display_name, safe_text, unique_labels


def test_safe_text_drops_control_codes_and_undecodable_bytes():
    raw = os.fsdecode(b"Ynys M\xf4n\x1b[31m\nok: forged line") + "\u202e.xlsx"
    shown = safe_text(raw)
    assert "\x1b" not in shown and "\n" not in shown and "\u202e" not in shown
    shown.encode("utf-8")  # no lone surrogate survives
    assert shown.startswith("Ynys M\ufffdn")


def test_display_name_is_printable_for_a_name_with_bytes_that_are_not_utf8():
    name = display_name(Path(os.fsdecode(b"/data/Ynys M\xf4n.xlsx")))
    assert name == "Ynys M\ufffdn.xlsx"


def test_unique_labels_tell_same_named_files_apart_by_their_folders(tmp_path):
    a, b, c = tmp_path / "north" / "cases.xlsx", tmp_path / "south" / "cases.xlsx", tmp_path / "other.xlsx"
    labels = unique_labels([a, b, c])
    assert labels[a] == "north/cases.xlsx"
    assert labels[b] == "south/cases.xlsx"
    assert labels[c] == "other.xlsx"


def test_unique_labels_number_names_that_print_alike(tmp_path):
    a = tmp_path / os.fsdecode(b"M\xf4n.xlsx")
    b = tmp_path / os.fsdecode(b"M\xf5n.xlsx")
    labels = unique_labels([a, b])
    assert len(set(labels.values())) == 2
    for label in labels.values():
        label.encode("utf-8")


def test_area_slugs_plain_where_distinct():
    assert area_slugs(["Amberlow Vale", "Fennistow Bay"]) == {
        "Amberlow Vale": "amberlow-vale",
        "Fennistow Bay": "fennistow-bay",
    }


def test_area_slugs_that_would_collide_get_distinct_stable_folders():
    slugs = area_slugs(["Amber Vale", "amber-vale", "Carrow Fen"])
    assert slugs["Amber Vale"] != slugs["amber-vale"]
    assert slugs["Amber Vale"].startswith("amber-vale-") and slugs["amber-vale"].startswith("amber-vale-")
    assert slugs["Carrow Fen"] == "carrow-fen"
    # The same for the same inputs, in any order.
    assert area_slugs(["Carrow Fen", "amber-vale", "Amber Vale"]) == slugs


def test_area_names_without_latin_letters_get_distinct_folders():
    names = ["Ταύρος", "Κρήτη", "Москва", "東京"]
    slugs = area_slugs(names)
    assert len(set(slugs.values())) == len(names)
    assert all(s and s.isascii() and "/" not in s for s in slugs.values())


def test_reserved_folder_names_are_never_given_to_an_area():
    slugs = area_slugs(["National", "Restricted", "RESTRICTED ", "Amberlow Vale"])
    assert not set(slugs.values()) & RESERVED_FOLDERS
    assert len(set(slugs.values())) == 4


def test_windows_device_names_are_never_given_to_an_area():
    slugs = area_slugs(["CON", "nul", "Com1", "LPT9", "Aux", "Prn"])
    assert all("-" in s for s in slugs.values())  # each took a hash: no bare device name


def test_area_names_print_safely_and_accents_in_either_unicode_form_are_one_area(make_workbook, framework, tmp_path):
    import json

    from click.testing import CliRunner

    from audit.cli import main
    from tests.conftest import case_row

    names = ["Esc_x001B_[31mRed", "Bidi\u202eevil", "Caf\u00e9", "Cafe\u0301"]
    rows = [case_row(framework, f"C{i}{j}", name) for i, name in enumerate(names) for j in range(3)]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["score", str(make_workbook(rows)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "Esc\ufffd[31mRed: 3 scored" in result.output and "Bidi\ufffdevil: 3 scored" in result.output
    assert "Caf\u00e9: 6 scored" in result.output
    areas = {json.loads(p.read_text())["area"] for p in out.glob("*/summary.json")}
    assert areas == {"Esc\ufffd[31mRed", "Bidi\ufffdevil", "Caf\u00e9"}
