"""The SLA check: open requests past their expected time are marked overdue and escalated, once each.

Run periodically (`civic311 serve` does every SLA_CHECK_SECONDS; `civic311 check_sla` once).
"""

from datetime import datetime

from django.utils import timezone

from civic311.accounts.choices import Role
from civic311.accounts.models import StaffProfile
from civic311.servicerequests import actions
from civic311.servicerequests.choices import OPEN
from civic311.servicerequests.models import ServiceRequest


def supervisor_of(request: ServiceRequest):
    """Who hears of it: the team's supervisor, else a supervisor of the department, else nobody."""
    if request.team is not None and request.team.supervisor is not None:
        return request.team.supervisor
    if request.department_id is None:
        return None
    profile = (
        StaffProfile.objects.filter(
            department_id=request.department_id, role=Role.SUPERVISOR, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return profile.user if profile else None


def check_overdue(now: datetime | None = None) -> int:
    """Escalate every open request whose expected time has passed; returns how many."""
    now = now or timezone.now()
    due = ServiceRequest.objects.filter(status=OPEN, expected_datetime__lt=now, overdue_since__isnull=True)
    escalated = 0
    for request in (
        due.select_related("team__supervisor").order_by("expected_datetime").iterator(chunk_size=500)
    ):
        escalated += actions.escalate(request, supervisor_of(request), at=now) is not None
    return escalated
