from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    """Inbound text messages and calls: conversations with residents (Twilio's webhook format)."""

    name = "civic311.sms"
    verbose_name = _("Text messages and calls")
