"""A small city with a known history (the `history` fixture): requests filed and worked through the
domain at set times, and the plan they were made from, so each figure can be checked against arithmetic
done here, apart from SQL (expected_figures)."""

import random
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from civic311.geo.models import District
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.models import ServiceRequest
from tests.factories import INSIDE_WARD_1, INSIDE_WARD_2, file_request, square

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
STAFF = actions.Actor(channel=Channel.STAFF)


@dataclass
class Planned:
    """What the test meant to happen to one request, and the request it made."""

    request: ServiceRequest
    service_code: str
    department: str
    group: str
    channel: str
    ward: str
    police: str | None  # police district 7 covers ward 1 only: ward 2's requests are in none
    requested: datetime
    closed: datetime | None
    status_code: str
    reopened: bool

    @property
    def expected(self) -> datetime | None:
        return self.request.expected_datetime

    @property
    def hours_to_close(self) -> float | None:
        return None if self.closed is None else (self.closed - self.requested).total_seconds() / 3600


@dataclass
class History:
    city: object
    planned: list[Planned]
    private: list[ServiceRequest]
    now: datetime


def make_history(city) -> History:
    District.objects.create(
        jurisdiction=city.jurisdiction,
        kind="police",
        code="7",
        name="Police District 7",
        geometry=square(-87.64, 41.87, -87.63, 41.89),
    )
    rng = random.Random(311)
    services = [city.pothole, city.streetlight, city.graffiti]
    places = [(INSIDE_WARD_1, "1"), (INSIDE_WARD_2, "2")]
    channels = [Channel.WEB, Channel.PHONE, Channel.SMS, Channel.APP]
    planned: list[Planned] = []
    for n in range(36):
        service = services[n % 3]
        (lat, long), ward = places[rng.randrange(2)]
        channel = channels[rng.randrange(4)]
        # Across March to May, Chicago time; request 5 falls at 22:30 on 31 March in Chicago (03:30 UTC on
        # 1 April), so month and week are the city's, not UTC's.
        requested = START + timedelta(days=2.5 * n, hours=rng.randrange(0, 9))
        if n == 5:
            requested = datetime(2026, 4, 1, 3, 30, tzinfo=UTC)
        sr = file_request(service, lat=lat, long=long, channel=channel, at=requested)
        closed, status, reopened = None, Status.NEW, False
        outcome = n % 6
        if outcome in (1, 2, 3):  # closed after some hours: some on time, some late
            closed = requested + timedelta(hours=rng.choice([3, 20, 50, 130, 200, 300]) + n / 7)
            status = Status.FIXED
            actions.change_status(sr, status, STAFF, at=closed)
        elif outcome == 4:  # closed, reopened a day later, closed again
            first = requested + timedelta(hours=10 + n)
            actions.change_status(sr, Status.FIXED, STAFF, at=first)
            actions.change_status(sr, Status.IN_PROGRESS, STAFF, at=first + timedelta(days=1))
            closed = first + timedelta(days=3)
            status, reopened = Status.CLOSED, True
            actions.change_status(sr, status, STAFF, at=closed)
        elif outcome == 5 and n % 4 == 1:  # in progress, still open
            status = Status.IN_PROGRESS
            actions.change_status(sr, status, STAFF, at=requested + timedelta(hours=5))
        planned.append(
            Planned(
                sr,
                service.service_code,
                service.department.code,
                service.group,
                channel,
                ward,
                "7" if ward == "1" else None,
                requested,
                closed,
                status,
                reopened,
            )
        )
    # One closed as a duplicate of the first and one referred: closed now, by their own doors.
    for index, act in ((6, "duplicate"), (12, "referred")):
        p = planned[index]
        if act == "duplicate":
            actions.mark_duplicate(p.request, planned[0].request, STAFF)
            p.status_code = Status.DUPLICATE
        else:
            actions.refer(p.request, STAFF, to="Cook County")
            p.status_code = Status.REFERRED
        p.request.refresh_from_db()
        p.closed = p.request.closed_datetime
    private = [file_request(city.wellness, at=START + timedelta(days=n)) for n in range(3)]
    for p in planned:
        p.request.refresh_from_db()
    return History(city, planned, private, now=datetime(2026, 6, 1, tzinfo=UTC))


def expected_figures(planned, now) -> dict:
    """The figures of a list of Planned, computed here: statistics' 'inclusive' quantiles are the linear
    interpolation of percentile_cont."""
    hours = sorted(p.hours_to_close for p in planned if p.closed is not None)
    closed = [p for p in planned if p.closed is not None]
    with_expected = [p for p in closed if p.expected is not None]
    on_time = [p for p in with_expected if p.closed <= p.expected]
    return {
        "requests": len(planned),
        "open": len(planned) - len(closed),
        "closed": len(closed),
        "median_hours_to_close": round(statistics.median(hours), 2) if hours else None,
        "p90_hours_to_close": round(p90(hours), 2) if hours else None,
        "closed_with_expected": len(with_expected),
        "closed_on_time": len(on_time),
        "on_time_share": round(len(on_time) / len(with_expected), 4) if with_expected else None,
        "reopened": sum(p.reopened for p in planned),
        "overdue": sum(
            1 for p in planned if p.closed is None and p.expected is not None and p.expected < now
        ),
        "closed_as_duplicate": sum(p.status_code == Status.DUPLICATE for p in planned),
        "closed_as_referred": sum(p.status_code == Status.REFERRED for p in planned),
    }


def p90(hours: list[float]) -> float:
    return hours[0] if len(hours) == 1 else statistics.quantiles(hours, n=10, method="inclusive")[8]
