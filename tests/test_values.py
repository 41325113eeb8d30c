"""The values an import accepts (ingest.values)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.values import (
    DEFAULT_MAGNITUDE,
    MAX_MAGNITUDE,
    parse_coordinate,
    parse_number,
    parse_year,
    text_problem,
)


@pytest.mark.parametrize("text, unit, value", [("1.5", "%", 1.5), ("2.1%", "%", 2.1),
                                               ("-3", "", -3.0), ("12,345.5", "万元", 12345.5),
                                               ("1.5e-05", "", 1.5e-05), (".5", "个", 0.5),
                                               ("1e9", "家", 1e9)])
def test_plain_numbers_are_read(text, unit, value):
    assert parse_number(text, unit) == value


@pytest.mark.parametrize("text, unit", [("1_5", ""), ("１５", ""), ("١٥", ""), ("inf", ""),
                                        ("nan", ""), ("0x10", ""), ("1,5", ""), ("1e308", "%"),
                                        ("-1e308", "亿元"), ("1e999", ""), ("2e9", "家"),
                                        ("1.5%", "亿元"), ("", ""), ("1 5", ""),
                                        ("1e-400", ""), ("-1e-400", "%"), ("4.9e-324", "")])
def test_other_numbers_are_refused(text, unit):
    with pytest.raises(ValueError):
        parse_number(text, unit)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_accepted_number_is_beyond_its_units_magnitude(value):
    for unit in ("", "%", "亿元", "家"):
        try:
            number = parse_number(repr(value), unit)
        except ValueError:
            continue
        assert math.isfinite(number)
        assert abs(number) <= MAX_MAGNITUDE.get(unit, DEFAULT_MAGNITUDE)
        assert number == value  # nothing rounded to 0 or to fewer digits on the way


@pytest.mark.parametrize("text", ["0", "0.0", "0e-400", "-0.000", "2.3e-308"])
def test_zero_and_the_smallest_normal_numbers_are_read(text):
    assert parse_number(text) == float(text)


def test_years_are_four_ascii_digits_in_range():
    assert parse_year("2023年", (1949, 2100)) == 2023
    for text in ("２０２３", "٢٠٢٣", "20_23", "1900", "23"):
        with pytest.raises(ValueError):
            parse_year(text, (1949, 2100))


def test_coordinates_are_plain_degrees():
    assert parse_coordinate("118.77") == 118.77
    for text in ("１１８.77", "1_18", "1e2", "inf"):
        with pytest.raises(ValueError):
            parse_coordinate(text)


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200b", "a\u202eb", "a\u2028b", "a\u2029b",
                                  "a\u2066b", "a\x00b", "a\nb", "\ue000"])
def test_names_with_hidden_characters_are_refused(text):
    assert text_problem(text)


@pytest.mark.parametrize("text", ["沭阳县", "江苏省宿迁市沭阳县 经济开发区", "Lianyungang-1", ""])
def test_visible_names_pass(text):
    assert text_problem(text) == ""
