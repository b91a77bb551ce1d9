"""Live streams, under /live/."""

from django.urls import path

from civic311.live import views

app_name = "live"

urlpatterns = [
    path("requests/<str:service_request_id>/events", views.request_events, name="request_events"),
]
