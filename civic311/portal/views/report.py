"""Reporting a problem: one page, in order — where, what (category), the service's questions, photos,
"is it one of these?", contact — that works without JavaScript (report.js enhances it).

Without JavaScript the page is a form the server re-renders: "Search" filters the categories,
"Continue" shows the chosen service's questions and the open requests nearby, "Send" files it.
With JavaScript the questions and the nearby requests load in place and photos shrink in the browser.

Private services (e.g. a wellness check) are not listed or found by the search, since the public
list is what anyone sees; they are reportable at /report/?service=CODE (a link the city gives), and
their requests stay private (never offered as "is it one of these?").

Never sent twice: the form carries a `draft_key` (a UUID); portal.models.Submission remembers which
request each key became, and a repeated POST answers with that request and creates nothing.
"""

import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic311.accounts import throttle
from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.districts import district_ids_at, has_districts
from civic311.geo.geocoder import get_geocoder
from civic311.portal import community
from civic311.portal.forms import MAX_PHOTOS, ReportForm
from civic311.portal.models import Submission
from civic311.portal.views.home import map_settings
from civic311.routing import estimates
from civic311.servicerequests import actions, photos, plain
from civic311.servicerequests.choices import OPEN, Channel, FollowerReason
from civic311.servicerequests.intake import (
    CONTROL_CHARS,
    Contact,
    FieldError,
    Location,
    RequestRejected,
    clean_text,
    parse_coordinate,
)
from civic311.servicerequests.models import ServiceRequest

NEARBY_METRES = 200
NEARBY_DAYS = 30
NEARBY_LIMIT = 5
MAX_QUERY = 100


def with_texts(service: Service | None) -> Service | None:
    """Templates cannot call translated(field): the resident's texts ride along as attributes."""
    if service is not None:
        setattr(service, "name_text", service.translated("service_name"))  # noqa: B010 (not a model field)
        setattr(service, "description_text", service.translated("description"))  # noqa: B010
    return service


def grouped(services) -> list[tuple[str, list[Service]]]:
    groups: dict[str, list[Service]] = {}
    for service in services:
        with_texts(service)
        groups.setdefault(service.translated("group") or gettext("Other"), []).append(service)
    return list(groups.items())


def _service(jurisdiction: Jurisdiction, code: str) -> Service | None:
    if not code or CONTROL_CHARS.search(code):
        return None
    return with_texts(
        Service.objects.filter(jurisdiction=jurisdiction, service_code=code[:40]).offered().first()
    )


def nearby_requests(service: Service | None, lat: float | None, long: float | None) -> list[ServiceRequest]:
    """Open public requests of the same service within NEARBY_METRES, filed in the last NEARBY_DAYS."""
    if service is None or lat is None or long is None or service.private:
        return []
    since = timezone.now() - timedelta(days=NEARBY_DAYS)
    rows = list(
        ServiceRequest.objects.public()
        .open()
        .filter(service=service, requested_datetime__gte=since)
        .near(lat, long, NEARBY_METRES)
        .nearest_first()[:NEARBY_LIMIT]
    )
    for row in rows:
        row.distance_m = row.metres_from(lat, long)
    return rows


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _tracking_url(request: HttpRequest, number: str) -> str:
    return request.build_absolute_uri(f"/track/{number}")


def _answer_submission(request: HttpRequest, submission: Submission, *, created: bool) -> HttpResponse:
    number = submission.request.service_request_id
    if _wants_json(request):
        body: dict[str, object] = {
            "service_request_id": number,
            "tracking_url": _tracking_url(request, number),
        }
        if submission.me_too:
            body["me_too"] = True
        return JsonResponse(body, status=201 if created else 200)
    return redirect("portal:report_sent", draft_key=submission.draft_key)


def _json_errors(form: ReportForm) -> JsonResponse:
    errors = {name: [str(m) for m in messages_] for name, messages_ in form.errors.items()}
    return JsonResponse({"errors": errors}, status=400)


def _context(request, jurisdiction, form, service, query="", **extra) -> dict:
    services = Service.objects.listed(jurisdiction).search(query)
    lat = form.cleaned_data.get("lat") if form.is_bound and hasattr(form, "cleaned_data") else None
    long = form.cleaned_data.get("long") if form.is_bound and hasattr(form, "cleaned_data") else None
    context = {
        "jurisdiction": jurisdiction,
        "form": form,
        "service": service,
        "query": query,
        "groups": grouped(services),
        "found_count": len(services),
        "nearby": nearby_requests(service, lat, long),
        "max_photos": MAX_PHOTOS,
        "nearby_metres": NEARBY_METRES,
        **map_settings(),
    }
    context.update(extra)
    return context


def _render(request, context, status=200) -> HttpResponse:
    context["error_summary"] = context["form"].annotate()
    return render(request, "portal/report.html", context, status=status)


def _check_photos(form: ReportForm, uploads) -> list:
    """Each upload checked (type, size, decompression bombs) through photos.py; errors on `photos`."""
    if len(uploads) > MAX_PHOTOS:
        form.add_error("photos", gettext("Send at most %(count)d photos.") % {"count": MAX_PHOTOS})
        return []
    ok = []
    for upload in uploads:
        try:
            photos.check_upload(upload)
        except photos.PhotoRejected as exc:
            form.add_error("photos", gettext("This photo cannot be accepted: %(reason)s") % {"reason": exc})
            continue
        ok.append(upload)
    return ok


def _photo_position(uploads) -> tuple[float, float] | None:
    for upload in uploads:
        try:
            gps = photos.process(upload).gps
        except photos.PhotoRejected:
            continue
        finally:
            upload.seek(0)
        if gps is not None:
            return gps
    return None


def _inside_city(jurisdiction: Jurisdiction, lat: float, long: float) -> bool:
    # Polygons only: districts known by their code alone (an import's) say nothing about where the city ends.
    if not has_districts(jurisdiction.pk):
        return True
    return bool(district_ids_at(jurisdiction.pk, lat, long))


@require_http_methods(["GET", "POST"])
def report_start(request: HttpRequest) -> HttpResponse:
    jurisdiction = jurisdictions.default_or_404()
    data = request.POST if request.method == "POST" else request.GET
    query = clean_text(data.get("q", "")[:MAX_QUERY])
    service = _service(jurisdiction, data.get("service", ""))
    if request.method == "GET":
        initial = {"draft_key": uuid.uuid4(), "service": service.service_code if service else ""}
        form = ReportForm(initial=initial, service=service)
        return _render(request, _context(request, jurisdiction, form, service, query))

    action = "me_too" if request.POST.get("me_too") else request.POST.get("action", "submit")
    # A draft sent before answers with what it became, whatever else it carries.
    key = _draft_key(request.POST.get("draft_key", ""))
    if key is not None:
        existing = Submission.objects.select_related("request").filter(draft_key=key).first()
        if existing is not None:
            return _answer_submission(request, existing, created=False)
    post = request.POST.copy()
    if not post.get("draft_key") or key is None:
        post["draft_key"] = str(uuid.uuid4()) if key is None else str(key)
    form = ReportForm(post, service=service)
    form.is_valid()
    if request.POST.get("draft_key", "").strip() and key is None:
        form.add_error(None, gettext("This form is damaged (its draft key is wrong): reload the page."))
    if request.POST.get("service") and service is None:
        form.add_error("service", gettext("Choose one of the listed problems."))
    if action == "search":
        return _render(request, _context(request, jurisdiction, form, service, query, searched=True))
    _check_location(form, jurisdiction)
    if action == "continue":
        if service is None and "service" not in form.errors:
            form.add_error("service", gettext("Choose what kind of problem it is."))
        status = 400 if form.errors else 200
        return _render(request, _context(request, jurisdiction, form, service, query, continued=True), status)
    if action == "me_too":
        return _me_too(request, jurisdiction, form, service, query)

    uploads = request.FILES.getlist("photos")
    form.check_complete()
    uploads = _check_photos(form, uploads)
    cleaned = form.cleaned_data
    if cleaned.get("lat") is None and not cleaned.get("address") and uploads and "lat" not in form.errors:
        position = _photo_position(uploads)
        if position is not None and _inside_city(jurisdiction, *position):
            return _offer_photo_position(request, jurisdiction, form, service, query, position)
    if form.errors or service is None:  # check_complete() has said why when service is None
        return _invalid(request, jurisdiction, form, service, query)
    who = throttle.client_hash(request)
    if throttle.over_limit("report", who, community.REPORT_LIMIT):
        return _too_many(request, jurisdiction, form, service, query, who)
    return _submit(request, form, service, uploads, key)


def _too_many(request, jurisdiction, form, service, query, who: str) -> HttpResponse:
    """429, the form as the resident filled it in, and when to send it again (Retry-After too: the
    offline drafts wait for it)."""
    wait = throttle.wait_seconds("report", who, community.REPORT_LIMIT)
    form.add_error(None, throttle.try_again_message(community.REPORT_LIMIT, wait))
    if _wants_json(request):
        response: HttpResponse = _json_errors(form)
        response.status_code = 429
    else:
        response = _render(request, _context(request, jurisdiction, form, service, query), status=429)
    response["Retry-After"] = str(wait)
    return response


def _draft_key(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip()[:60]) if raw.strip() else None
    except ValueError:
        return None


def _check_location(form: ReportForm, jurisdiction: Jurisdiction) -> None:
    """A typed place is geocoded and shown back; a point outside the city is refused, clearly."""
    if not hasattr(form, "cleaned_data") or "lat" in form.errors:
        return
    data = form.cleaned_data
    lat, long, address = data.get("lat"), data.get("long"), data.get("address", "").strip()
    if lat is None and address:
        place = get_geocoder().geocode(jurisdiction, address)
        if place is None:
            form.add_error(
                "address",
                gettext(
                    "We could not find “%(address)s”. Check the spelling, add the street number, "
                    "or pick the place on the map."
                )
                % {"address": address[:100]},
            )
            return
        data["lat"], data["long"], data["address"] = place.lat, place.long, place.address
        form.found_place = place
        lat, long = place.lat, place.long
    if lat is not None and long is not None and not _inside_city(jurisdiction, lat, long):
        form.add_error(
            "lat",
            gettext("This place (%(lat)s, %(long)s) is outside the area %(city)s serves.")
            % {"lat": round(lat, 5), "long": round(long, 5), "city": jurisdiction.name},
        )


def _invalid(request, jurisdiction, form, service, query) -> HttpResponse:
    if _wants_json(request):
        return _json_errors(form)
    return _render(request, _context(request, jurisdiction, form, service, query), status=400)


def _offer_photo_position(request, jurisdiction, form, service, query, position) -> HttpResponse:
    lat, long = position
    if _wants_json(request):
        return JsonResponse(
            {
                "errors": {"address": [gettext("Tell us where the problem is.")]},
                "photo_position": {"lat": lat, "long": long},
            },
            status=400,
        )
    post = form.data.copy()
    post["lat"], post["long"] = f"{lat:.6f}", f"{long:.6f}"
    place = get_geocoder().reverse(jurisdiction, lat, long)
    if place is not None:
        post["address"] = place.address
    new_form = ReportForm(post, service=service)
    new_form.is_valid()
    context = _context(
        request, jurisdiction, new_form, service, query, photo_position=position, photo_place=place
    )
    return _render(request, context, status=200)


def _contact(form: ReportForm) -> Contact:
    data = form.cleaned_data
    return Contact(
        email=data.get("email") or "",
        phone=(data.get("phone") or "").strip(),
        first_name=(data.get("name") or "").strip(),
        language=(get_language() or "").split("-")[0],
    )


def _remember(key: uuid.UUID, sr: ServiceRequest, *, me_too: bool = False) -> Submission:
    """Record that this draft made this request; call inside the transaction that made it. When the same
    draft raced in twice, the INSERT fails (PostgreSQL waits for the first transaction, then refuses;
    SQLite's writers queue) and the caller's whole transaction — the second request with it — rolls back:
    see _first_submission."""
    return Submission.objects.create(draft_key=key, request=sr, me_too=me_too)


def _first_submission(key: uuid.UUID) -> Submission | None:
    return Submission.objects.select_related("request").filter(draft_key=key).first()


def _submit(request, form: ReportForm, service: Service, uploads, key) -> HttpResponse:
    data = form.cleaned_data
    key = data.get("draft_key") or key or uuid.uuid4()
    new = actions.NewRequest(
        service=service,
        location=Location(lat=data.get("lat"), long=data.get("long"), address=data.get("address") or ""),
        description=data.get("description") or "",
        answers=form.answers(),
        contact=_contact(form),
        photos=uploads,
        follow=bool(data.get("updates")),
    )
    try:
        with transaction.atomic():
            sr = actions.submit_request(new, actions.Actor(channel=Channel.WEB))
            submission = _remember(key, sr)
    except RequestRejected as exc:
        form.add_domain_errors(exc.errors)
        return _invalid(request, service.jurisdiction, form, service, request.POST.get("q", ""))
    except IntegrityError:
        first = _first_submission(key)
        if first is None:  # not the draft's key that clashed
            raise
        return _answer_submission(request, first, created=False)
    return _answer_submission(request, submission, created=True)


def _me_too(request, jurisdiction, form, service, query) -> HttpResponse:
    number = clean_text(request.POST.get("me_too", "")[:40])
    data = form.cleaned_data
    target = None
    if service is not None:
        candidates = nearby_requests(service, data.get("lat"), data.get("long"))
        target = next((r for r in candidates if r.service_request_id == number), None)
    if target is None:
        target = (
            ServiceRequest.objects.public()
            .filter(jurisdiction=jurisdiction, service_request_id=number, status=OPEN)
            .first()
        )
    if target is None:
        form.add_error(None, gettext("That request is not open any more; you can report the problem as new."))
        return _invalid(request, jurisdiction, form, service, query)
    contact = _contact(form)
    if not (contact.email or contact.phone):
        if "email" not in form.errors:
            form.add_error(
                "email",
                gettext("To add you to %(number)s, give an email or a phone number for the updates.")
                % {"number": target.service_request_id},
            )
        return _invalid(request, jurisdiction, form, service, query)
    if "email" in form.errors or "phone" in form.errors:
        return _invalid(request, jurisdiction, form, service, query)
    key = data.get("draft_key") or uuid.uuid4()
    try:
        with transaction.atomic():
            actions.add_follower(
                target,
                actions.Actor(channel=Channel.WEB),
                email=contact.email,
                phone=contact.phone,
                name=contact.first_name,
                language=contact.language,
                reason=FollowerReason.ME_TOO,
            )
            submission = _remember(key, target, me_too=True)
    except RequestRejected as exc:
        form.add_domain_errors(exc.errors)
        return _invalid(request, jurisdiction, form, service, query)
    except IntegrityError:
        first = _first_submission(key)
        if first is None:  # not the draft's key that clashed
            raise
        return _answer_submission(request, first, created=False)
    return _answer_submission(request, submission, created=True)


@require_GET
def report_sent(request: HttpRequest, draft_key: uuid.UUID) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.select_related("request__service"), draft_key=draft_key)
    sr = submission.request
    context = {
        "jurisdiction": sr.jurisdiction,
        "sr": sr,
        "me_too": submission.me_too,
        # Read out letter by letter, a pause between the parts: "S R 2 6, 0 0 0 0 0 1, 9".
        "spoken": ", ".join(" ".join(part) for part in sr.service_request_id.split("-")),
        "track_path": f"/track/{sr.service_request_id}",
        "service_name": sr.service.translated("service_name"),
        "tile_url": "",
        "typical": plain.typical_time(estimates.for_request(sr)),
    }
    return render(request, "portal/report_sent.html", context)


@require_GET
def places(request: HttpRequest) -> JsonResponse:
    """Address suggestions for the location box: [{"address", "lat", "long"}]."""
    jurisdiction = jurisdictions.default_or_404()
    text = clean_text(request.GET.get("q", "")[:MAX_QUERY])
    found = get_geocoder().suggest(jurisdiction, text, limit=8) if len(text) >= 2 else []
    return JsonResponse({"places": [{"address": p.address, "lat": p.lat, "long": p.long} for p in found]})


@require_GET
def services_json(request: HttpRequest) -> JsonResponse:
    """The listed services (all, or those a search finds), in the active language, for report.js."""
    jurisdiction = jurisdictions.default_or_404()
    query = clean_text(request.GET.get("q", "")[:MAX_QUERY])
    found = Service.objects.listed(jurisdiction).search(query)
    items = [
        {
            "service_code": s.service_code,
            "service_name": s.translated("service_name"),
            "description": s.translated("description"),
            "group": s.translated("group"),
            "anonymous_allowed": s.anonymous_allowed,
        }
        for s in found
    ]
    return JsonResponse({"services": items})


@require_GET
def questions(request: HttpRequest, code: str) -> HttpResponse:
    """The service's questions as a form fragment (report.js swaps it in when a category is chosen)."""
    jurisdiction = jurisdictions.default_or_404()
    service = _service(jurisdiction, code)
    if service is None:
        raise Http404("No such service")
    form = ReportForm(service=service)
    return render(request, "portal/partials/report_questions.html", {"form": form, "service": service})


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    """The "is it one of these?" fragment for a service and a point."""
    jurisdiction = jurisdictions.default_or_404()
    service = _service(jurisdiction, request.GET.get("service", ""))
    errors: list[FieldError] = []
    lat = parse_coordinate(request.GET.get("lat"), "lat", -90, 90, errors)
    long = parse_coordinate(request.GET.get("long"), "long", -180, 180, errors)
    if errors:
        return HttpResponse(gettext("Bad coordinates."), status=400, content_type="text/plain; charset=utf-8")
    context = {"nearby": nearby_requests(service, lat, long), "nearby_metres": NEARBY_METRES}
    return render(request, "portal/partials/report_nearby.html", context)


@require_POST
def photo_location(request: HttpRequest) -> JsonResponse:
    """Where a photo was taken (its GPS, read before the EXIF is stripped), for report.js to offer."""
    jurisdiction = jurisdictions.default_or_404()
    upload = request.FILES.get("photo")
    if upload is None:
        return JsonResponse({"error": gettext("Send a photo.")}, status=400)
    try:
        gps = photos.process(upload).gps
    except photos.PhotoRejected as exc:
        return JsonResponse(
            {"error": gettext("This photo cannot be accepted: %(reason)s") % {"reason": exc}}, status=400
        )
    if gps is None or not _inside_city(jurisdiction, *gps):
        return JsonResponse({"position": None})
    place = get_geocoder().reverse(jurisdiction, *gps)
    return JsonResponse(
        {"position": {"lat": gps[0], "long": gps[1], "address": place.address if place else ""}}
    )


urlpatterns: list[URLPattern] = [
    path("report/", report_start, name="report_start"),
    path("report/sent/<uuid:draft_key>/", report_sent, name="report_sent"),
    path("report/places", places, name="report_places"),
    path("report/services.json", services_json, name="report_services"),
    path("report/questions/<str:code>/", questions, name="report_questions"),
    path("report/nearby", nearby, name="report_nearby"),
    path("report/photo-location", photo_location, name="report_photo_location"),
]
