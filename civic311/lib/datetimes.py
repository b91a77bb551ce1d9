"""W3C datetimes (the ISO 8601 profile GeoReport uses): parsing with a required zone, and formatting."""

import re
from datetime import UTC, date, datetime, time, tzinfo

# YYYY-MM-DDThh:mm[:ss[.s+]](Z|±hh:mm), or a bare date (taken as midnight UTC).
_W3C = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}))?$"
)


class DatetimeError(ValueError):
    pass


def parse_w3c(text: str) -> datetime:
    """An aware datetime from a W3C datetime string. A time without a zone is refused, not guessed."""
    value = text.strip()
    # A '+' in a query string arrives as a space when the client did not escape it.
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value)
    if not _W3C.match(value):
        if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", value):
            raise DatetimeError(f"'{text}' has no time zone; add Z or an offset such as -06:00")
        raise DatetimeError(f"'{text}' is not a W3C datetime such as 2026-01-31T14:05:00-06:00")
    try:
        if "T" not in value:
            return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DatetimeError(f"'{text}' is not a valid date or time ({exc})") from None


def format_w3c(value: datetime | None, tz: tzinfo) -> str | None:
    """A datetime as W3C text in a time zone, with its offset, to the second."""
    if value is None:
        return None
    local = value.astimezone(tz).replace(microsecond=0)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") and tz is UTC else text
