from django.db import models
from django.utils.translation import gettext_lazy as _


class AssignmentStrategy(models.TextChoices):
    NONE = "none", _("Nobody: the team picks from its queue")
    LEAST_OPEN = "least_open", _("The member with the least open work")
    ROUND_ROBIN = "round_robin", _("Members in turn")


class Clock(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time (around the clock)")
    BUSINESS = "business", _("Working hours of the jurisdiction's calendar")


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
