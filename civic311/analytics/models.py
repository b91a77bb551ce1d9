"""The rollups behind the figures (analytics/rollups.py): each day's and month's counts and histograms of
the public requests, over the city and by one dimension (service, department, channel, district)."""

from django.db import models

from civic311.catalog.models import Jurisdiction


class Cell(models.Model):
    """The figures of the public requests filed on one day (or in one month) of the city's calendar,
    all of them (view "") or those of one service, department, channel or district (view and key)."""

    DAY, MONTH = "d", "m"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    view = models.CharField(max_length=12)  # "", service, department, channel, district
    key = models.CharField(max_length=40)  # the service's, department's or district's id; the channel
    grain = models.CharField(max_length=1, choices=[(DAY, "day"), (MONTH, "month")])
    period = models.DateField()  # the day, or the month's first day
    requests = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_with_expected = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    closed_as_duplicate = models.PositiveIntegerField(default=0)
    closed_as_referred = models.PositiveIntegerField(default=0)
    hours = models.BinaryField(default=b"")  # the closed requests' hours to close (histograms.py)
    due = models.BinaryField(default=b"")  # the open requests' expected days: (ordinal, count) pairs
    closed_on = models.BinaryField(default=b"")  # the closed requests' closing days: (ordinal, count) pairs

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "view", "grain", "period", "key"], name="cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.view or 'all'}:{self.key} {self.grain}{self.period}"


class FoldState(models.Model):
    """How far the rollups of a jurisdiction have taken in its events: built once, then folded forward."""

    jurisdiction = models.OneToOneField(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    built_at = models.DateTimeField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.jurisdiction_id}: event {self.last_event_id}"
