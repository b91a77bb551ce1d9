"""My requests (/me/): the requests a resident reported or follows, behind a one-time sign-in link
mailed to their address (no passwords)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civic311.accounts import throttle
from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction
from civic311.portal import community
from civic311.portal.forms import TEXT_FIELD_MAX
from civic311.servicerequests.choices import OPEN
from civic311.servicerequests.intake import CONTROL_CHARS
from civic311.servicerequests.models import ServiceRequest

SESSION_EMAIL = "portal_email"


def _my_requests(jurisdiction: Jurisdiction, email: str) -> list[dict]:
    qs = (
        ServiceRequest.objects.filter(jurisdiction=jurisdiction)
        .filter(
            Q(reporter_email__iexact=email)
            | Q(
                pk__in=ServiceRequest.objects.filter(
                    followers__email__iexact=email, followers__active=True
                ).values("pk")
            )
        )
        .select_related("service")
        .order_by("-requested_datetime", "-pk")[:200]
    )
    tz = jurisdiction.tz
    return [
        {
            "number": sr.service_request_id,
            "service": sr.service.translated("service_name"),
            "status_label": sr.get_status_code_display(),
            "open": sr.status == OPEN,
            "public": sr.public,
            "requested": timezone.localtime(sr.requested_datetime, tz),
            "address": sr.address,
        }
        for sr in qs
    ]


@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """Signed in (the session holds a verified email): the list. Else: the form that mails a link."""
    jurisdiction = jurisdictions.default_or_404()
    email = request.session.get(SESSION_EMAIL)
    if request.method == "GET":
        if email:
            mine_context = {
                "jurisdiction": jurisdiction,
                "email": email,
                "items": _my_requests(jurisdiction, email),
            }
            response = render(request, "portal/mine.html", mine_context)
            response["Cache-Control"] = "private, no-store"
            return response
        return render(request, "portal/mine_sign_in.html", {"jurisdiction": jurisdiction})
    raw = request.POST.get("email", "").strip()
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "value": raw[: TEXT_FIELD_MAX + 1]}
    try:
        if len(raw) > 254 or CONTROL_CHARS.search(raw):
            raise ValidationError("too long or control characters")
        validate_email(raw)
    except ValidationError:
        context["error"] = _("Enter your email address, like name@example.org.")
        return render(request, "portal/mine_sign_in.html", context, status=400)
    if throttle.over_limit("sign-in", throttle.client_hash(request), community.SIGN_IN_LIMIT):
        context["error"] = throttle.limit_message(community.SIGN_IN_LIMIT)
        return render(request, "portal/mine_sign_in.html", context, status=429)
    # Mailed whether or not the address has requests: the page says the same either way. Past the
    # per-address limit nothing more is mailed, and the page still says the same.
    if not throttle.over_limit("sign-in-email", raw.lower(), community.SIGN_IN_EMAIL_LIMIT):
        token = community.make_sign_in_token(raw)
        link = settings.PUBLIC_BASE_URL + reverse("portal:mine_sign_in", args=[token])
        mail_context = {
            "jurisdiction": jurisdiction,
            "link": link,
            "minutes": community.SIGN_IN_MAX_AGE // 60,
        }
        subject = render_to_string("portal/email/sign_in_subject.txt", mail_context).strip()
        body = render_to_string("portal/email/sign_in.txt", mail_context)
        send_mail(subject, body, None, [raw])
    return render(request, "portal/mine_sent.html", {"jurisdiction": jurisdiction, "email": raw})


@require_http_methods(["GET", "POST"])
def mine_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. GET asks to confirm (mail scanners follow links; they do not press
    buttons), POST spends the token and signs in."""
    jurisdiction = jurisdictions.default_or_404()
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "token": token}
    if len(token) > 500:
        context["error"] = _("This sign-in link is not valid. Ask for a new one below.")
        return render(request, "portal/mine_sign_in.html", context, status=400)
    if request.method == "GET":
        try:  # said at once when the link cannot work; spent only by the button
            community.check_sign_in_token(token)
        except community.BadToken as exc:
            context["error"] = str(exc)
            return render(request, "portal/mine_sign_in.html", context, status=400)
        return render(request, "portal/mine_confirm.html", context)
    try:
        email = community.use_sign_in_token(token)
    except community.BadToken as exc:
        context["error"] = str(exc)
        return render(request, "portal/mine_sign_in.html", context, status=400)
    request.session.cycle_key()
    request.session[SESSION_EMAIL] = email
    return redirect("portal:mine")


@require_POST
def mine_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_EMAIL, None)
    request.session.cycle_key()
    messages.info(request, _("You are signed out."))
    return redirect("portal:mine")


urlpatterns: list[URLPattern] = [
    path("me/", mine, name="mine"),
    path("me/sign-in/<str:token>", mine_sign_in, name="mine_sign_in"),
    path("me/sign-out", mine_sign_out, name="mine_sign_out"),
]
