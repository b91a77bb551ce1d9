"""Provider webhooks: an inbound text (/sms/twilio/inbound) and the voice line (/voice/twilio/…).

Each is signed by the provider (X-Twilio-Signature over PUBLIC_BASE_URL + path and the POST fields): an
unsigned or wrongly signed request is refused with 403 before anything is read or stored. Answers are TwiML.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civic311.catalog.models import Jurisdiction
from civic311.lib.phones import e164
from civic311.notify.sms import optouts
from civic311.servicerequests.intake import CONTROL_CHARS
from civic311.servicerequests.plain import describe, find_public
from civic311.sms import conversation, twiml
from civic311.sms.models import Conversation, Message
from civic311.sms.twilio import is_signed

# A webhook is a few form fields: anything larger is not one (Twilio's own bodies stay under 10 kB).
MAX_WEBHOOK_BYTES = 64 * 1024
MAX_MEDIA = 10  # Twilio sends at most 10 media per message
RATE_LIMIT = 20  # messages per number …
RATE_WINDOW = timedelta(minutes=10)  # … in this window
PHONE = re.compile(r"^\+?[0-9]{3,20}$")
SID = re.compile(r"^[A-Za-z0-9]{10,64}$")


def _plain(text: str, limit: int) -> str:
    return CONTROL_CHARS.sub("", text)[:limit]


def _refuse(status: int, reason: str) -> HttpResponse:
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


def _checked(request: HttpRequest) -> HttpResponse | None:
    """403 unless signed; 413 when oversized. Runs before request.POST is read for anything else."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "Bad Content-Length")
    if length > MAX_WEBHOOK_BYTES:
        return _refuse(413, "Webhook too large")
    if not is_signed(request):
        return _refuse(403, "Invalid or missing X-Twilio-Signature")
    return None


def _media(post) -> list[tuple[str, str]]:
    try:
        count = min(int(post.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    found = []
    for n in range(max(count, 0)):
        url = _plain(post.get(f"MediaUrl{n}", ""), 1000).strip()
        kind = _plain(post.get(f"MediaContentType{n}", ""), 100).strip()
        if url:
            found.append((url, kind))
    return found


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    if refused := _checked(request):
        return refused
    post = request.POST
    phone = e164(post.get("From", "")) if PHONE.match(post.get("From", "").strip()) else ""
    sid = post.get("MessageSid", "") or post.get("SmsSid", "")
    if not PHONE.match(phone) or not SID.match(sid):
        return _refuse(400, "From must be a phone number and MessageSid a message id")
    jurisdiction = Jurisdiction.objects.default()
    if jurisdiction is None:
        return _refuse(503, "No city is set up yet")
    body = _plain(post.get("Body", ""), 10_000)
    media = _media(post)
    if previous := Message.objects.filter(sid=sid).first():
        return twiml.response(previous.reply)  # the provider's retry: the same answer, nothing new
    try:
        with transaction.atomic():
            message = Message.objects.create(
                sid=sid, phone=phone, body=body[:2000], num_media=len(media), created_at=timezone.now()
            )
            recent = Message.objects.filter(phone=phone, created_at__gte=timezone.now() - RATE_WINDOW).count()
            if recent > RATE_LIMIT:
                conv = Conversation.objects.filter(phone=phone).first()
                with translation.override(conv.language if conv else "en"):
                    reply = twiml.message(
                        None
                        if optouts.is_stopped(phone)
                        else gettext(
                            "You have sent many messages in a short time. Please wait a few minutes."
                        )
                    )
            else:
                conv, _ = Conversation.objects.select_for_update().get_or_create(phone=phone)
                outcome = conversation.handle(
                    conv, jurisdiction, conversation.Inbound(body=body, media=media)
                )
                conv.updated_at = timezone.now()
                conv.save()
                reply = twiml.message(outcome.reply)
                message.request_number = outcome.request_number
            message.reply = reply
            message.save(update_fields=["reply", "request_number"])
    except IntegrityError:
        # The same MessageSid delivered twice at once: the first one's answer.
        previous = Message.objects.filter(sid=sid).first()
        return twiml.response(previous.reply if previous else twiml.message(None))
    return twiml.response(reply)


# Voice --------------------------------------------------------------------------------------------------

VOICE_LANGUAGES = ("en", "es")


def _voice_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", "en")
    return language if language in VOICE_LANGUAGES else "en"


def _menu(voice: twiml.Voice, language: str, lead: str = "") -> twiml.Voice:
    prompt = gettext(
        "To hear the status of a request, enter its number on the keypad, digits only, then press the pound "
        "key. To speak with someone, press 0."
    )
    if language == "en":
        with translation.override("es"):
            prompt += " " + gettext("For Spanish, press 9.")
    voice.gather(f"/voice/twilio/status?lang={language}", (lead + " " + prompt).strip())
    voice.say(gettext("We did not hear anything. Goodbye."))
    return voice


@csrf_exempt
@require_POST
def voice_inbound(request: HttpRequest) -> HttpResponse:
    if refused := _checked(request):
        return refused
    language = _voice_language(request)
    jurisdiction = Jurisdiction.objects.default()
    with translation.override(language):
        voice = twiml.Voice(language)
        name = jurisdiction.name if jurisdiction else ""
        return twiml.response(
            _menu(voice, language, gettext("Welcome to %(city)s 311.") % {"city": name}).xml()
        )


def _spoken_number(number: str) -> str:
    """'SR26-000123-4' read digit by digit: 'S R 2 6, 0 0 0 1 2 3, 4'."""
    return ", ".join(" ".join(part) for part in number.split("-"))


@csrf_exempt
@require_POST
def voice_status(request: HttpRequest) -> HttpResponse:
    if refused := _checked(request):
        return refused
    language = _voice_language(request)
    digits = request.POST.get("Digits", "").strip().rstrip("#")
    jurisdiction = Jurisdiction.objects.default()
    if digits == "9" and language != "es":
        with translation.override("es"):
            return twiml.response(_menu(twiml.Voice("es"), "es").xml())
    with translation.override(language):
        voice = twiml.Voice(language)
        if digits == "0":
            if settings.CALL_CENTRE_NUMBER:
                voice.say(gettext("Connecting you with the call centre."))
                voice.dial(settings.CALL_CENTRE_NUMBER)
            else:
                voice.say(gettext("Sorry, no one can take your call now. Please call again later."))
            return twiml.response(voice.xml())
        if not digits.isascii() or not digits.isdigit() or len(digits) > 20 or jurisdiction is None:
            lead = gettext("That was not a request number.") if digits else ""
            return twiml.response(_menu(voice, language, lead).xml())
        sr = find_public(jurisdiction, digits)
        if sr is None:
            lead = gettext("We found no request with the number %(digits)s.") % {"digits": " ".join(digits)}
            return twiml.response(_menu(voice, language, lead).xml())
        said = describe(sr, link=False).replace(sr.service_request_id, _spoken_number(sr.service_request_id))
        lead = gettext("Request %(status)s") % {"status": said}
        return twiml.response(_menu(voice, language, lead + " " + gettext("For another request:")).xml())
