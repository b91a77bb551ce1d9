"""The `civic311` console command: Django's management commands, with a few short names.

civic311 serve [--host --port]     run the platform (ASGI) and a task worker (--no-worker: none)
civic311 worker [--burst]          run background tasks and periodic jobs (TASKS_BACKEND db or rq)
civic311 init [--sample-city]      create/upgrade the database, optionally load the sample city
civic311 apikey create NAME        print a new API key on the last line
civic311 import chicago|nyc|boston|open311|districts|addresses FILE
civic311 <any Django command>      e.g. createsuperuser, migrate, shell
"""

import os
import sys

ALIASES = {"import": "import_data"}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.settings")
    if args and args[0] in ALIASES:
        args = [ALIASES[args[0]], *args[1:]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civic311", *args])


if __name__ == "__main__":
    main()
