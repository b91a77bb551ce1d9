"""Building an email from a Delivery: its context read from the database at send time, rendered from the
templates of the delivery's language (notify/email/<language>/<kind>.txt, .html and _subject.txt), plain
text with an HTML alternative, an unsubscribe link and List-Unsubscribe headers (RFC 2369 and 8058).

`build()` answers None when there is nothing to send any more: the follower unsubscribed, the alert was
paused, the request became private.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from civic311.notify.email import tokens
from civic311.notify.models import AreaAlert, Delivery
from civic311.servicerequests.choices import Status
from civic311.servicerequests.models import Event, Follower, ServiceRequest

# The status words of our Spanish and Polish emails ("solicitud" is feminine, "zgłoszenie" neuter). The
# statuses' gettext labels are not in the shared catalogs; these keep every email whole in its language.
STATUS_WORDS: dict[str, dict[str, str]] = {
    "es": {
        Status.NEW: "Recibida",
        Status.ACKNOWLEDGED: "Confirmada",
        Status.IN_PROGRESS: "En curso",
        Status.SCHEDULED: "Programada",
        Status.FIXED: "Resuelta",
        Status.CLOSED: "Cerrada",
        Status.DUPLICATE: "Duplicada",
        Status.REFERRED: "Remitida a otro organismo",
        Status.NOT_RESPONSIBLE: "No es competencia de la ciudad",
        Status.NO_FURTHER_ACTION: "Sin más actuaciones",
        Status.CANCELLED: "Cancelada",
    },
    "pl": {
        Status.NEW: "Przyjęte",
        Status.ACKNOWLEDGED: "Potwierdzone",
        Status.IN_PROGRESS: "W realizacji",
        Status.SCHEDULED: "Zaplanowane",
        Status.FIXED: "Naprawione",
        Status.CLOSED: "Zamknięte",
        Status.DUPLICATE: "Duplikat innego zgłoszenia",
        Status.REFERRED: "Przekazane innej instytucji",
        Status.NOT_RESPONSIBLE: "Poza kompetencjami miasta",
        Status.NO_FURTHER_ACTION: "Bez dalszych działań",
        Status.CANCELLED: "Anulowane",
    },
}

FOLLOWER_KINDS = ("confirmation", "status", "note", "closed")
ALERT_KINDS = ("alert", "digest", "alert_confirm")
KINDS = FOLLOWER_KINDS + ALERT_KINDS


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def tracking_url(request: ServiceRequest) -> str:
    return absolute(f"/track/{request.service_request_id}")


def unsubscribe_url(kind: str, pk: int) -> str:
    return absolute(reverse("notify:unsubscribe", args=[tokens.unsubscribe_token(kind, pk)]))


def survey_url(follower: Follower) -> str:
    return absolute(reverse("notify:survey", args=[tokens.survey_token(follower.pk)]))


def confirm_url(alert: AreaAlert) -> str:
    return absolute(reverse("notify:alert_confirm", args=[tokens.confirm_token(alert.pk)]))


def status_word(code: str, language: str) -> str:
    """A status in the email's language."""
    if code not in Status.values:
        return ""
    return STATUS_WORDS.get(language, {}).get(code) or str(Status(code).label)


def request_summary(request: ServiceRequest, language: str) -> dict[str, Any]:
    """What a resident may read of a request (never anyone's contact details)."""
    return {
        "number": request.service_request_id,
        "service": request.service.translated("service_name", language),
        "address": request.address,
        "status": status_word(request.status_code, language),
        "url": tracking_url(request),
    }


def _follower_context(delivery: Delivery) -> dict[str, Any] | None:
    follower = (
        Follower.objects.select_related("request__service", "request__jurisdiction")
        .filter(pk=delivery.payload.get("follower"))
        .first()
    )
    if follower is None or not follower.active or not follower.email:
        return None
    request = follower.request
    event: Event | None = delivery.event
    context: dict[str, Any] = {
        "request": request_summary(request, delivery.language),
        "name": follower.name.split(" ")[0] if follower.name else "",
        "unsubscribe_url": unsubscribe_url("f", follower.pk),
        "jurisdiction": request.jurisdiction.name,
    }
    if event is not None:
        status = (event.data or {}).get("to") or event.status_code
        context["event_status"] = status_word(status, delivery.language)
        context["note"] = "" if event.redacted_at else event.note
    if delivery.kind == "closed":
        link = survey_url(follower)
        context["survey_url"] = link
        context["scores"] = [(n, f"{link}?score={n}") for n in range(1, 6)]
    return context


def _alert_context(delivery: Delivery) -> dict[str, Any] | None:
    alert = (
        AreaAlert.objects.select_related("jurisdiction", "district")
        .filter(pk=delivery.payload.get("alert"))
        .first()
    )
    if alert is None or not alert.active:
        return None
    if delivery.kind != "alert_confirm" and not alert.confirmed:
        return None
    context: dict[str, Any] = {
        "jurisdiction": alert.jurisdiction.name,
        "area": alert.district.name if alert.district else None,
        "radius_m": alert.radius_m,
        "unsubscribe_url": unsubscribe_url("a", alert.pk),
        "frequency": alert.frequency,
    }
    if delivery.kind == "alert_confirm":
        context["confirm_url"] = confirm_url(alert)
        context["new_requests"], context["closures"] = alert.new_requests, alert.closures
        return context

    def public(pks) -> list[dict[str, Any]]:
        found = (
            ServiceRequest.objects.public()
            .select_related("service")
            .filter(pk__in=pks, service__private=False)
        )
        by_pk = {r.pk: r for r in found}
        return [request_summary(by_pk[pk], delivery.language) for pk in pks if pk in by_pk]

    if delivery.kind == "alert":
        items = public([delivery.payload.get("request")])
        if not items:
            return None
        context["request"] = items[0]
        context["what"] = delivery.payload.get("what")
        return context
    context["new"] = public(delivery.payload.get("new", []))
    context["closed"] = public(delivery.payload.get("closed", []))
    if not (context["new"] or context["closed"]):
        return None
    return context


def build(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The message of a delivery, or None if it must not be sent any more."""
    if delivery.kind not in KINDS:
        raise ValueError(f"No email template for kind {delivery.kind!r}")
    language = delivery.language if delivery.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    delivery.language = language  # in memory only: the context below reads it
    with translation.override(language):
        context = _follower_context(delivery) if delivery.kind in FOLLOWER_KINDS else _alert_context(delivery)
        if context is None:
            return None
        context["language"] = language
        base = f"notify/email/{language}/{delivery.kind}"
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[delivery.address],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": language,
            "Auto-Submitted": "auto-generated",
            # Lets a support desk find the delivery; mail servers also use it against duplicates.
            "X-Civic311-Delivery": delivery.key,
        },
    )
    message.attach_alternative(html, "text/html")
    return message
