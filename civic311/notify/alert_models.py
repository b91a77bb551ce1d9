"""Models of the email side of notifications: area alerts, the closure survey's answers, bounced addresses.

Imported at the end of notify/models.py so Django sees them as the notify app's models.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import District
from civic311.servicerequests.models import Follower, ServiceRequest

__all__ = ["AlertFrequency", "AreaAlert", "EmailBounce", "SurveyResponse"]

# The largest circle one may watch: a city's worth; more is a firehose, not an alert.
ALERT_MAX_RADIUS_M = 5000
ALERT_MIN_RADIUS_M = 50


class AlertFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("At once, one email per request")
    DAILY = "daily", _("Once a day, a digest")


class AreaAlert(models.Model):
    """Someone who wants to hear (by email) of new requests and/or closures in a ward, or within a radius of
    a point, optionally for some services only. Double opt-in: nothing is sent before `confirmed`.
    The address is private, like all contact details."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="area_alerts")
    email = models.EmailField()
    language = models.CharField(max_length=10, blank=True)
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="area_alerts"
    )
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(null=True, blank=True, help_text=_("Radius in metres"))
    services = models.ManyToManyField(
        Service, blank=True, related_name="area_alerts", help_text=_("None: every public service")
    )
    new_requests = models.BooleanField(default=True)
    closures = models.BooleanField(default=False)
    frequency = models.CharField(max_length=10, choices=AlertFrequency.choices, default=AlertFrequency.DAILY)
    confirmed = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True, help_text=_("False once unsubscribed or paused"))
    paused_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # alerts.matching_alerts: the live, confirmed alerts of a jurisdiction at each event
            models.Index(fields=["jurisdiction", "active", "confirmed", "frequency"], name="alert_live_idx"),
            # bounces and unsubscribes look alerts up by address
            models.Index(fields=["email"], name="alert_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(district__isnull=False)
                | models.Q(lat__isnull=False, long__isnull=False, radius_m__isnull=False),
                name="alert_has_an_area",
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.frequency})"

    @property
    def is_live(self) -> bool:
        return self.active and self.confirmed


class SurveyResponse(models.Model):
    """A resident's answer to the closure survey: how satisfied (1 to 5) and an optional comment. One per
    follower and request; answering again updates it. Analytics reads score and language."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="survey_responses")
    follower = models.ForeignKey(
        Follower, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "follower"], name="survey_one_per_follower"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score}"


class EmailBounce(models.Model):
    """An address the mail server refused for good (5xx): its subscriptions were paused then."""

    email = models.EmailField()
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.email


# The email channel and the digest job register themselves on import (after the classes above exist).
import civic311.notify.email  # noqa: E402, F401
