"""GET /status.json: how this server process is doing, for operators and load balancers.

    {"status": "ok" | "busy", "pid": 1234,
     "database": {"vendor": "postgresql",
                  "pool": {"max": 20, "open": 3, "in_use": 1, "idle": 2, "waiting": 0, "refused": 0}},
     "threads": {"busy": 1, "finishing": 0, "idle": 7}}

`pool` is null without a pool (SQLite). `threads.busy` counts requests holding a thread (live streams
too), `finishing` those whose client has gone while their code still runs. "busy" means requests are
waiting for a database connection. Each server process answers for itself. The view touches no
database, so it answers while every connection is taken.
"""

import os

from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from civic311.server.pool import pool_status
from civic311.server.threads import REQUEST_THREADS


@require_GET
async def status(request: HttpRequest) -> JsonResponse:
    pool = pool_status()
    busy = pool is not None and pool["waiting"] > 0
    response = JsonResponse(
        {
            "status": "busy" if busy else "ok",
            "pid": os.getpid(),
            "database": {"vendor": connections["default"].vendor, "pool": pool},
            "threads": REQUEST_THREADS.status(),
        }
    )
    response["Cache-Control"] = "no-store"
    return response
