"""The delivery log (one row per message to one address), periodic jobs' last runs, webhook endpoints,
numbers that said STOP, and the email side's area alerts, survey answers and bounced addresses."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import District
from civic311.servicerequests.models import Follower, ServiceRequest


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The channel stopped sending to this address (a bounce, an unsubscribe): kept for the log.
    PAUSED = "paused", _("Paused")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    WEBHOOK = "webhook", _("Webhook")


class Delivery(models.Model):
    """One message to one address on one channel. `key` is unique: a retry, a second dispatch of the same
    event or a second worker finds the row already there and never sends it twice."""

    key = models.CharField(max_length=255, unique=True)
    event = models.ForeignKey(
        "servicerequests.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    channel = models.CharField(max_length=20, choices=DeliveryChannel.choices)
    address = models.CharField(max_length=500)
    kind = models.CharField(max_length=20)
    language = models.CharField(max_length=10, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a worker took it (pending -> sending); the sweep takes back a "sending" row stuck past a timeout.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("deliveries")
        indexes = [
            # the sweep: pending rows whose next attempt is due, "sending" rows claimed long ago
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            # the admin's log, newest first
            models.Index(fields=["created_at"], name="delivery_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} to {self.address} ({self.status})"


class PeriodicJob(models.Model):
    """A periodic job's last and next run. A worker claims a due job by moving next_run_at forward with a
    conditional UPDATE, so with several workers each round runs once."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class WebhookEndpoint(models.Model):
    """An outside system that gets a signed JSON POST for each public event of the kinds it wants."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text=_("Shared secret of the HMAC-SHA256 signature"))
    # Event kinds wanted (servicerequests.choices.EventKind values); empty: every public event.
    event_kinds = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.active and (not self.event_kinds or kind in self.event_kinds)


class EventDispatch(models.Model):
    """An event whose deliveries were created (dispatch_event ran to the end). The sweep dispatches recent
    events without one: their task was lost (a worker killed, the queue down when the event committed)."""

    event = models.OneToOneField(
        "servicerequests.Event", on_delete=models.CASCADE, primary_key=True, related_name="notify_dispatch"
    )
    dispatched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.event_id} at {self.dispatched_at:%Y-%m-%d %H:%M}"


class TextOptOut(models.Model):
    """A phone number that said STOP (to our number, or to the carrier: Twilio's error 21610): no text goes
    to it until it says START. Kept by notify, which sends texts, so every channel that texts reads it."""

    phone = models.CharField(max_length=40, unique=True)  # E.164
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.phone


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


class SurveyResponseQuerySet(models.QuerySet["SurveyResponse"]):
    def satisfaction(self, requests: models.QuerySet[ServiceRequest]) -> dict:
        """How satisfied residents said they were with these requests: answers, mean score, answers by
        score (1 to 5). The figures read it (the dashboard, /data/stats.json)."""
        rows = dict(
            self.filter(request__in=requests.order_by().values("pk"))
            .values("score")
            .annotate(n=models.Count("pk"))
            .values_list("score", "n")
        )
        answers = sum(rows.values())
        mean = sum(score * n for score, n in rows.items()) / answers if answers else None
        return {
            "responses": answers,
            "mean_score": None if mean is None else round(mean, 2),
            "by_score": {str(score): rows.get(score, 0) for score in range(1, 6)},
        }


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

    objects = SurveyResponseQuerySet.as_manager()

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
