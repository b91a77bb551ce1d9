"""Statuses, channels, priorities and event kinds, and how internal statuses map to the outside world.

Our workflow states are richer than GeoReport's open/closed. Each maps, here and only here, to the
GeoReport status and to FixMyStreet's upper-case update status.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

OPEN = "open"
CLOSED = "closed"


class Status(models.TextChoices):
    NEW = "new", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    SCHEDULED = "scheduled", _("Scheduled")
    FIXED = "fixed", _("Fixed")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")
    REFERRED = "referred", _("Referred to another body")
    NOT_RESPONSIBLE = "not_responsible", _("Not the city's responsibility")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    CANCELLED = "cancelled", _("Cancelled")


@dataclass(frozen=True)
class StatusMapping:
    georeport: str  # "open" or "closed"
    fixmystreet: str  # FixMyStreet's upper-case update status


STATUS_MAP: dict[str, StatusMapping] = {
    Status.NEW: StatusMapping(OPEN, "OPEN"),
    Status.ACKNOWLEDGED: StatusMapping(OPEN, "INVESTIGATING"),
    Status.IN_PROGRESS: StatusMapping(OPEN, "IN_PROGRESS"),
    Status.SCHEDULED: StatusMapping(OPEN, "ACTION_SCHEDULED"),
    Status.FIXED: StatusMapping(CLOSED, "FIXED"),
    Status.CLOSED: StatusMapping(CLOSED, "CLOSED"),
    Status.DUPLICATE: StatusMapping(CLOSED, "DUPLICATE"),
    Status.REFERRED: StatusMapping(CLOSED, "INTERNAL_REFERRAL"),
    Status.NOT_RESPONSIBLE: StatusMapping(CLOSED, "NOT_COUNCILS_RESPONSIBILITY"),
    Status.NO_FURTHER_ACTION: StatusMapping(CLOSED, "NO_FURTHER_ACTION"),
    Status.CANCELLED: StatusMapping(CLOSED, "CLOSED"),
}

# FixMyStreet status -> our status, for updates FixMyStreet posts to us. Where two of ours share a
# FixMyStreet status (CLOSED), the plain one wins.
FIXMYSTREET_TO_STATUS: dict[str, str] = {}
for _status, _mapping in STATUS_MAP.items():
    FIXMYSTREET_TO_STATUS.setdefault(_mapping.fixmystreet, _status)
# FixMyStreet also sends these two, which we fold into our nearest state.
FIXMYSTREET_TO_STATUS["REOPEN"] = Status.NEW
FIXMYSTREET_TO_STATUS["PLANNED"] = Status.SCHEDULED

# Statuses with a meaning of their own, reachable only through their own domain function: a duplicate needs
# its original (and its followers moved to it), a referral needs whom it went to. change_status refuses them
# with these words, on every channel (the console, servicerequestupdates' DUPLICATE and INTERNAL_REFERRAL).
OWN_DOOR: dict[str, str] = {
    Status.DUPLICATE: "a request is closed as a duplicate by naming its original (mark it as a duplicate), "
    "not by its status alone",
    Status.REFERRED: "a request is closed as referred by saying whom it went to (refer it), "
    "not by its status alone",
}

OPEN_STATUSES = frozenset(s for s, m in STATUS_MAP.items() if m.georeport == OPEN)
CLOSED_STATUSES = frozenset(s for s, m in STATUS_MAP.items() if m.georeport == CLOSED)


def georeport_status(status: str) -> str:
    return STATUS_MAP[status].georeport


def fixmystreet_status(status: str) -> str:
    return STATUS_MAP[status].fixmystreet


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    APP = "app", _("Mobile app")
    PHONE = "phone", _("Phone (311 call centre)")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    API = "api", _("Open311 API")
    IMPORT = "import", _("Imported")
    STAFF = "staff", _("Staff")


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class EventKind(models.TextChoices):
    CREATED = "created", _("Received")
    ROUTED = "routed", _("Routed")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    NOTE = "note", _("Note")
    MEDIA_ADDED = "media_added", _("Photo added")
    MARKED_DUPLICATE = "marked_duplicate", _("Marked as duplicate")
    DUPLICATE_ADDED = "duplicate_added", _("Duplicate attached")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ESCALATED = "escalated", _("Overdue: escalated")
    FOLLOWER_ADDED = "follower_added", _("Follower added")
    FOLLOWER_STOPPED = "follower_stopped", _("Follower stopped updates")


# Longest description we accept, in characters (GeoReport sets no limit; 4,000 is a screenful).
DESCRIPTION_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 4000


class FollowerReason(models.TextChoices):
    REPORTER = "reporter", _("Reported it")
    ME_TOO = "me_too", _("Reported it too")
    CALLER = "caller", _("Called about it")
    DUPLICATE = "duplicate", _("Reported a duplicate of it")
    FOLLOWER = "follower", _("Follows it")


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for moderation")
    REJECTED = "rejected", _("Rejected")
