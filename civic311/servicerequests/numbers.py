"""Request numbers: short, speakable, with a check digit, unique per jurisdiction.

New requests get PREFIX + YY-NNNNNN-C, e.g. SR26-000123-4: the year, a sequence within the year and
a Damm check digit over the digits. On a keypad the digits alone (260001234) find it.
"""

import re
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from civic311.catalog.models import Jurisdiction
from civic311.lib.checkdigit import damm_digit, is_valid
from civic311.servicerequests.models import RequestCounter

# RequestCounter's table; UPDATE … RETURNING (PostgreSQL, SQLite 3.35+) is one round trip where the ORM
# needs an UPDATE and a SELECT, both under the lock every new request of the jurisdiction waits for.
_BUMP = (
    "UPDATE servicerequests_requestcounter SET value = value + 1"
    " WHERE jurisdiction_id = %s AND year = %s RETURNING value"
)
# Keypad digits of one of our numbers: YY, a sequence of 6 to 8 digits (under 100 million a year), the check
# digit. ASCII only: \d would take other scripts' digits. Not 12: Boston's case numbers (101001242404) are
# imported as they are, and one in ten passes the check digit, so it would be taken for one of ours.
_DIGITS_ONLY = re.compile(r"^[0-9]{9,11}$")
# What a request number looks like: ours (SR26-000123-4), an import's (SR21-00000001, 59876543), keypad
# digits. Seven characters at least, so a house number or a ZIP code is searched as text.
_NUMBER_SHAPED = re.compile(r"^(?:[A-Z]{1,8}-?)?[0-9][0-9-]{6,30}$")


def format_number(prefix: str, year: int, sequence: int) -> str:
    digits = f"{year % 100:02d}{sequence:06d}"
    return f"{prefix}{digits[:2]}-{digits[2:]}-{damm_digit(digits)}"


def _bump(jurisdiction_id: int, year: int) -> int | None:
    """This year's counter plus one, in one statement (the row lock on PostgreSQL, the write lock on
    SQLite, until commit: two concurrent requests never read the same value); None if there is none."""
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [jurisdiction_id, year])
        row = cursor.fetchone()
    return row[0] if row else None


def next_number(jurisdiction: Jurisdiction, at: datetime) -> str:
    """The next free number. Inside a transaction, the counter stays locked until it ends; in autocommit
    only for its one statement (a number drawn for a request that is then not written is skipped)."""
    year = at.astimezone(jurisdiction.tz).year
    sequence = _bump(jurisdiction.pk, year)
    if sequence is None:
        try:
            with transaction.atomic():
                RequestCounter.objects.create(jurisdiction=jurisdiction, year=year, value=1)
            sequence = 1
        except IntegrityError:  # another transaction created this year's counter first
            sequence = _bump(jurisdiction.pk, year)
    if sequence is None:  # the counter created and then gone: only a bug could do it
        raise RuntimeError(f"no request counter for jurisdiction {jurisdiction.pk} in {year}")
    return format_number(jurisdiction.request_id_prefix, year, sequence)


def normalize_number(text: str, prefix: str = "") -> str:
    """What a person typed or said, as the stored number: keypad digits '260001234' -> 'SR26-000123-4'.

    Anything else (an imported 'SR21-00000001', a number typed with its dashes) is kept as typed.
    """
    compact = re.sub(r"\s", "", text).upper()
    if _DIGITS_ONLY.match(compact) and is_valid(compact):
        return f"{prefix}{compact[:2]}-{compact[2:-1]}-{compact[-1]}"
    return compact


def looks_like_number(text: str) -> bool:
    """Whether a search is a request number (and only that), so it is looked up by the number's index
    instead of searched for in every description."""
    return bool(_NUMBER_SHAPED.match(re.sub(r"\s", "", text).upper()))


def number_candidates(text: str, prefixes: list[str]) -> set[str]:
    """The stored numbers a typed or spoken number can be: as typed (upper case), and keypad digits
    under each jurisdiction's prefix."""
    compact = re.sub(r"\s", "", text).upper()
    return {compact} | {normalize_number(text, prefix) for prefix in prefixes}
