"""The installable app: the manifest, its icons, the service worker and the offline page."""

import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db


def icon_file(src: str) -> Image.Image:
    """The icon a static URL names, as the static files app finds it (the test client serves no static
    files; tests/e2e fetch them from the real server)."""
    assert src.startswith(settings.STATIC_URL)
    found = finders.find(src.removeprefix(settings.STATIC_URL))
    assert found, f"{src} is missing"
    return Image.open(found)


def test_the_manifest_names_the_app_after_the_city(client, city):
    response = client.get(reverse("portal:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Springfield 311"
    assert manifest["short_name"] == "311"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert manifest["lang"] == "en"


def test_the_manifest_of_a_platform_without_a_city_still_answers(client):
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert manifest["name"] == "Civic311"


def test_the_manifest_speaks_the_visitors_language(client, city):
    manifest = json.loads(client.get("/manifest.webmanifest", headers={"accept-language": "pl"}).content)
    assert manifest["lang"] == "pl"


def test_the_manifest_lists_icons_of_192_and_512_pixels_and_maskable_ones(client, city):
    icons = json.loads(client.get("/manifest.webmanifest").content)["icons"]
    assert {(icon["sizes"], icon["purpose"]) for icon in icons} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    }
    assert all(icon["type"] == "image/png" for icon in icons)


def test_each_icon_is_served_as_a_png_of_its_size(client, city):
    for icon in json.loads(client.get("/manifest.webmanifest").content)["icons"]:
        image = icon_file(icon["src"])
        assert image.format == "PNG"
        width = int(icon["sizes"].split("x")[0])
        assert image.size == (width, width)


def test_a_maskable_icon_is_opaque_to_its_edges(client, city):
    """The launcher crops a maskable icon to its own shape: no transparent corners may show."""
    image = icon_file("/static/portal/icons/maskable-512.png").convert("RGBA")
    assert all(image.getpixel(corner)[3] == 255 for corner in [(0, 0), (511, 0), (0, 511), (511, 511)])


def test_the_manifest_does_not_answer_a_post(client, city):
    assert client.post("/manifest.webmanifest").status_code == 405


def test_the_service_worker_is_served_from_the_root_uncached(client, city):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    # At the root its default scope is the whole site: no Service-Worker-Allowed header is needed.
    assert "Service-Worker-Allowed" not in response
    assert reverse("portal:sw") == "/sw.js"


def _config(response) -> dict:
    match = re.search(r"const CONFIG = (\{.*?\});\n", response.content.decode())
    assert match, "the view filled in the worker's CONFIG"
    return json.loads(match.group(1))


def test_the_service_worker_precaches_the_app_shell(client, city):
    config = _config(client.get("/sw.js"))
    assert "/static/portal/portal.css" in config["precache"]
    assert "/static/portal/drafts.js" in config["precache"]
    assert reverse("portal:offline") in config["precache"]
    assert config["offline"] == reverse("portal:offline")
    assert config["drafts"] == "/static/portal/drafts.js"
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])


def test_the_report_page_is_in_the_app_shell_once_it_exists(client, city):
    try:
        report = reverse("portal:report_start")
    except Exception:
        pytest.skip("the report page (portal:report_start) is not there yet")
    assert report in _config(client.get("/sw.js"))["precache"]


def test_the_cache_version_changes_when_a_shell_file_changes(client, city, tmp_path, settings):
    before = _config(client.get("/sw.js"))["version"]
    assert _config(client.get("/sw.js"))["version"] == before  # stable while nothing changes
    # A newer portal.css, found first from a static folder of the test's own.
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "portal.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [tmp_path]
    finders.get_finder.cache_clear()
    try:
        assert _config(client.get("/sw.js"))["version"] != before
    finally:
        settings.STATICFILES_DIRS = []
        finders.get_finder.cache_clear()


def test_the_service_worker_names_its_caches_by_version_and_drops_old_ones(client, city):
    script = client.get("/sw.js").content.decode()
    assert 'const SHELL = PREFIX + "shell-" + CONFIG.version;' in script
    assert "caches.delete" in script


def test_the_offline_page_tells_the_resident_what_still_works(client, city):
    response = client.get(reverse("portal:offline"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>You are offline</h1>" in page
    assert "saved on this device" in page


def test_every_portal_page_links_the_manifest_and_registers_the_worker(client, city):
    page = client.get(reverse("portal:offline")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'data-service-worker="/sw.js"' in page
