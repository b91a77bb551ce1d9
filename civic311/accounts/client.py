"""Who is asking: the client's address, for sign-in lock-outs and rate limits.

REMOTE_ADDR only. The server (`civic311 serve`) puts the TCP peer there, or, when the peer is one of the
proxies named in TRUSTED_PROXIES, the address that proxy reports (X-Forwarded-For); a header a client
sets itself is never believed, or anyone could take a new address with every try."""

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address, or None when the request came from no connection (a test's force_login): django-axes
    stores it in an address column, which refuses anything else."""
    return request.META.get("REMOTE_ADDR") or None
