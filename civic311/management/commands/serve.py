"""civic311 serve [--host --port --workers]: run the platform under an ASGI server (uvicorn)."""

import uvicorn
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Serve the platform over HTTP (ASGI, uvicorn) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=1, help="Server processes (PostgreSQL for more than 1)"
        )
        parser.add_argument("--log-level", default="info")

    def handle(self, *args, host, port, workers, log_level, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database needs upgrading first: run `civic311 init`")
        connection.close()
        self.stdout.write(f"Civic311 at http://{host}:{port}/  (Open311 at /open311/v2/, admin at /admin/)")
        uvicorn.run(
            "civic311.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            proxy_headers=True,
            lifespan="off",
        )
