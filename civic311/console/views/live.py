"""The console's live stream: what changes in the departments a staff member may see (Server-Sent
Events; the queue and request pages refresh their parts from it). The messages carry identifiers and
statuses only (live.publishers.staff_message); the pages fetch details through their own checks."""

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from civic311.accounts.choices import Capability
from civic311.accounts.permissions import profile_of
from civic311.accounts.security import second_factor_ok
from civic311.catalog.models import Department
from civic311.live.publishers import staff_topic
from civic311.live.sse import sse_response


def _topics(request: HttpRequest) -> tuple[list[str], str | None] | None:
    """The staff topics of the user's scope and the jurisdiction to keep (None: all); None: refused."""
    if not second_factor_ok(request):
        return None
    profile = profile_of(request.user)
    if profile is None:
        return None
    if profile.can(Capability.VIEW_ALL_DEPARTMENTS):
        codes = list(Department.objects.values_list("code", flat=True).distinct())
        return [staff_topic(code) for code in codes] + [staff_topic(None)], None
    if not profile.can(Capability.VIEW_DEPARTMENT) or profile.department is None:
        return None
    topics = [staff_topic(profile.department.code)]
    if profile.can(Capability.VIEW_TRIAGE):
        topics.append(staff_topic(None))
    return topics, profile.department.jurisdiction.jurisdiction_id


@require_GET
async def staff_events(request: HttpRequest) -> HttpResponseBase:
    user = await request.auser()
    if not user.is_authenticated:
        return redirect(f"/staff/login/?next={request.get_full_path()}")
    scope = await sync_to_async(_topics)(request)
    if scope is None:
        raise PermissionDenied("No live updates for this account.")
    topics, jurisdiction_id = scope

    def same_jurisdiction(message: dict) -> dict | None:
        # Department codes are unique per jurisdiction only: keep the user's own jurisdiction's events.
        if jurisdiction_id is not None and message.get("jurisdiction_id") != jurisdiction_id:
            return None
        return message

    return sse_response(request, topics, transform=same_jurisdiction)
