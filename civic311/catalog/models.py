"""Who the city is and what it offers: jurisdictions, departments, services and their questions."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civic311.catalog.choices import LIST_DATATYPES, Datatype, ServiceType
from civic311.catalog.search import rank


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(tz)s is not an IANA time zone name"), params={"tz": value}) from None


class Translated(models.Model):
    """Text residents read, in their language: `translations` holds {language: {field: text}} (e.g.
    {"es": {"service_name": "Luz de calle apagada"}}), edited in the admin; the field itself is the
    default language's text and what the GeoReport API serves."""

    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('Other languages: {"es": {"service_name": "…"}, "pl": {…}}'),
    )

    class Meta:
        abstract = True

    def translated(self, field: str, language: str | None = None) -> str:
        """The field in the language (the active one by default), or as stored when untranslated."""
        language = (language or get_language() or "").split("-")[0]
        text = (self.translations or {}).get(language, {}).get(field) if language else None
        return text if isinstance(text, str) and text else getattr(self, field)


class JurisdictionQuerySet(models.QuerySet["Jurisdiction"]):
    def default(self) -> "Jurisdiction | None":
        """The jurisdiction used when a client names none: the only one, or the one marked default."""
        return self.order_by("-is_default", "pk").first()


class Jurisdiction(models.Model):
    """A city (or county) that runs its 311 here; GeoReport's jurisdiction_id."""

    jurisdiction_id = models.CharField(max_length=100, unique=True, help_text=_("e.g. chicago.example"))
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    contact = models.CharField(max_length=300, blank=True, help_text=_("Shown in the discovery document"))
    request_id_prefix = models.CharField(
        max_length=8, blank=True, help_text=_("Put before new request numbers, e.g. SR gives SR26-000123-4")
    )
    is_default = models.BooleanField(default=False)

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Department(models.Model):
    """An agency of the jurisdiction that works requests; GeoReport's agency_responsible."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="department_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet["Service"]):
    def public(self):
        """Services whose requests may be published (GeoReport lists, open data)."""
        return self.filter(private=False)

    def offered(self):
        """Services residents can file new requests for."""
        return self.filter(active=True)

    def listed(self, jurisdiction: "Jurisdiction"):
        """What residents are offered to choose from: offered, public services, by group and name."""
        return self.filter(jurisdiction=jurisdiction).offered().public().order_by("group", "service_name")

    def search(self, query: str) -> list["Service"]:
        """These services ranked by how well the typed words fit them (catalog/search.py)."""
        return rank(self, query)


class Service(Translated):
    """A kind of request the city accepts (GeoReport service), e.g. 'Pothole in Street Complaint'."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="services")
    service_code = models.CharField(max_length=64)
    service_name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=100, blank=True)
    keywords = models.CharField(max_length=500, blank=True, help_text=_("Comma-separated synonyms"))
    type = models.CharField(max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        help_text=_("Who works these requests unless a routing rule says otherwise"),
    )
    anonymous_allowed = models.BooleanField(
        default=True, help_text=_("Reports may be filed without an email address or phone number")
    )
    private = models.BooleanField(
        default=False,
        help_text=_("Requests are never published (lists, open data); the reporter can still track theirs"),
    )
    location_decimals = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "For privacy: published coordinates are rounded to this many decimals (3 is about 100 m) and the"
            " address is not published. Empty: published as reported."
        ),
    )
    active = models.BooleanField(default=True, help_text=_("Offered for new requests"))
    service_notice = models.CharField(
        max_length=500, blank=True, help_text=_("Told to the reporter on submission")
    )
    sla_days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Days to complete, for the expected date")
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["group", "service_name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "service_code"], name="service_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service_name} ({self.service_code})"

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    def questions(self) -> list["ServiceAttribute"]:
        """The service's attributes in order, each with its values: the prefetched ones when the service
        came from the catalog cache (catalog/cache.py), else read now in two queries."""
        if "attributes" in getattr(self, "_prefetched_objects_cache", {}):
            return list(self.attributes.all())
        return list(self.attributes.prefetch_related("values").order_by("order", "pk"))


class ServiceAttribute(Translated):
    """A question a service asks (GeoReport service definition attribute)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(max_length=64)
    variable = models.BooleanField(default=True, help_text=_("False: shown as information only, not asked"))
    datatype = models.CharField(max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(default=False)
    datatype_description = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=1)
    description = models.CharField(max_length=500, help_text=_("The question, as residents read it"))

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="attribute_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.service.service_code}/{self.code}"

    @property
    def has_values(self) -> bool:
        return self.datatype in LIST_DATATYPES


class AttributeValue(Translated):
    """One choice of a list attribute."""

    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "key"], name="attribute_value_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"
