"""The unsubscribe link of every email: no login, asks before it acts (a link scanner's GET changes
nothing), one click from mail clients (RFC 8058 POST), idempotent, and refuses forged or expired tokens."""

import re
import time

import pytest
from django.core import signing
from django.test import Client

from civic311.notify.email import tokens
from civic311.notify.models import AreaAlert, Delivery
from civic311.servicerequests import actions
from tests.factories import file_request
from tests.notify.test_email_updates import STAFF, deliver
from tests.smtp import smtp_server  # noqa: F401  (the fixture)


@pytest.fixture
def inbox(smtp_server):  # noqa: F811
    return smtp_server


@pytest.fixture
def follower(city):
    request = file_request(city.pothole)
    return request.followers.get()


def link_for(follower) -> str:
    return f"/notify/unsubscribe/{tokens.unsubscribe_token('f', follower.pk)}"


def old_token(salt: str, value, age_seconds: int) -> str:
    """A token signed `age_seconds` ago."""

    class Then(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - age_seconds)

    return Then(salt=salt).sign_object(value, compress=False)


def test_the_link_in_an_email_stops_the_updates_of_that_request(follower, client, inbox):
    deliver(follower.request.events.get(kind="created"))
    message = inbox.wait_for_message()
    path = re.search(r"http://testserver(/notify/unsubscribe/\S+)", inbox.body(message)).group(1)
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop getting emails about request" in page.text
    follower.refresh_from_db()
    assert follower.active  # looking is not unsubscribing
    done = client.post(path)
    assert done.status_code == 200
    assert "You will not get any more emails about request" in done.text
    follower.refresh_from_db()
    assert not follower.active
    assert deliver(actions.add_note(follower.request, "Patched", STAFF, public=True)) == []
    assert len(inbox.messages) == 1


def test_unsubscribing_twice_says_the_same_and_changes_nothing_more(follower, client):
    assert client.post(link_for(follower)).status_code == 200
    again = client.post(link_for(follower))
    assert again.status_code == 200
    assert "You will not get any more emails" in again.text
    assert client.get(link_for(follower)).status_code == 200


def test_a_mail_clients_one_click_post_works_without_a_csrf_token(follower):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(link_for(follower), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    follower.refresh_from_db()
    assert not follower.active


def test_the_list_unsubscribe_header_names_the_same_page(follower, inbox):
    deliver(follower.request.events.get(kind="created"))
    header = inbox.wait_for_message()["List-Unsubscribe"]
    token = re.fullmatch(r"<http://testserver/notify/unsubscribe/(\S+)>", header).group(1)
    assert tokens.read_unsubscribe_token(token) == tokens.Subscription("f", follower.pk)


def test_an_alert_is_unsubscribed_by_its_own_link(city, client):
    alert = AreaAlert.objects.create(
        jurisdiction=city.jurisdiction, email="neighbour@example.org", district=city.wards[0], confirmed=True
    )
    path = f"/notify/unsubscribe/{tokens.unsubscribe_token('a', alert.pk)}"
    assert "Stop your email alerts for Ward 1?" in client.get(path).text
    assert "Your area alert is off" in client.post(path).text
    alert.refresh_from_db()
    assert not alert.active


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "W1siZiIsMV0:1vEJz2:forgedsignatureforgedsignatureforgedsig",
        "x" * 301,
        "%00",
    ],
)
def test_a_forged_or_damaged_token_is_refused_and_changes_nothing(follower, client, token):
    response = client.post(f"/notify/unsubscribe/{token}")
    assert response.status_code == 400
    assert "This link is not valid" in response.text
    assert 'role="alert"' in response.text
    follower.refresh_from_db()
    assert follower.active


def test_a_token_with_one_character_changed_is_refused(follower, client):
    token = tokens.unsubscribe_token("f", follower.pk)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(f"/notify/unsubscribe/{forged}").status_code == 400
    follower.refresh_from_db()
    assert follower.active


def test_a_token_for_another_follower_cannot_be_made_without_the_key(follower, client):
    other = signing.dumps(["f", follower.pk], key="not-our-secret", salt=tokens.UNSUBSCRIBE_SALT)
    assert client.post(f"/notify/unsubscribe/{other}").status_code == 400


def test_a_survey_token_does_not_unsubscribe(follower, client):
    assert client.post(f"/notify/unsubscribe/{tokens.survey_token(follower.pk)}").status_code == 400


def test_an_expired_token_says_so(follower, client):
    token = old_token(tokens.UNSUBSCRIBE_SALT, ["f", follower.pk], tokens.UNSUBSCRIBE_MAX_AGE + 60)
    response = client.post(f"/notify/unsubscribe/{token}")
    assert response.status_code == 400
    assert "This link has expired" in response.text
    follower.refresh_from_db()
    assert follower.active


def test_a_token_of_a_follower_that_no_longer_exists_is_a_clear_404(city, client):
    response = client.get(f"/notify/unsubscribe/{tokens.unsubscribe_token('f', 999999)}")
    assert response.status_code == 404
    assert "no longer exists" in response.text


def test_other_methods_are_refused(follower, client):
    assert client.put(link_for(follower)).status_code == 405
    assert client.delete(link_for(follower)).status_code == 405
    follower.refresh_from_db()
    assert follower.active
    assert Delivery.objects.count() == 0
