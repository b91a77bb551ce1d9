"""What every domain function shares: who acts (Actor), recording an event and announcing it after
commit, the row lock, the check of a note's text."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from civic311.accounts.models import ApiKey
from civic311.catalog.models import Department
from civic311.servicerequests.choices import (
    NOTE_MAX_LENGTH,
)
from civic311.servicerequests.intake import (
    FieldError,
    RequestRejected,
    clean_text,
)
from civic311.servicerequests.models import (
    Event,
    ServiceRequest,
)
from civic311.servicerequests.signals import event_recorded, events_recorded

if TYPE_CHECKING:
    pass


@dataclass
class Actor:
    """Who acts and through which channel: a signed-in user, an API client, or a resident (neither)."""

    channel: str
    user: Any = None  # a signed-in user (settings.AUTH_USER_MODEL)
    api_client: ApiKey | None = None


# Events recorded inside announced_together(), announced after commit as one batch.
_batch: ContextVar[list[Event] | None] = ContextVar("announce_batch", default=None)


def _send(events: list[Event]) -> None:
    # What the receivers write (the task queue's rows) in one transaction: on SQLite one turn at the
    # write lock, however many events.
    with transaction.atomic():
        for event in events:
            event_recorded.send(sender=Event, event=event)
        events_recorded.send(sender=Event, events=events)


def _announce(event: Event) -> None:
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
    else:
        transaction.on_commit(lambda: _send([event]))


@contextmanager
def announced_together() -> Iterator[None]:
    """Announce the events recorded inside together, once their transaction commits (nothing if the
    block fails: its transaction is rolled back)."""
    batch: list[Event] = []
    reset = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(reset)
    if batch:
        transaction.on_commit(lambda: _send(batch))


def new_event(
    request: ServiceRequest,
    kind: str,
    actor: Actor,
    *,
    at: datetime,
    public: bool = True,
    note: str = "",
    data: dict | None = None,
    external_id: str = "",
) -> Event:
    """An event of the request, not yet written (record_all writes several in one statement)."""
    return Event(
        request=request,
        kind=kind,
        created_at=at,
        actor=actor.user if actor.user and actor.user.is_authenticated else None,
        api_client=actor.api_client,
        channel=actor.channel,
        public=public,
        status_code=request.status_code,
        note=note,
        data=data or {},
        external_id=external_id,
    )


def record(request: ServiceRequest, kind: str, actor: Actor, *, at: datetime, **fields: Any) -> Event:
    """Write one event of the request, announced after commit (see new_event for the fields)."""
    event = new_event(request, kind, actor, at=at, **fields)
    event.save(force_insert=True)
    _announce(event)
    return event


def record_all(events: list[Event]) -> list[Event]:
    """Write events built by new_event in one INSERT, in order, each announced after commit."""
    Event.objects.bulk_create(events)
    for event in events:
        _announce(event)
    return events


def routed_data(department: Department) -> dict:
    return {"department": department.code, "department_name": department.name}


def check_note(text: str, name: str = "description") -> str:
    errors: list[FieldError] = []
    text = clean_text(text)
    if len(text) > NOTE_MAX_LENGTH:
        errors.append(
            FieldError(name, f"is {len(text)} characters long; at most {NOTE_MAX_LENGTH} are allowed")
        )
    if errors:
        raise RequestRejected(errors)
    return text


def locked(request: ServiceRequest) -> ServiceRequest:
    """The request's row, locked until the transaction ends (every change reads it under this lock)."""
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)
