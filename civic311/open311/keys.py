"""Where a client's API key may come from: the X-Api-Key header or the form body's `api_key`, never the
URL (URLs are written to access logs). The API's writes check it in the view (key_of); the server checks
it too before it reads a write's body (civic311/server/limits.py), so a wrong key sends no photos."""

import re
from datetime import timedelta
from urllib.parse import parse_qs

from django.http import HttpRequest
from django.utils import timezone

from civic311.accounts.models import ApiKey
from civic311.open311.render import ApiError

LAST_USED_PRECISION = timedelta(minutes=1)
HEADER = "X-Api-Key"
FIELD = "api_key"
# The API's writes: POST requests.{fmt} and servicerequestupdates.{fmt}.
WRITES = re.compile(r"^/open311/v2/(?:requests|servicerequestupdates)\.[A-Za-z0-9]+$")

IN_THE_URL = (
    "api_key: send the key in the form body or the X-Api-Key header, never in the URL (URLs are logged)"
)
MISSING = "api_key: an API key is required to write; ask the city for one"
NOT_VALID = "api_key: this key is not valid (unknown or revoked)"


def in_the_url(query_string: str) -> bool:
    return FIELD in parse_qs(query_string, keep_blank_values=True)


def refusal(raw: str | None) -> str | None:
    """Why a presented key is refused (None: it is a valid one)."""
    raw = (raw or "").strip()
    if not raw:
        return MISSING
    return None if ApiKey.objects.find(raw) is not None else NOT_VALID


def key_of(request: HttpRequest) -> ApiKey:
    """The valid key a write presents (ApiError 400 or 403 otherwise); notes that it was used."""
    if in_the_url(request.META.get("QUERY_STRING", "")):
        raise ApiError(400, IN_THE_URL)
    raw = (request.headers.get(HEADER) or request.POST.get(FIELD) or "").strip()
    if not raw:
        raise ApiError(403, MISSING)
    key = ApiKey.objects.find(raw)
    if key is None:
        raise ApiError(403, NOT_VALID)
    now = timezone.now()
    # "Last used" to the minute: a write of its own on every call would queue for SQLite's write lock.
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now  # the process's shared copy, so its other threads skip the write too
    return key
