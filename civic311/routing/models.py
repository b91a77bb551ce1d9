"""How requests find their workers: teams, routing rules an administrator edits, SLA targets and the
working-hours calendar they are counted in."""

from collections.abc import Iterable
from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.routing.choices import AssignmentStrategy, Clock
from civic311.routing.sla import WorkingHours


class Team(models.Model):
    """A crew within a department (e.g. a ward's crew); requests routed to it may be assigned to a member."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    assignment = models.CharField(
        max_length=12, choices=AssignmentStrategy.choices, default=AssignmentStrategy.NONE
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_teams",
        help_text=_("Told when a request of the team is overdue"),
    )
    # Round robin: the member who got the last request, so the next goes to the one after.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="team_code_unique")]

    def __str__(self) -> str:
        return f"{self.department.name} / {self.name}"


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


class WorkCalendar(models.Model):
    """When crews work, for SLA targets counted in business hours: hours per weekday and holidays."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="calendars")
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=True)
    # {"0": [["08:00", "17:00"]], …}: weekday (0 = Monday) → wall-clock intervals; a missing day is closed.
    weekly_hours = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def working_hours(self, holidays: Iterable[date] | None = None) -> WorkingHours:
        """The calendar as sla.WorkingHours (with its holidays unless `holidays` is given)."""
        weekly = {
            int(day): tuple((_time(start), _time(end)) for start, end in intervals)
            for day, intervals in (self.weekly_hours or {}).items()
        }
        if holidays is None:
            holidays = self.holidays.values_list("date", flat=True)
        return WorkingHours(tz=self.jurisdiction.tz, weekly=weekly, holidays=frozenset(holidays))

    def clean(self) -> None:
        try:
            hours = self.working_hours(holidays=())
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ValidationError({"weekly_hours": str(exc)}) from None
        if not hours.has_working_time:
            raise ValidationError({"weekly_hours": _("Give working hours for at least one day")})


class Holiday(models.Model):
    """A day nobody works (SLA clocks in business hours stand still)."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique")]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class SlaTarget(models.Model):
    """How long a service's requests may take, optionally per priority. The most specific target wins:
    service and priority, then service, then the jurisdiction's default (no service)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="sla_targets")
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="sla_targets"
    )
    priority = models.IntegerField(
        null=True, blank=True, choices=[(0, "Low"), (1, "Normal"), (2, "High"), (3, "Urgent")]
    )
    hours = models.PositiveIntegerField(help_text=_("Hours to complete"))
    clock = models.CharField(max_length=10, choices=Clock.choices, default=Clock.CALENDAR)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "priority"],
                condition=Q(service__isnull=False, priority__isnull=False),
                name="sla_service_priority_unique",
            ),
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(service__isnull=False, priority__isnull=True),
                name="sla_service_unique",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "priority"],
                condition=Q(service__isnull=True, priority__isnull=False),
                name="sla_default_priority_unique",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction"],
                condition=Q(service__isnull=True, priority__isnull=True),
                name="sla_default_unique",
            ),
        ]

    def __str__(self) -> str:
        who = self.service.service_name if self.service else "default"
        priority = f" (priority {self.priority})" if self.priority is not None else ""
        return f"{who}{priority}: {self.hours} h {self.clock}"


class RoutingRule(models.Model):
    """One rule, tried in order: when every condition it sets matches a new request, it decides where the
    request goes. Conditions left empty match anything."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="routing_rules")
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=100, help_text=_("Lower numbers are tried first"))
    active = models.BooleanField(default=True)

    services = models.ManyToManyField(Service, blank=True, related_name="+")
    service_groups = models.CharField(max_length=300, blank=True, help_text=_("Comma-separated group names"))
    districts = models.ManyToManyField(District, blank=True, related_name="+")
    keywords = models.CharField(
        max_length=300, blank=True, help_text=_("Comma-separated; any one in the description")
    )
    attribute_code = models.CharField(max_length=64, blank=True)
    attribute_value = models.CharField(
        max_length=200, blank=True, help_text=_("The answer (a choice's key) to match")
    )
    channels = models.CharField(max_length=100, blank=True, help_text=_("Comma-separated, e.g. phone,sms"))
    weekdays = models.CharField(max_length=20, blank=True, help_text=_("Comma-separated, 0 = Monday"))
    time_from = models.TimeField(null=True, blank=True, help_text=_("Local time the rule starts to apply"))
    time_to = models.TimeField(
        null=True, blank=True, help_text=_("Local time it stops (may be past midnight)")
    )

    use_service_department = models.BooleanField(
        default=False, help_text=_("Send to the department the service names (instead of the one below)")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    priority = models.IntegerField(
        null=True, blank=True, choices=[(0, "Low"), (1, "Normal"), (2, "High"), (3, "Urgent")]
    )
    sla_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Overrides the service's SLA target")
    )
    sla_clock = models.CharField(max_length=10, choices=Clock.choices, default=Clock.CALENDAR)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}: {self.name}"

    def clean(self) -> None:
        if not self.use_service_department and self.department is None:
            raise ValidationError(_("Choose a department, or send to the service's own department"))
        if self.team and self.department and self.team.department_id != self.department.pk:
            raise ValidationError({"team": _("The team belongs to another department")})
        if bool(self.attribute_code) != bool(self.attribute_value):
            raise ValidationError(_("An attribute condition needs both the code and the answer"))
        if (self.time_from is None) != (self.time_to is None):
            raise ValidationError(_("A time window needs both a start and an end"))
        for day in filter(None, (d.strip() for d in self.weekdays.split(","))):
            if day not in "0123456" or len(day) != 1:
                raise ValidationError({"weekdays": _("Use numbers 0 (Monday) to 6 (Sunday)")})


class Estimate(models.Model):
    """What actually happens to requests like this: the median and 90th percentile time to close of a
    service's requests done in the last twelve months, over the city or in one district. Beside the SLA's
    expected date, residents are told this (routing/estimates.py keeps these rows; the worker refreshes
    them). Kept when there were too few to say (then median_hours is empty and based_on says how few)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="estimates")
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    median_hours = models.FloatField(null=True, blank=True)
    p90_hours = models.FloatField(null=True, blank=True)
    based_on = models.PositiveIntegerField(help_text=_("Requests done in the window"))
    since = models.DateTimeField(help_text=_("The window's start"))
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service"], condition=Q(district__isnull=True), name="estimate_service_unique"
            ),
            models.UniqueConstraint(fields=["service", "district"], name="estimate_service_district_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}/{self.district_id}: {self.median_hours} h of {self.based_on}"

    @property
    def enough(self) -> bool:
        return self.median_hours is not None
