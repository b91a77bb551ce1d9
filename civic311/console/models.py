"""Text staff reuse: response templates for status changes, per service and status."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Jurisdiction, Service
from civic311.servicerequests.choices import Status


class ResponseTemplateQuerySet(models.QuerySet):
    def for_request(self, service: Service, status: str | None = None):
        """Templates that fit: this service or any, this status or any; the most specific first."""
        qs = self.filter(jurisdiction_id=service.jurisdiction_id).filter(
            models.Q(service=service) | models.Q(service__isnull=True)
        )
        if status:
            qs = qs.filter(models.Q(status=status) | models.Q(status=""))
        return qs.order_by(models.F("service").desc(nulls_last=True), "-status", "title")


class ResponseTemplate(models.Model):
    """A public note staff pick when they change a status ("Your pothole was filled on {date}.")."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="response_templates"
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: for every service"),
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, blank=True, help_text=_("Empty: for every status")
    )
    title = models.CharField(max_length=100)
    text = models.TextField(max_length=4000)

    objects = ResponseTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
