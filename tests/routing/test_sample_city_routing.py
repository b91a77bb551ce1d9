"""Routing checked against reality: Chicago's own records of where each request went."""

import csv
from collections import Counter
from datetime import datetime

import pytest

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.districts import district_ids_for_many
from civic311.geo.models import District
from civic311.management import samplecity
from civic311.routing import engine, router
from civic311.routing.models import Team

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chicago(django_db_setup, django_db_blocker):
    from tests.opendata.conftest import rolled_back

    with rolled_back(django_db_blocker):
        samplecity.load(with_requests=False)
        jurisdiction = Jurisdiction.objects.get(jurisdiction_id="chicago.example")
        rows = list(csv.DictReader(samplecity.REQUESTS.read_text(encoding="utf-8").splitlines()))
        yield jurisdiction, rows


def decisions(jurisdiction, rows):
    """(row, decision, ward code of the request) for the rows of services the city has."""
    services = {s.service_code: s for s in Service.objects.filter(jurisdiction=jurisdiction)}
    rules = router.rules_for(jurisdiction)
    located = [r for r in rows if r["latitude"] and r["longitude"]]
    hits = district_ids_for_many(
        jurisdiction.pk, [(float(r["latitude"]), float(r["longitude"])) for r in located]
    )
    wards = dict(District.objects.filter(jurisdiction=jurisdiction, kind="ward").values_list("pk", "code"))
    for row, ids in zip(located, hits, strict=True):
        service = services.get(row["sr_short_code"])
        if service is None:
            continue
        facts = engine.RequestFacts(
            service_code=service.service_code,
            service_group=service.group,
            service_department_id=service.department_id,
            district_ids=frozenset(ids),
            description="",
            attributes={},
            channel="phone",
            received_at=datetime.fromisoformat(row["created_date"]).replace(tzinfo=jurisdiction.tz),
        )
        ward = next((wards[i] for i in ids if i in wards), None)
        yield row, engine.decide(facts, rules), ward


@pytest.mark.django_db
def test_routing_by_service_reproduces_chicagos_owner_department_for_every_row(chicago):
    jurisdiction, rows = chicago
    names = dict(Department.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name"))
    results = [
        (row["owner_department"], names.get(d.department_id)) for row, d, _ in decisions(jurisdiction, rows)
    ]
    assert len(results) > 4900
    wrong = Counter(pair for pair in results if pair[0] != pair[1])
    assert not wrong, wrong.most_common(5)


@pytest.mark.django_db
def test_routing_by_ward_reproduces_chicagos_ward_for_at_least_99_percent(chicago):
    jurisdiction, rows = chicago
    teams = dict(Team.objects.filter(department__jurisdiction=jurisdiction).values_list("pk", "code"))
    compared = agreed = crews = crews_agreed = 0
    for row, decision, ward in decisions(jurisdiction, rows):
        if not row["ward"]:
            continue
        compared += 1
        agreed += ward == row["ward"]
        if decision.team_id is not None:
            crews += 1
            crews_agreed += teams[decision.team_id] == f"ward-{row['ward']}"
    assert compared > 4900 and agreed / compared >= 0.99, (agreed, compared)
    # The ward crews see the same disagreements on ward edges, a little more often in their smaller sample.
    assert crews > 500 and crews_agreed / crews >= 0.98, (crews_agreed, crews)
