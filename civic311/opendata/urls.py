from django.urls import URLPattern, path

from civic311.opendata import views

app_name = "data"

# The API of /data/ (stats.json, the exports) is mounted beside these in civic311/urls.py: ninja reverses
# its own URLs from the root namespace, so it cannot sit inside this one.
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("snapshots/<str:name>", views.snapshot, name="snapshot"),
]
