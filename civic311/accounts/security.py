"""Second factor (TOTP) rules: who must use one, who has one, whether this session passed it."""

from urllib.parse import quote

from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from civic311.accounts.models import RolePolicy


def role_of(user) -> str | None:
    profile = getattr(user, "staff", None)
    if profile is not None:
        return profile.role
    return "admin" if getattr(user, "is_superuser", False) else None


def requires_totp(user) -> bool:
    """The user's role policy demands a second factor."""
    role = role_of(user)
    return role is not None and RolePolicy.objects.filter(role=role, require_totp=True).exists()


def has_totp(user) -> bool:
    return user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


VERIFY_URL = "/staff/verify/"
SETUP_URL = "/staff/totp/setup/"


def second_factor_ok(request: HttpRequest) -> bool:
    """Signed in, and verified by TOTP when the user has a device or the role demands one."""
    user = request.user
    if not user.is_authenticated:
        return False
    if has_totp(user) or requires_totp(user):
        return bool(getattr(user, "is_verified", lambda: False)())
    return True


def owed_second_factor_url(request: HttpRequest, next_url: str) -> str | None:
    """Where a signed-in user who still owes the second factor goes: the code (then on to `next_url`), or
    setting up an authenticator when their role demands one they lack. None when nothing is owed."""
    if second_factor_ok(request):
        return None
    if has_totp(request.user):
        return f"{VERIFY_URL}?next={quote(next_url, safe='/')}"
    return SETUP_URL
