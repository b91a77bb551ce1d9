"""Twilio's webhook signature: HMAC-SHA1, keyed with the auth token, of the full URL followed by each POST
parameter's name and value in the order of the names, base64-encoded, sent as X-Twilio-Signature."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


def signature(auth_token: str, url: str, params: dict[str, list[str]]) -> str:
    """The signature Twilio computes for a POST of `params` (name -> values) to `url`."""
    payload = url
    for name in sorted(params):
        for value in sorted(params[name]):
            payload += name + value
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def request_url(request: HttpRequest) -> str:
    """The URL the provider posted to, as configured publicly (behind a proxy the Host is not it)."""
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def is_signed(request: HttpRequest) -> bool:
    """Whether the request carries a valid X-Twilio-Signature. No auth token configured: nothing is."""
    token = settings.TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    params = {name: request.POST.getlist(name) for name in request.POST}
    expected = signature(token, request_url(request), params)
    return hmac.compare_digest(expected.encode(), given.encode())
