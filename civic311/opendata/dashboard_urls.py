from django.urls import URLPattern, path

from civic311.opendata import dashboard

app_name = "dashboard"

urlpatterns: list[URLPattern] = [
    path("", dashboard.dashboard, name="dashboard"),
    path("requests/", dashboard.requests_list, name="requests"),
]
