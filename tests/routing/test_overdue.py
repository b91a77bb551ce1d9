from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from civic311.accounts.models import StaffProfile
from civic311.routing.models import SlaTarget, Team
from civic311.routing.overdue import check_overdue
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.models import ServiceRequest
from tests.factories import file_request


def past_due(request, hours=1):
    ServiceRequest.objects.filter(pk=request.pk).update(
        expected_datetime=timezone.now() - timedelta(hours=hours)
    )
    request.refresh_from_db()
    return request


def test_an_overdue_request_is_escalated_to_its_teams_supervisor_once(city):
    carol = get_user_model().objects.create_user("carol")
    team = Team.objects.create(department=city.streets, code="ward-1", name="Ward 1 crew", supervisor=carol)
    request = past_due(file_request(city.pothole))
    ServiceRequest.objects.filter(pk=request.pk).update(team=team)
    assert check_overdue() == 1
    assert check_overdue() == 0
    event = request.events.get(kind="escalated")
    assert event.data["supervisor"] == "carol" and not event.public
    request.refresh_from_db()
    assert request.overdue_since is not None and request.is_overdue()


def test_without_a_team_the_departments_supervisor_hears_of_it(city):
    dave = get_user_model().objects.create_user("dave")
    StaffProfile.objects.create(user=dave, role="supervisor", department=city.streets)
    past_due(file_request(city.pothole))
    check_overdue()
    assert ServiceRequest.objects.get().events.get(kind="escalated").data["supervisor"] == "dave"


def test_closed_and_not_yet_due_requests_are_left_alone(city):
    done = past_due(file_request(city.pothole))
    actions.change_status(done, Status.FIXED, actions.Actor(channel=Channel.STAFF))
    file_request(city.pothole)  # due in 7 days
    assert check_overdue() == 0


def test_the_command_runs_the_check(city, capsys):
    past_due(file_request(city.pothole))
    call_command("check_sla")
    assert "escalated 1" in capsys.readouterr().out


def test_the_expected_time_follows_the_most_specific_sla(city):
    SlaTarget.objects.create(jurisdiction=city.jurisdiction, hours=240)  # default for services without one
    graffiti = file_request(city.graffiti)  # no sla_days, no target: the default
    assert graffiti.expected_datetime - graffiti.requested_datetime == timedelta(hours=240)
    pothole = file_request(city.pothole)  # sla_days 7
    assert pothole.expected_datetime - pothole.requested_datetime == timedelta(days=7)
    SlaTarget.objects.create(jurisdiction=city.jurisdiction, service=city.pothole, hours=48)
    assert (lambda r: r.expected_datetime - r.requested_datetime)(file_request(city.pothole)) == timedelta(
        hours=48
    )
    SlaTarget.objects.create(jurisdiction=city.jurisdiction, service=city.pothole, priority=1, hours=24)
    assert (lambda r: r.expected_datetime - r.requested_datetime)(file_request(city.pothole)) == timedelta(
        hours=24
    )


def test_business_hours_sla_counts_only_working_time(city):
    from datetime import datetime

    from civic311.routing.models import Holiday, WorkCalendar

    calendar = WorkCalendar.objects.create(
        jurisdiction=city.jurisdiction,
        name="City hours",
        weekly_hours={str(d): [["08:00", "17:00"]] for d in range(5)},
    )
    Holiday.objects.create(calendar=calendar, date="2026-11-26", name="Thanksgiving")
    SlaTarget.objects.create(jurisdiction=city.jurisdiction, service=city.graffiti, hours=9, clock="business")
    friday_evening = datetime(2026, 11, 20, 18, 0, tzinfo=city.jurisdiction.tz)
    request = file_request(city.graffiti, at=friday_evening)
    # nine working hours from Friday 18:00: all of Monday
    assert request.expected_datetime.astimezone(city.jurisdiction.tz) == datetime(
        2026, 11, 23, 17, 0, tzinfo=city.jurisdiction.tz
    )
    wednesday = datetime(2026, 11, 25, 16, 0, tzinfo=city.jurisdiction.tz)
    over_thanksgiving = file_request(city.graffiti, at=wednesday)
    assert over_thanksgiving.expected_datetime.astimezone(city.jurisdiction.tz) == datetime(
        2026, 11, 27, 16, 0, tzinfo=city.jurisdiction.tz
    )
