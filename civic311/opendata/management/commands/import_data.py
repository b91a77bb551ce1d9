"""civic311 import chicago|nyc|boston|open311|districts|addresses FILE"""

import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civic311.catalog.models import Jurisdiction
from civic311.opendata.importers import addresses, boston, chicago, districts, nyc, open311
from civic311.opendata.importers.base import ImportInterrupted, get_or_create_jurisdiction

KINDS = ("chicago", "nyc", "boston", "open311", "districts", "addresses")
REQUEST_IMPORTERS = {"chicago": chicago, "nyc": nyc, "boston": boston, "open311": open311}
DEFAULT_ZONES = {"chicago": "America/Chicago", "nyc": "America/New_York", "boston": boston.TIME_ZONE}
# An importer whose data is one city's only: without --jurisdiction it goes into that city's own
# jurisdiction (created if missing), never into whatever the default one is.
OWN_JURISDICTION = {"boston": (boston.JURISDICTION_ID, boston.JURISDICTION_NAME, boston.TIME_ZONE)}


def _stop(signum, frame):
    # kill (SIGTERM) stops an import as Ctrl-C does: the batch being written is rolled back, the rest kept.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Import requests (chicago, nyc, boston, open311), district polygons or an address index from a "
        "file. Importing the same file again updates what changed and adds nothing twice; an import "
        "stopped half-way finishes when run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--jurisdiction",
            help="jurisdiction_id to import into (default: the default one; boston: boston.example)",
        )
        parser.add_argument("--jurisdiction-name", help="Create the jurisdiction with this name if missing")
        parser.add_argument("--time-zone", help="Time zone of a jurisdiction created here")
        parser.add_argument("--limit", type=int, help="Import only the first N records")
        parser.add_argument(
            "--rejects",
            type=Path,
            metavar="FILE",
            help="requests: write the rows not imported to FILE (CSV: record, reason, then the row)",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="No progress bar (it is shown only on a terminal anyway)"
        )
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
        if options["kind"] in OWN_JURISDICTION:
            jurisdiction_id, name, zone = OWN_JURISDICTION[options["kind"]]
            return get_or_create_jurisdiction(jurisdiction_id, name, options["time_zone"] or zone)
        found = Jurisdiction.objects.default()
        if found is None:
            raise CommandError("No jurisdiction yet: give --jurisdiction ID --jurisdiction-name NAME")
        return found

    def handle(self, *args, kind, file, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        if options["rejects"] and kind not in REQUEST_IMPORTERS:
            raise CommandError("--rejects is for requests (districts are refused whole; addresses counted)")
        jurisdiction = self._jurisdiction({**options, "kind": kind})
        progress = not options["quiet"]
        # Signal handlers can only be set from the main thread (call_command may run elsewhere).
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _stop) if main else None
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
                    progress=progress,
                )
                self.stdout.write(f"districts: {created} created, {updated} updated")
                return
            if kind == "addresses":
                added, skipped = addresses.import_file(file, jurisdiction, progress=progress)
                self.stdout.write(f"addresses: {added} added, {skipped} skipped")
                return
            report = REQUEST_IMPORTERS[kind].import_file(
                file, jurisdiction, limit=options["limit"], progress=progress, rejects=options["rejects"]
            )
        except ImportInterrupted as stopped:
            for line in stopped.report.lines():
                self.stdout.write(f"{kind}: {line}")
            raise CommandError(
                "interrupted: the batches written are kept; run the same command again to finish "
                "(requests already there are not imported twice)",
                returncode=130,
            ) from None
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
        for line in report.lines():
            self.stdout.write(f"{kind}: {line}")
