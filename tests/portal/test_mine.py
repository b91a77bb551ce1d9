"""My requests: a one-time sign-in link mailed (through a real SMTP server on loopback), then the list
of the requests the address reported or follows. No password, no account enumeration."""

import contextlib
import re

import pytest
from django.core import signing
from django.core.cache import cache

from civic311.portal import community
from civic311.servicerequests import actions
from civic311.servicerequests.actions import Actor
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.smtp import smtp_server  # noqa: F401 (the fixture)

LINK = re.compile(r"http://testserver(/me/sign-in/[^\s]+)")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def ask_for_link(client, email: str):
    return client.post("/me/", {"email": email})


def link_in(message) -> str:
    found = LINK.search(message.get_body(preferencelist=("plain",)).get_content())
    assert found, "no sign-in link in the message"
    return found.group(1)


def sign_in(client, smtp_server, email: str = "alice@example.org"):  # noqa: F811
    before = len(smtp_server.messages)
    ask_for_link(client, email)
    path = link_in(smtp_server.wait_for_message(before + 1))
    assert client.post(path).status_code == 302
    return path


def test_the_sign_in_link_arrives_by_email_and_shows_my_requests(client, city, smtp_server):  # noqa: F811
    reported = file_request(city.pothole)  # by alice@example.org
    followed = file_request(city.streetlight, contact=Contact(email="bob@example.org"))
    actions.add_follower(followed, Actor(channel=Channel.WEB), email="Alice@Example.org", reason="me_too")
    private = file_request(city.wellness, description="Check on my neighbour")
    not_mine = file_request(city.graffiti, contact=Contact(email="bob@example.org"))

    response = ask_for_link(client, "alice@example.org")
    assert response.status_code == 200
    assert "a sign-in link is on its way" in response.content.decode()
    message = smtp_server.wait_for_message()
    assert message["To"] == "alice@example.org"
    assert message["From"] == "311@springfield.example"
    assert "Springfield" in message["Subject"]
    path = link_in(message)

    confirm = client.get(path)  # what a mail scanner would fetch: it spends nothing
    assert confirm.status_code == 200
    assert client.post(path).status_code == 302
    page = client.get("/me/")
    assert page["Cache-Control"] == "private, no-store"
    text = page.content.decode()
    assert "Signed in as alice@example.org" in text
    for sr in (reported, followed, private):
        assert sr.service_request_id in text
    assert f'href="/track/{private.service_request_id}"' not in text  # private: no public page
    assert "Check on my neighbour" not in text
    assert not_mine.service_request_id not in text
    assert "Received" in text


def test_the_answer_is_the_same_for_an_address_without_requests(client, city, smtp_server):  # noqa: F811
    file_request(city.pothole)
    known = ask_for_link(client, "alice@example.org").content.decode()
    unknown = ask_for_link(client, "nobody@example.org").content.decode()
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", known.replace("alice@example.org", "X")) == csrf.sub(
        "", unknown.replace("nobody@example.org", "X")
    )
    smtp_server.wait_for_message(2)
    path = link_in(smtp_server.messages[1])
    client.post(path)
    assert "You have no requests yet" in client.get("/me/").content.decode()


def test_a_link_works_only_once(client, city, smtp_server):  # noqa: F811
    path = sign_in(client, smtp_server)
    client.post("/me/sign-out")
    again = client.post(path)
    assert again.status_code == 400
    assert "This sign-in link was already used" in again.content.decode()
    assert "Signed in as" not in client.get("/me/").content.decode()


def test_a_forged_or_garbled_link_is_refused(client, city):
    forged = signing.dumps({"e": "alice@example.org", "n": "x"}, salt="another salt")
    for token in (forged, "garbage", "a" * 600, forged[:-3] + "abc"):
        for response in (client.get(f"/me/sign-in/{token}"), client.post(f"/me/sign-in/{token}")):
            assert response.status_code == 400
            assert "not valid" in response.content.decode()
    assert "Signed in as" not in client.get("/me/").content.decode()


def test_the_link_holds_no_address_in_any_readable_form(client, city, smtp_server):  # noqa: F811
    import base64
    import zlib

    ask_for_link(client, "alice@example.org")
    smtp_server.wait_for_message(1)
    token = link_in(smtp_server.messages[0]).rsplit("/", 1)[1]
    assert "alice" not in token.lower()
    for part in token.replace(".", ":").split(":"):
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        with contextlib.suppress(zlib.error):
            raw += zlib.decompress(raw)
        assert b"alice" not in raw.lower()
    assert client.post(f"/me/sign-in/{token}").status_code == 302  # and it still signs her in


def test_an_expired_link_is_refused(client, city, monkeypatch):
    token = community.make_sign_in_token("alice@example.org")
    monkeypatch.setattr(community, "SIGN_IN_MAX_AGE", -1)
    for response in (client.get(f"/me/sign-in/{token}"), client.post(f"/me/sign-in/{token}")):
        assert response.status_code == 400
        assert "This sign-in link has expired" in response.content.decode()
    assert "Signed in as" not in client.get("/me/").content.decode()


def test_signing_out_forgets_the_address(client, city, smtp_server):  # noqa: F811
    sign_in(client, smtp_server)
    assert client.post("/me/sign-out").status_code == 302
    page = client.get("/me/").content.decode()
    assert "Signed in as" not in page and 'name="email"' in page
    assert client.get("/me/sign-out").status_code == 405


@pytest.mark.parametrize(
    "email",
    ["", "not an email", "a@b", "x" * 300 + "@example.org", "<script>@x.org", "al\x00ice@example.org"],
)
def test_a_bad_address_is_refused_and_nothing_is_mailed(client, city, smtp_server, email):  # noqa: F811
    response = ask_for_link(client, email)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="mine-error" role="alert"' in page
    assert "<script>@x.org" not in page
    assert smtp_server.messages == []


def test_links_asked_for_too_often_are_refused_with_429(client, city, smtp_server):  # noqa: F811
    for n in range(5):
        assert ask_for_link(client, f"person{n}@example.org").status_code == 200
    response = ask_for_link(client, "person9@example.org")
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    smtp_server.wait_for_message(5)
    assert len(smtp_server.messages) == 5


def test_one_address_gets_at_most_three_links_an_hour(client, city, smtp_server):  # noqa: F811
    for n in range(4):
        client.post("/me/", {"email": "alice@example.org"}, REMOTE_ADDR=f"10.0.0.{n}")
    smtp_server.wait_for_message(3)
    import time

    time.sleep(0.3)
    assert len(smtp_server.messages) == 3
