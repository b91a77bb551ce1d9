"""Photos are stored under random names and served only to whoever may see them: anyone for a public
photo of a public request; staff in scope (past the second factor) for a private request's photos or a
photo held back; 404 for everyone else, as for a name that is no photo."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.models import Media
from tests.console.conftest import make_staff
from tests.factories import file_request
from tests.portal.test_report_photos import jpeg

RESIDENT = actions.Actor(channel=Channel.WEB)


def photo_of(sr) -> Media:
    return actions.attach_media(sr, RESIDENT, upload=jpeg())


def urls_of(media: Media) -> list[str]:
    return [media.file.url, media.thumbnail.url]


@pytest.fixture
def private_photo(city):
    return photo_of(file_request(city.wellness, description="Check on my neighbour"))


def test_stored_names_are_random_not_the_upload_name_or_the_date(city):
    first, second = photo_of(file_request(city.pothole)), photo_of(file_request(city.pothole))
    for media in (first, second):
        assert re.fullmatch(r"requests/[A-Za-z0-9_-]{32}\.jpg", media.file.name), media.file.name
        assert re.fullmatch(r"requests/thumbs/[A-Za-z0-9_-]{32}\.jpg", media.thumbnail.name)
    assert first.file.name != second.file.name


def test_a_public_photo_is_served_to_anyone_and_may_be_cached(client, city):
    media = photo_of(file_request(city.pothole))
    for url in urls_of(media):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
        assert "immutable" in response["Cache-Control"]


def test_a_private_requests_photo_is_404_to_the_public(client, private_photo):
    for url in urls_of(private_photo):
        assert client.get(url).status_code == 404, url


def test_a_photo_held_back_is_404_to_the_public(client, city):
    media = photo_of(file_request(city.pothole))
    Media.objects.filter(pk=media.pk).update(public=False)
    assert client.get(media.file.url).status_code == 404


def test_staff_in_scope_see_a_private_photo_others_do_not(client, city, private_photo):
    private_photo.request.department = city.streets
    private_photo.request.save(update_fields=["department"])
    bob = make_staff("bob", "staff", city.streets)
    dave = make_staff("dave", "staff", city.water)
    client.force_login(dave, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(private_photo.file.url).status_code == 404
    client.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(private_photo.file.url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    # An authenticator set up and not given this session: no private photo.
    TOTPDevice.objects.create(user=bob, name="phone", confirmed=True)
    assert client.get(private_photo.file.url).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/secret_key",
        "/media/../secret_key",
        "/media/requests/",
        "/media/requests/photo.jpg",
        "/media/x",
    ],
)
def test_a_name_that_is_no_photo_is_404(client, city, path):
    assert client.get(path).status_code == 404


def test_the_web_server_sends_the_file_when_told_to(client, city, settings):
    settings.MEDIA_ACCEL_PREFIX = "/protected-media/"
    media = photo_of(file_request(city.pothole))
    response = client.get(media.file.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{media.file.name}"
