"""Tests for audit.read.identifiers. Every "identifier" here is a safe fake value:
NHS numbers built to pass the checksum (943 476 5919 is the NHS's published test
number), the never-issued QQ National Insurance prefix, Ofcom's drama phone ranges,
example.org/example.com emails, and non-residential postcodes.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.read.identifiers import (
    DOB_COLUMN,
    EMAIL,
    KINDS,
    NAME_COLUMN,
    NHS_NUMBER,
    NI_NUMBER,
    PHONE,
    POSTCODE,
    Finding,
    nhs_number_valid,
    scan_cells,
)


def with_check_digit(nine: str) -> str | None:
    """Append the NHS modulus-11 check digit, or None if the nine digits cannot have one."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return nine + str(0 if check == 11 else check)


def kinds(value: object) -> list[str]:
    return [f.kind for f in scan_cells("Cases", [[value]])]


# ------------------------------------------------------------------ NHS numbers


def test_nhs_checksum() -> None:
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert nhs_number_valid("0000000000")  # a placeholder, but it passes: flag it
    assert not nhs_number_valid("943476591")
    assert not nhs_number_valid("94347659190")
    assert not nhs_number_valid("943476591X")
    assert not nhs_number_valid("９４３４７６５９１９")  # full-width digits are not ASCII
    for _ in range(200):
        nine = "".join(random.Random(_).choice("0123456789") for _ in range(9))
        number = with_check_digit(nine)
        if number is None:
            assert not any(nhs_number_valid(nine + d) for d in "0123456789")
        else:
            assert nhs_number_valid(number)
            assert not nhs_number_valid(number[:9] + str((int(number[9]) + 1) % 10))


@pytest.mark.parametrize(
    "value",
    [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "NHS no: 943 476 5919, seen by GP",
        "0000000000",
        9434765919,
        9434765919.0,
    ],
)
def test_nhs_positive(value: object) -> None:
    assert NHS_NUMBER in kinds(value)


@pytest.mark.parametrize(
    "value",
    ["9434765918", "94347659190", "19434765919", "943 476 591", "1.943.476.5919", 9434765918, 943476591.9],
)
def test_nhs_negative(value: object) -> None:
    assert NHS_NUMBER not in kinds(value)


def test_nhs_placeholder_detail_mentions_checksum() -> None:
    (finding,) = scan_cells("Cases", [["0000000000"]])
    assert "passes the NHS number checksum" in finding.detail


def test_second_valid_number_is_counted() -> None:
    other = next(n for i in range(100, 999) if (n := with_check_digit(f"401{i}321")) is not None)
    (finding,) = scan_cells("Cases", [[f"9434765919 and {other}"]])
    assert finding.kind == NHS_NUMBER
    assert finding.detail.startswith("2 values")


# ------------------------------------------------------- National Insurance


@pytest.mark.parametrize(
    "value", ["QQ123456C", "QQ 12 34 56 C", "qq123456c", "QQ123456", "qq 12 34 56 c", "NI: QQ 123456 A."]
)
def test_ni_positive(value: str) -> None:
    assert NI_NUMBER in kinds(value)


@pytest.mark.parametrize(
    "value",
    ["QQ123456E", "QQ12345", "XQQ123456C", "Q123456C", "QQ1234567", "seen on 12 03 24", "AV-123456"],
)
def test_ni_negative(value: str) -> None:
    assert NI_NUMBER not in kinds(value)


# ---------------------------------------------------------------- postcodes


@pytest.mark.parametrize(
    "value",
    ["SW1A 1AA", "sw1a 1aa", "ZZ99 3VZ", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A0AX", "Lives at ZZ99 3VZ."],
)
def test_postcode_positive(value: str) -> None:
    assert POSTCODE in kinds(value)


@pytest.mark.parametrize(
    "value",
    ["V1 2nd visit", "m1 1st", "A1 10am", "AV-0001", "SW1A1AAA", "XSW1A 1AA", "Q1 2024", "Covid-19 2nd wave"],
)
def test_postcode_negative(value: str) -> None:
    assert POSTCODE not in kinds(value)


# ----------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "value",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "01632 960001",
        "(01632) 960001",
        "020 7946 0123",
        "+44 20 7946 0123",
        "Mum's mobile 07700 900456 (call after 5)",
        7700900123.0,
        447700900123,
    ],
)
def test_phone_positive(value: object) -> None:
    assert PHONE in kinds(value)


@pytest.mark.parametrize(
    "value",
    [
        "01/02/2024",
        "01-02-2024",
        "0770090",
        "077009001234567",
        "09700 900123",
        "+33 1 23 45 67 89",
        "2024-01-15 10:30",
        45000.0,
        123456789,
    ],
)
def test_phone_negative(value: object) -> None:
    assert PHONE not in kinds(value)


# ----------------------------------------------------------------- emails


@pytest.mark.parametrize(
    "value",
    ["jo.bloggs@example.org", "Contact: j_smith+school@mail.example.com.", "A.B@EXAMPLE.ORG"],
)
def test_email_positive(value: str) -> None:
    assert EMAIL in kinds(value)


@pytest.mark.parametrize("value", ["@example.org", "jo@", "jo@localhost", "a@b.1", "emailed @ 3pm", "x @ y.org"])
def test_email_negative(value: str) -> None:
    assert EMAIL not in kinds(value)


# ------------------------------------------------------------ ordinary cells


@pytest.mark.parametrize(
    "value",
    [
        "AV-0001",
        "AV-9999",
        "0-2",
        "3-4",
        "13-17",
        "Yes",
        "Partly",
        "No",
        "N/A",
        "",
        "2024-01-15",
        "15/01/2024",
        dt.date(2024, 1, 15),
        dt.datetime(2024, 1, 15, 10, 30),
        dt.time(10, 30),
        45306.0,
        3,
        0.5,
        True,
        None,
        "Child seen alone on 3 occasions; voice recorded in assessment dated 12/03/2024.",
        "Police attended 14/02/2024 at 22:30; 2 children present, both asleep.",
        "Strategy discussion held within 2 days. MARAC on 3rd March. Plan reviewed at 6 weeks.",
        "V1 Child's voice recorded",
        float("nan"),
        float("inf"),
    ],
)
def test_ordinary_values_are_not_flagged(value: object) -> None:
    assert kinds(value) == []


# ---------------------------------------------------------------- headers


HEADERS = [
    "Case ID",
    "Area",
    "Audit date",
    "Auditor comments",
    "Age band",
    "V1 Child's voice recorded",
    "I5 Unborn baby's risk identified",
    "Agency name",
    "Child name",
    "Child's name",
    "First name",
    "Surname",
    "Forename(s)",
    "Mother",
    "Father's name",
    "DOB",
    "D.O.B.",
    "Date of birth",
    "Birth date",
    "Name",
]


def test_header_columns() -> None:
    found = {f.cell: f.kind for f in scan_cells("Cases", [HEADERS, ["AV-0001"] * len(HEADERS)], 0)}
    by_header = {HEADERS[ord(cell[0]) - 65]: kind for cell, kind in found.items()}
    assert by_header == {
        "Child name": NAME_COLUMN,
        "Child's name": NAME_COLUMN,
        "First name": NAME_COLUMN,
        "Surname": NAME_COLUMN,
        "Forename(s)": NAME_COLUMN,
        "Mother": NAME_COLUMN,
        "Father's name": NAME_COLUMN,
        "DOB": DOB_COLUMN,
        "D.O.B.": DOB_COLUMN,
        "Date of birth": DOB_COLUMN,
        "Birth date": DOB_COLUMN,
        "Name": NAME_COLUMN,
    }


def test_headers_only_checked_in_header_row() -> None:
    rows = [["Audit of cases"], [], ["Case ID", "Child name", "DOB"], ["Child name", "DOB", ""]]
    assert scan_cells("Cases", rows) == []
    found = scan_cells("Cases", rows, header_row_index=2)
    assert [(f.cell, f.kind) for f in found] == [("B3", NAME_COLUMN), ("C3", DOB_COLUMN)]


# ---------------------------------------------------------- findings shape


def test_cell_references_and_order() -> None:
    rows: list[list[object]] = [[""] * 30 for _ in range(3)]
    rows[0][27] = "07700 900123"  # AB1
    rows[2][0] = "QQ123456C jo@example.com"  # A3: two kinds in one cell
    rows[1][25] = "jo@example.com"  # Z2
    found = scan_cells("Sheet 1", rows)
    assert [(f.sheet, f.cell, f.kind) for f in found] == [
        ("Sheet 1", "AB1", PHONE),
        ("Sheet 1", "Z2", EMAIL),
        ("Sheet 1", "A3", EMAIL),
        ("Sheet 1", "A3", NI_NUMBER),
    ]
    assert all(isinstance(f, Finding) and f.kind in KINDS for f in found)


POSITIVES: list[object] = [
    "9434765919",
    "943 476 5919",
    9434765919.0,
    "QQ123456C",
    "QQ 12 34 56 C",
    "SW1A 1AA",
    "ZZ99 3VZ",
    "07700 900123",
    "+44 (0)7700 900123",
    "01632 960001",
    7700900123.0,
    "jo.bloggs@example.org",
    "DOB 3 May 2016",
    "Seen at ZZ99 3VZ; mum 07700 900999, jo@example.com, NHS 943 476 5919, NI QQ123456C",
]


def test_detail_never_contains_the_value() -> None:
    rows = [HEADERS, POSITIVES]
    found = scan_cells("Cases", rows, header_row_index=0)
    assert {f.kind for f in found} == set(KINDS)
    values = {f"{chr(65 + c)}{r + 1}": v for r, row in enumerate(rows) for c, v in enumerate(row)}
    for f in found:
        value = values[f.cell]
        for form in {str(value), str(value).replace(" ", ""), str(int(value)) if isinstance(value, float) else ""}:
            if form:
                assert form not in f.detail, f
        for needle in ("9434765919", "943 476 5919", "QQ123456C", "3VZ", "900123", "example"):
            assert needle not in f.detail


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=60),
                st.text(alphabet="0123456789 -()+@.QqAaZz", max_size=30),
                st.integers(),
                st.floats(),
                st.booleans(),
                st.dates(),
                st.just(""),
            ),
            max_size=6,
        ),
        max_size=6,
    ),
    st.one_of(st.none(), st.integers(0, 6)),
)
def test_never_crashes_and_never_echoes(rows: list[list[object]], header: int | None) -> None:
    for f in scan_cells("S", rows, header):
        assert f.kind in KINDS
        r = int("".join(ch for ch in f.cell if ch.isdigit())) - 1
        c = ord(f.cell[0]) - 65
        value = rows[r][c]
        if isinstance(value, str) and len(value.strip()) > 3:
            assert value not in f.detail


# Not speed measurements (those belong in benchmarks/): a catastrophic regular expression takes
# minutes or hours on these inputs, so a bound of HANG seconds tells a hang from a slow machine.
HANG = 30.0


def test_long_hostile_strings_do_not_hang_the_scan() -> None:
    hostile = ["a" * 32000 + "@", "1" * 32000, "x@" + "a" * 32000, "a1 " * 10000, "0 " * 16000, "QQ" + "1" * 32000]
    hostile += ["dob " * 8000, "born 1" * 5000, "date of birth " + "1 " * 15000]
    start = time.perf_counter()
    scan_cells("S", [hostile])
    assert time.perf_counter() - start < HANG


def test_large_grid_finds_the_one_seeded_value() -> None:
    rng = random.Random(0)
    answers = ["Yes", "No", "Partly", "N/A", "", "0-2", "3-4", "5-10", "11-12", "13-17"]
    prose = [
        "Child seen alone on 3 occasions; voice recorded in assessment dated 12/03/2024.",
        "No evidence of MARAC referral. Strategy discussion held within 2 days.",
        "Police attended 14/02/2024 at 22:30; 2 children present, both asleep.",
    ]
    rows: list[list[object]] = [["Case ID", "Area", "Audit date", "Age band"] + [f"X{i} crit" for i in range(36)]]
    for r in range(10_000):
        row: list[object] = [f"AV-{r:04d}", "North", dt.date(2024, 1, 1), rng.choice(answers)]
        for c in range(36):
            k = rng.random()
            if k < 0.8:
                row.append(rng.choice(answers))
            elif k < 0.95:
                row.append(f"{rng.choice(prose)} ({r}/{c})")
            else:
                row.append(float(rng.randint(0, 50)))
        rows.append(row)
    rows[5000][10] = "07700 900123"
    start = time.perf_counter()
    found = scan_cells("Cases", rows, header_row_index=0)
    elapsed = time.perf_counter() - start
    assert [(f.cell, f.kind) for f in found] == [("K5001", PHONE)]
    assert elapsed < HANG


# ------------------------------------------------- the forms values are pasted in


NBSP, NNBSP, FIGURE, THIN = "\u00a0", "\u202f", "\u2007", "\u2009"
IDEOGRAPHIC, ZWSP, SOFT_HYPHEN = "\u3000", "\u200b", "\u00ad"


def full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (U+FF01..U+FF5E)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (NHS_NUMBER, f"943{NBSP}476{NBSP}5919"),
        (NHS_NUMBER, f"943{NNBSP}476{NNBSP}5919"),
        (NHS_NUMBER, f"943{FIGURE}476{THIN}5919"),
        (NHS_NUMBER, f"NHS{IDEOGRAPHIC}943{IDEOGRAPHIC}476{IDEOGRAPHIC}5919"),
        (NHS_NUMBER, "943.476.5919"),
        (NHS_NUMBER, "943/476/5919"),
        (NHS_NUMBER, "943 / 476 / 5919"),
        (NHS_NUMBER, "943\u2013476\u20135919"),  # en dashes
        (NHS_NUMBER, "943  476\t5919"),
        (NHS_NUMBER, f"943{ZWSP}476{SOFT_HYPHEN}5919"),
        (NHS_NUMBER, full_width("9434765919")),
        (NHS_NUMBER, full_width("943 476 5919")),
        (NHS_NUMBER, "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669"),  # Arabic-Indic digits
        (NI_NUMBER, f"QQ{NBSP}12{NBSP}34{NBSP}56{NBSP}C"),
        (NI_NUMBER, "QQ.12.34.56.C"),
        (NI_NUMBER, "QQ-12-34-56-C"),
        (NI_NUMBER, full_width("QQ123456C")),
        (POSTCODE, f"SW1A{NBSP}1AA"),
        (POSTCODE, f"SW1A{NNBSP}1AA"),
        (POSTCODE, "SW1A.1AA"),
        (POSTCODE, "SW1A/1AA"),
        (POSTCODE, "SW1A - 1AA"),
        (POSTCODE, full_width("SW1A 1AA")),
        (POSTCODE, f"ZZ99{IDEOGRAPHIC}3VZ"),
        (PHONE, f"07700{NBSP}900123"),
        (PHONE, "07700.900.123"),
        (PHONE, full_width("07700 900123")),
        (PHONE, f"+44{NBSP}7700{NBSP}900123"),
        (PHONE, "07700\u2011900\u2011123"),  # non-breaking hyphens
        (EMAIL, "jo.bloggs\uff20example.org"),  # full-width commercial at
        (EMAIL, full_width("jo.bloggs@example.org")),
        (EMAIL, "jo.bloggs@example\uff0eorg"),  # full-width full stop
        (EMAIL, f"jo.bloggs{ZWSP}@example.org"),
    ],
)
def test_identifiers_in_pasted_forms_are_flagged(kind: str, value: str) -> None:
    assert kind in kinds(value)


@pytest.mark.parametrize(
    "value",
    [
        f"Yes{NBSP}",
        f"N/A{NBSP}",
        f"Partly{NBSP}met",
        full_width("Yes"),
        full_width("N/A"),
        "Partly met",
        "Not applicable",
        "15.01.2024",
        "15/01/2024",
        f"15{NBSP}Jan{NBSP}2024",
        full_width("15/01/2024"),
        "01.02.2024 12.03.2024",
        "01/02/2024 12/03/2024",
        "01-02-2024 12-03-2024",
        "AV-123456",
        f"AV{NBSP}0001",
        "13\u201317",  # an age band with an en dash
        "Score 3.5/10 at 2.30pm",
        "v1.2.3",
    ],
)
def test_ordinary_answers_in_pasted_forms_are_not_flagged(value: str) -> None:
    assert kinds(value) == []


def test_headers_are_normalised_too() -> None:
    found = scan_cells("Cases", [[f"Date{NBSP}of{NBSP}birth", full_width("Surname")]], header_row_index=0)
    assert [f.kind for f in found] == [DOB_COLUMN, NAME_COLUMN]


def test_findings_for_pasted_forms_never_hold_the_value() -> None:
    value = f"NHS 943{NBSP}476{NBSP}5919, {full_width('SW1A 1AA')}, jo\uff20example.org"
    found = scan_cells("Cases", [[value]])
    assert {f.kind for f in found} == {NHS_NUMBER, POSTCODE, EMAIL}
    for f in found:
        assert f.cell == "A1"
        for fragment in ("943", "5919", "SW1A", "jo", "example", "\uff20"):
            assert fragment not in f.detail
