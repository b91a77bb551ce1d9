"""API keys from the admin: created with the key shown once, stored hashed, revoked (never deleted)."""

import hashlib
import re

from django.contrib.messages import get_messages

from civic311.accounts.models import ApiKey


def test_an_admin_creates_a_key_and_sees_it_once(admin_client, city):
    response = admin_client.post(
        "/admin/accounts/apikey/add/", {"name": "SeeClickFix", "contact": "ops@scf.example"}
    )
    assert response.status_code == 302
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    raw = re.search(r"c311_[\w-]+", shown).group(0)
    key = ApiKey.objects.get(name="SeeClickFix")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values_list())  # only the hash is stored
    assert ApiKey.objects.find(raw) == key


def test_an_admin_revokes_keys_and_cannot_delete_them(admin_client, city):
    response = admin_client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [city.api_key.pk]}
    )
    assert response.status_code == 302
    city.api_key.refresh_from_db()
    assert city.api_key.revoked_at is not None and ApiKey.objects.find(city.raw_key) is None
    assert admin_client.get(f"/admin/accounts/apikey/{city.api_key.pk}/delete/").status_code == 403


def test_the_admin_pages_of_the_catalog_and_requests_open(admin_client, city):
    from tests.factories import file_request

    request = file_request(city.pothole)
    for url in (
        "/admin/catalog/service/",
        f"/admin/catalog/service/{city.pothole.pk}/change/",
        "/admin/servicerequests/servicerequest/",
        f"/admin/servicerequests/servicerequest/{request.pk}/change/",
        "/admin/geo/district/",
        "/admin/geo/address/",
        "/admin/accounts/apikey/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_the_admin_pages_of_routing_staff_and_templates_open(admin_client, city):
    for url in (
        "/admin/routing/routingrule/",
        "/admin/routing/routingrule/add/",
        "/admin/routing/team/add/",
        "/admin/routing/workcalendar/add/",
        "/admin/routing/slatarget/add/",
        "/admin/auth/user/",
        "/admin/accounts/rolepolicy/",
        "/admin/console/responsetemplate/add/",
        "/admin/admin/logentry/",
        "/admin/axes/accessattempt/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_admin_changes_are_recorded_with_who_and_what(admin_client, city):
    from django.contrib.admin.models import LogEntry

    response = admin_client.post(
        f"/admin/catalog/service/{city.graffiti.pk}/change/",
        {
            "jurisdiction": city.jurisdiction.pk,
            "service_code": "GRAF",
            "service_name": "Graffiti Removal Request",
            "description": "",
            "group": "Streets",
            "keywords": "",
            "type": "realtime",
            "department": city.streets.pk,
            "anonymous_allowed": "on",
            "active": "on",
            "service_notice": "",
            "sla_days": "",
            "attributes-TOTAL_FORMS": "0",
            "attributes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry = LogEntry.objects.get(object_id=str(city.graffiti.pk))
    assert entry.user.username == "admin" and "Service name" in entry.get_change_message()
