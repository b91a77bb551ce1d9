"""Who works in the 311 system: a profile per staff user (role, department, team) and per-role policy."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.accounts.choices import CAPABILITIES, Role
from civic311.catalog.models import Department


class StaffProfile(models.Model):
    """A staff member: their role decides what they may do (choices.CAPABILITIES), their department
    which queue is theirs."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.STAFF)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("The queue they work; agents and administrators need none"),
    )
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    def can(self, capability: str) -> bool:
        return capability in CAPABILITIES.get(self.role, frozenset())


class RolePolicy(models.Model):
    """Security policy of a role, set by administrators: e.g. supervisors must use a second factor."""

    role = models.CharField(max_length=12, choices=Role.choices, unique=True)
    require_totp = models.BooleanField(
        default=False, help_text=_("Members must sign in with an authenticator app code too")
    )

    class Meta:
        verbose_name_plural = "role policies"

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {'TOTP required' if self.require_totp else 'password'}"
