from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    """Updates to people and systems: the delivery log, the channels (email/, sms/, webhook/), alerts."""

    name = "civic311.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        """Every channel, periodic job and signal of notify, registered here and nowhere else. Imported
        here, not at the top: the models these modules read are loaded only once apps are ready."""
        from civic311.lib.env import envint
        from civic311.notify import alerts, deliveries, registry, schedule, signals
        from civic311.notify.email import recipients as email_recipients
        from civic311.notify.email import transport as email_transport
        from civic311.notify.sms import recipients as sms_recipients
        from civic311.notify.sms import transport as sms_transport
        from civic311.notify.webhook import channel as webhook
        from civic311.servicerequests.signals import events_recorded

        registry.register_channel("email", email_recipients.recipients, email_transport.send)
        registry.register_channel("sms", sms_recipients.recipients, sms_transport.send)
        registry.register_channel(webhook.CHANNEL, webhook.recipients, webhook.send)
        schedule.every("notify.sweep", envint("NOTIFY_SWEEP_SECONDS", 60), deliveries.sweep_deliveries)
        schedule.every("routing.check_sla", 300, signals.check_sla)
        schedule.every("notify.prune_task_results", 24 * 3600, signals.prune_task_results)
        schedule.every(alerts.DIGEST_JOB, alerts.DIGEST_EVERY_SECONDS, alerts.send_digests)
        events_recorded.connect(signals.on_events_recorded, dispatch_uid="notify.dispatch_events")
