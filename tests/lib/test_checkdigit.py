"""Damm check digits catch the mistakes people make reading numbers aloud and typing them."""

from hypothesis import given
from hypothesis import strategies as st

from civic311.lib.checkdigit import damm_digit, is_valid

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=15)


def with_check(digits: str) -> str:
    return digits + damm_digit(digits)


def test_it_gives_the_check_digit_of_the_textbook_example():
    # The worked example of Damm's algorithm: 572 -> 4.
    assert damm_digit("572") == "4"
    assert is_valid("5724")


@given(digit_strings)
def test_a_number_with_its_check_digit_is_valid(digits):
    assert is_valid(with_check(digits))


@given(digit_strings, st.data())
def test_it_catches_every_single_digit_substitution(digits, data):
    number = with_check(digits)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1), label="position")
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != number[position]]), label="digit")
    typo = number[:position] + wrong + number[position + 1 :]
    assert not is_valid(typo)


@given(digit_strings, st.data())
def test_it_catches_every_swap_of_neighbouring_distinct_digits(digits, data):
    number = with_check(digits)
    swappable = [i for i in range(len(number) - 1) if number[i] != number[i + 1]]
    if not swappable:
        return
    i = data.draw(st.sampled_from(swappable), label="position")
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    assert not is_valid(swapped)


def test_it_says_an_empty_or_non_numeric_text_is_not_valid():
    assert not is_valid("")
    assert not is_valid("57-24")
    assert not is_valid("SR5724")


def test_it_says_non_ascii_digits_are_not_valid_rather_than_failing():
    # "²" and "٣" are digits to str.isdigit(); neither is on a phone keypad.
    assert is_valid("5²4") is False
    assert is_valid("٥٧٢٤") is False
