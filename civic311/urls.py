from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from civic311.open311.api import api as open311_api
from civic311.server import views as server_views

# A request that found no free database connection: 503 with Retry-After (else Django's 500).
handler500 = "civic311.server.errors.handler500"

urlpatterns: list[URLPattern | URLResolver] = [
    # Staff sign in through the console (password, then the second factor), the admin included.
    path("admin/login/", RedirectView.as_view(url="/staff/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("status.json", server_views.status, name="status"),
    path("staff/", include("civic311.console.urls")),
    path("open311/", open311_api.urls),
    path("live/", include("civic311.live.urls")),
    path("notify/", include("civic311.notify.urls")),
    path("", include("civic311.sms.urls")),  # /sms/… and /voice/… provider webhooks
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher
    # The resident web app, last: it owns `/`.
    path("", include("civic311.portal.urls")),
]

if settings.SERVE_MEDIA:
    # Photos from the data directory; a production site serves MEDIA_ROOT from its web server or S3.
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
