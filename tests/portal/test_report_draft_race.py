"""Two copies of one draft in flight at once (a double tap, the page and the service worker both sending)
still file one request: the second's transaction rolls back whole when its draft_key is taken."""

import threading
import uuid

import pytest
from django.db import connection, connections
from django.db.models.signals import pre_save

from civic311.portal.models import Submission
from civic311.servicerequests.models import Event, ServiceRequest
from tests.factories import file_request
from tests.portal.test_report_drafts import JSON, pothole


@pytest.fixture
def city_committed(transactional_db):
    from tests.factories import CityFactory

    return CityFactory().build()


def test_a_draft_taken_by_another_transaction_meanwhile_files_nothing_more(client, city_committed):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite runs one writer at a time: the two copies cannot overlap (PostgreSQL covers the race)"
        )
    key = uuid.uuid4()
    first = file_request(city_committed.pothole, description="the copy that won")
    before = ServiceRequest.objects.count()

    def the_other_copy_commits_first(sender, instance, **kwargs):
        # While this request is being written, the other copy's transaction takes the draft_key and
        # commits, from a connection of its own.
        pre_save.disconnect(the_other_copy_commits_first, sender=ServiceRequest)

        def other():
            try:
                Submission.objects.create(draft_key=key, request=first)
            finally:
                connections.close_all()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()

    pre_save.connect(the_other_copy_commits_first, sender=ServiceRequest, weak=False)
    try:
        response = client.post("/report/", pothole(key, description="the copy that lost"), headers=JSON)
    finally:
        pre_save.disconnect(the_other_copy_commits_first, sender=ServiceRequest)
    assert response.status_code == 200, response.content
    assert response.json()["service_request_id"] == first.service_request_id
    assert ServiceRequest.objects.count() == before
    assert not ServiceRequest.objects.filter(description="the copy that lost").exists()
    assert not Event.objects.filter(request__description="the copy that lost").exists()
