"""Working hours from the database: a WorkCalendar (and its holidays) as sla.WorkingHours."""

from collections.abc import Iterable
from datetime import date, time

from civic311.catalog.models import Jurisdiction
from civic311.routing.models import WorkCalendar
from civic311.routing.sla import WorkingHours

# When a jurisdiction has no calendar: Monday to Friday, 8:00 to 17:00.
DEFAULT_WEEKLY = {str(day): [["08:00", "17:00"]] for day in range(5)}


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


def working_hours(calendar: WorkCalendar, holidays: Iterable[date] | None = None) -> WorkingHours:

    weekly = {
        int(day): tuple((_time(start), _time(end)) for start, end in intervals)
        for day, intervals in (calendar.weekly_hours or {}).items()
    }
    if holidays is None:
        holidays = calendar.holidays.values_list("date", flat=True)
    return WorkingHours(tz=calendar.jurisdiction.tz, weekly=weekly, holidays=frozenset(holidays))


def for_jurisdiction(jurisdiction: Jurisdiction) -> WorkingHours:
    calendar = jurisdiction.calendars.order_by("-is_default", "pk").first()
    if calendar is None:
        calendar = WorkCalendar(jurisdiction=jurisdiction, name="default", weekly_hours=DEFAULT_WEEKLY)
        return working_hours(calendar, holidays=())
    return working_hours(calendar)
