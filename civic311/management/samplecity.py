"""The sample city: Chicago's real services, departments, 50 wards and real 311 requests.

Loading is idempotent: the catalog is brought up to date, districts and addresses are added or
updated, and the requests are imported once. With `shift_to_now`, the 2021 requests are moved in
time so the newest lands today (the original dates stay in each request's created event).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civic311.accounts.models import StaffProfile
from civic311.analytics import rollups
from civic311.catalog.models import AttributeValue, Department, Jurisdiction, Service, ServiceAttribute
from civic311.console.models import ResponseTemplate
from civic311.geo.models import District
from civic311.opendata.importers import addresses, chicago, districts
from civic311.opendata.importers.base import ImportReport
from civic311.routing import calendars, estimates
from civic311.routing.choices import AssignmentStrategy
from civic311.routing.models import Holiday, RoutingRule, Team, WorkCalendar
from civic311.servicerequests.models import ServiceRequest

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sampledata" / "chicago"
CATALOG = SAMPLE_DIR / "catalog.json"
WARDS = SAMPLE_DIR / "wards.geojson"
REQUESTS = SAMPLE_DIR / "requests-2021-01-01.csv"


@dataclass
class SampleCityReport:
    jurisdiction: Jurisdiction
    services: int
    wards: int
    addresses_added: int
    requests: ImportReport | None


@transaction.atomic
def load_catalog(path: Path = CATALOG) -> Jurisdiction:
    data = json.loads(path.read_text(encoding="utf-8"))
    j = data["jurisdiction"]
    jurisdiction, _ = Jurisdiction.objects.update_or_create(
        jurisdiction_id=j["jurisdiction_id"],
        defaults={
            "name": j["name"],
            "time_zone": j["time_zone"],
            "contact": j.get("contact", ""),
            "request_id_prefix": j.get("request_id_prefix", ""),
        },
    )
    if not Jurisdiction.objects.filter(is_default=True).exists():
        Jurisdiction.objects.filter(pk=jurisdiction.pk).update(is_default=True)
    departments = {}
    for d in data["departments"]:
        departments[d["name"]], _ = Department.objects.update_or_create(
            jurisdiction=jurisdiction,
            code=d["code"],
            defaults={
                "name": d["name"],
                "email": d.get("email", ""),
                "phone": d.get("phone", ""),
                "url": d.get("url", ""),
            },
        )
    for s in data["services"]:
        service, _ = Service.objects.update_or_create(
            jurisdiction=jurisdiction,
            service_code=s["service_code"],
            defaults={
                "service_name": s["service_name"],
                "description": s.get("description", ""),
                "group": s.get("group", ""),
                "keywords": ", ".join(s.get("keywords", [])),
                "type": s.get("type", "realtime"),
                "department": departments.get(s.get("department")),
                "anonymous_allowed": s.get("anonymous_allowed", True),
                "private": s.get("private", False),
                "active": s.get("active", True),
                "sla_days": s.get("sla_days"),
                "service_notice": s.get("service_notice", ""),
                "translations": s.get("translations", {}),
            },
        )
        _load_attributes(service, s.get("attributes", []))
    return jurisdiction


def _load_attributes(service: Service, attributes: list[dict]) -> None:
    for a in attributes:
        attribute, _ = ServiceAttribute.objects.update_or_create(
            service=service,
            code=a["code"],
            defaults={
                "variable": a.get("variable", True),
                "datatype": a["datatype"],
                "required": a.get("required", False),
                "order": a.get("order", 1),
                "description": a["description"],
                "datatype_description": a.get("datatype_description") or "",
                "translations": a.get("translations", {}),
            },
        )
        for n, v in enumerate(a.get("values", [])):
            AttributeValue.objects.update_or_create(
                attribute=attribute,
                key=v["key"],
                defaults={"name": v["name"], "order": n, "translations": v.get("translations", {})},
            )


# Chicago's Streets and Sanitation works through a superintendent and crew per ward.
WARD_CREW_DEPARTMENT = "Streets and Sanitation"
CATCH_ALL_RULE = "Every request to its service's department"
# City holidays (the City of Chicago's observed holidays) for the SLA calendar.
HOLIDAYS = {
    "2026-01-01": "New Year's Day",
    "2026-01-19": "Martin Luther King Jr. Day",
    "2026-02-16": "Presidents Day",
    "2026-03-02": "Casimir Pulaski Day",
    "2026-05-25": "Memorial Day",
    "2026-06-19": "Juneteenth",
    "2026-07-03": "Independence Day (observed)",
    "2026-09-07": "Labor Day",
    "2026-10-12": "Indigenous Peoples Day",
    "2026-11-11": "Veterans Day",
    "2026-11-26": "Thanksgiving Day",
    "2026-12-25": "Christmas Day",
    "2027-01-01": "New Year's Day",
    "2027-01-18": "Martin Luther King Jr. Day",
    "2027-02-15": "Presidents Day",
    "2027-03-01": "Casimir Pulaski Day",
    "2027-05-31": "Memorial Day",
    "2027-06-18": "Juneteenth (observed)",
    "2027-07-05": "Independence Day (observed)",
    "2027-09-06": "Labor Day",
    "2027-10-11": "Indigenous Peoples Day",
    "2027-11-11": "Veterans Day",
    "2027-11-25": "Thanksgiving Day",
    "2027-12-24": "Christmas Day (observed)",
}


@transaction.atomic
def load_routing(jurisdiction: Jurisdiction) -> None:
    """A working calendar, a crew per ward for Streets and Sanitation with a rule each, and a last rule
    sending every other request to its service's department (so nothing lands in triage by default)."""
    calendar, _ = WorkCalendar.objects.get_or_create(
        jurisdiction=jurisdiction,
        name="City of Chicago working hours",
        defaults={"weekly_hours": calendars.DEFAULT_WEEKLY, "is_default": True},
    )
    for day, name in HOLIDAYS.items():
        Holiday.objects.get_or_create(calendar=calendar, date=day, defaults={"name": name})
    streets = Department.objects.filter(jurisdiction=jurisdiction, name=WARD_CREW_DEPARTMENT).first()
    if streets is not None:
        services = list(Service.objects.filter(jurisdiction=jurisdiction, department=streets))
        wards = District.objects.filter(jurisdiction=jurisdiction, kind="ward")
        for ward in sorted(wards, key=lambda w: int(w.code) if w.code.isdigit() else 0):
            team, _ = Team.objects.get_or_create(
                department=streets,
                code=f"ward-{ward.code}",
                defaults={"name": f"Ward {ward.code} crew", "assignment": AssignmentStrategy.LEAST_OPEN},
            )
            rule, created = RoutingRule.objects.get_or_create(
                jurisdiction=jurisdiction,
                name=f"Streets and Sanitation in ward {ward.code}",
                defaults={
                    "order": 100 + (int(ward.code) if ward.code.isdigit() else 0),
                    "department": streets,
                    "team": team,
                },
            )
            if created:
                rule.services.set(services)
                rule.districts.set([ward])
    RoutingRule.objects.get_or_create(
        jurisdiction=jurisdiction,
        name=CATCH_ALL_RULE,
        defaults={"order": 1000, "use_service_department": True},
    )


RESPONSE_TEMPLATES = [
    # (service code or "", status or "", title, text)
    ("", "acknowledged", "We have it", "Thank you. We have your request and will look at it soon."),
    ("", "in_progress", "Crew working on it", "A crew is working on this now."),
    ("", "scheduled", "Scheduled", "The work is scheduled. We will update this request when it is done."),
    ("", "fixed", "Fixed", "This is fixed. Thank you for reporting it."),
    (
        "",
        "not_responsible",
        "Not the city's",
        "This is not the City's responsibility; we have told the owner.",
    ),
    ("PHF", "fixed", "Pothole filled", "The pothole was filled. Thank you for reporting it."),
    ("SFD", "fixed", "Light repaired", "The street light was repaired and is working again."),
    ("SCC", "fixed", "Collected", "The carts were emptied. Sorry for the missed pickup."),
]
DEMO_STAFF = [
    # (user name, role, department name or None, ward crew or None)
    ("demo-admin", "admin", None, None),
    ("demo-supervisor", "supervisor", WARD_CREW_DEPARTMENT, None),
    ("demo-staff", "staff", WARD_CREW_DEPARTMENT, "42"),
    ("demo-agent", "agent", None, None),
]


@transaction.atomic
def load_response_templates(jurisdiction: Jurisdiction) -> None:
    for code, status, title, text in RESPONSE_TEMPLATES:
        service = (
            Service.objects.filter(jurisdiction=jurisdiction, service_code=code).first() if code else None
        )
        if code and service is None:
            continue
        ResponseTemplate.objects.get_or_create(
            jurisdiction=jurisdiction, service=service, status=status, title=title, defaults={"text": text}
        )


@transaction.atomic
def load_demo_staff(jurisdiction: Jurisdiction, password: str) -> list[str]:
    """Staff accounts to try the console with (a demo only: one password for all, printed by init)."""
    names = []
    for username, role, department_name, ward in DEMO_STAFF:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@chicago.example",
                "is_staff": role == "admin",
                "is_superuser": role == "admin",
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save()
        department = Department.objects.filter(jurisdiction=jurisdiction, name=department_name).first()
        StaffProfile.objects.update_or_create(user=user, defaults={"role": role, "department": department})
        if ward and department:
            team = Team.objects.filter(department=department, code=f"ward-{ward}").first()
            if team:
                team.members.add(user)
                if role == "staff":
                    Team.objects.filter(pk=team.pk, supervisor__isnull=True).update(
                        supervisor=get_user_model().objects.get(username="demo-supervisor")
                    )
        names.append(username)
    return names


def demo_shift(now: datetime | None = None):
    """How far to move the sample's dates so its newest request is an hour old."""
    newest = chicago.newest_created(REQUESTS)
    if newest is None:
        return timedelta(0)
    jurisdiction_tz = Jurisdiction.objects.get(jurisdiction_id="chicago.example").tz
    newest_aware = newest.replace(tzinfo=jurisdiction_tz)
    target = (now or timezone.now()) - timedelta(hours=1)
    # Whole weeks, so weekdays and times of day stay as they were.
    weeks = (target - newest_aware).days // 7
    return timedelta(weeks=max(weeks, 0))


def load(*, with_requests: bool = True, shift_to_now: bool = True) -> SampleCityReport:
    jurisdiction = load_catalog()
    created, updated = districts.import_file(
        WARDS, jurisdiction, kind="ward", name_field="District_N", name_format="Ward {name}"
    )
    load_routing(jurisdiction)
    load_response_templates(jurisdiction)
    added, _ = addresses.import_file(REQUESTS, jurisdiction)
    report = None
    if (
        with_requests
        and not ServiceRequest.objects.filter(jurisdiction=jurisdiction, imported_from="chicago").exists()
    ):
        shift = demo_shift() if shift_to_now else timedelta(0)
        report = chicago.import_file(REQUESTS, jurisdiction, shift=shift)
    # The typical times residents are told, and the figures' rollups, at once rather than after the
    # worker's first runs.
    estimates.refresh(jurisdiction)
    rollups.build(jurisdiction)
    return SampleCityReport(
        jurisdiction,
        Service.objects.filter(jurisdiction=jurisdiction).count(),
        created + updated,
        added,
        report,
    )
