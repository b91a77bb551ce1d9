"""Public pages of notifications: unsubscribe, the satisfaction survey, area alerts."""

from django.urls import path

from civic311.notify import views

app_name = "notify"

urlpatterns = [
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("survey/<str:token>", views.survey, name="survey"),
    path("alerts/", views.alerts_subscribe, name="alerts"),
    path("alerts/confirm/<str:token>", views.alert_confirm, name="alert_confirm"),
]
