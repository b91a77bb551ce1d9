"""Loads bench/peer.py's data into the peer (6aika/issue-reporting) through its own ORM.

Run by bench/peer.py with the peer's virtual environment (its Python, its Django 3.2) from the peer's
checkout, after `manage.py migrate`, with DATABASE_URL and DJANGO_SETTINGS_MODULE=cfh.settings set:

    <peer venv>/bin/python bench/_peer_load.py --checkout PATH --catalog FILE --requests FILE --api-key KEY

--catalog is {"jurisdiction": {...}, "services": [...]} (the services Civic311's services.json lists),
--requests the GeoReport records Civic311 imports (the very same file). It creates the jurisdiction, the
services (parler translations in English), an Application with the given key (for POSTs) and the
requests with bulk_create, in the file's order (so the peer's `-pk` order is newest first). Prints a
JSON line with what it wrote. Written for Python 3.8+ (the peer's), not for the project's Python.
"""

import argparse
import json
import os
import sys
import time
from datetime import datetime


def parse_time(text):
    return datetime.fromisoformat(text) if text else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--checkout", required=True)
    p.add_argument("--catalog", required=True)
    p.add_argument("--requests", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--batch", type=int, default=2000)
    args = p.parse_args()
    sys.path.insert(0, args.checkout)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cfh.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from issues.models import Application, Issue, Jurisdiction, Service

    with open(args.catalog, encoding="utf-8") as fh:
        data = json.load(fh)
    with open(args.requests, encoding="utf-8") as fh:
        data["requests"] = json.load(fh)
    t0 = time.perf_counter()
    with transaction.atomic():
        j = data["jurisdiction"]
        jurisdiction, _ = Jurisdiction.objects.get_or_create(
            identifier=j["jurisdiction_id"], defaults={"name": j["name"][:64]}
        )
        services = {}
        for s in data["services"]:
            service = Service(
                service_code=s["service_code"],
                metadata=s["metadata"],
                type=s["type"],
                location_req="coords_or_address",
            )
            service.set_current_language("en")
            service.service_name = s["service_name"][:120]
            service.description = s["description"]
            service.keywords = s["keywords"]
            service.group = s["group"][:140]
            service.save()
            service.jurisdictions.add(jurisdiction)
            services[service.service_code] = service
        Application.objects.create(identifier="peerbench", name="peerbench", key=args.api_key)
        default_app = Application.objects.get(key="")  # the peer's migration creates it
    t1 = time.perf_counter()
    batch = []
    written = 0

    def flush():
        nonlocal written
        with transaction.atomic():
            Issue.objects.bulk_create(batch)
        written += len(batch)
        batch.clear()

    for r in data["requests"]:
        lat, long = r.get("lat"), r.get("long")
        batch.append(
            Issue(
                application=default_app,
                jurisdiction=jurisdiction,
                service=services[r["service_code"]],
                service_code=r["service_code"],
                identifier=r["service_request_id"],
                description=r.get("description") or "",
                status=r["status"],
                status_notes=r.get("status_notes") or "",
                agency_responsible=r.get("agency_responsible") or "",
                service_notice=r.get("service_notice") or "",
                requested_datetime=parse_time(r["requested_datetime"]),
                updated_datetime=parse_time(r.get("updated_datetime") or r["requested_datetime"]),
                expected_datetime=parse_time(r.get("expected_datetime")),
                address=r.get("address") or "",
                zipcode=(r.get("zipcode") or "")[:10],
                media_url=r.get("media_url") or "",
                # (x, y) as the model's _cache_location keeps it: long first
                location=(long, lat) if lat is not None and long is not None else None,
                lat=lat,
                long=long,
                moderation="public",
            )
        )
        if len(batch) >= args.batch:
            flush()
    if batch:
        flush()
    t2 = time.perf_counter()
    with connection.cursor() as cur:  # as the bench does for Civic311's database after its import
        cur.execute("ANALYZE")
    print(
        json.dumps(
            {
                "services": len(services),
                "requests": written,
                "database": connection.vendor,
                "catalog_s": round(t1 - t0, 2),
                "requests_s": round(t2 - t1, 2),
                "issues_in_db": Issue.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    main()
