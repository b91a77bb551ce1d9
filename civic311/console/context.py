"""What every console page knows about the signed-in staff member: their profile and capabilities."""

from civic311.accounts.choices import CAPABILITIES
from civic311.accounts.permissions import profile_of


def staff(request) -> dict:
    if not request.path.startswith("/staff/"):
        return {}
    profile = profile_of(request.user)
    capabilities = CAPABILITIES.get(profile.role, frozenset()) if profile else frozenset()
    return {"profile": profile, "caps": capabilities}
