"""Requests from another system's records (open data): history, written in bulk and never announced."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from civic311.catalog.models import Department, Service
from civic311.servicerequests.actions.core import routed_data
from civic311.servicerequests.choices import (
    CLOSED,
    CLOSED_STATUSES,
    Channel,
    EventKind,
    Status,
)
from civic311.servicerequests.intake import (
    Location,
)
from civic311.servicerequests.models import (
    Event,
    ServiceRequest,
)


@dataclass
class ImportedRequest:
    """A request from another system's records (open data), kept with its own number and times."""

    service: Service
    service_request_id: str
    requested_datetime: datetime
    status_code: str = Status.NEW
    closed_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    location: Location = field(default_factory=Location)
    description: str = ""
    status_notes: str = ""
    channel: str = Channel.IMPORT
    department: Department | None = None
    district_ids: list[int] = field(default_factory=list)
    media_url: str = ""
    parent_service_request_id: str = ""
    source: str = ""
    source_data: dict = field(default_factory=dict)


def _imported(item: ImportedRequest) -> tuple[ServiceRequest, list[dict]]:
    """The request and its history, unsaved: created and routed when filed, then its status."""
    service, location = item.service, item.location
    request = ServiceRequest(
        jurisdiction_id=service.jurisdiction_id,  # the id: no query for the jurisdiction of a service
        service_request_id=item.service_request_id,
        service=service,
        public=not service.private,
        description=item.description,
        status_notes=item.status_notes,
        department=item.department or service.department,
        channel=item.channel,
        requested_datetime=item.requested_datetime,
        expected_datetime=item.expected_datetime,
        address=location.address,
        address_id=location.address_id,
        zipcode=location.zipcode[:12],
        lat=location.lat,
        long=location.long,
        media_url=item.media_url,
        imported_from=item.source,
    )
    request.set_status(Status.NEW, item.requested_datetime)
    record = {"source": item.source, "record": item.source_data} if item.source_data else {}
    history: list[tuple[str, datetime, str, str, dict]] = [
        (EventKind.CREATED, item.requested_datetime, Status.NEW, "", record)
    ]
    if request.department:
        history.append(
            (EventKind.ROUTED, item.requested_datetime, Status.NEW, "", routed_data(request.department))
        )
    if item.status_code != Status.NEW:
        when = item.closed_datetime if item.status_code in CLOSED_STATUSES else item.updated_datetime
        when = when or item.updated_datetime or item.requested_datetime
        request.set_status(item.status_code, when)
        history.append(
            (
                EventKind.STATUS_CHANGED,
                when,
                item.status_code,
                item.status_notes,
                {"from": Status.NEW, "to": item.status_code},
            )
        )
    if item.updated_datetime and item.updated_datetime > request.updated_datetime:
        request.updated_datetime = item.updated_datetime
    # Events as their column values (see _insert): three a request, no model instance for each.
    events = [
        {
            "kind": kind,
            "created_at": at,
            "channel": Channel.IMPORT,
            "public": True,
            "status_code": status,
            "note": note,
            "data": data,
        }
        for kind, at, status, note, data in history
    ]
    return request, events


# What a newer copy of the other system's records may change on a request imported from it, compared one by
# one. The rest of a request (token, reporter, team, assignee, priority, followers) is ours: never touched.
SYNCED_FIELDS = (
    "service_id",
    "status_code",
    "status_notes",
    "description",
    "department_id",
    "channel",
    "requested_datetime",
    "expected_datetime",
    "closed_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


# Parameters of one INSERT at most: under SQLite's limit (32,766) and PostgreSQL's (65,535).
MAX_PARAMS = 30_000
# Fields whose values the database needs converted (Django's get_db_prep_save); the rest go as they are.
_CONVERTED = (models.DateTimeField, models.DateField, models.JSONField, models.UUIDField, models.DecimalField)


def _copy(table: str, columns: list[str], rows: Iterable[Sequence]) -> None:
    """PostgreSQL: rows into a table by COPY (no SQL to parse for each row, none to build)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        names = ", ".join(quote(c) for c in columns)
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _insert_links(pairs: list[tuple[int, int]]) -> None:
    """Request-district links, as (request id, district id) rows: no model instance for each."""
    if not pairs:
        return
    links = ServiceRequest.districts.through._meta
    column = {f.name: str(f.column) for f in links.concrete_fields}
    columns = [column["servicerequest"], column["district"]]
    if connection.vendor == "postgresql":
        _copy(links.db_table, columns, pairs)
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(links.db_table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), MAX_PARAMS // 2):
            chunk = pairs[start : start + MAX_PARAMS // 2]
            cursor.execute(head + ", ".join(["(%s, %s)"] * len(chunk)), [v for pair in chunk for v in pair])


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of the field goes to the database (None: as it is), as get_db_prep_save would."""
    if isinstance(field, models.DateTimeField):
        # Our datetimes are aware: straight to the backend's adapter (get_prep_value only checks that).
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, _CONVERTED):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _insert(model: type[models.Model], objs: list, *, returning: bool = False) -> None:
    """INSERT unsaved objects, or rows given as {attname: value} (a field not given gets its default),
    setting the objects' ids when `returning`: what bulk_create does (no signals, no save()), without
    compiling each value into SQL nor building a model instance per event, which were most of an
    import's time. Values are converted as Django's get_db_prep_save converts them.

    SQLite: many rows a statement, ids back by RETURNING in the order of the rows (as bulk_create relies
    on too). PostgreSQL: the ids drawn first from the table's sequence, then COPY (a statement of 20,000
    parameters costs psycopg more to split than the server to run)."""
    if not objs:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    converters = [(f.attname, _converter(f)) for f in fields]
    if isinstance(objs[0], dict):
        defaults = {f.attname: f for f in fields if f.attname not in objs[0]}
        objs = [
            SimpleNamespace(**row, **{name: f.get_default() for name, f in defaults.items()}) for row in objs
        ]

    def values(obj: Any) -> list:
        return [
            convert(getattr(obj, name)) if convert else getattr(obj, name) for name, convert in converters
        ]

    def created(obj: Any, value: int) -> None:
        setattr(obj, pk.attname, value)
        if isinstance(obj, models.Model):
            obj._state.adding, obj._state.db = False, connection.alias

    columns = [str(f.column) for f in fields]
    if connection.vendor == "postgresql":
        if returning:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, pk.column, len(objs)],
                )
                for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
                    created(obj, value)
            _copy(meta.db_table, [str(pk.column), *columns], ([obj.pk, *values(obj)] for obj in objs))
        else:
            _copy(meta.db_table, columns, (values(obj) for obj in objs))
        return
    quote = connection.ops.quote_name
    # Names from the model, quoted; every value a parameter.
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) VALUES "  # noqa: S608
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(str(pk.column))}" if returning else ""
    size = max(1, min(connection.ops.bulk_batch_size(fields, objs), MAX_PARAMS // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            cursor.execute(
                head + ", ".join([row] * len(chunk)) + tail, [v for obj in chunk for v in values(obj)]
            )
            if returning:
                for obj, (value,) in zip(chunk, cursor.fetchall(), strict=True):
                    created(obj, value)


_READ_FIELDS = (
    *(f.name for f in ServiceRequest._meta.concrete_fields if f.attname in SYNCED_FIELDS),
    "jurisdiction",
    "service_request_id",
    "imported_from",
    "status",
    "public",
    "updated_datetime",
    "parent",
)


@dataclass
class ImportedBatch:
    """What import_or_update_requests did with a batch: requests created, requests already there that
    it changed, and those already there with nothing to change (or not imported from this source)."""

    created: list[ServiceRequest] = field(default_factory=list)
    updated: list[ServiceRequest] = field(default_factory=list)
    unchanged: list[ServiceRequest] = field(default_factory=list)
    repeated: int = 0  # numbers met a second time in the batch (the first one counts)
    events: int = 0  # events written for the updates

    @property
    def already_there(self) -> int:
        return len(self.updated) + len(self.unchanged) + self.repeated


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _same(a: object, b: object) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        # In UTC: Python never finds a time of the hour that comes twice (clocks going back) equal to a time
        # of another zone (PEP 495), so a request imported at 01:16 that night would "change" every time.
        return a.astimezone(UTC) == b.astimezone(UTC)
    return a == b


def _changes(request: ServiceRequest, target: ServiceRequest) -> dict[str, tuple[object, object]]:
    return {
        name: (getattr(request, name), getattr(target, name))
        for name in SYNCED_FIELDS
        if not _same(getattr(request, name), getattr(target, name))
    }


def _update(
    request: ServiceRequest,
    item: ImportedRequest,
    districts_before: set[int],
    now: datetime,
) -> list[dict]:
    """Bring an imported request in step with a newer record of it; the events saying what changed
    (none when nothing did). The request is changed in memory; the caller writes it."""
    target, _ = _imported(item)
    changes = _changes(request, target)
    districts_after = set(item.district_ids)
    if not changes and districts_before == districts_after:
        return []
    source = {"source": item.source} if item.source else {}
    events: list[dict] = []

    def event(kind: str, at: datetime, *, public: bool = True, note: str = "", data: dict) -> None:
        events.append(
            {
                "request_id": request.pk,
                "kind": kind,
                "created_at": at,
                "channel": Channel.IMPORT,
                "public": public,
                "status_code": request.status_code,
                "note": note,
                "data": {**source, **data},
            }
        )

    latest = max(request.updated_datetime, target.updated_datetime)
    for name in SYNCED_FIELDS:
        setattr(request, name, getattr(target, name))
    request.public = target.public  # follows the service's privacy, as when it was created
    others = dict(changes)
    if "status_code" in changes:
        # When the other system says it happened: closed at its closed time; reopened when it last
        # changed the record, or now, when we learn of it. The closing note goes on this event.
        before = others.pop("status_code")[0]
        others.pop("closed_datetime", None)
        others.pop("status_notes", None)  # the closing note (or none, reopened) is this event's
        closing = target.status == CLOSED
        at = (target.closed_datetime if closing else item.updated_datetime) or now
        request.set_status(target.status_code, at)
        request.closed_datetime = target.closed_datetime
        event(
            EventKind.STATUS_CHANGED,
            at,
            note=target.status_notes if closing else "",
            data={"from": before, "to": target.status_code},
        )
        latest = max(latest, at)
    moved = others.pop("department_id", None)
    if moved:
        department = target.department  # built with the item's objects: no query
        data = routed_data(department) if department else {"department": None}
        # "before" as reroute writes it: what the request left (the figures recount that department too).
        event(EventKind.ROUTED, now, data={**data, "before": {"department": moved[0]}})
        latest = max(latest, now)
    if districts_before != districts_after:
        others["district_ids"] = (sorted(districts_before), sorted(districts_after))
    if others:
        # No event kind of its own for "the record was corrected": an internal note, with the old and new
        # values, so the history says what changed and when we learnt of it.
        names = ", ".join(name.removesuffix("_id").replace("_", " ") for name in others)
        event(
            EventKind.NOTE,
            now,
            public=False,
            note=f"Updated from the {item.source or 'imported'} records: {names}",
            data={"changed": {n: [_jsonable(a), _jsonable(b)] for n, (a, b) in others.items()}},
        )
        latest = max(latest, now)
    request.updated_datetime = latest
    return events


def _read(requests: models.QuerySet[ServiceRequest]) -> dict[str, ServiceRequest]:
    return {r.service_request_id: r for r in requests.only(*_READ_FIELDS)}


def _districts_of(requests: Iterable[ServiceRequest]) -> dict[int, set[int]]:
    links = ServiceRequest.districts.through
    found: dict[int, set[int]] = {}
    for request_id, district_id in links.objects.filter(
        servicerequest_id__in=[r.pk for r in requests]
    ).values_list("servicerequest_id", "district_id"):
        found.setdefault(request_id, set()).add(district_id)
    return found


def _differs(request: ServiceRequest, item: ImportedRequest, districts_before: set[int]) -> bool:
    target, _ = _imported(item)
    return bool(_changes(request, target)) or districts_before != set(item.district_ids)


def import_or_update_requests(items: list[ImportedRequest], *, update: bool = True) -> ImportedBatch:
    """Record a batch of requests from another system's records, each with its history, in one
    transaction and a handful of queries (never one per row). A request already there (same number in the
    jurisdiction) that was imported from the same source is brought in step with its record when
    `update`: each real change writes an event (the status's own, a routing, or an internal note saying
    which fields changed), and a request whose record has not changed gets none. The other system's
    record wins over changes made here to the fields it carries (SYNCED_FIELDS): a re-import is a newer
    copy of the same history.

    Imports are history: nothing is announced, so nobody is notified about 2021's potholes.
    The caller checks the data; this keeps the invariants (events, derived status) of every request.
    """
    batch = ImportedBatch()
    if not items:
        return batch
    jurisdiction_id = items[0].service.jurisdiction_id
    for item in items:
        if item.service.jurisdiction_id != jurisdiction_id:
            raise ValueError("one batch, one jurisdiction")
    numbers = [item.service_request_id for item in items]
    links = ServiceRequest.districts.through
    now = timezone.now()
    with transaction.atomic():
        # Only the columns compared and written: a re-import reads every row it meets (and most of the
        # time of one that finds nothing changed was reading whole rows).
        existing = _read(
            ServiceRequest.objects.filter(jurisdiction_id=jurisdiction_id, service_request_id__in=numbers)
        )
        districts = _districts_of(existing.values()) if update and existing else {}
        fresh: list[tuple[ImportedRequest, ServiceRequest, list[dict]]] = []
        differing: list[ImportedRequest] = []
        done: set[str] = set()
        for item in items:
            number = item.service_request_id
            if number in done:  # the same number twice in a batch: the first one counts
                batch.repeated += 1
                continue
            done.add(number)
            request = existing.get(number)
            if request is None:
                fresh.append((item, *_imported(item)))
            elif not update or request.imported_from != item.source:  # never overwrite one of ours
                batch.unchanged.append(request)
            elif _differs(request, item, districts.get(request.pk, set())):
                differing.append(item)
            else:
                batch.unchanged.append(request)
        changed: list[tuple[ImportedRequest, ServiceRequest]] = []
        events: list[dict] = []
        if differing:
            # Those to change read again, locked in one order, so a change made meanwhile through the other
            # domain functions (which lock their one row) is neither lost nor deadlocked against. Only
            # these: locking every row read would write to each on PostgreSQL.
            locked = _read(
                ServiceRequest.objects.select_for_update()
                .filter(pk__in=[existing[i.service_request_id].pk for i in differing])
                .order_by("pk")
            )
            now_linked = _districts_of(locked.values())
            districts.update({r.pk: now_linked.get(r.pk, set()) for r in locked.values()})
            for item in differing:
                request = locked[item.service_request_id]
                new_events = _update(request, item, districts.get(request.pk, set()), now)
                if new_events:
                    changed.append((item, request))
                    events += new_events
                    batch.updated.append(request)
                else:
                    batch.unchanged.append(request)
        batch.created = [request for _, request, _ in fresh]
        _insert(ServiceRequest, batch.created, returning=True)
        if changed:
            ServiceRequest.objects.bulk_update(
                [request for _, request in changed], [*SYNCED_FIELDS, "status", "public", "updated_datetime"]
            )
            moved = [
                (item, request)
                for item, request in changed
                if districts.get(request.pk, set()) != set(item.district_ids)
            ]
            if moved:
                links.objects.filter(servicerequest_id__in=[request.pk for _, request in moved]).delete()
        else:
            moved = []
        _insert_links(
            [
                (request.pk, district_id)
                for (item, request) in [(i, r) for i, r, _ in fresh] + moved
                for district_id in item.district_ids
            ]
        )
        for _, request, history in fresh:
            for event in history:
                event["request_id"] = request.pk
        _insert(Event, [event for _, _, history in fresh for event in history] + events)
        batch.events = len(events)
    return batch


def import_requests(items: list[ImportedRequest]) -> tuple[list[ServiceRequest], int]:
    """Record a batch of requests from another system's records (see import_or_update_requests), leaving
    those already there as they are. Returns (the requests created, how many were already there)."""
    batch = import_or_update_requests(items, update=False)
    return batch.created, batch.already_there


def link_imported_duplicates(pairs: list[tuple[ServiceRequest, str]]) -> int:
    """Point imported duplicates at their parents once both are in (parents found in one query per 500);
    returns how many were linked. A duplicate whose parent is unknown (or itself) stays unlinked."""
    linked = 0
    for start in range(0, len(pairs), 500):
        chunk = [(child, number) for child, number in pairs[start : start + 500] if child.parent_id is None]
        if not chunk:
            continue
        jurisdiction_id = chunk[0][0].jurisdiction_id
        parents = {
            r.service_request_id: r
            for r in ServiceRequest.objects.filter(
                jurisdiction_id=jurisdiction_id, service_request_id__in={number for _, number in chunk}
            ).only("pk", "service_request_id", "status_code", "jurisdiction_id")
        }
        children: list[ServiceRequest] = []
        events: list[Event] = []
        for child, number in chunk:
            parent = parents.get(number)
            if parent is None or parent.pk == child.pk or child.jurisdiction_id != jurisdiction_id:
                continue
            child.parent = parent
            children.append(child)
            # The original's history shows it (public when the duplicate is, as mark_duplicate does). Not
            # announced: imports are history, nobody is notified.
            events.append(
                Event(
                    request=parent,
                    kind=EventKind.DUPLICATE_ADDED,
                    created_at=child.closed_datetime or child.updated_datetime,
                    channel=Channel.IMPORT,
                    public=child.public,
                    status_code=parent.status_code,
                    data={"duplicate": child.service_request_id},
                )
            )
        with transaction.atomic():
            ServiceRequest.objects.bulk_update(children, ["parent"])
            Event.objects.bulk_create(events)
        linked += len(children)
    return linked


def link_imported_duplicate(child: ServiceRequest, parent_service_request_id: str) -> bool:
    """Point an imported duplicate at its parent once both are in; False when the parent is unknown."""
    return link_imported_duplicates([(child, parent_service_request_id)]) == 1
