"""Provider webhooks: text messages and calls (full paths: /sms/twilio/inbound, /voice/twilio/inbound)."""

from django.urls import URLPattern, path

from civic311.sms import views

app_name = "sms"

urlpatterns: list[URLPattern] = [
    path("sms/twilio/inbound", views.sms_inbound, name="sms_inbound"),
    path("voice/twilio/inbound", views.voice_inbound, name="voice_inbound"),
    path("voice/twilio/status", views.voice_status, name="voice_status"),
]
