from hypothesis import given
from hypothesis import strategies as st

from civic311.lib.checkdigit import is_valid
from civic311.servicerequests.numbers import (
    format_number,
    looks_like_number,
    normalize_number,
    number_candidates,
)


def test_a_number_has_the_year_a_sequence_and_a_check_digit():
    number = format_number("SR", 2026, 123)
    assert number.startswith("SR26-000123-")
    assert is_valid(number.removeprefix("SR").replace("-", ""))


@given(st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=9_999_999))
def test_keypad_digits_find_the_number_again(year, sequence):
    number = format_number("SR", year, sequence)
    digits = number.removeprefix("SR").replace("-", "")
    assert normalize_number(digits, "SR") == number


def test_a_number_typed_with_its_dashes_is_kept():
    assert normalize_number(" sr21-00000001 ", "SR") == "SR21-00000001"


def test_digits_with_a_wrong_check_digit_are_not_turned_into_a_number():
    number = format_number("SR", 2026, 5)
    digits = number.removeprefix("SR").replace("-", "")
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert normalize_number(wrong, "SR") == wrong


def test_numbers_are_told_from_words_house_numbers_and_zip_codes():
    for number in ("SR26-000123-4", "sr26-000123-4", "SR21-00000001", "59876543", "26 0001 234", "260001234"):
        assert looks_like_number(number), number
    for text in ("pothole", "1234", "60614", "1234 N Clark St", "SR", "dark street 42"):
        assert not looks_like_number(text), text


def test_candidates_are_the_number_as_typed_and_keypad_digits_under_each_prefix():
    digits = format_number("", 26, 123).replace("-", "")
    assert number_candidates(digits, ["SR", "NY"]) == {
        digits,
        f"SR26-000123-{digits[-1]}",
        f"NY26-000123-{digits[-1]}",
    }
    assert number_candidates(" sr26-000123-4 ", ["SR"]) == {"SR26-000123-4"}


def test_twelve_digits_are_kept_as_typed_so_an_imported_boston_case_is_found():
    # Boston's case numbers are imported as they are; this one passes the Damm check, and was once
    # turned into '10-100124169-3', a number of ours that does not exist.
    assert is_valid("101001241693")
    assert normalize_number("101001241693", "") == "101001241693"
    assert normalize_number("101001241693", "SR") == "101001241693"
