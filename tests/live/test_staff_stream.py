"""GET /staff/live/: the staff console's stream of changes in the departments a user may see."""

import asyncio

from django.test import Client

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from tests.console.conftest import make_staff
from tests.factories import file_request
from tests.live.conftest import in_thread, open_stream

STAFF = actions.Actor(channel=Channel.STAFF)


def session_cookie(user) -> dict:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def test_staff_hear_of_changes_in_their_department_only(server_url, city):
    bob = make_staff("bob", "staff", city.streets)
    pothole = file_request(city.pothole)  # Streets and Sanitation
    wellness = file_request(city.wellness)  # Water Management
    cookie = session_cookie(bob)

    async def scenario():
        async with open_stream(f"{server_url}/staff/live/", headers=cookie) as stream:
            assert (await stream.block()) == ["retry: 3000"]
            await in_thread(actions.change_status, wellness, Status.IN_PROGRESS, STAFF)
            await in_thread(actions.add_note, pothole, "Internal remark", STAFF, public=False)
            return stream.response, await stream.event()

    response, arrived = asyncio.run(scenario())
    assert response.status_code == 200
    assert arrived["data"]["service_request_id"] == pothole.service_request_id
    assert arrived["data"]["kind"] == "note" and arrived["data"]["public"] is False
    assert "Internal remark" not in str(arrived)  # identifiers only: the page fetches details itself


def test_an_anonymous_visitor_gets_no_stream(server_url, city):
    async def scenario():
        async with open_stream(f"{server_url}/staff/live/") as stream:
            return stream.response.status_code, stream.response.headers.get("location")

    status, location = asyncio.run(scenario())
    assert status == 302 and location.startswith("/staff/login/")


def test_a_user_without_a_staff_role_is_refused(server_url, city):
    from django.contrib.auth import get_user_model

    cookie = session_cookie(get_user_model().objects.create_user("mallory", password="x" * 20))

    async def scenario():
        async with open_stream(f"{server_url}/staff/live/", headers=cookie) as stream:
            return stream.response.status_code

    assert asyncio.run(scenario()) == 403
