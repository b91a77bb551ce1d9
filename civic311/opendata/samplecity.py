"""The sample city: Chicago's real services, departments, 50 wards and real 311 requests.

Loading is idempotent: the catalog is brought up to date, districts and addresses are added or
updated, and the requests are imported once. With `shift_to_now`, the 2021 requests are moved in
time so the newest lands today (the original dates stay in each request's created event).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from civic311.catalog.models import AttributeValue, Department, Jurisdiction, Service, ServiceAttribute
from civic311.opendata.importers import addresses, chicago, districts
from civic311.opendata.importers.base import ImportReport
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
            },
        )
        for n, v in enumerate(a.get("values", [])):
            AttributeValue.objects.update_or_create(
                attribute=attribute, key=v["key"], defaults={"name": v["name"], "order": n}
            )


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
    added, _ = addresses.import_file(REQUESTS, jurisdiction)
    report = None
    if (
        with_requests
        and not ServiceRequest.objects.filter(jurisdiction=jurisdiction, imported_from="chicago").exists()
    ):
        shift = demo_shift() if shift_to_now else timedelta(0)
        report = chicago.import_file(REQUESTS, jurisdiction, shift=shift)
    return SampleCityReport(
        jurisdiction,
        Service.objects.filter(jurisdiction=jurisdiction).count(),
        created + updated,
        added,
        report,
    )
