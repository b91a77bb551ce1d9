"""What the resident app keeps of its own: which form drafts became which request (never sent twice)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    """A report form's `draft_key` (a UUID the page makes) and the request it became: a second POST with
    the same key (a double tap, a retry, an offline draft sent again) answers with that request."""

    draft_key = models.UUIDField(unique=True)
    request = models.ForeignKey(
        "servicerequests.ServiceRequest", on_delete=models.CASCADE, related_name="submissions"
    )
    me_too = models.BooleanField(default=False, help_text=_("The draft added its sender to this request"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.draft_key} → {self.request.service_request_id}"
