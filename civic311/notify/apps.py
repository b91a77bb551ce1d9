from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Updates to people and systems: the delivery log, the channels (email/, sms/, webhook/), alerts."""

    name = "civic311.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Channels and the event dispatcher connect themselves here once they exist (see registry.py).
        from civic311.notify import signals  # noqa: F401
