"""Signals the side effects listen to (notifications, live updates, webhooks).

`event_recorded` is sent after the transaction that wrote the event commits, never before, so a
listener never acts on something that was rolled back.
"""

from django.dispatch import Signal

# sender=Event class, event=<Event>
event_recorded = Signal()
