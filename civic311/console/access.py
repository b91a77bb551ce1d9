"""The console's door: signed in, a staff member, second factor passed where needed, capability held."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from civic311.accounts.permissions import can, profile_of
from civic311.accounts.security import has_totp, requires_totp, second_factor_ok


def staff_required(capability: str | None = None):
    """For console views: anonymous users go to sign-in, users who still owe their second factor go to
    verify (or to set it up, when their role demands one they lack), and a missing capability is a 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect(f"/staff/login/?next={request.get_full_path()}")
            if profile_of(user) is None:
                raise PermissionDenied("This account is not a staff account.")
            if not second_factor_ok(request):
                if has_totp(user):
                    return redirect(f"/staff/verify/?next={request.get_full_path()}")
                if requires_totp(user):
                    return redirect("/staff/totp/setup/")
            if capability is not None and not can(user, capability):
                raise PermissionDenied(f"Your role may not {capability.replace('_', ' ')}.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
