"""How often one client may do one thing: a rate limit every channel applies the same way (the report
form, comments, follows, sign-in links, the delivery preferences page).

Clients are recognised by a keyed hash of their address (accounts.client: never a header the client sets),
so the address itself is never stored. The counts live in the shared cache, so they hold across processes.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic311.accounts.client import client_address


def client_hash(request: HttpRequest) -> str:
    """A keyed hash of the client's address (accounts.client: never a header the client sets): the same
    client is recognised, the address never stored."""
    address = client_address(request) or "unknown"
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Limit:
    """At most `count` actions per `seconds`."""

    count: int
    seconds: int


def _key(action: str, who: str) -> str:
    return f"throttle:{action}:{who}"


def over_limit(action: str, who: str, limit: Limit) -> bool:
    """Count one `action` by `who`; True when that goes past the limit (the action must be refused).
    A fixed window that starts at the first action: simple, and enough against a flood."""
    key = _key(action, who)
    if cache.add(key, 1, timeout=limit.seconds):
        cache.set(f"{key}:ends", time.time() + limit.seconds, timeout=limit.seconds)
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.seconds)
        cache.set(f"{key}:ends", time.time() + limit.seconds, timeout=limit.seconds)
        return False
    return count > limit.count


def wait_seconds(action: str, who: str, limit: Limit) -> int:
    """How long until `who` may do `action` again (after over_limit said no): the rest of the window."""
    ends = cache.get(f"{_key(action, who)}:ends")
    left = (ends - time.time()) if isinstance(ends, int | float) else limit.seconds
    return max(1, min(int(left) + 1, limit.seconds))


def limit_message(limit: Limit) -> str:
    minutes = max(1, limit.seconds // 60)
    return _(
        "Too many tries from here: at most %(count)d in %(minutes)d minutes. Please wait and try again."
    ) % {
        "count": limit.count,
        "minutes": minutes,
    }


def try_again_message(limit: Limit, seconds: int) -> str:
    """The limit, and when the client may try again (in whole minutes, rounded up)."""
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "At most %(count)d reports from here in %(window)d minutes. What you filled in is kept: "
        "please send it again in %(minutes)d minute.",
        "At most %(count)d reports from here in %(window)d minutes. What you filled in is kept: "
        "please send it again in %(minutes)d minutes.",
        minutes,
    ) % {"count": limit.count, "window": max(1, limit.seconds // 60), "minutes": minutes}
