"""Who acts in the 311 system: a profile per staff user (role, department, team), per-role policy, and the
keys of the client applications that file requests through the GeoReport API (an API client is an actor)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic311.accounts.choices import CAPABILITIES, Role
from civic311.catalog.models import Department
from civic311.lib import versioned


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


KEY_PREFIX = "c311_"


def hash_key(raw: str) -> str:
    # Keys are 32 random bytes, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def find(self, raw: str) -> "ApiKey | None":
        """The active key matching a presented key, or None: from the process's copy of the active keys
        (lib/versioned.py), so every write is spared two queries and a revocation is seen at once."""
        if not raw or len(raw) > 200:
            return None
        return _active_keys.get(None).get(hash_key(raw))


class ApiKey(models.Model):
    """A client application's key for POSTing to the GeoReport API. Only its hash is stored."""

    name = models.CharField(max_length=200, help_text=_("Who holds it, e.g. 'SeeClickFix'"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, shown in the admin so a key can be recognised.
    prefix = models.CharField(max_length=16, editable=False)
    contact = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        # The table kept its name when the model moved here from open311 (migration accounts 0002).
        db_table = "open311_apikey"
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def create(cls, name: str, contact: str = "") -> tuple["ApiKey", str]:
        """A new key; returns it with the raw key, which is shown once and never stored."""
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(name=name, contact=contact, key_hash=hash_key(raw), prefix=raw[:10])
        return key, raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _all_active_keys(_: None) -> dict[str, ApiKey]:
    return {key.key_hash: key for key in ApiKey.objects.active()}


_active_keys = versioned.Memo(_all_active_keys)
