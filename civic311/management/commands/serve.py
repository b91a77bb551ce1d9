"""civic311 serve [--host --port --workers]: run the platform under an ASGI server (uvicorn), with the
periodic jobs (the SLA check) in a thread of this process until the task worker takes them over."""

import logging
import threading

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
        parser.add_argument(
            "--sla-check-seconds", type=int, default=300, help="0: no periodic SLA check here"
        )

    def handle(self, *args, host, port, workers, log_level, sla_check_seconds, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database needs upgrading first: run `civic311 init`")
        connection.close()
        if sla_check_seconds > 0:
            threading.Thread(target=_periodic_sla_check, args=(sla_check_seconds,), daemon=True).start()
        self.stdout.write(f"Civic311 at http://{host}:{port}/  (Open311 at /open311/v2/, admin at /admin/)")
        uvicorn.run(
            "civic311.asgi:application",
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            proxy_headers=True,
            # Live streams (SSE) stay open; on shutdown give them 5 s, then close: clients reconnect.
            timeout_graceful_shutdown=5,
            lifespan="off",
        )


def _periodic_sla_check(every: float) -> None:
    from django.db import close_old_connections

    from civic311.routing.overdue import check_overdue

    stop = threading.Event()
    while not stop.wait(every):
        try:
            check_overdue()
        except Exception:  # a failed round is logged and retried next time; it must not stop the loop
            logging.getLogger(__name__).exception("SLA check failed")
        finally:
            close_old_connections()
