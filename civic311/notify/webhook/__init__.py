"""Outbound webhooks: the "webhook" channel (see channel.py)."""

from civic311.notify.webhook.channel import register

register()
