"""The "webhook" channel: each public event of a kind an active WebhookEndpoint wants becomes a Delivery
whose send POSTs signed JSON to the endpoint (see docs/notifications.md)."""

from civic311.notify import registry


def recipients(event) -> list[registry.Recipient]:
    return []


def send(delivery) -> None:
    raise registry.PermanentFailure("not yet")


def register() -> None:
    registry.register_channel("webhook", recipients, send)
