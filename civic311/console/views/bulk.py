"""One action on many requests at once (supervisors): each request still goes through the domain and
its own permission check; what fails is reported, what succeeds stays done."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from civic311.accounts.choices import Capability
from civic311.accounts.permissions import may, visible_requests
from civic311.console.access import staff_required
from civic311.console.forms import PriorityForm, RerouteForm, StatusForm
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import RequestRejected

MAX_SELECTION = 500


@staff_required(Capability.BULK)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("back") or "/staff/"
    if not back.startswith("/staff/"):
        back = "/staff/"
    # Each number once, in the order given; PostgreSQL refuses a NUL in a parameter, and no number has one.
    asked = list(dict.fromkeys(n for n in request.POST.getlist("ids") if n and "\x00" not in n))
    if len(asked) > MAX_SELECTION:
        # Said, not silently dropped: the user would take the rest for done.
        messages.warning(
            request,
            f"At most {MAX_SELECTION} requests at once: the first {MAX_SELECTION} were taken, "
            f"{len(asked) - MAX_SELECTION} left out.",
        )
    numbers = asked[:MAX_SELECTION]
    if not numbers:
        messages.error(request, "Select at least one request.")
        return redirect(back)
    selected = list(
        visible_requests(request.user).filter(service_request_id__in=numbers).select_related("service")
    )
    if not selected:
        messages.error(request, "None of the selected requests is one you can see.")
        return redirect(back)
    # Numbers out of the user's scope (or unknown) are reported with the refusals, not silently skipped.
    found = {sr.service_request_id for sr in selected}
    missing = [f"{n[:40]}: not found, or not yours" for n in numbers if n not in found]
    action = request.POST.get("action", "")
    actor = actions.Actor(channel=Channel.STAFF, user=request.user)
    form: forms.Form
    if action == "status":
        form = StatusForm(request.POST)
        capability = Capability.CHANGE_STATUS
        if form.is_valid():
            try:  # refused for the whole selection at once, not once per request
                actions.check_status_change(form.cleaned_data["status"])
            except RequestRejected as exc:
                form.add_error("status", "; ".join(e.message for e in exc.errors))

        def apply(sr):
            actions.change_status(sr, form.cleaned_data["status"], actor, note=form.cleaned_data["note"])
    elif action == "priority":
        form = PriorityForm(request.POST)
        capability = Capability.SET_PRIORITY

        def apply(sr):
            actions.set_priority(sr, actor, form.cleaned_data["priority"])
    elif action == "reroute":
        form = RerouteForm(request.POST, jurisdiction=selected[0].jurisdiction)
        capability = Capability.REASSIGN

        def apply(sr):
            data = form.cleaned_data
            actions.reroute(
                sr,
                actor,
                department=data["department"],
                team=data["team"],
                assignee=data["assignee"],
                note=data["note"],
            )
    else:
        messages.error(request, f"Unknown action {action[:20]!r}.")
        return redirect(back)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {'; '.join(str(e) for e in errors)}")
        return redirect(back)
    done, refused = 0, missing
    for sr in selected:
        if not may(request.user, capability, sr):
            refused.append(f"{sr.service_request_id}: not allowed")
            continue
        try:
            apply(sr)
            done += 1
        except RequestRejected as exc:
            refused.append(f"{sr.service_request_id}: {exc}")
    messages.success(request, f"Done for {done} of {len(numbers)} requests.")
    for line in refused[:10]:
        messages.error(request, line)
    if len(refused) > 10:
        messages.error(request, f"… and {len(refused) - 10} more not done.")
    return redirect(back)
