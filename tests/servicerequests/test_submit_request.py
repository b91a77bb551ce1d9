"""The domain's one door for new requests, as every channel uses it."""

import pytest
from django.db import transaction

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import Contact, Location, RequestRejected
from civic311.servicerequests.models import Event, ServiceRequest
from civic311.servicerequests.signals import event_recorded
from tests.factories import INSIDE_WARD_2, OUTSIDE_CITY, file_request


def test_it_files_a_request_with_its_ward_history_and_number(city):
    request = file_request(city.pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1], description="Hole")
    assert request.service_request_id.startswith("SR") and request.service_request_id[-2] == "-"
    assert [d.code for d in request.districts.all()] == ["2"]
    assert request.department == city.streets
    assert list(request.events.values_list("kind", "public")) == [("created", True), ("routed", True)]


def test_it_numbers_requests_in_sequence_within_the_year(city):
    first = file_request(city.pothole).service_request_id
    second = file_request(city.pothole).service_request_id
    assert first[:-2].endswith("000001") and second[:-2].endswith("000002")


def test_each_channel_is_recorded(city):
    for channel in (Channel.WEB, Channel.PHONE, Channel.SMS):
        request = file_request(city.graffiti, channel=channel)
        assert request.channel == channel
        assert request.events.get(kind="created").channel == channel


def test_it_refuses_a_point_outside_the_city_and_stores_nothing(city):
    with pytest.raises(RequestRejected) as caught:
        file_request(city.pothole, lat=OUTSIDE_CITY[0], long=OUTSIDE_CITY[1])
    assert "outside the area Springfield serves" in str(caught.value)
    assert not ServiceRequest.objects.exists() and not Event.objects.exists()


def test_it_collects_every_problem_before_refusing(city):
    new = actions.NewRequest(
        service=city.garbage,
        location=Location(),
        description="<b>x</b>",
        answers={"CARTS": ["PURPLE"]},
        contact=Contact(email="bad"),
    )
    with pytest.raises(RequestRejected) as caught:
        actions.submit_request(new, actions.Actor(channel=Channel.WEB))
    fields = {e.field for e in caught.value.errors}
    assert {"description", "location", "email", "attribute[CARTS]"} <= fields


def test_a_multivaluelist_answer_refuses_one_unknown_choice(city):
    with pytest.raises(RequestRejected, match="PURPLE"):
        file_request(city.garbage, answers={"CARTS": ["BLACK", "PURPLE"]})


def test_a_singlevaluelist_takes_one_value_only(city):
    with pytest.raises(RequestRejected, match="takes one value"):
        file_request(city.pothole, answers={"WHERE": ["LANE", "BIKE"]})


def test_a_string_answer_over_500_characters_is_refused(city):
    with pytest.raises(RequestRejected, match="at most 500"):
        file_request(city.streetlight, answers={"LIGHTOUT": "OUT", "POLE": "9" * 501})


def test_the_event_is_announced_only_after_commit(city, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, event, **kwargs):
        heard.append(event.kind)

    event_recorded.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            file_request(city.pothole)
            assert heard == []
        assert heard == ["created", "routed"]
    finally:
        event_recorded.disconnect(listener)


@pytest.mark.django_db(transaction=True)
def test_nothing_is_announced_when_the_transaction_rolls_back(city):
    heard = []

    def listener(sender, event, **kwargs):
        heard.append(event.kind)

    event_recorded.connect(listener)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            file_request(city.pothole)
            raise RuntimeError("rolled back")
        assert heard == []
        assert not ServiceRequest.objects.exists()
    finally:
        event_recorded.disconnect(listener)


@pytest.mark.parametrize("follow", [True, False])
def test_the_reporter_follows_it_unless_they_asked_for_no_updates(city, follow):
    new = actions.NewRequest(
        service=city.graffiti,
        location=Location(lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1]),
        contact=Contact(email="ann@example.org"),
        follow=follow,
    )
    sr = actions.submit_request(new, actions.Actor(channel=Channel.WEB))
    reporter = sr.followers.get()
    assert reporter.email == "ann@example.org"
    assert reporter.active is follow
