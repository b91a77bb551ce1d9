"""The whole loop by text: a resident reports by SMS, staff move the request on, the resident's phone
gets the update (through the fake Twilio), and STOP ends it."""

import pytest

from civic311.notify import deliveries
from civic311.notify.models import Delivery
from civic311.notify.tasks import dispatch_event
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def deliver(event) -> None:
    dispatch_event.call(event.pk)
    for delivery in Delivery.objects.filter(event=event, channel="sms"):
        deliveries.send(delivery.pk)


def test_a_resident_who_reported_by_text_hears_of_the_fix_by_text(alice, city, fake_twilio):
    alice.says("graffiti on the bridge")
    alice.says("100 W Main St")
    alice.says("yes")
    alice.says("skip")
    sr = ServiceRequest.objects.get()
    deliver(sr.events.get(kind="created"))
    assert fake_twilio.sent == []  # the conversation already gave the number

    deliver(actions.change_status(sr, Status.FIXED, actions.Actor(channel=Channel.STAFF)))
    [update] = fake_twilio.delivered
    assert update.to == "+13125550100"
    assert f"{sr.service_request_id}, Graffiti Removal at 100 W Main St: it is fixed." in update.body

    alice.says("STOP")
    actions.change_status(sr, Status.IN_PROGRESS, actions.Actor(channel=Channel.STAFF))
    deliver(sr.events.order_by("-pk").first())
    assert len(fake_twilio.sent) == 1
