"""Outbound webhooks: a receiver on loopback gets each public event of the kinds it wants, signed, in an
order it can restore; a receiver that fails gets it again later; bad endpoints are logged, never fatal."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from civic311.notify import deliveries, registry
from civic311.notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from civic311.notify.tasks import run_queued
from civic311.notify.webhook import channel
from civic311.servicerequests import actions
from tests.factories import file_request

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-shared-with-the-receiver"
STAFF = actions.Actor(channel="web")


class Receiver:
    """An HTTP server on loopback that answers with the statuses it is given (then 200), and keeps what
    it received."""

    def __init__(self):
        self.answers: list[int | str] = []
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    time.sleep(1.5)
                    answer = 200
                self.send_response(answer)
                if answer in (301, 302, 307, 308):
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/civic311"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch):
    # only the webhook channel: the others (email, SMS) have their own tests
    monkeypatch.setattr(registry, "_channels", {})
    registry.register_channel(channel.CHANNEL, channel.recipients, channel.send)
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(deliveries, "BACKOFF_BASE", timedelta(milliseconds=200))


def endpoint(url, kinds=(), **kwargs) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url=url, secret=SECRET, event_kinds=list(kinds), **kwargs)


def test_each_public_event_is_posted_signed_and_in_an_order_the_receiver_can_restore(city, receiver):
    endpoint(receiver.url, kinds=["created", "status_changed", "note"])
    request = file_request(city.pothole, description="Deep hole by the school")
    actions.change_status(request, "in_progress", STAFF, note="Crew on the way")
    actions.add_note(request, "Filled; the patch needs a day to set", STAFF, public=True)
    run_queued()

    assert len(receiver.received) == 3
    bodies = []
    for hit in receiver.received:
        headers = hit["headers"]
        assert headers["Content-Type"] == "application/json"
        assert channel.verify(SECRET, headers["X-Civic311-Signature"], hit["body"])
        timestamp = int(headers["X-Civic311-Signature"].split(",")[0].removeprefix("t="))
        assert abs(time.time() - timestamp) < 60
        assert not channel.verify("another secret", headers["X-Civic311-Signature"], hit["body"])
        assert not channel.verify(SECRET, headers["X-Civic311-Signature"], hit["body"] + b" ")
        body = json.loads(hit["body"])
        assert headers["X-Civic311-Event"] == body["event"]
        bodies.append(body)

    in_order = sorted(bodies, key=lambda b: b["event_id"])
    assert [b["event"] for b in in_order] == ["created", "status_changed", "note"]
    assert [b["time"] for b in in_order] == sorted(b["time"] for b in in_order)
    assert in_order[1]["status_code"] == "in_progress" and in_order[1]["note"] == "Crew on the way"
    assert {b["service_request_id"] for b in bodies} == {request.service_request_id}
    assert set(in_order[0]) == {
        "event_id", "event", "time", "service_request_id", "jurisdiction_id", "service_code", "status",
        "status_code", "summary", "note",
    }  # fmt: skip


def test_the_body_never_carries_private_data(city, receiver):
    endpoint(receiver.url)
    request = file_request(city.pothole)
    actions.add_note(request, "Resident is rude, call before visiting", STAFF, public=False)
    file_request(city.wellness)  # a private service: nothing of it leaves
    run_queued()
    raw = b"".join(hit["body"] for hit in receiver.received)
    assert receiver.received, "the public events were sent"
    # The reporter's phone in every form it could take ("555" alone also matched an event id, 2555).
    phones = (b"3125550100", b"312 555 0100", b"555-0100", b"555 0100")
    for secret in (b"alice@example.org", *phones, b"Alice", b"Resident", b"rude"):
        assert secret not in raw
    assert {json.loads(hit["body"])["service_code"] for hit in receiver.received} == {
        city.pothole.service_code
    }


def test_an_endpoint_gets_only_the_kinds_it_wants_and_none_when_inactive(city, receiver):
    endpoint(receiver.url, kinds=["status_changed"])
    endpoint(receiver.url + "?off", active=False)
    request = file_request(city.pothole)
    actions.change_status(request, "closed", STAFF, note="Fixed")
    run_queued()
    assert [json.loads(hit["body"])["event"] for hit in receiver.received] == ["status_changed"]


def test_a_timestamp_too_old_is_rejected_by_the_reference_check():
    body = b'{"event":"created"}'
    old = int(time.time()) - 3600
    header = channel.signature(SECRET, old, body)
    assert not channel.verify(SECRET, header, body)
    assert channel.verify(SECRET, header, body, now=old + 10)
    assert not channel.verify(SECRET, "garbage", body)


def test_a_receiver_that_fails_then_succeeds_gets_it_by_retry(city, receiver, quick_retries):
    endpoint(receiver.url, kinds=["created"])
    receiver.answers = [503, 500]
    file_request(city.pothole)
    run_queued()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "HTTP 503" in delivery.last_error
    time.sleep(0.25)
    run_queued()
    time.sleep(0.85)
    run_queued()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)
    assert len(receiver.received) == 3
    # every attempt carries the same delivery id, so a receiver drops a repeat
    assert len({hit["headers"]["X-Civic311-Delivery"] for hit in receiver.received}) == 1
    assert len({hit["body"] for hit in receiver.received}) == 1


def test_a_404_is_logged_as_failed_and_not_retried(city, receiver):
    endpoint(receiver.url, kinds=["created"])
    receiver.answers = [404]
    file_request(city.pothole)
    run_queued()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == (
        DeliveryStatus.FAILED,
        "PermanentFailure: HTTP 404 from the endpoint",
    )


def test_a_redirect_is_not_followed(city, receiver):
    endpoint(receiver.url, kinds=["created"])
    receiver.answers = [302]
    file_request(city.pothole)
    run_queued()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "redirects are not followed" in delivery.last_error
    assert [hit["path"] for hit in receiver.received] == ["/hooks/civic311"]


def test_a_receiver_that_hangs_times_out_and_is_retried(city, receiver, monkeypatch):
    monkeypatch.setattr(channel, "TIMEOUT_SECONDS", 0.5)
    endpoint(receiver.url, kinds=["created"])
    receiver.answers = ["hang"]
    file_request(city.pothole)
    run_queued()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "timed out" in delivery.last_error


def test_an_unreachable_endpoint_is_retried_and_others_still_get_theirs(city, receiver):
    from tests.servers import free_port

    endpoint(f"http://127.0.0.1:{free_port()}/nobody", kinds=["created"])
    endpoint(receiver.url, kinds=["created"])
    file_request(city.pothole)
    run_queued()
    statuses = dict(Delivery.objects.values_list("address", "status"))
    assert sorted(statuses.values()) == [DeliveryStatus.PENDING, DeliveryStatus.SENT]
    assert len(receiver.received) == 1


def test_an_endpoint_removed_before_the_send_fails_the_delivery(city, receiver):
    hook = endpoint(receiver.url, kinds=["created"])
    file_request(city.pothole)
    from civic311.notify.tasks import dispatch_event
    from civic311.servicerequests.models import Event

    dispatch_event.call(Event.objects.get(kind="created").pk)
    hook.delete()
    run_queued()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert receiver.received == []
