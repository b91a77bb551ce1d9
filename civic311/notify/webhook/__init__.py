"""Outbound webhooks: the "webhook" channel (channel.py), registered by notify.apps."""
