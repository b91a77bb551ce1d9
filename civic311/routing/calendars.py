"""The working hours a jurisdiction's SLA clocks count in: its default WorkCalendar, or office hours."""

from civic311.catalog.models import Jurisdiction
from civic311.routing.models import WorkCalendar
from civic311.routing.sla import WorkingHours

# When a jurisdiction has no calendar: Monday to Friday, 8:00 to 17:00.
DEFAULT_WEEKLY = {str(day): [["08:00", "17:00"]] for day in range(5)}


def for_jurisdiction(jurisdiction: Jurisdiction) -> WorkingHours:
    calendar = jurisdiction.calendars.order_by("-is_default", "pk").first()
    if calendar is None:
        calendar = WorkCalendar(jurisdiction=jurisdiction, name="default", weekly_hours=DEFAULT_WEEKLY)
        return calendar.working_hours(holidays=())
    return calendar.working_hours()
