"""Area alerts: subscribing on /notify/alerts/ (double opt-in by email), alerts sent at once for new
public requests or closures that match by ward, radius and service, the daily digest (and no email when
nothing happened), unsubscribe links in each; private services never reach an alert; hostile or malformed
subscriptions are refused with a clear message and store nothing."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.notify import alerts, deliveries
from civic311.notify.models import AlertFrequency, AreaAlert, Delivery
from civic311.notify.tasks import dispatch_event
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Status
from civic311.servicerequests.intake import Contact
from tests.factories import INSIDE_WARD_1, INSIDE_WARD_2, file_request
from tests.notify.test_email_updates import STAFF, html_of, text_of
from tests.smtp import smtp_server  # noqa: F401  (the fixture)

NOBODY = Contact()  # anonymous reports: the only emails are the alerts'


@pytest.fixture
def inbox(smtp_server):  # noqa: F811
    return smtp_server


def make_alert(city, **fields) -> AreaAlert:
    services = fields.pop("services", [])
    defaults = {
        "jurisdiction": city.jurisdiction,
        "email": "neighbour@example.org",
        "confirmed": True,
        "confirmed_at": timezone.now() - timedelta(days=1),
        "frequency": AlertFrequency.IMMEDIATE,
        "new_requests": True,
    }
    if "lat" not in fields:
        defaults["district"] = city.wards[0]
    alert = AreaAlert.objects.create(**{**defaults, **fields})
    alert.services.set(services)
    return alert


def send_pending() -> list[str]:
    return [
        deliveries.send(pk) for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True)
    ]


def alert_emails_for(event) -> list[Delivery]:
    dispatch_event.call(event.pk)
    return list(Delivery.objects.filter(event=event, kind="alert"))


def report(city, service=None, where=INSIDE_WARD_1):
    return file_request(service or city.pothole, lat=where[0], long=where[1], contact=NOBODY)


def created(request):
    return request.events.get(kind="created")


# ------------------------------------------------------------------------------------------ matching


def test_a_new_request_in_the_ward_is_mailed_at_once(city, inbox):
    make_alert(city)
    request = report(city)
    assert len(alert_emails_for(created(request))) == 1
    assert send_pending() == ["sent"]
    message = inbox.wait_for_message()
    assert message["To"] == "neighbour@example.org"
    assert message["Subject"] == f"New request near you: Pothole in Street ({request.service_request_id})"
    assert f"http://testserver/track/{request.service_request_id}" in text_of(message)
    assert "/notify/unsubscribe/" in message["List-Unsubscribe"]
    assert "/notify/unsubscribe/" in html_of(message)


def test_a_request_in_another_ward_is_not(city):
    make_alert(city)
    assert alert_emails_for(created(report(city, where=INSIDE_WARD_2))) == []


def test_a_radius_alert_matches_within_its_circle_only(city):
    make_alert(city, lat=INSIDE_WARD_1[0], long=INSIDE_WARD_1[1] + 0.002, radius_m=300)  # ~166 m away
    assert len(alert_emails_for(created(report(city)))) == 1
    assert alert_emails_for(created(report(city, where=INSIDE_WARD_2))) == []  # ~660 m away


def test_an_alert_for_some_services_ignores_the_others(city):
    make_alert(city, services=[city.streetlight])
    assert alert_emails_for(created(report(city, city.pothole))) == []
    assert len(alert_emails_for(created(report(city, city.streetlight)))) == 1


def test_requests_of_a_private_service_never_reach_an_alert(city):
    make_alert(city)
    make_alert(city, email="other@example.org", services=[city.wellness])
    make_alert(city, email="third@example.org", closures=True, new_requests=False)
    request = report(city, city.wellness)
    assert alert_emails_for(created(request)) == []
    closing = actions.change_status(request, Status.CLOSED, STAFF)
    assert alert_emails_for(closing) == []
    assert (
        alerts.digest_for(
            make_alert(city, frequency=AlertFrequency.DAILY, closures=True),
            timezone.now() - timedelta(days=1),
            timezone.now(),
        ).new
        == []
    )


def test_a_closures_alert_hears_of_closures_not_of_new_requests(city, inbox):
    make_alert(city, new_requests=False, closures=True, language="es")
    request = report(city)
    assert alert_emails_for(created(request)) == []
    assert alert_emails_for(actions.change_status(request, Status.IN_PROGRESS, STAFF)) == []
    assert len(alert_emails_for(actions.change_status(request, Status.FIXED, STAFF))) == 1
    send_pending()
    message = inbox.wait_for_message()
    assert message["Subject"].startswith("Solicitud cerrada cerca de usted")


def test_unconfirmed_paused_and_daily_alerts_get_nothing_at_once(city):
    make_alert(city, confirmed=False, confirmed_at=None)
    make_alert(city, email="paused@example.org", active=False)
    make_alert(city, email="daily@example.org", frequency=AlertFrequency.DAILY)
    assert alert_emails_for(created(report(city))) == []


def test_one_email_per_address_however_many_of_its_alerts_match(city):
    make_alert(city)
    make_alert(city, lat=INSIDE_WARD_1[0], long=INSIDE_WARD_1[1], radius_m=100)
    assert len(alert_emails_for(created(report(city)))) == 1


def test_dispatching_twice_sends_one_alert(city, inbox):
    make_alert(city)
    event = created(report(city))
    alert_emails_for(event)
    alert_emails_for(event)
    assert send_pending() == ["sent"]
    assert send_pending() == []
    inbox.wait_for_message()
    assert len(inbox.messages) == 1


def test_an_alert_stopped_after_queueing_is_not_sent(city, inbox):
    alert = make_alert(city)
    alert_emails_for(created(report(city)))
    AreaAlert.objects.filter(pk=alert.pk).update(active=False)
    assert send_pending() == ["sent"]  # nothing left to send: logged as paused
    assert Delivery.objects.get(kind="alert").status == "paused"
    assert inbox.messages == []


# -------------------------------------------------------------------------------------------- digest


def test_the_daily_digest_lists_the_days_matches_in_one_email(city, inbox):
    make_alert(city, frequency=AlertFrequency.DAILY, closures=True, language="pl")
    first, second = report(city), report(city, city.graffiti)
    report(city, where=INSIDE_WARD_2)  # elsewhere
    report(city, city.wellness)  # private
    actions.change_status(second, Status.FIXED, STAFF)
    assert alerts.send_digests(now=timezone.now() + timedelta(seconds=1)) == 1
    assert send_pending() == ["sent"]
    message = inbox.wait_for_message()
    assert message["Subject"] == "Dziś w Twojej okolicy: nowe 2, zamknięte 1"
    text = text_of(message)
    assert first.service_request_id in text
    assert second.service_request_id in text
    assert text.count("http://testserver/track/") == 3
    assert "Zrezygnuj z tych wiadomości" in text
    assert "Nowe zgłoszenia" in html_of(message)


def test_no_digest_when_nothing_happened(city, inbox):
    make_alert(city, frequency=AlertFrequency.DAILY)
    report(city, where=INSIDE_WARD_2)
    assert alerts.send_digests(now=timezone.now() + timedelta(seconds=1)) == 0
    assert not Delivery.objects.filter(kind="digest").exists()


def test_each_digest_covers_only_what_came_since_the_last(city, inbox):
    alert = make_alert(city, frequency=AlertFrequency.DAILY)
    old = report(city)
    first_run = timezone.now() + timedelta(seconds=1)
    alerts.send_digests(now=first_run)
    new = file_request(
        city.pothole,
        lat=INSIDE_WARD_1[0],
        long=INSIDE_WARD_1[1],
        contact=NOBODY,
        at=first_run + timedelta(hours=1),
    )
    assert alerts.send_digests(now=first_run + timedelta(days=1)) == 1
    assert alerts.send_digests(now=first_run + timedelta(days=1)) == 0  # the same day again: nothing new
    latest = Delivery.objects.filter(kind="digest").order_by("-pk").first()
    assert latest.payload["new"] == [new.pk]
    assert old.pk not in latest.payload["new"]
    alert.refresh_from_db()
    assert alert.last_digest_at == first_run + timedelta(days=1)


def test_the_digest_job_is_registered_with_the_worker(city):
    from civic311.notify import schedule

    job = next(j for j in schedule.jobs() if j.name == "alert-digest")
    assert job.seconds == 24 * 3600
    make_alert(city, frequency=AlertFrequency.DAILY, confirmed_at=timezone.now() - timedelta(hours=2))
    report(city)
    assert schedule.run("alert-digest") == 1


# ------------------------------------------------------------------------------- subscribing (pages)

GOOD = {
    "email": "neighbour@example.org",
    "area": "ward",
    "new_requests": "on",
    "frequency": "immediate",
}


def subscribe(client, city, **changes):
    data = {**GOOD, "district": str(city.wards[1].pk), **changes}
    return client.post("/notify/alerts/", {k: v for k, v in data.items() if v is not None})


def test_the_subscription_page_labels_every_control(city, client):
    page = client.get("/notify/alerts/")
    assert page.status_code == 200
    for control in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page.text):
        assert f'<label for="{control}">' in page.text, control
    assert "Ward 2" in page.text
    assert "Wellness Check" not in page.text  # private services are not offered


def test_subscribing_mails_a_confirmation_and_the_link_turns_the_alert_on(city, client, inbox):
    response = subscribe(client, city, services=[city.pothole.service_code, city.graffiti.service_code])
    assert response.status_code == 200
    assert "We sent a link to neighbour@example.org" in response.text
    alert = AreaAlert.objects.get()
    assert (alert.confirmed, alert.district, alert.frequency) == (False, city.wards[1], "immediate")
    assert set(alert.services.all()) == {city.pothole, city.graffiti}
    assert alert_emails_for(created(report(city, where=INSIDE_WARD_2))) == []  # not before confirming
    send_pending()
    message = inbox.wait_for_message()
    assert message["Subject"] == "Confirm your area alert"
    path = re.search(r"http://testserver(/notify/alerts/confirm/\S+)", text_of(message)).group(1)
    page = client.get(path)
    assert "Turn on email alerts for Ward 2?" in page.text
    alert.refresh_from_db()
    assert not alert.confirmed  # a link scanner's GET does not confirm
    assert "Your alert is on" in client.post(path).text
    alert.refresh_from_db()
    assert alert.confirmed
    assert "already on" in client.post(path).text
    assert len(alert_emails_for(created(report(city, where=INSIDE_WARD_2)))) == 1


def test_a_point_and_radius_subscription_is_stored(city, client):
    response = subscribe(client, city, area="point", district="", lat="41.88", long="-87.635", radius_m="400")
    assert response.status_code == 200
    alert = AreaAlert.objects.get()
    assert (alert.district, alert.lat, alert.long, alert.radius_m) == (None, 41.88, -87.635, 400)


def test_the_confirmation_is_in_the_visitors_language(city, client, inbox):
    client.post("/notify/alerts/", {**GOOD, "district": str(city.wards[0].pk)}, HTTP_ACCEPT_LANGUAGE="es")
    assert AreaAlert.objects.get().language == "es"
    send_pending()
    assert inbox.wait_for_message()["Subject"] == "Confirme su alerta de zona"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "a\x00b@example.org"}, "Null characters are not allowed."),
        ({"email": "a" * 300 + "@example.org"}, "too long"),
        ({"area": None}, "Choose a ward or a point and radius."),
        ({"area": "city"}, "Choose a ward or a point and radius."),
        ({"district": ""}, "Choose a ward from the list."),
        ({"district": "999999"}, "Choose a ward from the list."),
        ({"district": "1 OR 1=1"}, "Choose a ward from the list."),
        ({"area": "point", "lat": "", "long": "-87.6", "radius_m": "300"}, "Enter a latitude"),
        ({"area": "point", "lat": "100", "long": "-87.6", "radius_m": "300"}, "Enter a latitude"),
        ({"area": "point", "lat": "nan", "long": "-87.6", "radius_m": "300"}, "Enter a latitude"),
        ({"area": "point", "lat": "41.8", "long": "abc", "radius_m": "300"}, "Enter a longitude"),
        (
            {"area": "point", "lat": "41.8", "long": "-87.6", "radius_m": "10"},
            "Enter a radius from 50 to 5000",
        ),
        ({"area": "point", "lat": "41.8", "long": "-87.6", "radius_m": "1e9"}, "Enter a radius"),
        ({"area": "point", "lat": "41.8", "long": "-87.6", "radius_m": "1" * 11}, "too long"),
        ({"area": "point", "lat": "41.8", "long": "-87.6", "radius_m": "inf"}, "Enter a radius"),
        ({"services": ["NOPE"]}, "Choose services from the list."),
        ({"services": ["WELL"]}, "Choose services from the list."),  # private
        ({"new_requests": None}, "Choose new requests, closures or both."),
        ({"frequency": "hourly"}, "Choose how often to be told."),
    ],
)
def test_a_bad_subscription_is_refused_with_a_clear_message_and_stores_nothing(
    city, client, changes, message
):
    response = subscribe(client, city, **changes)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert message in response.text
    assert 'aria-invalid="true"' in response.text or "aria-describedby" in response.text
    assert not AreaAlert.objects.exists()
    assert not Delivery.objects.exists()


def test_too_many_subscriptions_from_one_client_are_refused(city, client):
    for n in range(5):
        assert subscribe(client, city, email=f"n{n}@example.org").status_code == 200
    response = subscribe(client, city, email="n6@example.org")
    assert response.status_code == 429
    assert "Too many tries" in response.text
    assert AreaAlert.objects.count() == 5


def test_a_forged_or_expired_confirmation_link_is_refused(city, client):
    from civic311.notify.email import tokens
    from tests.notify.test_unsubscribe import old_token

    alert = make_alert(city, confirmed=False, confirmed_at=None)
    forged = tokens.confirm_token(alert.pk)[:-3] + "abc"
    assert client.post(f"/notify/alerts/confirm/{forged}").status_code == 400
    expired = old_token(tokens.CONFIRM_SALT, alert.pk, tokens.CONFIRM_MAX_AGE + 60)
    response = client.post(f"/notify/alerts/confirm/{expired}")
    assert response.status_code == 400
    assert "expired" in response.text
    alert.refresh_from_db()
    assert not alert.confirmed
