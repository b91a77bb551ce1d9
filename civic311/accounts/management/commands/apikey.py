"""civic311 apikey create NAME | list | revoke PREFIX"""

from django.core.management.base import BaseCommand, CommandError

from civic311.accounts.models import ApiKey


class Command(BaseCommand):
    help = "Create, list or revoke the API keys clients use to POST to the GeoReport API."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a key; prints it alone on the last line")
        create.add_argument("name", help="Who holds the key, e.g. 'SeeClickFix'")
        create.add_argument("--contact", default="", help="How to reach the holder")
        sub.add_parser("list", help="List keys (prefixes only; keys are stored hashed)")
        revoke = sub.add_parser("revoke", help="Revoke a key by its prefix (shown by list)")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        if action == "create":
            _, raw = ApiKey.create(options["name"], options["contact"])
            self.stderr.write(f"Created API key for {options['name']}. It is shown once; store it now.")
            self.stdout.write(raw)
        elif action == "list":
            for key in ApiKey.objects.all():
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
                self.stdout.write(f"{key.prefix}…  {key.name}  ({state}, {used})")
        elif action == "revoke":
            matches = list(ApiKey.objects.active().filter(prefix__startswith=options["prefix"]))
            if len(matches) != 1:
                raise CommandError(
                    f"{len(matches)} active keys start with {options['prefix']!r}; give a longer prefix"
                )
            matches[0].revoke()
            self.stdout.write(f"Revoked {matches[0]}")
