"""Public pages of notifications, opened from links in our emails (no login: the signed token is the
proof) and the area-alert subscription form.

    /notify/unsubscribe/<token>   stop a follow's or an alert's emails (GET asks, POST does; RFC 8058
                                  one-click POSTs from mail clients work too); idempotent
    /notify/survey/<token>        the closure survey: 1 to 5 and an optional comment; answering again updates
    /notify/alerts/               subscribe to area alerts (double opt-in: a confirmation email)
    /notify/alerts/confirm/<token>  turn an alert on

Bad input (a forged or expired token, a score of 7, a 10,000-character comment, NUL bytes) is answered
with a clear message and a 400, and nothing is stored.
"""

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from civic311.accounts.throttle import Limit, client_hash, limit_message, over_limit
from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import District
from civic311.notify import alerts
from civic311.notify.audience import follower_language, language_of
from civic311.notify.email import tokens
from civic311.notify.models import (
    ALERT_MAX_RADIUS_M,
    ALERT_MIN_RADIUS_M,
    AlertFrequency,
    AreaAlert,
    SurveyResponse,
)
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.models import Follower

COMMENT_MAX_LENGTH = 2000
SUBSCRIBE_LIMIT = Limit(5, 3600)  # alert sign-ups per client per hour: nobody's inbox is flooded
SUBSCRIBE_EMAIL_LIMIT = Limit(3, 24 * 3600)  # confirmation emails per address per day


def _has_control_characters(text: str) -> bool:
    return any(ord(c) < 32 and c not in "\r\n\t" for c in text)


def _bad_token(request: HttpRequest, exc: tokens.BadToken, what: str) -> HttpResponse:
    if exc.expired:
        message = _("This link has expired. %(what)s") % {"what": what}
    else:
        message = _("This link is not valid: it may have been cut or changed. %(what)s") % {"what": what}
    return render(request, "notify/bad_link.html", {"message": message}, status=400)


# ------------------------------------------------------------------------------------------ unsubscribe


def _subscription(sub: tokens.Subscription) -> Follower | AreaAlert | None:
    if sub.kind == "f":
        return Follower.objects.select_related("request").filter(pk=sub.pk).first()
    return AreaAlert.objects.select_related("district").filter(pk=sub.pk).first()


@csrf_exempt  # the signed token is the proof; RFC 8058 one-click POSTs come from mail clients without a form
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        sub = tokens.read_unsubscribe_token(token)
    except tokens.BadToken as exc:
        return _bad_token(request, exc, _("Use the link of a more recent email, or contact us."))
    target = _subscription(sub)
    if target is None:
        return render(
            request,
            "notify/bad_link.html",
            {"message": _("There is nothing left to unsubscribe from: this subscription no longer exists.")},
            status=404,
        )
    context: dict[str, Any] = {
        "token": token,
        "follower": target if isinstance(target, Follower) else None,
        "alert": target if isinstance(target, AreaAlert) else None,
    }
    if request.method == "GET":
        context["stopped"] = not target.active
        return render(request, "notify/unsubscribe.html", context)
    # Idempotent: a second POST finds it stopped and says the same.
    if isinstance(target, Follower):
        actions.stop_following(target, actions.Actor(channel=Channel.EMAIL), why="unsubscribed")
    else:
        alerts.stop(target)
    context["stopped"] = True
    context["done"] = True
    return render(request, "notify/unsubscribe.html", context)


# ----------------------------------------------------------------------------------------------- survey

SCORES = [
    (1, gettext_lazy("1: very dissatisfied")),
    (2, gettext_lazy("2: dissatisfied")),
    (3, gettext_lazy("3: neither")),
    (4, gettext_lazy("4: satisfied")),
    (5, gettext_lazy("5: very satisfied")),
]


def _survey_errors(score_text: str, comment: str) -> tuple[int | None, dict[str, str]]:
    errors: dict[str, str] = {}
    score = None
    if not score_text:
        errors["score"] = _("Choose a score from 1 to 5.")
    elif not (score_text.isascii() and score_text.isdigit() and 1 <= int(score_text) <= 5):
        errors["score"] = _("The score must be a whole number from 1 to 5.")
    else:
        score = int(score_text)
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = _("The comment is %(length)d characters long; at most %(max)d are allowed.") % {
            "length": len(comment),
            "max": COMMENT_MAX_LENGTH,
        }
    elif _has_control_characters(comment):
        errors["comment"] = _("The comment contains characters that are not allowed.")
    return score, errors


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        follower_pk = tokens.read_survey_token(token)
    except tokens.BadToken as exc:
        return _bad_token(request, exc, _("Thank you all the same."))
    follower = Follower.objects.select_related("request__service").filter(pk=follower_pk).first()
    if follower is None:
        return render(request, "notify/bad_link.html", {"message": _("This survey is closed.")}, status=404)
    sr = follower.request
    existing = SurveyResponse.objects.filter(request=sr, follower=follower).first()
    context: dict[str, Any] = {
        "token": token,
        "number": sr.service_request_id,
        "service": sr.service.translated("service_name"),
        "scores": SCORES,
        "existing": existing,
        "errors": {},
    }
    if request.method == "GET":
        chosen = request.GET.get("score", "")
        context["score"] = (
            int(chosen) if chosen in {"1", "2", "3", "4", "5"} else (existing.score if existing else None)
        )
        context["comment"] = existing.comment if existing else ""
        return render(request, "notify/survey.html", context)
    score_text = request.POST.get("score", "").strip()
    comment = request.POST.get("comment", "").replace("\r\n", "\n").strip()
    score, errors = _survey_errors(score_text, comment)
    if errors:
        context.update(errors=errors, score=score, comment=comment[:COMMENT_MAX_LENGTH])
        return render(request, "notify/survey.html", context, status=400)
    assert score is not None
    now = timezone.now()
    with transaction.atomic():
        response, created = SurveyResponse.objects.select_for_update().get_or_create(
            request=sr,
            follower=follower,
            defaults={
                "score": score,
                "comment": comment,
                "language": follower_language(follower)
                if follower.language or sr.reporter_language
                else language_of(get_language() or ""),
                "created_at": now,
                "updated_at": now,
            },
        )
        if not created:
            response.score, response.comment, response.updated_at = score, comment, now
            response.save(update_fields=["score", "comment", "updated_at"])
    return render(
        request, "notify/survey_thanks.html", {"number": sr.service_request_id, "updated": not created}
    )


# -------------------------------------------------------------------------------------------- alerts


class AlertForm(forms.Form):
    """The subscription form; errors in the visitor's language."""

    email = forms.CharField(max_length=254)
    area = forms.ChoiceField(choices=[("ward", "ward"), ("point", "point")])
    district = forms.CharField(required=False, max_length=20)
    lat = forms.CharField(required=False, max_length=30)
    long = forms.CharField(required=False, max_length=30)
    radius_m = forms.CharField(required=False, max_length=10)
    services = forms.MultipleChoiceField(required=False)
    new_requests = forms.BooleanField(required=False)
    closures = forms.BooleanField(required=False)
    frequency = forms.ChoiceField(choices=AlertFrequency.choices)

    def __init__(self, *args, jurisdiction: Jurisdiction, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        self.wards = list(District.objects.filter(jurisdiction=jurisdiction).order_by("kind", "name"))
        self.public_services = list(
            Service.objects.filter(jurisdiction=jurisdiction, active=True, private=False).order_by(
                "group", "service_name"
            )
        )
        services_field: Any = self.fields["services"]
        services_field.choices = [(s.service_code, s.service_code) for s in self.public_services]
        self.service_options = [
            (s.service_code, s.pk, s.translated("service_name")) for s in self.public_services
        ]
        self.fields["email"].error_messages["required"] = _("Enter your email address.")
        self.fields["frequency"].error_messages["required"] = _("Choose how often to be told.")
        self.fields["frequency"].error_messages["invalid_choice"] = _("Choose how often to be told.")
        self.fields["area"].error_messages["required"] = _("Choose a ward or a point and radius.")
        self.fields["area"].error_messages["invalid_choice"] = _("Choose a ward or a point and radius.")
        self.fields["services"].error_messages["invalid_choice"] = _("Choose services from the list.")
        for name in ("lat", "long", "radius_m", "district", "email"):
            self.fields[name].error_messages["max_length"] = _("This value is too long.")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        try:
            if _has_control_characters(email):
                raise forms.ValidationError("control")
            validate_email(email)
        except forms.ValidationError:
            raise forms.ValidationError(_("Enter a valid email address, like name@example.org.")) from None
        return email

    def _number(self, name: str, low: float, high: float, message: str) -> float | None:
        text = (self.cleaned_data.get(name) or "").strip()
        try:
            value = float(text)
        except ValueError:
            self.add_error(name, message)
            return None
        if not (low <= value <= high) or value != value:
            self.add_error(name, message)
            return None
        return value

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.errors.get("area"):
            return data
        if data.get("area") == "ward":
            code = (data.get("district") or "").strip()
            data["ward"] = next((w for w in self.wards if str(w.pk) == code), None)
            if data["ward"] is None:
                self.add_error("district", _("Choose a ward from the list."))
        elif data.get("area") == "point":
            data["ward"] = None
            data["lat_value"] = self._number("lat", -90, 90, _("Enter a latitude between -90 and 90."))
            data["long_value"] = self._number("long", -180, 180, _("Enter a longitude between -180 and 180."))
            data["radius_value"] = self._number(
                "radius_m",
                ALERT_MIN_RADIUS_M,
                ALERT_MAX_RADIUS_M,
                _("Enter a radius from %(min)d to %(max)d metres.")
                % {"min": ALERT_MIN_RADIUS_M, "max": ALERT_MAX_RADIUS_M},
            )
        if not (data.get("new_requests") or data.get("closures")):
            self.add_error("new_requests", _("Choose new requests, closures or both."))
        return data

    def alert_request(self, language: str) -> alerts.AlertRequest:
        data = self.cleaned_data
        codes = set(data.get("services") or [])
        radius = data.get("radius_value")
        return alerts.AlertRequest(
            jurisdiction=self.jurisdiction,
            email=data["email"],
            language=language,
            district=data.get("ward"),
            lat=data.get("lat_value"),
            long=data.get("long_value"),
            radius_m=int(radius) if radius is not None else None,
            services=[s for s in self.public_services if s.service_code in codes],
            new_requests=bool(data.get("new_requests")),
            closures=bool(data.get("closures")),
            frequency=data["frequency"],
        )


@require_http_methods(["GET", "POST"])
def alerts_subscribe(request: HttpRequest) -> HttpResponse:
    jurisdiction = Jurisdiction.objects.default()
    if jurisdiction is None:
        return render(request, "notify/bad_link.html", {"message": _("No city is set up yet.")}, status=503)
    if request.method == "GET":
        form = AlertForm(
            jurisdiction=jurisdiction,
            initial={"area": "ward", "new_requests": True, "frequency": AlertFrequency.DAILY},
        )
        return render(request, "notify/alerts.html", {"form": form, "jurisdiction": jurisdiction})
    form = AlertForm(request.POST, jurisdiction=jurisdiction)
    status = 400
    if form.is_valid():
        if over_limit("alert-subscribe", client_hash(request), SUBSCRIBE_LIMIT) or over_limit(
            "alert-subscribe-email", form.cleaned_data["email"].lower(), SUBSCRIBE_EMAIL_LIMIT
        ):
            form.add_error(None, limit_message(SUBSCRIBE_LIMIT))
            status = 429
        else:
            alerts.subscribe(form.alert_request(language_of(get_language() or "")))
            return render(request, "notify/alerts_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "notify/alerts.html", {"form": form, "jurisdiction": jurisdiction}, status=status)


@require_http_methods(["GET", "POST"])
def alert_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        alert_pk = tokens.read_confirm_token(token)
    except tokens.BadToken as exc:
        return _bad_token(request, exc, _("Subscribe again to get a new link."))
    alert = AreaAlert.objects.select_related("district").filter(pk=alert_pk).first()
    if alert is None:
        return render(
            request, "notify/bad_link.html", {"message": _("This alert no longer exists.")}, status=404
        )
    if request.method == "POST" and not alert.confirmed:
        alerts.confirm(alert)
        return render(request, "notify/alert_confirm.html", {"alert": alert, "token": token, "done": True})
    return render(request, "notify/alert_confirm.html", {"alert": alert, "token": token})
