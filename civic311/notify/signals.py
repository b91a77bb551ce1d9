"""Connects the notification pipeline to the domain's events (servicerequests.signals.event_recorded)."""
