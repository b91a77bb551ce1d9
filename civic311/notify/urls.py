"""Public pages of notifications: unsubscribe, the satisfaction survey, area alerts."""

from django.urls import URLPattern

app_name = "notify"

urlpatterns: list[URLPattern] = []
