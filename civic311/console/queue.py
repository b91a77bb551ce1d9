"""The staff queue's selection: filters and sort orders over the requests a user may see."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from civic311.accounts.permissions import visible_requests
from civic311.catalog import cache as catalog_cache
from civic311.catalog.models import Service
from civic311.servicerequests.choices import CLOSED, OPEN, Channel, Priority, Status
from civic311.servicerequests.models import ServiceRequest
from civic311.servicerequests.numbers import looks_like_number, number_candidates

PAGE_SIZE = 50
DB_INT_LIMIT = 2**63  # ids beyond a signed 64-bit integer cannot be in the database
SORTS = {
    "oldest": ("requested_datetime", "pk"),
    "newest": ("-requested_datetime", "-pk"),
    "due": ("expected_datetime", "pk"),
    "priority": ("-priority", "requested_datetime", "pk"),
    "updated": ("-updated_datetime", "-pk"),
}
STATE_CHOICES = [("open", "Open"), ("closed", "Closed"), ("all", "All")] + [
    (s.value, s.label) for s in Status
]


@dataclass
class QueueFilter:
    state: str = "open"
    service: int | None = None
    district: int | None = None
    department: int | None = None
    team: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    overdue: bool = False
    triage: bool = False
    channel: str = ""
    priority: int | None = None
    text: str = ""
    sort: str = "oldest"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    def as_query(self, **changes) -> str:
        """This filter as a query string, with some values changed (for links: facets, pages, sorts)."""
        values = {
            "state": self.state,
            "service": self.service,
            "district": self.district,
            "department": self.department,
            "team": self.team,
            "assignee": self.assignee,
            "overdue": "1" if self.overdue else "",
            "triage": "1" if self.triage else "",
            "channel": self.channel,
            "priority": self.priority,
            "q": self.text,
            "sort": self.sort,
            "page": self.page,
        } | changes
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value in (None, "") or (key == "page" and value == 1):
                continue
            query[key] = str(value)
        return query.urlencode()


def _int(query: QueryDict, name: str, errors: list[str]) -> int | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        errors.append(f"{name}: '{raw[:20]}' is not a number")
        return None
    if not -DB_INT_LIMIT < value < DB_INT_LIMIT:
        # Past a 64-bit column: SQLite's driver raises OverflowError rather than find nothing.
        errors.append(f"{name}: '{raw[:20]}' is out of range")
        return None
    return value


def _assignee(query: QueryDict, errors: list[str]) -> str:
    raw = (query.get("assignee") or "").strip()[:20]
    # isascii too: isdigit() is true of '²', which int() refuses.
    if raw in ("", "me", "none") or (raw.isascii() and raw.isdigit() and int(raw) < DB_INT_LIMIT):
        return raw
    errors.append(f"assignee: '{raw}' is not me, none or a person's number")
    return ""


def parse(query: QueryDict) -> QueueFilter:
    errors: list[str] = []
    state = (query.get("state") or "open").strip()
    if state not in dict(STATE_CHOICES):
        errors.append(f"state: '{state[:20]}' is not a state")
        state = "open"
    sort = (query.get("sort") or "oldest").strip()
    if sort not in SORTS:
        errors.append(f"sort: '{sort[:20]}' is not a sort order")
        sort = "oldest"
    priority = _int(query, "priority", errors)
    if priority is not None and priority not in Priority.values:
        errors.append("priority: not a priority")
        priority = None
    page = _int(query, "page", errors) or 1
    channel = (query.get("channel") or "").strip()[:10]
    if channel and channel not in Channel.values:
        errors.append(f"channel: '{channel}' is not a channel")
        channel = ""
    return QueueFilter(
        state=state,
        service=_int(query, "service", errors),
        district=_int(query, "district", errors),
        department=_int(query, "department", errors),
        team=_int(query, "team", errors),
        assignee=_assignee(query, errors),
        overdue=query.get("overdue") == "1",
        triage=query.get("triage") == "1",
        channel=channel,
        priority=priority,
        # PostgreSQL refuses a NUL in a query parameter (an error, not "no match"): no text has one.
        text=(query.get("q") or "").replace("\x00", "").strip()[:200],
        sort=sort,
        page=max(1, min(page, 100_000)),
        errors=errors,
    )


def _state(qs: QuerySet, state: str) -> QuerySet:
    if state == "open":
        return qs.filter(status=OPEN)
    if state == "closed":
        return qs.filter(status=CLOSED)
    if state == "all":
        return qs
    return qs.filter(status_code=state)


def select(user, f: QueueFilter, now: datetime | None = None) -> QuerySet[ServiceRequest]:
    """The requests of the queue, filtered and sorted (not paged)."""
    now = now or timezone.now()
    qs = _state(visible_requests(user), f.state)
    if f.service:
        qs = qs.filter(service_id=f.service)
    if f.district:
        qs = qs.filter(districts=f.district)
    if f.triage:
        qs = qs.filter(department__isnull=True)
    elif f.department:
        qs = qs.filter(department_id=f.department)
    if f.team:
        qs = qs.filter(team_id=f.team)
    if f.assignee == "me":
        qs = qs.filter(assignee=user)
    elif f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee.isdigit():
        qs = qs.filter(assignee_id=int(f.assignee))
    if f.overdue:
        qs = qs.filter(status=OPEN, expected_datetime__lt=now)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.priority is not None:
        qs = qs.filter(priority=f.priority)
    if f.text:
        qs = qs.filter(text_filter(f.text))
    order = SORTS[f.sort]
    if f.sort == "due":
        return qs.order_by(F("expected_datetime").asc(nulls_last=True), "pk")
    return qs.order_by(*order)


def text_filter(text: str) -> Q:
    """A search box's text: a request number (looked up by its index), or words in the description, the
    address or the service's name."""
    jurisdictions = catalog_cache.jurisdictions()
    by_number = Q(pk__in=[])
    for j in jurisdictions:
        # With the jurisdiction, the lookup uses request_id_unique (jurisdiction, service_request_id).
        numbers = number_candidates(text, [j.request_id_prefix])
        by_number |= Q(jurisdiction_id=j.pk, service_request_id__in=numbers)
    if looks_like_number(text):
        return by_number
    # Service names are matched in the small catalog table first, so the requests are filtered on their
    # own columns: PostgreSQL then combines its indexes (trigram indexes on description and address,
    # servicerequests migration 0005); SQLite scans the scope.
    services = list(Service.objects.filter(service_name__icontains=text).values_list("pk", flat=True))
    return (
        by_number | Q(description__icontains=text) | Q(address__icontains=text) | Q(service_id__in=services)
    )


def page_of(qs: QuerySet[ServiceRequest], f: QueueFilter) -> list[ServiceRequest]:
    offset = (f.page - 1) * PAGE_SIZE
    rows = qs.select_related("service", "department", "team", "assignee")[offset : offset + PAGE_SIZE + 1]
    return list(rows)


def facets(user, f: QueueFilter, now: datetime | None = None) -> dict[str, int]:
    """Counts beside the filters: how many the current selection would hold with each quick filter."""
    now = now or timezone.now()
    base = select(
        user,
        QueueFilter(
            **{**f.__dict__, "overdue": False, "assignee": "", "triage": False, "page": 1, "errors": []}
        ),
        now,
    )
    # Counting status (never null), not id: every column the counts read is then in queue_due_idx, so
    # PostgreSQL counts from the index alone. (Django refuses COUNT(*) with a filter.)
    counts = base.aggregate(
        total=Count("*"),
        overdue=Count("status", filter=Q(status=OPEN, expected_datetime__lt=now)),
        unassigned=Count("status", filter=Q(assignee__isnull=True)),
        mine=Count("status", filter=Q(assignee=user)),
        triage=Count("status", filter=Q(department__isnull=True)),
    )
    return counts
