"""Reporter contact details and internal notes never leave in a public response; private services'
requests are absent from every public list. Each public endpoint is read in both formats."""

import pytest

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.open311.conftest import API

SECRETS = [
    "alice.secret@example.org",
    "+13125550199",  # E.164, as it is stored
    "Alicia",
    "Secretson",
    "device-xyz-123",
    "acct-42",
    "INTERNAL crew 7 note",
]


@pytest.fixture
def filed(city):
    contact = Contact(
        email=SECRETS[0],
        phone=SECRETS[1],
        first_name=SECRETS[2],
        last_name=SECRETS[3],
        device_id=SECRETS[4],
        account_id=SECRETS[5],
    )
    public = file_request(city.pothole, contact=contact, description="Hole by the bus stop")
    staff = actions.Actor(channel=Channel.STAFF)
    actions.add_note(public, SECRETS[6], staff, public=False)
    actions.change_status(public, Status.IN_PROGRESS, staff, note="Crew assigned")
    private = file_request(city.wellness, contact=contact, description="Check on my neighbour")
    return public, private


def public_urls(public, private):
    urls = []
    for fmt in ("json", "xml"):
        urls += [
            f"{API}/requests.{fmt}",
            f"{API}/requests.{fmt}?extensions=true",
            f"{API}/requests/{public.service_request_id}.{fmt}?extensions=true",
            f"{API}/requests.{fmt}?service_request_id={public.service_request_id},{private.service_request_id}",
            f"{API}/requests.{fmt}?q=neighbour",
            f"{API}/servicerequestupdates.{fmt}",
            f"{API}/tokens/{public.token}.{fmt}",
        ]
    return urls


def test_no_public_response_holds_contact_details_or_internal_notes(client, filed):
    public, private = filed
    for url in public_urls(public, private):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, f"{secret!r} leaked by {url}"


def test_requests_of_private_services_are_absent_from_public_lists(client, filed):
    public, private = filed
    for url in public_urls(public, private):
        body = client.get(url).content.decode()
        assert private.service_request_id not in body, url
        assert "Check on my neighbour" not in body, url
    assert client.get(f"{API}/requests/{private.service_request_id}.json").status_code == 404


def test_the_public_sees_the_public_note(client, filed):
    public, _ = filed
    item = client.get(f"{API}/requests/{public.service_request_id}.json?extensions=true").json()[0]
    assert item["status_notes"] == "Crew assigned"
    assert "Crew assigned" in [n["description"] for n in item["notes"]]


def test_making_a_service_private_hides_its_requests_at_once(client, city):
    request = file_request(city.graffiti)
    assert client.get(f"{API}/requests/{request.service_request_id}.json").status_code == 200
    city.graffiti.private = True
    city.graffiti.save()
    assert client.get(f"{API}/requests/{request.service_request_id}.json").status_code == 404
    assert (
        request.service_request_id
        not in client.get(f"{API}/requests.json?service_code=GRAF").content.decode()
    )
    city.graffiti.private = False
    city.graffiti.save()
    assert client.get(f"{API}/requests/{request.service_request_id}.json").status_code == 200


# --- every staff action that takes words --------------------------------------------------------------
#
# Each staff action that takes words says, in its form, whether they are for the resident or internal.
# Internal words never reach a public representation: the GeoReport API (notes with extensions, JSON and
# XML), servicerequestupdates, the tracking page and its timeline, the public live stream, the signed
# webhooks, and the emails and texts to followers. Words for the resident do reach them (so the walk is
# known to look where they would show).

INTERNAL_WORDS = "reporter is a known complainer"
PUBLIC_WORDS = "crew will fill it this week"


def _bulk(client, sr, **form):
    response = client.post("/staff/bulk/", {"ids": [sr.service_request_id], "back": "/staff/", **form})
    assert response.status_code == 302


# action -> (do it: (sr, words, world) -> None, the console form it comes from, words are for the resident)
STAFF_WORDS = {
    "status": (
        lambda sr, words, w: actions.change_status(sr, Status.IN_PROGRESS, w["actor"], note=words),
        "StatusForm",
        True,
    ),
    "public note": (
        lambda sr, words, w: actions.add_note(sr, words, w["actor"], public=True),
        "NoteForm",
        True,
    ),
    "internal note": (
        lambda sr, words, w: actions.add_note(sr, words, w["actor"], public=False),
        "NoteForm",
        False,
    ),
    "re-route to another department": (
        lambda sr, words, w: actions.reroute(sr, w["actor"], department=w["city"].water, note=words),
        "RerouteForm",
        False,
    ),
    "re-route to triage": (
        lambda sr, words, w: actions.reroute(sr, w["actor"], department=None, note=words),
        "RerouteForm",
        False,
    ),
    "re-route within the department": (
        lambda sr, words, w: actions.reroute(sr, w["actor"], department=sr.department, note=words),
        "RerouteForm",
        False,
    ),
    "refer": (
        lambda sr, words, w: actions.refer(sr, w["actor"], to="ComEd", note=words),
        "ReferForm",
        True,
    ),
    "duplicate": (
        lambda sr, words, w: actions.mark_duplicate(sr, w["original"], w["actor"], note=words),
        "DuplicateForm",
        True,
    ),
    "bulk status": (
        lambda sr, words, w: _bulk(w["client"], sr, action="status", status=Status.IN_PROGRESS, note=words),
        "StatusForm",
        True,
    ),
    "bulk re-route": (
        lambda sr, words, w: _bulk(
            w["client"], sr, action="reroute", department=w["city"].water.pk, note=words
        ),
        "RerouteForm",
        False,
    ),
}


def test_every_console_form_that_takes_words_is_walked():
    """A new form with words fails here until its action is added to STAFF_WORDS."""
    from django import forms as django_forms

    from civic311.console import forms

    with_words = {
        name
        for name, cls in vars(forms).items()
        if isinstance(cls, type)
        and issubclass(cls, django_forms.Form)
        and any(
            isinstance(field, django_forms.CharField) and name_ in ("note", "text", "message", "reason")
            for name_, field in cls.base_fields.items()
        )
    }
    assert with_words == {form for _, form, _ in STAFF_WORDS.values()}


def everything_public_about(client, sr) -> str:
    """Every public representation of `sr` and its events, as one text."""
    from civic311.live.publishers import is_public, public_message
    from civic311.notify import deliveries
    from civic311.notify.email import messages as email_messages
    from civic311.notify.registry import channels
    from civic311.notify.sms import messages as sms_messages
    from civic311.notify.webhook.channel import body_of
    from civic311.servicerequests.models import Event

    number = sr.service_request_id
    parts = []
    for fmt in ("json", "xml"):
        for url in (
            f"{API}/requests/{number}.{fmt}?extensions=true",
            f"{API}/requests.{fmt}?extensions=true",
            f"{API}/servicerequestupdates.{fmt}",
        ):
            response = client.get(url)
            assert response.status_code in (200, 404), url
            parts.append(response.content.decode())
    for url in (f"/track/{number}", f"/track/{number}/timeline"):
        parts.append(client.get(url).content.decode())
    sr.refresh_from_db()
    for event in Event.objects.filter(request=sr).order_by("pk"):
        if is_public(event, sr):
            parts.append(str(public_message(event, sr, sr.jurisdiction)))
        for channel in channels():
            for recipient in channel.recipients(event):
                delivery = deliveries.enqueue(recipient, event)
                if channel.name == "webhook":
                    parts.append(str(body_of(event)))
                elif channel.name == "email":
                    message = email_messages.build(delivery)
                    if message is not None:
                        parts.append(message.body + str(message.alternatives))
                elif channel.name == "sms":
                    parts.append(sms_messages.build(delivery) or "")
    return "\n".join(parts)


@pytest.mark.parametrize("action", list(STAFF_WORDS))
def test_staff_words_reach_the_public_only_when_they_are_for_the_resident(client, city, action):
    from civic311.notify.models import WebhookEndpoint
    from tests.console.conftest import make_staff

    do, _form, for_the_resident = STAFF_WORDS[action]
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", secret="s" * 32, event_kinds=[])
    carol = make_staff("carol", "supervisor", city.streets)
    client.force_login(carol, backend="django.contrib.auth.backends.ModelBackend")
    sr = file_request(city.pothole, description="Hole by the school")
    original = file_request(city.pothole, description="The same hole")
    world = {"actor": actions.Actor(channel=Channel.STAFF, user=carol), "city": city, "original": original}
    words = PUBLIC_WORDS if for_the_resident else INTERNAL_WORDS
    do(sr, words, {**world, "client": client})
    client.logout()

    seen = everything_public_about(client, sr)
    if for_the_resident:
        assert words in seen, f"{action}: the resident never sees the words meant for them"
    else:
        assert words not in seen, f"{action}: internal words are public"


def test_a_private_duplicate_of_a_public_request_is_not_named_in_public(client, city):
    staff = actions.Actor(channel=Channel.STAFF)
    original = file_request(city.pothole, description="Hole by the school")
    private = file_request(city.wellness, description="Check on my neighbour")
    actions.mark_duplicate(private, original, staff)
    seen = everything_public_about(client, original)
    assert private.service_request_id not in seen
    item = client.get(f"{API}/requests/{original.service_request_id}.json?extensions=true").json()[0]
    assert item["extended_attributes"]["duplicates"] == []


def test_a_public_request_cannot_be_closed_as_a_duplicate_of_a_private_one(city):
    from civic311.servicerequests.intake import RequestRejected

    public = file_request(city.pothole)
    private = file_request(city.wellness)
    with pytest.raises(RequestRejected, match="not public"):
        actions.mark_duplicate(public, private, actions.Actor(channel=Channel.STAFF))
