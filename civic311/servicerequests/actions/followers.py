"""Who hears of a request: followers added (a caller, a neighbour's "me too") and stopped (an
unsubscribe, a bounce), each with an internal event."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civic311.servicerequests.actions.core import Actor, record
from civic311.servicerequests.choices import (
    EventKind,
    FollowerReason,
)
from civic311.servicerequests.intake import (
    Contact,
    FieldError,
    RequestRejected,
    check_contact,
)
from civic311.servicerequests.models import Follower, ServiceRequest

if TYPE_CHECKING:
    pass


def follow(
    request: ServiceRequest, email: str, phone: str, name: str, language: str, reason: str, at: datetime
) -> tuple[Follower, bool]:
    """Add a follower unless the same email or phone already follows (then keep, reactivated)."""
    existing = request.followers.filter(
        (Q(email=email) if email else Q(pk__in=[])) | (Q(phone=phone) if phone else Q(pk__in=[]))
    ).first()
    if existing is not None:
        if not existing.active:
            existing.active = True
            existing.save(update_fields=["active"])
        return existing, False
    follower = Follower.objects.create(
        request=request,
        email=email,
        phone=phone,
        name=name[:200],
        language=language,
        reason=reason,
        created_at=at,
    )
    return follower, True


def add_follower(
    request: ServiceRequest,
    actor: Actor,
    *,
    email: str = "",
    phone: str = "",
    name: str = "",
    language: str = "",
    reason: str = FollowerReason.CALLER,
) -> Follower:
    """Someone (a caller, a neighbour saying "me too") follows a request's updates."""
    errors: list[FieldError] = []
    contact = Contact(email=email, phone=phone, first_name=name)
    check_contact(contact, request.service, errors)
    if not (contact.email or contact.phone):
        errors.append(FieldError("email", "give an email or a phone number to send the updates to"))
    if errors:
        raise RequestRejected(errors)
    at = timezone.now()
    with transaction.atomic():
        follower, created = follow(
            request, contact.email, contact.phone, contact.first_name, language, reason, at
        )
        if created:
            # Internal: who follows is private; the count of "me too" is what the public sees.
            record(
                request,
                EventKind.FOLLOWER_ADDED,
                actor,
                at=at,
                public=False,
                data={"reason": reason, "follower_id": follower.pk},
            )
    return follower


def stop_following(follower: Follower, actor: Actor, *, why: str) -> bool:
    """The follower gets no more updates of the request (they unsubscribed; their address bounced). An
    internal event says so. False, and nothing written, when they were stopped already."""
    at = timezone.now()
    with transaction.atomic():
        if not Follower.objects.filter(pk=follower.pk, active=True).update(active=False):
            return False
        follower.active = False
        record(
            follower.request,
            EventKind.FOLLOWER_STOPPED,
            actor,
            at=at,
            public=False,
            data={"follower_id": follower.pk, "why": why},
        )
    return True


def stop_following_address(email: str, actor: Actor, *, why: str) -> int:
    """Every follow of an email address stops (a bounce: nothing more can reach it); how many did."""
    followers = Follower.objects.filter(email__iexact=email, active=True).select_related("request")
    return sum(stop_following(follower, actor, why=why) for follower in followers)
