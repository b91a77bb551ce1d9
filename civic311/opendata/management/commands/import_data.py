"""civic311 import chicago|nyc|open311|districts|addresses FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civic311.catalog.models import Jurisdiction
from civic311.opendata.importers import addresses, chicago, districts, nyc, open311
from civic311.opendata.importers.base import get_or_create_jurisdiction

KINDS = ("chicago", "nyc", "open311", "districts", "addresses")
DEFAULT_ZONES = {"chicago": "America/Chicago", "nyc": "America/New_York"}


class Command(BaseCommand):
    help = "Import requests (chicago, nyc, open311), district polygons or an address index from a file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--jurisdiction", help="jurisdiction_id to import into (default: the default one)"
        )
        parser.add_argument("--jurisdiction-name", help="Create the jurisdiction with this name if missing")
        parser.add_argument("--time-zone", help="Time zone of a jurisdiction created here")
        parser.add_argument("--limit", type=int, help="Import only the first N records")
        parser.add_argument("--kind", dest="district_kind", help="districts: the kind, e.g. ward")
        parser.add_argument("--name-field", help="districts: the feature property holding the name")
        parser.add_argument(
            "--code-field", help="districts: the property holding the code (default: name field)"
        )

    def _jurisdiction(self, options) -> Jurisdiction:
        wanted = options["jurisdiction"]
        if wanted and options["jurisdiction_name"]:
            zone = options["time_zone"] or DEFAULT_ZONES.get(options["kind"], "UTC")
            return get_or_create_jurisdiction(wanted, options["jurisdiction_name"], zone)
        if wanted:
            found = Jurisdiction.objects.filter(jurisdiction_id=wanted).first()
            if found is None:
                raise CommandError(f"No jurisdiction {wanted!r}; add --jurisdiction-name to create it")
            return found
        found = Jurisdiction.objects.default()
        if found is None:
            raise CommandError("No jurisdiction yet: give --jurisdiction ID --jurisdiction-name NAME")
        return found

    def handle(self, *args, kind, file, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        jurisdiction = self._jurisdiction({**options, "kind": kind})
        try:
            if kind == "districts":
                if not (options["district_kind"] and options["name_field"]):
                    raise CommandError("districts need --kind and --name-field")
                created, updated = districts.import_file(
                    file,
                    jurisdiction,
                    kind=options["district_kind"],
                    name_field=options["name_field"],
                    code_field=options["code_field"],
                )
                self.stdout.write(f"districts: {created} created, {updated} updated")
                return
            if kind == "addresses":
                added, skipped = addresses.import_file(file, jurisdiction)
                self.stdout.write(f"addresses: {added} added, {skipped} skipped")
                return
            module = {"chicago": chicago, "nyc": nyc, "open311": open311}[kind]
            report = module.import_file(file, jurisdiction, limit=options["limit"])
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines():
            self.stdout.write(f"{kind}: {line}")
