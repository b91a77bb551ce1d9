"""The channels of notifications (email, sms, webhook …), each registered once at start-up.

A channel is two functions:
- `recipients(event) -> list[Recipient]`: who gets what for a domain event (only public events reach
  residents; the channel decides);
- `send(delivery)`: transmits one Delivery. Raising `PermanentFailure` marks it failed without retry (the
  channel may pause the subscription, e.g. a bounced address); any other exception is retried with backoff.
  A send must be idempotent per `delivery.key` where the provider allows it (a crash between the
  provider's accept and our "sent" resends at most once).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civic311.notify.models import Delivery
    from civic311.servicerequests.models import Event


class PermanentFailure(Exception):
    """Sending can never succeed (a bad address, a refused endpoint): failed, no retry."""


@dataclass(frozen=True)
class Recipient:
    """One message to send: to `address` on `channel`, of `kind`, in `language`, with `payload`."""

    channel: str
    address: str
    kind: str
    language: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


RecipientsFn = Callable[["Event"], list[Recipient]]
SendFn = Callable[["Delivery"], None]


@dataclass(frozen=True)
class Channel:
    name: str
    recipients: RecipientsFn
    send: SendFn


_channels: dict[str, Channel] = {}


def register_channel(name: str, recipients: RecipientsFn, send: SendFn) -> None:
    """Register (or replace: a reload registers again) the channel `name`."""
    _channels[name] = Channel(name, recipients, send)


def get_channel(name: str) -> Channel:
    """The channel `name`; KeyError if none is registered under that name."""
    return _channels[name]


def channels() -> list[Channel]:
    return list(_channels.values())
