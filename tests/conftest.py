"""Shared fixtures: a small city built in code (factories), the named actors, an API client."""

import pytest

from tests.door import DoorGuard
from tests.factories import CityFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "http://testserver"


@pytest.fixture
def city(db):
    """Springfield: one jurisdiction, two departments, a few services with questions, two wards."""
    return CityFactory().build()


@pytest.fixture
def history(city):
    """Springfield with 36 requests filed and worked at known times, and the plan they came from."""
    from tests.known_history import make_history

    return make_history(city)


@pytest.fixture
def api_key(city):
    return city.api_key


@pytest.fixture
def api(client):
    """The Django test client, for the GeoReport API."""
    return client


@pytest.fixture(autouse=True)
def _english_to_start():
    """Each test starts in the default language: a page asked for in Spanish leaves Spanish active in the
    thread (LocaleMiddleware activates, nothing deactivates), which would follow into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    """Each test starts without the catalog cache of the last (its rows were rolled back)."""
    from civic311.catalog import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """A fast hasher: tests create many staff users, and PBKDF2's cost is on purpose slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    """Each test its own empty in-memory cache: rate limits and spent links of one test never reach the
    next, and parallel test processes never share the data directory's file cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }


@pytest.fixture(autouse=True)
def _the_door_holds(request):
    """Every test also checks the door (tests/door.py): a request, event, follower, comment or photo row
    written by a module outside the domain fails the test that made it happen."""
    if request.node.get_closest_marker("breaks_the_door"):
        yield
        return
    with DoorGuard() as guard:
        yield
    assert guard.broken == [], "written outside civic311/servicerequests/: " + "; ".join(guard.broken[:5])
