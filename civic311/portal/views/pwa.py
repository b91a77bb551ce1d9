"""The installable app: the web app manifest, the service worker (at the root, so its scope is the whole
site) and the page it shows when a page cannot be reached offline."""

import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from civic311.catalog.models import Jurisdiction

THEME_COLOR = "#0b4f8a"  # --accent in portal.css
BACKGROUND_COLOR = "#ffffff"
ICON_SIZES = (192, 512)
SW_SOURCE = "portal/sw.js"
# Where sw.js takes its settings: the view puts the JSON of sw_config() in place of this comment.
SW_CONFIG_MARK = "{/* filled in by the portal:sw view */}"
# The app shell: cached when the service worker installs, so the report page works offline. Files that
# are missing (a part of the app not built yet) are left out rather than failing the install.
SHELL_STATIC = (
    "portal/portal.css",
    "portal/drafts.js",
    "portal/map.js",
    "portal/report.js",
    "vendor/htmx.min.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "portal/icons/icon-192.png",
)
SHELL_PAGES = ("portal:offline", "portal:report_start")


def _app_name(jurisdiction: Jurisdiction | None) -> str:
    return f"{jurisdiction.name} 311" if jurisdiction else "Civic311"


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (https://www.w3.org/TR/appmanifest/): named after the city, in the visitor's
    language."""
    jurisdiction = Jurisdiction.objects.default()
    icons = []
    for size in ICON_SIZES:
        for purpose, stem in (("any", "icon"), ("maskable", "maskable")):
            icons.append(
                {
                    "src": static(f"portal/icons/{stem}-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
            )
    body = {
        "id": "/",
        "name": _app_name(jurisdiction),
        "short_name": "311",
        "description": _("Report problems to the city and follow what happens to them."),
        "lang": get_language() or "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    response = JsonResponse(
        body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-cache"
    return response


def _shell_urls() -> tuple[list[str], bytes]:
    """The app shell's URLs, and the bytes of its static files (for the cache version)."""
    urls: list[str] = []
    content = b""
    for name in SHELL_STATIC:
        found = finders.find(name)
        if found:
            urls.append(static(name))
            with open(found, "rb") as handle:
                content += hashlib.sha256(handle.read()).digest()
    for name in SHELL_PAGES:
        try:
            urls.append(reverse(name))
        except NoReverseMatch:  # that part of the app is not there (yet)
            continue
    urls.append(reverse("portal:manifest"))
    return urls, content


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """sw.js, served from `/` so that it controls every page of the site (a script under /static/ could
    only control /static/). Its cache names carry a version made from its own text and the app shell's
    files: any change installs a new worker, which drops the old caches."""
    source = finders.find(SW_SOURCE)
    if not source:
        raise Http404("no service worker")
    with open(source, "rb") as handle:
        script = handle.read().decode()
    urls, content = _shell_urls()
    version = hashlib.sha256(script.encode() + content + "\n".join(urls).encode()).hexdigest()[:12]
    config = {
        "version": version,
        "precache": urls,
        "offline": reverse("portal:offline"),
        "drafts": static("portal/drafts.js"),
    }
    script = script.replace(SW_CONFIG_MARK, json.dumps(config), 1)
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker when a page cannot be reached; lists the reports saved on the device."""
    return render(request, "portal/offline.html", {"jurisdiction": Jurisdiction.objects.default()})


urlpatterns: list[URLPattern] = [
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="sw"),
    path("offline/", offline, name="offline"),
]
