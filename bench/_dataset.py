"""The bench city: a catalog modelled on Chicago's and a million requests with a realistic spread.

Everything here is deterministic for a seed. The catalog is written through the ORM (so it is exactly
what the app would write); the requests are generated as columns, in chunks, for the bulk loaders of
_load.py, which write them with COPY (PostgreSQL) or executemany (SQLite).
"""

import csv
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "civic311" / "sampledata" / "chicago"
WARDS_FILE = SAMPLE_DIR / "wards.geojson"
REQUESTS_FILE = SAMPLE_DIR / "requests-2021-01-01.csv"

JURISDICTION_ID = "chicago.example"
TIME_ZONE = "America/Chicago"
ID_PREFIX = "SR"
N_DEPARTMENTS = 10
N_SERVICES = 100
SPAN_DAYS = 730  # requests over the last two years
RECENT_WEIGHT = 2.0  # requests per day today / two years ago: "more recent = somewhat more"
ZIPF_S = 1.0  # service popularity: S000 ~19% of requests, S099 ~0.2%
MAX_DELAY_DAYS = 30  # updated_datetime = requested + up to 30 days
MEAN_DELAY_DAYS = 3
CLOSED_SHARE = 0.85
CLOSED_CODES = (("closed", 0.6), ("fixed", 0.4))
OPEN_CODES = (("new", 0.5), ("acknowledged", 0.3), ("in_progress", 0.2))
# Roughly Chicago's mix (phone calls first), in the channels the API knows.
CHANNELS = (("phone", 0.45), ("web", 0.30), ("app", 0.17), ("api", 0.08))
DESCRIBED_SHARE = 0.4
DESCRIPTIONS = (
    "Large pothole in the curb lane, cars swerving around it",
    "Light has been out for three nights",
    "Graffiti on the side of the garage facing the alley",
    "Car has not moved in weeks, flat tyres",
    "Garbage cart lid broken off",
    "Tree branch hanging over the sidewalk",
    "Water pooling at the corner after rain",
    "Rats seen near the dumpsters behind the building",
    "Sidewalk not shovelled, hard to pass with a stroller",
    "Traffic signal stuck on red in all directions",
    "Dumped mattress and furniture in the alley",
    "Loud construction noise before 7am",
)
FALLBACK_STREETS = ("Example St", "Lake Shore Dr", "Western Ave", "Halsted St", "Ashland Ave")
FALLBACK_ZIPS = ("60601", "60607", "60612", "60614", "60622", "60647")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


@dataclass
class SourceData:
    """What the real Chicago sample gives us: service names by popularity, departments, streets."""

    services: list[tuple[str, str]]  # (service name, department name), most requested first
    departments: list[str]
    streets: list[str]
    zipcodes: list[str]
    wards: list[dict]  # GeoJSON features


def read_sources() -> SourceData:
    with REQUESTS_FILE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_type = Counter(r["sr_type"] for r in rows if r["sr_type"])
    owner = {r["sr_type"]: r["owner_department"] for r in rows}
    departments = [name for name, _ in Counter(r["owner_department"] for r in rows).most_common()]
    departments = departments[:N_DEPARTMENTS]
    while len(departments) < N_DEPARTMENTS:
        departments.append(f"Department {len(departments) + 1}")
    services = []
    for i, (name, _) in enumerate(by_type.most_common(N_SERVICES)):
        dept = owner[name] if owner[name] in departments else departments[i % N_DEPARTMENTS]
        services.append((name.replace("\u2013", "-"), dept))
    while len(services) < N_SERVICES:
        i = len(services)
        services.append((f"Other Request {i:02d}", departments[i % N_DEPARTMENTS]))
    streets = sorted(
        {
            f"{r['street_name'].title()} {r['street_type'].title()}".strip()
            for r in rows
            if r["street_name"] and re.fullmatch(r"[A-Za-z0-9 .'-]+", r["street_name"] + r["street_type"])
        }
    ) or list(FALLBACK_STREETS)
    zipcodes = sorted({r["zip_code"] for r in rows if re.fullmatch(r"\d{5}", r["zip_code"])}) or list(
        FALLBACK_ZIPS
    )
    wards = json.loads(WARDS_FILE.read_text(encoding="utf-8"))["features"]
    wards.sort(key=lambda f: int(f["properties"]["District_N"]))
    return SourceData(services, departments, streets, zipcodes, wards)


@dataclass
class Catalog:
    """Primary keys of the catalog rows the requests point at."""

    jurisdiction_pk: int
    service_pks: list[int]  # index k = service S0kk
    service_codes: list[str]
    service_department_pks: list[int]
    ward_district_pks: list[int]  # index i = wards[i]
    wards: list[dict] = field(repr=False)


def create_catalog(src: SourceData) -> Catalog:
    """One jurisdiction, 10 departments, 100 services S000..S099 and the 50 wards, via the ORM."""
    from django.db import transaction

    from civic311.catalog.models import Department, Jurisdiction, Service
    from civic311.geo.models import District

    with transaction.atomic():
        jurisdiction = Jurisdiction.objects.create(
            jurisdiction_id=JURISDICTION_ID,
            name="City of Chicago (bench)",
            time_zone=TIME_ZONE,
            contact="311 City Services",
            request_id_prefix=ID_PREFIX,
            is_default=True,
        )
        departments = {
            name: Department.objects.create(jurisdiction=jurisdiction, code=slugify(name), name=name)
            for name in src.departments
        }
        services = [
            Service.objects.create(
                jurisdiction=jurisdiction,
                service_code=f"S{k:03d}",
                service_name=name,
                group=dept,
                department=departments[dept],
                sla_days=7,
            )
            for k, (name, dept) in enumerate(src.services)
        ]
        districts = [
            District.objects.create(
                jurisdiction=jurisdiction,
                kind="ward",
                code=str(f["properties"]["District_N"]),
                name=f"Ward {f['properties']['District_N']}",
                geometry=f["geometry"],
            )
            for f in src.wards
        ]
    return Catalog(
        jurisdiction_pk=jurisdiction.pk,
        service_pks=[s.pk for s in services],
        service_codes=[s.service_code for s in services],
        service_department_pks=[s.department_id for s in services],
        ward_district_pks=[d.pk for d in districts],
        wards=src.wards,
    )


class WardSampler:
    """Uniform random points inside a ward: rejection sampling of its bounding box (shapely)."""

    def __init__(self, wards: list[dict]):
        self.geoms = [shape(f["geometry"]) for f in wards]
        for g in self.geoms:
            shapely.prepare(g)
        self.bounds = [g.bounds for g in self.geoms]

    def sample(self, ward: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(lat, long) arrays of n points inside ward `ward`."""
        minx, miny, maxx, maxy = self.bounds[ward]
        lats: list[np.ndarray] = []
        longs: list[np.ndarray] = []
        got = 0
        while got < n:
            want = max(64, int((n - got) * 2.5))
            x = rng.uniform(minx, maxx, want)
            y = rng.uniform(miny, maxy, want)
            inside = shapely.contains_xy(self.geoms[ward], x, y)
            longs.append(x[inside])
            lats.append(y[inside])
            got += int(inside.sum())
        return np.concatenate(lats)[:n], np.concatenate(longs)[:n]

    def points(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """n points: (ward index, lat, long). Wards are drawn by equal population, so each ward is
        equally likely; dense small wards get dense points, as in the real data."""
        ward = rng.integers(0, len(self.geoms), n)
        lat = np.empty(n)
        long = np.empty(n)
        for w in range(len(self.geoms)):
            idx = np.flatnonzero(ward == w)
            if len(idx):
                lat[idx], long[idx] = self.sample(w, len(idx), rng)
        return ward, np.round(lat, 7), np.round(long, 7)


# Damm check digits, vectorised (the same table as civic311.lib.checkdigit).
_DAMM = np.array(
    [
        [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
        [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
        [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
        [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
        [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
        [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
        [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
        [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
        [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
        [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
    ]
)


def request_numbers(years: np.ndarray, sequences: np.ndarray) -> list[str]:
    """SR24-000123-4 style numbers (numbers.format_number), computed for whole arrays at once."""
    yy = years % 100
    digits = [yy // 10, yy % 10]
    width = max(6, len(str(int(sequences.max()))) if len(sequences) else 6)
    for p in range(width - 1, -1, -1):
        digits.append((sequences // 10**p) % 10)
    interim = np.zeros(len(years), dtype=np.int64)
    for d in digits:
        interim = _DAMM[interim, d]
    return [
        f"{ID_PREFIX}{y:02d}-{s:0{width}d}-{c}"
        for y, s, c in zip(yy.tolist(), sequences.tolist(), interim.tolist(), strict=True)
    ]


def _choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([o for o, _ in options], dtype=object)
    p = np.array([w for _, w in options])
    return names[rng.choice(len(options), n, p=p / p.sum())]


def _iso(us: np.ndarray) -> list[str]:
    """Microseconds since the epoch as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC), which is exactly how
    Django's SQLite backend stores an aware datetime; the PostgreSQL loader adds the zone."""
    text = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    return [t.replace("T", " ") for t in text.tolist()]


@dataclass
class Chunk:
    """Columns of consecutive requests (and their created events and ward links)."""

    requests: dict[str, list]
    events: dict[str, list]
    links: dict[str, list]

    def __len__(self) -> int:
        return len(self.requests["id"])


DATETIME_COLUMNS = {
    "requested_datetime",
    "updated_datetime",
    "closed_datetime",
    "created_at",
    "expected_datetime",
    "overdue_since",
}


def generate(
    rows: int, catalog: Catalog, src: SourceData, now: datetime, seed: int = 311, chunk_size: int = 100_000
) -> Iterator[Chunk]:
    """Requests with ids 1..rows in order of requested_datetime (oldest first), in chunks."""
    rng = np.random.default_rng(seed)
    now_us = int(now.timestamp() * 1_000_000)
    span_us = SPAN_DAYS * 86_400 * 1_000_000
    # Age as a fraction of the span, from the density 2 - a on [0, 1] (twice as many today as two
    # years ago): the inverse of its CDF.
    k = RECENT_WEIGHT - 1
    u = rng.random(rows)
    age = ((1 + k) - np.sqrt((1 + k) ** 2 - 2 * k * (1 + k / 2) * u)) / k if k else u
    requested = np.sort(now_us - 60_000_000 - (age * span_us).astype(np.int64)) | 1  # |1: never .000000
    years = requested.astype("datetime64[us]").astype("datetime64[Y]").astype(int) + 1970
    # Sequence within the year, in order of arrival, as numbers.next_number hands them out.
    starts = np.searchsorted(years, years, side="left")
    sequences = np.arange(rows) - starts + 1
    numbers = request_numbers(years, sequences)
    sampler = WardSampler(catalog.wards)
    weights = 1.0 / np.arange(1, N_SERVICES + 1) ** ZIPF_S
    weights /= weights.sum()
    service_pks = np.array(catalog.service_pks)
    dept_pks = np.array(catalog.service_department_pks)
    ward_pks = np.array(catalog.ward_district_pks)
    streets = np.array(src.streets, dtype=object)
    zipcodes = np.array(src.zipcodes, dtype=object)
    descriptions = np.array(DESCRIPTIONS, dtype=object)

    for start in range(0, rows, chunk_size):
        n = min(chunk_size, rows - start)
        ids = np.arange(start + 1, start + n + 1)
        req = requested[start : start + n]
        delay = np.minimum(rng.exponential(MEAN_DELAY_DAYS, n), MAX_DELAY_DAYS) * 86_400e6
        upd = np.minimum(req + delay.astype(np.int64), now_us - 1) | 1
        closed = rng.random(n) < CLOSED_SHARE
        status = np.where(closed, "closed", "open").astype(object)
        status_code = np.where(closed, _choice(rng, CLOSED_CODES, n), _choice(rng, OPEN_CODES, n))
        service = rng.choice(N_SERVICES, n, p=weights)
        ward, lat, long = sampler.points(n, rng)
        channel = _choice(rng, CHANNELS, n)
        house = rng.integers(1, 130, n) * 100 + rng.integers(0, 60, n)
        direction = np.array(["N", "S", "E", "W"], dtype=object)[rng.integers(0, 4, n)]
        street = streets[rng.integers(0, len(streets), n)]
        described = rng.random(n) < DESCRIBED_SHARE
        description = np.where(described, descriptions[rng.integers(0, len(descriptions), n)], "")
        requested_text = _iso(req)
        updated_text = _iso(upd)
        closed_text = [t if c else None for t, c in zip(updated_text, closed.tolist(), strict=True)]
        id_list = ids.tolist()
        channel_list = channel.tolist()
        requests = {
            "id": id_list,
            "service_request_id": numbers[start : start + n],
            "token": [uuid.uuid4().hex for _ in range(n)],
            "status_code": status_code.tolist(),
            "status": status.tolist(),
            "status_notes": [""] * n,
            "description": description.tolist(),
            "service_notice": [""] * n,
            "priority": np.where(rng.random(n) < 0.05, 2, 1).tolist(),
            "channel": channel_list,
            "requested_datetime": requested_text,
            "updated_datetime": updated_text,
            "expected_datetime": [None] * n,
            "closed_datetime": closed_text,
            "address": [
                f"{h} {d} {s}"
                for h, d, s in zip(house.tolist(), direction.tolist(), street.tolist(), strict=True)
            ],
            "address_id": [""] * n,
            "zipcode": zipcodes[rng.integers(0, len(zipcodes), n)].tolist(),
            "lat": lat.tolist(),
            "long": long.tolist(),
            "attributes": ["{}"] * n,
            "media_url": [""] * n,
            "reporter_email": [""] * n,
            "reporter_phone": [""] * n,
            "reporter_first_name": [""] * n,
            "reporter_last_name": [""] * n,
            "reporter_language": [""] * n,
            "device_id": [""] * n,
            "account_id": [""] * n,
            "imported_from": [""] * n,
            "public": [True] * n,
            "api_client_id": [None] * n,
            "department_id": dept_pks[service].tolist(),
            "jurisdiction_id": [catalog.jurisdiction_pk] * n,
            "service_id": service_pks[service].tolist(),
            "parent_id": [None] * n,
        }
        events = {
            "id": id_list,
            "kind": ["created"] * n,
            "created_at": requested_text,
            "channel": channel_list,
            "public": [True] * n,
            # The request's status after the event: a created request is new.
            "status_code": ["new"] * n,
            "note": [""] * n,
            "data": ["{}"] * n,
            "external_id": [""] * n,
            "redacted_at": [None] * n,
            "actor_id": [None] * n,
            "api_client_id": [None] * n,
            "request_id": id_list,
        }
        links = {"id": id_list, "servicerequest_id": id_list, "district_id": ward_pks[ward].tolist()}
        yield Chunk(requests, events, links)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def days_ago(days: float, now: datetime | None = None) -> datetime:
    return (now or now_utc()) - timedelta(days=days)


# --- console data: staff, teams, assignments and due dates (bench/queue_page.py) ----------------

# Bump when what console_columns() writes changes: a prepared database with another version is redone.
CONSOLE_VERSION = 1
CONSOLE_USER_PREFIX = "bench."
# Staff accounts and teams per department, biggest department (most requests) first: 26 staff in all.
STAFF_PER_DEPARTMENT = (6, 5, 4, 3, 2, 2, 1, 1, 1, 1)
TEAMS_PER_DEPARTMENT = (5, 5, 5, 3, 3, 3, 3, 2, 2, 2)  # each a crew for a band of wards
SUPERVISED_DEPARTMENTS = 2  # a supervisor in each of the two biggest departments
SLA_DAYS = (2, 3, 5, 7, 10, 14, 30, 60)  # each service gets one of these, drawn once per seed
TRIAGE_SHARE = 0.02  # of open requests: no routing rule matched, so no department (triage)
NO_TEAM_SHARE = 0.08  # of routed requests: the department's, no team
# Share with an assignee (a member of the request's team), by status.
ASSIGNED_SHARE = {"new": 0.25, "acknowledged": 0.6, "in_progress": 0.95, "closed": 0.85, "fixed": 0.85}
RESCHEDULED_SHARE = 0.6  # of acknowledged / in-progress open requests: staff set a new date
RESCHEDULE_DAYS = (-14, 56)  # … somewhere from two weeks ago to eight weeks ahead of the data's "now"
SLA_CHECK_EVERY_S = 300  # overdue_since = when the periodic SLA check (every 5 min) found it overdue


@dataclass
class ConsoleStaff:
    """The bench's staff accounts and teams, as primary keys."""

    departments: list[int]  # department pks, biggest first
    teams: dict[int, list[int]]  # department pk -> team pks, team i covers the i-th band of wards
    members: dict[int, list[int]]  # team pk -> user pks
    staff: dict[int, list[int]]  # department pk -> user pks of its staff (role staff)
    supervisors: dict[int, int]  # department pk -> user pk
    agent: int
    admin: int
    sla_days: dict[int, int]  # service pk -> SLA days


def create_console_staff(departments_by_size: list[int], seed: int = 311) -> ConsoleStaff:
    """Staff accounts (StaffProfile), teams with members and supervisors, and the services' SLA days,
    via the ORM. Idempotent: existing rows (same user names, team codes) are reused and updated."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from civic311.accounts.models import StaffProfile
    from civic311.catalog.models import Department, Service
    from civic311.routing.models import Team

    user_model = get_user_model()
    rng = np.random.default_rng(seed + 7)

    def account(username: str, role: str, department: Department | None, first: str, last: str) -> int:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@chicago.example"},
        )
        if created:
            user.set_unusable_password()  # the bench signs in with a session it creates itself
        user.is_active = True
        user.is_staff = role == "admin"  # the admin site
        user.save()
        StaffProfile.objects.update_or_create(user=user, defaults={"role": role, "department": department})
        return user.pk

    with transaction.atomic():
        by_pk = Department.objects.in_bulk(departments_by_size)
        depts = [by_pk[pk] for pk in departments_by_size]
        teams: dict[int, list[int]] = {}
        members: dict[int, list[int]] = {}
        staff: dict[int, list[int]] = {}
        supervisors: dict[int, int] = {}
        for rank, dept in enumerate(depts):
            if rank < SUPERVISED_DEPARTMENTS:
                supervisors[dept.pk] = account(
                    f"{CONSOLE_USER_PREFIX}supervisor.{dept.code[:30]}",
                    "supervisor",
                    dept,
                    "Carol",
                    f"S{rank}",
                )
            staff[dept.pk] = [
                account(f"{CONSOLE_USER_PREFIX}{dept.code[:30]}.{j + 1}", "staff", dept, "Bob", f"{rank}-{j}")
                for j in range(STAFF_PER_DEPARTMENT[rank % len(STAFF_PER_DEPARTMENT)])
            ]
            n_teams = TEAMS_PER_DEPARTMENT[rank % len(TEAMS_PER_DEPARTMENT)]
            teams[dept.pk] = []
            for t in range(n_teams):
                lo, hi = t * 50 // n_teams + 1, (t + 1) * 50 // n_teams
                team, _ = Team.objects.update_or_create(
                    department=dept,
                    code=f"bench-wards-{lo}-{hi}",
                    defaults={"name": f"Wards {lo}-{hi} crew", "supervisor_id": supervisors.get(dept.pk)},
                )
                # Staff member j works in team j mod n: small departments leave some teams unstaffed.
                crew = [u for j, u in enumerate(staff[dept.pk]) if j % n_teams == t]
                team.members.set(crew)
                teams[dept.pk].append(team.pk)
                members[team.pk] = crew
        agent = account(f"{CONSOLE_USER_PREFIX}agent", "agent", None, "Alice", "Agent")
        admin = account(f"{CONSOLE_USER_PREFIX}admin", "admin", None, "Ada", "Admin")
        services = list(Service.objects.order_by("service_code"))
        days = rng.choice(SLA_DAYS, len(services))
        for service, d in zip(services, days.tolist(), strict=True):
            service.sla_days = int(d)
        Service.objects.bulk_update(services, ["sla_days"])
    return ConsoleStaff(
        departments=list(departments_by_size),
        teams=teams,
        members=members,
        staff=staff,
        supervisors=supervisors,
        agent=agent,
        admin=admin,
        sla_days={s.pk: s.sla_days for s in services},
    )


def console_columns(
    ids: np.ndarray,
    service: np.ndarray,
    service_department: dict[int, int],
    status_code: np.ndarray,
    requested_us: np.ndarray,
    closed_us: np.ndarray,
    ward_no: np.ndarray,
    staff: ConsoleStaff,
    now_us: int,
    seed: int = 311,
) -> dict[str, list]:
    """The console columns of every request, from what the bulk load wrote: department (None for
    triage), team (by the request's ward), assignee (a member of its team), expected_datetime (the
    service's SLA, or a date staff rescheduled it to) and overdue_since (when the SLA check, every
    5 minutes, found it overdue). closed_us is 0 for open requests; ward_no is 1..50 (0: none).
    Deterministic for a seed; `now_us` is the data's "now" (its newest requested_datetime)."""
    rng = np.random.default_rng(seed + 11)
    n = len(ids)
    day_us = 86_400 * 1_000_000
    is_open = closed_us == 0
    status = np.asarray(status_code, dtype=object)

    # Department: the service's, except open requests no rule routed (triage).
    dept = np.array([service_department[s] for s in service.tolist()], dtype=np.int64)
    triage = is_open & (rng.random(n) < TRIAGE_SHARE)

    # Team: the department's crew for the request's band of wards.
    team = np.zeros(n, dtype=np.int64)
    has_team = ~triage & (rng.random(n) >= NO_TEAM_SHARE) & (ward_no > 0)
    for d, team_pks in staff.teams.items():
        rows = has_team & (dept == d)
        band = (ward_no[rows] - 1) * len(team_pks) // 50
        team[rows] = np.array(team_pks, dtype=np.int64)[band]

    # Assignee: a member of the team, with a share that grows as the request is worked.
    assignee = np.zeros(n, dtype=np.int64)
    share = np.zeros(n)
    for code, p in ASSIGNED_SHARE.items():
        share[status == code] = p
    assigned = (team > 0) & (rng.random(n) < share)
    pick = rng.random(n)
    for team_pk, crew in staff.members.items():
        rows = assigned & (team == team_pk)
        if crew:
            assignee[rows] = np.array(crew, dtype=np.int64)[(pick[rows] * len(crew)).astype(np.int64)]

    # Expected: requested + the service's SLA; some worked open requests were given a new date.
    sla = np.array([staff.sla_days[s] for s in service.tolist()], dtype=np.int64)
    expected = requested_us + sla * day_us
    worked = is_open & ((status == "acknowledged") | (status == "in_progress"))
    moved = worked & (rng.random(n) < RESCHEDULED_SHARE)
    lo, hi = RESCHEDULE_DAYS
    new_date = now_us + (rng.uniform(lo, hi, n) * day_us).astype(np.int64)
    expected = np.where(moved, np.maximum(new_date, requested_us + 3_600_000_000), expected) | 1

    # overdue_since: open and past due at the data's "now", or closed after its due time.
    found = expected + (rng.uniform(0, SLA_CHECK_EVERY_S, n) * 1_000_000).astype(np.int64)
    overdue = np.where(is_open, found < now_us, closed_us > found)

    expected_text = _iso(expected)
    found_text = _iso(found)
    return {
        "id": ids.tolist(),
        "department_id": [None if t else int(d) for d, t in zip(dept.tolist(), triage.tolist(), strict=True)],
        "team_id": [t or None for t in team.tolist()],
        "assignee_id": [a or None for a in assignee.tolist()],
        "expected_datetime": expected_text,
        "overdue_since": [f if o else None for f, o in zip(found_text, overdue.tolist(), strict=True)],
    }
