"""Residents' comments on the tracking page: shown at once, held when they look like spam, rate limited,
moderated in the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from civic311.servicerequests import actions
from civic311.servicerequests.actions import Actor
from civic311.servicerequests.choices import Channel, CommentStatus
from civic311.servicerequests.models import Comment
from tests.factories import file_request


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pothole(city):
    return file_request(city.pothole)


def post(client, sr, text, **data):
    return client.post(f"/track/{sr.service_request_id}/comment", {"text": text, **data})


def test_a_comment_is_shown_in_the_timeline(client, city, pothole):
    response = post(
        client, pothole, "Still there this morning, getting deeper", name="Bo", email="bo@example.org"
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.VISIBLE
    assert comment.ip_hash and "127.0.0.1" not in comment.ip_hash
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "Still there this morning, getting deeper" in page
    assert "Bo commented" in page
    assert "bo@example.org" not in page
    assert "Your comment is shown below" in page


def test_comments_and_events_are_in_time_order(client, city, pothole):
    post(client, pothole, "First comment")
    actions.add_note(pothole, "City note after it", Actor(channel=Channel.STAFF), public=True)
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert page.index("Request received") < page.index("First comment") < page.index("City note after it")


def test_hostile_text_is_escaped(client, city, pothole):
    post(client, pothole, "<script>alert('x')</script> & <b>bold</b>", name="<i>Eve</i>")
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "<script>alert" not in page and "<b>bold" not in page and "<i>Eve" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Cheap fixes at https://spam.example.com today", "links"),
        ("Visit www.example.net for more", "links"),
        ("Soooooooooooo bad!!!!!!!!!!", "repeated characters"),
        ("Best casino bonus in town", "banned words"),
        ("FIX THIS NOW YOU USELESS PEOPLE", "all caps"),
    ],
)
def test_a_comment_that_looks_like_spam_is_held_and_not_shown(client, city, pothole, text, reason):
    response = post(client, pothole, text)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.HELD
    assert reason in comment.held_because
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert text not in page
    assert "once a moderator has read it" in page


def test_the_same_text_twice_is_held(client, city, pothole):
    post(client, pothole, "Same words here")
    post(client, pothole, "  same   WORDS here ")
    first, second = Comment.objects.order_by("pk")
    assert first.status == CommentStatus.VISIBLE
    assert second.status == CommentStatus.HELD and second.held_because == "duplicate text"


def test_plain_sentences_with_a_few_capitals_go_straight_through(client, city, pothole):
    post(client, pothole, "NASA could not find this hole. OK, it is big.")
    assert Comment.objects.get().status == CommentStatus.VISIBLE


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"text": ""}, "comment-text-error", "Write a comment first."),
        ({"text": "   \x00\x01 "}, "comment-text-error", "Write a comment first."),
        ({"text": "x" * 2001}, "comment-text-error", "Your comment is too long: at most 2000 characters."),
        (
            {"text": "fine", "email": "nope"},
            "comment-email-error",
            "Enter an email address like name@example.org, or leave it empty.",
        ),
        (
            {"text": "fine", "name": "N" * 101},
            "comment-name-error",
            "This name is too long: at most 100 characters.",
        ),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_stored(client, city, pothole, data, field, message):
    response = client.post(f"/track/{pothole.service_request_id}/comment", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="{field}" role="alert"' in page
    assert message in page
    assert not Comment.objects.exists()


def test_comments_are_not_taken_on_private_or_unknown_requests(client, city):
    wellness = file_request(city.wellness)
    assert post(client, wellness, "hello").status_code == 404
    assert client.post("/track/SR26-999999-9/comment", {"text": "hello"}).status_code == 404
    assert not Comment.objects.exists()


def test_the_sixth_comment_in_ten_minutes_is_refused_with_429(client, city, pothole):
    for n in range(5):
        assert post(client, pothole, f"Comment number {n}").status_code == 302
    response = post(client, pothole, "One too many")
    assert response.status_code == 429
    assert "Too many tries from here: at most 5 in 10 minutes" in response.content.decode()
    assert Comment.objects.count() == 5


def test_another_client_is_not_limited_by_the_first(client, city, pothole):
    for n in range(6):
        post(client, pothole, f"Comment number {n}")
    other = client.post(
        f"/track/{pothole.service_request_id}/comment", {"text": "From elsewhere"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_a_moderator_approves_or_rejects_in_the_admin(client, city, pothole):
    post(client, pothole, "Look at https://example.com/photo")
    post(client, pothole, "A kind word")
    held, visible = Comment.objects.order_by("pk")
    admin = get_user_model().objects.create_superuser("carol", "carol@example.org", "x" * 16)
    client.force_login(admin)
    url = "/admin/servicerequests/comment/"
    listing = client.get(url)
    assert listing.status_code == 200
    assert "Look at https://example.com/photo" in listing.content.decode()
    client.post(url, {"action": "approve_comments", "_selected_action": [held.pk]})
    client.post(url, {"action": "reject_comments", "_selected_action": [visible.pk]})
    held.refresh_from_db()
    visible.refresh_from_db()
    assert held.status == CommentStatus.VISIBLE and held.moderated_by == admin
    assert visible.status == CommentStatus.REJECTED
    client.logout()
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "Look at https://example.com/photo" in page
    assert "A kind word" not in page
