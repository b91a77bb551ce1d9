"""Signals the side effects listen to (notifications, live updates, webhooks).

`event_recorded` is sent after the transaction that wrote the event commits, never before, so a
listener never acts on something that was rolled back.
"""

from django.dispatch import Signal

# sender=Event class, event=<Event>
event_recorded = Signal()
# sender=Event class, events=[<Event>, …]: the events one domain call recorded, once, after each one's
# event_recorded (what a listener queues per call rather than per event: one task for a filing's three).
events_recorded = Signal()


def sync_request_privacy(sender, instance, **kwargs) -> None:
    """When a service becomes private (or public again), so do its requests, at once."""
    from civic311.servicerequests.models import ServiceRequest

    ServiceRequest.objects.filter(service=instance, public=instance.private).update(
        public=not instance.private
    )
