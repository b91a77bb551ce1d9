"""civic311 init [--sample-city]: create or upgrade the database; load the sample city; a demo key."""

import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from civic311.accounts.models import ApiKey

DEMO_KEY_NAME = "demo"


def demo_secret(name: str, *, words: bool = False) -> str:
    """A secret of the demo, generated once and kept in the data directory (readable by its owner only)."""
    path = settings.DATA_DIR / name
    if not path.exists():
        value = "-".join(secrets.token_hex(3) for _ in range(4)) if words else secrets.token_urlsafe(24)
        path.write_text(value + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def demo_key() -> str:
    """The demo API key, kept in the data directory so a second `make demo` prints the same one."""
    path = settings.DATA_DIR / "demo-api-key"
    if path.exists():
        raw = path.read_text().strip()
        if ApiKey.objects.find(raw) is not None:
            return raw
    _, raw = ApiKey.create(DEMO_KEY_NAME, "created by civic311 init --sample-city")
    path.write_text(raw + "\n")
    path.chmod(0o600)
    return raw


class Command(BaseCommand):
    help = "Create or upgrade the database and static files; with --sample-city, load Chicago's sample data."

    def add_arguments(self, parser):
        parser.add_argument("--sample-city", action="store_true", help="Load the sample city (idempotent)")
        parser.add_argument(
            "--no-requests", action="store_true", help="With --sample-city: catalog and maps only"
        )
        parser.add_argument(
            "--keep-dates",
            action="store_true",
            help="With --sample-city: keep the requests' 2021 dates (default: moved to the present)",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("collectstatic", interactive=False, verbosity=max(verbosity - 1, 0))
        self.stdout.write(f"Database ready: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
        if not options["sample_city"]:
            return
        from civic311.management import samplecity

        report = samplecity.load(
            with_requests=not options["no_requests"], shift_to_now=not options["keep_dates"]
        )
        self.stdout.write(
            f"Sample city: {report.jurisdiction.name}: {report.services} services, {report.wards} wards, "
            f"{report.addresses_added} new addresses"
        )
        if report.requests is not None:
            for line in report.requests.lines():
                self.stdout.write(f"  requests: {line}")
        staff = samplecity.load_demo_staff(
            report.jurisdiction, demo_secret("demo-staff-password", words=True)
        )
        self.stdout.write(
            f"Staff console: {settings.PUBLIC_BASE_URL}/staff/  users: {', '.join(staff)}  "
            f"password: {demo_secret('demo-staff-password', words=True)}"
        )
        key = demo_key()
        self.stdout.write(f"Demo API key (for POST /open311/v2/requests.json):\n{key}")
