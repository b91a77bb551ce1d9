from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from civic311.open311.api import api as open311_api
from civic311.opendata.api import api as opendata_api
from civic311.server import views as server_views

# A request that found no free database connection: 503 with Retry-After (else Django's 500).
handler500 = "civic311.server.errors.handler500"

urlpatterns: list[URLPattern | URLResolver] = [
    # Behind the console's sign-in and second factor (accounts/admin_site.py).
    path("admin/", admin.site.urls),
    path("status.json", server_views.status, name="status"),
    path("staff/", include("civic311.console.urls")),
    path("open311/", open311_api.urls),
    path("data/", include("civic311.opendata.urls")),  # the page first: the API's root would take /data/
    path("data/", opendata_api.urls),
    path("dashboard/", include("civic311.opendata.dashboard_urls")),
    path("live/", include("civic311.live.urls")),
    path("notify/", include("civic311.notify.urls")),
    path("", include("civic311.sms.urls")),  # /sms/… and /voice/… provider webhooks
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher
    # The resident web app, last: it owns `/` (and /media/, the photos, each checked: portal/views/photos.py).
    path("", include("civic311.portal.urls")),
]
