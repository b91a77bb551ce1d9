"""Live updates: pub/sub (broker.py), Server-Sent Events (sse.py), what is published (publishers.py)."""

from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "civic311.live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        from civic311.live.publishers import on_event_recorded
        from civic311.servicerequests.models import Event
        from civic311.servicerequests.signals import event_recorded

        event_recorded.connect(on_event_recorded, sender=Event, dispatch_uid="civic311.live.publish_event")
