"""Damm check digits: catch every single-digit error and every swap of neighbouring digits.

Request numbers are read aloud and typed on phone keypads, where exactly those mistakes happen.
"""

# The weakly totally anti-symmetric quasigroup of order 10 from Damm's thesis (2004).
_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_digit(digits: str) -> str:
    """The check digit to append to a string of decimal digits."""
    interim = 0
    for char in digits:
        interim = _TABLE[interim][int(char)]
    return str(interim)


def is_valid(digits_with_check: str) -> bool:
    """True when the last digit is the Damm check digit of the others."""
    # isdigit() alone also admits "²" (which int() refuses) and other scripts' digits (not on a keypad).
    if not (digits_with_check.isascii() and digits_with_check.isdigit()):
        return False
    return damm_digit(digits_with_check) == "0"
