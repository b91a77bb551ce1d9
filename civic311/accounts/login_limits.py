"""A limit on failed sign-ins per user name, whatever the address they come from.

django-axes locks a (user name, address) pair after LOGIN_FAILURE_LIMIT failures; someone guessing from
many addresses (or a botnet) would never meet it. Past LOGIN_USERNAME_FAILURE_LIMIT failures for one user
name within the lock-out time, every sign-in with that name is refused, from anywhere, until the time is
up: the owner waits a quarter of an hour rather than the password falling. Counted in the shared cache,
so every server process and node counts together."""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver


def _key(username: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), username.strip().lower().encode(), hashlib.sha256)
    return f"accounts:login-failures:{digest.hexdigest()[:32]}"


def _window() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def failures(username: str) -> int:
    return int(cache.get(_key(username)) or 0)


@receiver(user_login_failed)
def count_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    username = credentials.get("username") or ""
    if not username:
        return
    key = _key(username)
    if not cache.add(key, 1, timeout=_window()):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=_window())


@receiver(user_logged_in)
def forget_failures(sender, request, user, **kwargs) -> None:
    cache.delete(_key(user.get_username()))


class UsernameLimitBackend(ModelBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a user name past its limit before any password is
    checked, and lets django-axes' middleware answer with its lock-out page. It authenticates nobody
    itself; it is a ModelBackend for the rest (get_user: a session made with force_login names the first
    backend)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and failures(username) >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
            if request is not None:
                request.axes_locked_out = True
                request.axes_credentials = {"username": username}
            raise PermissionDenied("too many failed sign-ins for this user name")
        return None
