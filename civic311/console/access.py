"""The console's door: signed in, a staff member, second factor passed where needed, capability held."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from civic311.accounts.permissions import can, profile_of
from civic311.accounts.security import owed_second_factor_url


def _door(request, *, staff_only: bool):
    """The answer that stops `request` at the door, or None to let it in."""
    user = request.user
    if not user.is_authenticated:
        return redirect(f"/staff/login/?next={request.get_full_path()}")
    if staff_only and profile_of(user) is None:
        raise PermissionDenied("This account is not a staff account.")
    if owed := owed_second_factor_url(request, request.get_full_path()):
        return redirect(owed)
    return None


def second_factor_required(view):
    """Signed in, and past the second factor where the console asks for it (any account: the password
    change page)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return _door(request, staff_only=False) or view(request, *args, **kwargs)

    return wrapper


def staff_required(capability: str | None = None):
    """For console views: anonymous users go to sign-in, users who still owe their second factor go to
    verify (or to set it up, when their role demands one they lack), and a missing capability is a 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if stopped := _door(request, staff_only=True):
                return stopped
            if capability is not None and not can(request.user, capability):
                raise PermissionDenied(f"Your role may not {capability.replace('_', ' ')}.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
