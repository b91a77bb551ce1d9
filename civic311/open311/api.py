"""The GeoReport v2 API (and the extensions clients use), at /open311/.

Views are thin: read parameters, call the domain (servicerequests.actions) or the public queries,
render. Errors are raised as ApiError and rendered once, by the handlers at the bottom.
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, NinjaAPI, Query, Schema, UploadedFile
from ninja.errors import ValidationError as NinjaValidationError

from civic311.catalog import cache
from civic311.catalog.choices import ServiceType
from civic311.catalog.models import Service
from civic311.open311 import documents, jurisdictions, keys, queries
from civic311.open311.params import MAX_SPAN, parse_request_filter
from civic311.open311.render import (
    ApiError,
    UnknownFormat,
    check_format,
    error_response,
    format_of,
    respond,
)
from civic311.open311.schemas import (
    SPECIFICATION_URL,
    Discovery,
    Endpoint,
    Error,
    PostRequestOut,
    ServiceDefinition,
    ServiceOut,
    TokenOut,
    UpdatePostedOut,
)
from civic311.servicerequests import actions
from civic311.servicerequests.choices import FIXMYSTREET_TO_STATUS, Channel
from civic311.servicerequests.filters import get, parse_bool, parse_datetime, parse_int, window
from civic311.servicerequests.intake import Contact, FieldError, Location, RequestRejected, parse_coordinate
from civic311.servicerequests.models import Event, ServiceRequest
from civic311.servicerequests.numbers import normalize_number
from civic311.servicerequests.public import (
    RequestOut,
    RequestOutExtended,
    UpdateOut,
    build_request,
    build_update,
    public_rows,
)

# Bumped when the API's behaviour changes, so clients reading discovery can notice.
CHANGESET = "2026-11-24T00:00:00Z"
ATTRIBUTE_PARAM = re.compile(r"^attribute\[([^\]]{1,64})\](\[\])?$")
ERRORS = {400: list[Error], 403: list[Error], 404: list[Error], 413: list[Error]}

api = NinjaAPI(
    title="Civic311 Open311 GeoReport v2",
    version="v2",
    description=(
        "The Open311 GeoReport v2 API with the extensions common clients use (paging, extensions=true, "
        "updated_after, radius and bbox search, FixMyStreet's servicerequestupdates). Every path takes "
        "a .json or .xml suffix; this document describes the JSON form."
    ),
    urls_namespace="open311",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _service(jurisdiction, code: str) -> Service:
    service = cache.service(jurisdiction, code)
    if service is None:
        raise ApiError(404, f"service_code: '{code[:64]}' is not a service here; see services.json")
    return service


# --- discovery --------------------------------------------------------------------------------


@api.get(
    "/discovery.{fmt}", response={200: Discovery, **ERRORS}, tags=["discovery"], summary="Service discovery"
)
def discovery(request: HttpRequest, fmt: str):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    base = settings.PUBLIC_BASE_URL
    document = Discovery(
        changeset=CHANGESET,
        contact=jurisdiction.contact or jurisdiction.name,
        key_service=f"Ask {jurisdiction.contact or jurisdiction.name} for an API key to file requests",
        endpoints=[
            Endpoint(
                specification=SPECIFICATION_URL,
                url=f"{base}/open311/v2",
                changeset=CHANGESET,
                type="production",
                formats=["text/xml", "application/json"],
            )
        ],
    )
    return respond(fmt, "discovery", document)


# --- services ---------------------------------------------------------------------------------


@api.get(
    "/v2/services.{fmt}",
    response={200: list[ServiceOut], **ERRORS},
    tags=["services"],
    summary="The services residents can request",
)
def service_list(request: HttpRequest, fmt: str):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    return documents.respond(request, fmt, documents.service_list(jurisdiction, fmt))


@api.get(
    "/v2/services/{service_code}.{fmt}",
    response={200: ServiceDefinition, **ERRORS},
    tags=["services"],
    summary="A service's questions (service definition)",
)
def service_definition(request: HttpRequest, service_code: str, fmt: str):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    service = _service(jurisdiction, service_code)
    return documents.respond(request, fmt, documents.definition(jurisdiction, fmt, service.service_code))


# --- requests: write --------------------------------------------------------------------------


class PostRequestForm(Schema):
    """Form fields of POST requests.{fmt}. Answers go as attribute[CODE] (attribute[CODE][] for lists)."""

    api_key: str | None = None
    jurisdiction_id: str | None = None
    service_code: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None


def _answers(request: HttpRequest) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for name in request.POST:
        match = ATTRIBUTE_PARAM.match(name)
        if match:
            answers.setdefault(match.group(1), []).extend(request.POST.getlist(name))
    return answers


def _location(form: PostRequestForm, errors: list[FieldError]) -> Location:
    return Location(
        lat=parse_coordinate((form.lat or "").strip(), "lat", -90, 90, errors),
        long=parse_coordinate((form.long or "").strip(), "long", -180, 180, errors),
        address=(form.address_string or "").strip(),
        address_id=(form.address_id or "").strip(),
    )


@api.post(
    "/v2/requests.{fmt}",
    response={200: list[PostRequestOut], **ERRORS},
    tags=["requests"],
    summary="File a request (form-encoded; multipart with `media` files to upload photos)",
)
def post_request(
    request: HttpRequest,
    fmt: str,
    form: Form[PostRequestForm],
    media: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja's way of optional files
):
    fmt = check_format(fmt)
    key = keys.key_of(request)
    jurisdiction = jurisdictions.resolve(request)
    code = (form.service_code or "").strip()
    if not code:
        raise ApiError(400, "service_code: is required; see services.json for the codes")
    service = _service(jurisdiction, code)
    errors: list[FieldError] = []
    location = _location(form, errors)
    new = actions.NewRequest(
        service=service,
        location=location,
        description=form.description or "",
        answers=_answers(request),
        contact=Contact(
            email=form.email or "",
            phone=form.phone or "",
            first_name=form.first_name or "",
            last_name=form.last_name or "",
            device_id=form.device_id or "",
            account_id=form.account_id or "",
        ),
        media_urls=[u for u in request.POST.getlist("media_url") if u.strip()],
        photos=list(media or []),
    )
    try:
        if errors:  # malformed coordinates: report them with everything else that is wrong
            try:
                actions.validate_new_request(new)
            except RequestRejected as exc:
                errors.extend(exc.errors)
            raise RequestRejected(errors)
        created = actions.submit_request(new, actions.Actor(channel=Channel.API, api_client=key))
    except RequestRejected as exc:
        raise ApiError.from_field_errors(exc.errors) from None
    out = PostRequestOut(service_notice=created.service_notice or None, account_id=created.account_id or None)
    if service.type == ServiceType.REALTIME:
        out.service_request_id = created.service_request_id
    elif service.type == ServiceType.BATCH:
        out.token = str(created.token)
    return respond(fmt, "service_requests", [out])


# --- requests: read ---------------------------------------------------------------------------


class RequestListParams(Schema):
    """Query parameters of GET requests.{fmt}. Empty values count as absent."""

    jurisdiction_id: str | None = None
    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None
    page: str | None = None
    page_size: str | None = None
    extensions: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None
    lat: str | None = None
    long: str | None = None
    radius: str | None = None
    bbox: str | None = None
    agency_responsible: str | None = None
    q: str | None = None
    department: str | None = None
    service_group: str | None = None
    channel: str | None = None
    district: str | None = None


def _page_headers(request: HttpRequest, total: int, page: int, page_size: int) -> dict[str, str]:
    headers = {"X-Total-Count": str(total), "X-Page": str(page), "X-Page-Size": str(page_size)}
    links = []
    last = max(1, -(-total // page_size))
    query = request.GET.copy()
    for rel, number in (("first", 1), ("prev", page - 1), ("next", page + 1), ("last", last)):
        if 1 <= number <= last and not (rel in ("prev", "next") and number == page):
            query["page"] = str(number)
            links.append(f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="{rel}"')
    if links:
        headers["Link"] = ", ".join(links)
    return headers


@api.get(
    "/v2/requests.{fmt}",
    response={200: list[RequestOutExtended] | list[RequestOut], **ERRORS},
    tags=["requests"],
    summary="Search requests (90 days at most; paged)",
)
def request_list(request: HttpRequest, fmt: str, params: Query[RequestListParams]):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    f, errors = parse_request_filter(request.GET, jurisdiction)
    if errors:
        raise ApiError.from_field_errors(errors)
    qs = queries.filter_requests(jurisdiction, f)
    total = qs.count()
    offset = (f.page - 1) * f.page_size
    tz = jurisdiction.tz
    items: list[RequestOut] | list[dict]
    if f.extensions:
        page = queries.with_output_relations(qs, extended=True)[offset : offset + f.page_size]
        items = [build_request(sr, tz, extended=True) for sr in page]
    else:
        # Plain rows of the public columns: the reporter's details are never even read.
        items = public_rows(qs[offset : offset + f.page_size], tz)
    return respond(fmt, "service_requests", items, headers=_page_headers(request, total, f.page, f.page_size))


@api.get(
    "/v2/requests/{service_request_id}.{fmt}",
    response={200: list[RequestOutExtended] | list[RequestOut], **ERRORS},
    tags=["requests"],
    summary="One request (an array of one, as the spec says)",
)
def request_detail(request: HttpRequest, service_request_id: str, fmt: str, extensions: str | None = None):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    errors: list[FieldError] = []
    extended = parse_bool(request.GET, "extensions", errors)
    if errors:
        raise ApiError.from_field_errors(errors)
    number = normalize_number(service_request_id, jurisdiction.request_id_prefix)
    qs = ServiceRequest.objects.public().of(jurisdiction).filter(service_request_id=number)
    item: RequestOut | dict | None
    if extended:
        found = queries.with_output_relations(qs, extended=True).first()
        item = build_request(found, jurisdiction.tz, extended=True) if found else None
    else:
        # One query, the public columns only (as the list's plain rows).
        item = next(iter(public_rows(qs[:1], jurisdiction.tz)), None)
    if item is None:
        raise ApiError(404, f"service_request_id: no public request {service_request_id[:40]}")
    return respond(fmt, "service_requests", [item])


@api.get(
    "/v2/tokens/{token}.{fmt}",
    response={200: list[TokenOut], **ERRORS},
    tags=["requests"],
    summary="The request number for a token returned by POST requests",
)
def token_detail(request: HttpRequest, token: str, fmt: str):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    try:
        value = uuid.UUID(token)
    except ValueError:
        raise ApiError(404, f"token: '{token[:40]}' is not a token this server issued") from None
    found = (
        ServiceRequest.objects.filter(jurisdiction=jurisdiction, token=value)
        .only("service_request_id", "token")
        .first()
    )
    if found is None:
        raise ApiError(404, f"token: '{token[:40]}' is not a token this server issued")
    return respond(
        fmt,
        "service_requests",
        [TokenOut(token=str(found.token), service_request_id=found.service_request_id)],
    )


# --- FixMyStreet's servicerequestupdates ------------------------------------------------------


class UpdateListParams(Schema):
    jurisdiction_id: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    page: str | None = None
    page_size: str | None = None


@api.get(
    "/v2/servicerequestupdates.{fmt}",
    response={200: list[UpdateOut], **ERRORS},
    tags=["updates"],
    summary="Public updates of requests in a window (FixMyStreet's extension)",
)
def update_list(request: HttpRequest, fmt: str, params: Query[UpdateListParams]):
    fmt = check_format(fmt)
    jurisdiction = jurisdictions.resolve(request)
    errors: list[FieldError] = []
    start = parse_datetime(request.GET, "start_date", errors)
    end = parse_datetime(request.GET, "end_date", errors)
    page = parse_int(request.GET, "page", 1, 1, 1_000_000, errors)
    page_size = parse_int(request.GET, "page_size", 500, 1, 1000, errors)
    start, end = window(start, end, ("start_date", "end_date"), errors, default_now=True, max_span=MAX_SPAN)
    if errors:
        raise ApiError.from_field_errors(errors)
    events = (
        Event.objects.public()
        .filter(
            request__jurisdiction=jurisdiction,
            created_at__gte=start,
            created_at__lte=end,
        )
        .select_related("request")
        .prefetch_related("media")
        .order_by("created_at", "pk")
    )
    total = events.count()
    chunk = events[(page - 1) * page_size : page * page_size]
    items = [build_update(e, jurisdiction.tz) for e in chunk]
    return respond(
        fmt, "service_request_updates", items, headers=_page_headers(request, total, page, page_size)
    )


class PostUpdateForm(Schema):
    api_key: str | None = None
    jurisdiction_id: str | None = None
    service_request_id: str | None = None
    update_id: str | None = None
    status: str | None = None
    updated_datetime: str | None = None
    description: str | None = None
    media_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    account_id: str | None = None


@api.post(
    "/v2/servicerequestupdates.{fmt}",
    response={200: list[UpdatePostedOut], **ERRORS},
    tags=["updates"],
    summary="Post an update to a request (FixMyStreet's extension; upper-case statuses)",
)
def post_update(request: HttpRequest, fmt: str, form: Form[PostUpdateForm]):
    fmt = check_format(fmt)
    key = keys.key_of(request)
    jurisdiction = jurisdictions.resolve(request)
    errors: list[FieldError] = []
    number = get(request.POST, "service_request_id")
    status_text = get(request.POST, "status").upper()
    update_id = get(request.POST, "update_id")[:100]
    if not number:
        errors.append(FieldError("service_request_id", "is required"))
    if not status_text:
        errors.append(FieldError("status", "is required"))
    elif status_text not in FIXMYSTREET_TO_STATUS:
        allowed = ", ".join(sorted(FIXMYSTREET_TO_STATUS))
        errors.append(FieldError("status", f"'{status_text[:40]}' is not one of {allowed}"))
    reported_at = parse_datetime(request.POST, "updated_datetime", errors)
    if errors:
        raise ApiError.from_field_errors(errors)
    if update_id and (done := Event.objects.filter(api_client=key, external_id=update_id).first()):
        return respond(fmt, "service_request_updates", [UpdatePostedOut(update_id=str(done.pk))])
    target = (
        ServiceRequest.objects.public()
        .of(jurisdiction)
        .filter(service_request_id=normalize_number(number, jurisdiction.request_id_prefix))
        .first()
    )
    if target is None:
        raise ApiError(404, f"service_request_id: no request {number[:40]}")
    actor = actions.Actor(channel=Channel.API, api_client=key)
    description = form.description or ""
    new_status = FIXMYSTREET_TO_STATUS[status_text]
    # Who wrote the update in the client's system, and when: on the event from the start.
    author = {
        k: getattr(form, k) for k in ("first_name", "last_name", "email", "account_id") if getattr(form, k)
    }
    data = (
        {"author": author, "reported_at": reported_at.isoformat() if reported_at else None}
        if author or reported_at
        else None
    )
    try:
        if new_status == target.status_code:
            event = actions.add_note(
                target,
                description or f"Update from {key.name}",
                actor,
                public=True,
                external_id=update_id,
                data=data,
            )
        else:
            # DUPLICATE (no original named) and INTERNAL_REFERRAL (no recipient) are refused by the domain
            # with a 400 that says why (choices.OWN_DOOR).
            event = actions.change_status(
                target, new_status, actor, note=description, external_id=update_id, data=data
            )
        if form.media_url:
            actions.attach_media(target, actor, url=form.media_url)
    except RequestRejected as exc:
        raise ApiError.from_field_errors(exc.errors) from None
    return respond(fmt, "service_request_updates", [UpdatePostedOut(update_id=str(event.pk))])


# --- errors, in the client's format -----------------------------------------------------------


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(format_of(request), exc.status, exc.descriptions)


@api.exception_handler(UnknownFormat)
def on_unknown_format(request: HttpRequest, exc: UnknownFormat) -> HttpResponse:
    return error_response("json", 400, [f"format: '{exc.fmt[:20]}' is not a format here; use .json or .xml"])


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    messages = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        messages.append(f"{where}: {error.get('msg', 'is not valid')}")
    return error_response(format_of(request), 400, messages or ["the request is not valid"])


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(format_of(request), 413, [f"request: the form is larger than {limit} bytes"])


@api.exception_handler(TooManyFieldsSent)
def on_too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return error_response(format_of(request), 400, [f"request: more than {limit} fields sent"])
