"""Second factor (TOTP) rules: who must use one, who has one, whether this session passed it."""

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


def second_factor_ok(request: HttpRequest) -> bool:
    """Signed in, and verified by TOTP when the user has a device or the role demands one."""
    user = request.user
    if not user.is_authenticated:
        return False
    if has_totp(user) or requires_totp(user):
        return bool(getattr(user, "is_verified", lambda: False)())
    return True
