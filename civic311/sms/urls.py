"""Provider webhooks: text messages and calls (full paths: /sms/twilio/inbound, /voice/twilio/inbound)."""

from django.urls import URLPattern

app_name = "sms"

urlpatterns: list[URLPattern] = []
