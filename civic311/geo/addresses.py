"""Address text normalisation, so '2111 West Lexington Street' and '2111 W LEXINGTON ST' match."""

import re
from dataclasses import dataclass

# USPS Publication 28 abbreviations for the suffixes and directions common in US city addresses.
SUFFIXES = {
    "STREET": "ST",
    "STR": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "AVN": "AVE",
    "BOULEVARD": "BLVD",
    "BOUL": "BLVD",
    "DRIVE": "DR",
    "DRV": "DR",
    "ROAD": "RD",
    "PLACE": "PL",
    "COURT": "CT",
    "LANE": "LN",
    "PARKWAY": "PKWY",
    "PKY": "PKWY",
    "TERRACE": "TER",
    "HIGHWAY": "HWY",
    "EXPRESSWAY": "EXPY",
    "SQUARE": "SQ",
    "CIRCLE": "CIR",
    "PLAZA": "PLZ",
}
DIRECTIONS = {"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W"}
_SUFFIX_ABBREVIATIONS = frozenset(SUFFIXES.values())

_PUNCTUATION = re.compile(r"[^\w\s&/-]")
_SPACES = re.compile(r"\s+")
_NUMBERED = re.compile(r"^(\d+)[A-Z]?\s+(.+)$")


def normalize(text: str) -> str:
    """Upper-case, punctuation dropped, suffixes and directions abbreviated, spaces single."""
    words = [
        SUFFIXES.get(w, w) for w in _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.upper())).strip().split(" ")
    ]
    out = []
    for n, word in enumerate(words):
        # A direction right before a suffix is the street's name ('W NORTH AVE'), not a direction.
        is_name = n + 1 < len(words) and words[n + 1] in _SUFFIX_ABBREVIATIONS
        out.append(word if is_name else DIRECTIONS.get(word, word))
    return " ".join(w for w in out if w)


@dataclass(frozen=True)
class ParsedAddress:
    number: int | None
    street: str  # normalised, without the house number


def parse(text: str) -> ParsedAddress:
    """House number and street of a normalised address ('2111 W LEXINGTON ST')."""
    norm = normalize(text)
    match = _NUMBERED.match(norm)
    if not match:
        return ParsedAddress(None, norm)
    return ParsedAddress(int(match.group(1)), match.group(2))


def display(text: str) -> str:
    """A tidy form for showing: '2111 W LEXINGTON ST' -> '2111 W Lexington St'."""
    words = normalize(text).split(" ")
    return " ".join(_display_word(w) for w in words)


def _display_word(word: str) -> str:
    if len(word) == 1 or word.isdigit() or word in DIRECTIONS.values():
        return word
    # title() capitalises after a digit too ("86TH" -> "86Th"); ordinals read "86th".
    return word.capitalize() if word[0].isdigit() else word.title()
