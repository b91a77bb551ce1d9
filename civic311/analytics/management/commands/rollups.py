"""civic311 rollups [--build] [--jurisdiction ID]: the figures' rollups (analytics/rollups.py) built anew,
or brought up to the latest events. The worker does the same every minute; this is for after a bulk load
that wrote no events (a COPY, a restore) and for the impatient."""

import time

from django.core.management.base import BaseCommand, CommandError

from civic311.analytics import rollups
from civic311.catalog.models import Jurisdiction


class Command(BaseCommand):
    help = "Build the figures' rollups, or fold them up to the latest events."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--build", action="store_true", help="rebuild every cell from the requests")
        parser.add_argument("--jurisdiction", help="one jurisdiction_id (default: every one)")

    def handle(self, *args, build: bool, jurisdiction: str | None, **options) -> None:
        found = Jurisdiction.objects.all()
        if jurisdiction:
            found = found.filter(jurisdiction_id=jurisdiction)
            if not found.exists():
                raise CommandError(f"no jurisdiction {jurisdiction}")
        for each in found:
            started = time.monotonic()
            if build or not rollups.fold(each, rescan=rollups.RESCAN_EVENTS):
                cells = rollups.build(each)
                self.stdout.write(f"{each.jurisdiction_id}: built, {cells} day cells")
            else:
                self.stdout.write(f"{each.jurisdiction_id}: folded up to the latest events")
            self.stdout.write(f"  in {time.monotonic() - started:.1f} s")
