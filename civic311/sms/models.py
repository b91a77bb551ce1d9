"""Text conversations with residents: one per phone number, kept as state, and the log of messages."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    IDLE = "idle", _("Idle")
    WHAT = "what", _("Asked what the problem is")
    PICK = "pick", _("Asked to pick a service")
    QUESTION = "question", _("Asked a question of the service")
    WHERE = "where", _("Asked where")
    CONFIRM_PLACE = "confirm_place", _("Asked to confirm the place")
    PHOTO = "photo", _("Asked for a photo")


class Conversation(models.Model):
    """One phone number's conversation: the step of a report in progress and what it has gathered so far
        (`data`: service code, answers, place, photo) and the language. Whether the number said STOP is
    notify's (TextOptOut): it decides what texts go out."""

    phone = models.CharField(max_length=40, unique=True)  # E.164, as the provider sends it
    language = models.CharField(max_length=10, default="en")
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.IDLE)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.phone} ({self.step})"


class Message(models.Model):
    """The log: each text the provider sent (one per MessageSid, so a retry is answered with the same
    reply and changes nothing), with the TwiML we answered."""

    sid = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=40)
    body = models.TextField(blank=True)
    num_media = models.PositiveSmallIntegerField(default=0)
    reply = models.TextField(blank=True)  # the TwiML answered
    request_number = models.CharField(max_length=40, blank=True)  # the request it filed, if any
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The rate limit: messages from one number in the last minutes.
            models.Index(fields=["phone", "created_at"], name="sms_message_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sid} from {self.phone}"
