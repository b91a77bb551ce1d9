"""Service requests, their append-only history (events) and their photos.

Nothing here writes a request on its own: the functions of `actions/` do, and each writes an Event.
"""

import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, FloatField, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.lib.geomath import METRES_PER_DEGREE_LAT, degrees_box, haversine_m, long_scale
from civic311.servicerequests.choices import (
    CLOSED,
    OPEN,
    Channel,
    CommentStatus,
    EventKind,
    FollowerReason,
    Priority,
    Status,
    georeport_status,
)


class ServiceRequestQuerySet(models.QuerySet):
    def public(self):
        """Requests anyone may see: not of a private service."""
        return self.filter(public=True)

    def open(self):
        return self.filter(status=OPEN)

    def closed(self):
        return self.filter(status=CLOSED)

    def for_service(self, code: str):
        return self.filter(service__service_code=code)

    def of(self, jurisdiction: Jurisdiction):
        return self.filter(jurisdiction=jurisdiction)

    def near(self, lat: float, long: float, metres: float):
        """Requests within `metres` of the point. The bounding box uses the (lat, long) index; the circle is
        plain arithmetic both databases run (geomath.long_scale: within 0.1 % of haversine at city scale).
        Leaves the alias `degrees_squared` for nearest_first()."""
        min_lat, min_long, max_lat, max_long = degrees_box(lat, long, metres)
        scale = long_scale(lat)
        dlat = F("lat") - Value(lat)
        dlong = F("long") - Value(long)
        squared = ExpressionWrapper(
            dlat * dlat + dlong * dlong * Value(scale * scale), output_field=FloatField()
        )
        return (
            self.filter(lat__range=(min_lat, max_lat), long__range=(min_long, max_long))
            .alias(degrees_squared=squared)
            .filter(degrees_squared__lte=(metres / METRES_PER_DEGREE_LAT) ** 2)
        )

    def nearest_first(self):
        """After near(): the nearest first."""
        return self.order_by("degrees_squared", "pk")


class ServiceRequest(models.Model):
    """One problem reported or service asked for, by any channel (GeoReport service request)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="requests")
    service_request_id = models.CharField(max_length=40, help_text=_("The number residents quote"))
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # request_service_status_idx and queue_service_idx lead with service and serve its lookups.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests", db_index=False)
    status_code = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # GeoReport's open/closed, derived from status_code on every change; a column so lists filter on it.
    status = models.CharField(max_length=6, default=OPEN, editable=False)
    status_notes = models.TextField(blank=True)
    description = models.TextField(blank=True)
    # department, team and assignee lead the queue's indexes (Meta), which serve their lookups too.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        db_index=False,
    )
    team = models.ForeignKey(
        "routing.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
        db_index=False,
    )
    # The rule that routed it (None: routed by hand, imported, or no rule matched: triage).
    routing_rule = models.ForeignKey(
        "routing.RoutingRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the SLA check first found it past its expected time, and when it told the supervisor.
    overdue_since = models.DateTimeField(null=True, blank=True)
    service_notice = models.CharField(max_length=500, blank=True)
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)

    requested_datetime = models.DateTimeField(default=timezone.now)
    updated_datetime = models.DateTimeField(default=timezone.now)
    expected_datetime = models.DateTimeField(null=True, blank=True)
    closed_datetime = models.DateTimeField(null=True, blank=True)
    # How many times it went from closed back to open (the reopen rate of the figures; set_status keeps it).
    times_reopened = models.PositiveIntegerField(default=0, editable=False)

    address = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=64, blank=True)
    zipcode = models.CharField(max_length=12, blank=True)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    districts = models.ManyToManyField(District, blank=True, related_name="requests")

    # Answers to the service's questions: {attribute code: value, or list of values for multivaluelist}.
    attributes = models.JSONField(default=dict, blank=True)
    # URL of the first public photo, kept here so lists need no join.
    media_url = models.CharField(max_length=500, blank=True)

    # Private: who reported it. Never in a public response (see servicerequests.public).
    reporter_email = models.EmailField(blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_first_name = models.CharField(max_length=100, blank=True)
    reporter_last_name = models.CharField(max_length=100, blank=True)
    reporter_language = models.CharField(max_length=10, blank=True)
    device_id = models.CharField(max_length=200, blank=True)
    account_id = models.CharField(max_length=200, blank=True)

    api_client = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        help_text=_("The request this one duplicates"),
    )
    # Where an imported request came from, e.g. "chicago" for the City of Chicago's open data.
    imported_from = models.CharField(max_length=40, blank=True)
    # False for requests of a private service. A copy of `not service.private`, kept in step when a
    # service's privacy changes (signals.sync_request_privacy), so public lists filter and count on
    # this table's indexes alone.
    public = models.BooleanField(default=True, editable=False)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "service_request_id"], name="request_id_unique"),
        ]
        indexes = [
            # GET requests (default): public ones of the last 90 days, newest first; counted index-only
            models.Index(
                fields=["jurisdiction", "public", "requested_datetime"], name="request_requested_idx"
            ),
            # GET requests?service_code=…&status=…
            models.Index(
                fields=["service", "public", "status", "requested_datetime"],
                name="request_service_status_idx",
            ),
            # GET requests?status=…
            models.Index(
                fields=["jurisdiction", "public", "status", "requested_datetime"], name="request_status_idx"
            ),
            # GET requests?updated_after=… (sync clients page through changes in this order)
            models.Index(fields=["jurisdiction", "public", "updated_datetime"], name="request_updated_idx"),
            # GET requests?lat=…&long=…&radius=… and bbox=…: a latitude band, then longitude, then the
            # date window, all inside the index
            models.Index(fields=["lat", "long", "requested_datetime"], name="request_latlong_idx"),
            # The staff queue (console.queue): a department's, a team's, a person's open requests in
            # age order; everyone's for agents and administrators (and a supervisor's triage).
            models.Index(fields=["department", "status", "requested_datetime"], name="queue_department_idx"),
            models.Index(fields=["team", "status", "requested_datetime"], name="queue_team_idx"),
            models.Index(fields=["assignee", "status", "requested_datetime"], name="queue_assignee_idx"),
            models.Index(fields=["status", "requested_datetime"], name="queue_age_idx"),
            models.Index(fields=["service", "status", "requested_datetime"], name="queue_service_idx"),
            models.Index(fields=["status", "expected_datetime"], name="queue_due_all_idx"),
            # The queue's counts (total, overdue, unassigned, mine, triage) read from this index alone,
            # for any scope; and the "due soonest" order within a department.
            models.Index(
                fields=["status", "department", "expected_datetime", "assignee"], name="queue_due_idx"
            ),
            # routing.overdue.check_overdue: open requests past their time, not yet escalated
            models.Index(
                fields=["status", "expected_datetime"],
                condition=models.Q(overdue_since__isnull=True),
                name="request_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.service_request_id

    def set_status(self, status_code: str, at: datetime) -> None:
        """Move to a status and keep the derived fields in step; callers write the event. The closed time
        is when it first closed (fixed, then closed, keeps the first); a reopen clears it and is counted."""
        was_closed = self.status == CLOSED
        self.status_code = status_code
        self.status = georeport_status(status_code)
        self.updated_datetime = at
        if self.status == CLOSED:
            if not was_closed or self.closed_datetime is None:
                self.closed_datetime = at
        else:
            if was_closed:
                self.times_reopened += 1
            self.closed_datetime = None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Open and past its expected time."""
        return (
            self.is_open
            and self.expected_datetime is not None
            and self.expected_datetime < (now or timezone.now())
        )

    def metres_from(self, lat: float, long: float) -> int:
        """How far the request is from a point, rounded to the metre (for "already reported 40 m away")."""
        assert self.lat is not None and self.long is not None
        return round(haversine_m(lat, long, self.lat, self.long))

    @property
    def has_contact(self) -> bool:
        return bool(self.reporter_email or self.reporter_phone)


class EventQuerySet(models.QuerySet["Event"]):
    def public(self) -> "EventQuerySet":
        """What anyone may read: public events (not internal notes or staff steps) of public requests."""
        return self.filter(public=True, request__public=True)

    def without_internal(self) -> "EventQuerySet":
        """The events a request's page shows to staff who may not read internal notes."""
        return self.filter(public=True)


class Event(models.Model):
    """One entry of a request's append-only history: who did what, when, through which channel."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_client = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    public = models.BooleanField(default=True, help_text=_("Shown to residents and in the API"))
    # The request's status after this event.
    status_code = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # An id the sending system gave this update (FixMyStreet's update_id), so a retry is recognised.
    external_id = models.CharField(max_length=100, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # GET servicerequestupdates?start_date=…&end_date=… (public events in a window)
            models.Index(fields=["created_at"], name="event_created_idx"),
            # timeline of one request
            models.Index(fields=["request", "created_at"], name="event_request_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "external_id"],
                condition=~models.Q(external_id=""),
                name="event_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def status(self) -> str:
        return georeport_status(self.status_code)


def photo_path(instance: "Media", filename: str) -> str:
    """Where an uploaded photo is stored: a random name, so no one finds a photo by guessing its URL
    (the view that serves them, portal/views/photos.py, checks who may see it anyway)."""
    return f"requests/{secrets.token_urlsafe(24)}.jpg"


def thumbnail_path(instance: "Media", filename: str) -> str:
    return f"requests/thumbs/{secrets.token_urlsafe(24)}.jpg"


class MediaQuerySet(models.QuerySet):
    def public(self) -> "MediaQuerySet":
        """Photos anyone may see: shown (not held back) on a request anyone may see."""
        return self.filter(public=True, request__public=True)

    def stored_as(self, name: str) -> "MediaQuerySet":
        """The photo whose file or thumbnail is stored under `name` (a path below MEDIA_ROOT)."""
        return self.filter(models.Q(file=name) | models.Q(thumbnail=name))


class Media(models.Model):
    """A photo of a request: an uploaded file (checked, EXIF stripped) or a URL a client gave."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="media")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="media")
    # Indexed: GET /media/<name> finds its photo by the stored name (portal/views/photos.py).
    file = models.FileField(upload_to=photo_path, blank=True, db_index=True)
    thumbnail = models.FileField(upload_to=thumbnail_path, blank=True, db_index=True)
    url = models.URLField(
        max_length=500, blank=True, help_text=_("An outside URL, when no file was uploaded")
    )
    content_type = models.CharField(max_length=50, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MediaQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "media"

    def __str__(self) -> str:
        return self.file.name or self.url


class Follower(models.Model):
    """Someone who gets updates of a request: its reporter, a neighbour who said "me too", a caller an
    agent added, the reporters of its duplicates. Private, like all contact details."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=10, choices=FollowerReason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=True, help_text=_("False once they stop following"))

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "email"], condition=~models.Q(email=""), name="follower_email_unique"
            ),
            models.UniqueConstraint(
                fields=["request", "phone"], condition=~models.Q(phone=""), name="follower_phone_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.email or self.phone} ({self.reason})"


class RequestCounter(models.Model):
    """The last sequence number handed out per jurisdiction and year (request numbers)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="request_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id}/{self.year}: {self.value}"


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Comments anyone may read: shown, on a request anyone may see."""
        return self.filter(status=CommentStatus.VISIBLE, request__public=True)


class Comment(models.Model):
    """A resident's public comment on a request ("it is getting worse", "still there on Monday").

    Not an Event: the history is what the city did; comments are what neighbours say, moderated apart
    (held when they look like spam, approved or rejected by staff in the admin). The tracking page
    shows visible ones among the events, in time order. The email is private, like all contact details;
    ip_hash (a keyed hash, never the address) lets staff see several comments came from one client."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField()
    name = models.CharField(max_length=100, blank=True, help_text=_("Shown with the comment"))
    email = models.EmailField(blank=True, help_text=_("Private: never shown"))
    status = models.CharField(max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE)
    # Why the spam checks held it (e.g. "links, all caps"); blank when it went straight through.
    held_because = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_hash = models.CharField(max_length=64, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # the tracking page: a request's visible comments in time order
            models.Index(fields=["request", "status", "created_at"], name="comment_request_idx"),
            # the admin's moderation queue: held comments, oldest first
            models.Index(fields=["status", "created_at"], name="comment_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.text[:40]}"
