"""Who may see and do what: every check the console makes goes through here, so a rule holds everywhere.

Capabilities come from the role (choices.CAPABILITIES); scope from the department: staff and supervisors
act on their department's requests (supervisors also on triage), agents and administrators on all.
"""

from django.db.models import Q

from civic311.accounts.choices import Capability, Role
from civic311.accounts.models import StaffProfile
from civic311.servicerequests.models import ServiceRequest, ServiceRequestQuerySet


def profile_of(user) -> StaffProfile | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    profile = getattr(user, "staff", None)
    if profile is None and user.is_superuser:
        # A superuser without a profile (the first account a city creates) acts as an administrator.
        return StaffProfile(user=user, role=Role.ADMIN)
    return profile


def can(user, capability: str) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.can(capability)


def scope_filter(user) -> Q | None:
    """The requests a user may see, as a filter; None when they may see none."""
    profile = profile_of(user)
    if profile is None:
        return None
    if profile.can(Capability.VIEW_ALL_DEPARTMENTS):
        return Q()
    if not profile.can(Capability.VIEW_DEPARTMENT) or profile.department_id is None:
        return None
    scope = Q(department_id=profile.department_id)
    if profile.can(Capability.VIEW_TRIAGE):
        scope |= Q(department__isnull=True)
    return scope


def visible_requests(user) -> ServiceRequestQuerySet:
    scope = scope_filter(user)
    if scope is None:
        return ServiceRequest.objects.none()
    return ServiceRequest.objects.filter(scope)


def may_see(user, request: ServiceRequest) -> bool:
    profile = profile_of(user)
    if profile is None:
        return False
    if profile.can(Capability.VIEW_ALL_DEPARTMENTS):
        return True
    if request.department_id is None:
        return profile.can(Capability.VIEW_TRIAGE)
    return profile.can(Capability.VIEW_DEPARTMENT) and request.department_id == profile.department_id


def may(user, capability: str, request: ServiceRequest | None = None) -> bool:
    """The user has the capability, and (when a request is given) the request is in their scope."""
    return can(user, capability) and (request is None or may_see(user, request))
