"""Benchmark: the staff console's queue (GET /staff/) on a million requests, against its SQL run raw.

    .venv/bin/python bench/queue_page.py                  # both databases, 1,000,000 requests
    .venv/bin/python bench/queue_page.py --db postgres --user staff --scenario default

For each database it builds (or reuses) the bench database of bench/api_read.py, migrates it, and
writes the console's data once (staff accounts, teams, assignees, due dates; a marker row says it is
done). It starts the real ASGI server (`civic311 serve --workers 2`), signs in three staff members
(a department's staff member, its supervisor, an administrator) with sessions it creates itself, and
measures the queue page, its htmx partial (HX-Request) and the map's GeoJSON for each of them under
concurrent keep-alive clients. Every response must be a 200 holding exactly the rows the same
selection gives in-process. The baseline is the queue's own SQL (the page query and the facet counts,
captured from console.queue.select / page_of / facets built in-process for the same user) run raw
through the driver by as many threads. It prints latency and throughput of both, their ratio, the
requests in scope and matched per scenario, the plans of slow scenarios, and writes
bench/results/queue_page-<db>-<timestamp>.json. See bench/README.md.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import _dataset  # noqa: E402
import _load  # noqa: E402
import _measure  # noqa: E402
from api_read import DEFAULT_PG_URL, SWITCH_INTERVAL_S, db_version, machine  # noqa: E402

VAR_DIR = BENCH_DIR / "var"
RESULTS_DIR = BENCH_DIR / "results"
QUEUE_PATH = "/staff/"
GEOJSON_PATH = "/staff/queue.geojson"
STALE_AFTER = timedelta(days=3)
SLOW_SQL_MS = 20.0  # plans are printed for scenarios whose raw SQL p50 is at least this
USERS = {
    "staff": "department staff: the biggest department's queue (its requests only)",
    "supervisor": "the same department's supervisor: its requests and triage (no department)",
    "admin": "an administrator: every request",
}
SCENARIOS = {
    "default": "no parameters: open requests, oldest first",
    "overdue": "overdue=1: open and past their expected time",
    "service_ward": "service=<one of the department's 4 most requested>&district=<a ward> (20 pairs)",
    "assignee": "assignee=me (staff); assignee=<one of the department's staff> (supervisor, admin)",
    "due": "sort=due: open, due soonest first",
    "number": "q=<a request number> (40 open requests of the department, cycled)",
    "page20": "page=20 of the default selection",
    "map": "GET /staff/queue.geojson: the default selection as points (the first 2,000)",
}
VIEWS = ("page", "htmx")  # the full page, and the table partial htmx asks for
ROW_RE = re.compile(rb"data-number=")
TOTAL_RE = re.compile(rb'class="facet">All <span class="count">(\d+)</span>')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--rows", type=int, default=1_000_000, help="service requests (default 1,000,000)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the bench database (as api_read does)")
    p.add_argument("--redo-console", action="store_true", help="write the console data again")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients/threads (default 8)")
    p.add_argument("--calls", type=int, default=200, help="measured calls per scenario (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="warm-up calls per scenario (default 20)")
    p.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    p.add_argument("--user", action="append", choices=list(USERS), help="only these users (repeatable)")
    p.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="only these (repeatable)")
    p.add_argument("--view", action="append", choices=list(VIEWS), help="only these views (repeatable)")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"bench database (default {DEFAULT_PG_URL})")
    p.add_argument("--sqlite-path", type=Path, help="default bench/var/api_read-<rows>.sqlite3")
    p.add_argument("--seed", type=int, default=311)
    p.add_argument(
        "--try-index",
        action="append",
        metavar="SQL",
        help="a CREATE INDEX statement to measure with: created before the run, dropped after it "
        "(repeatable; the app's schema is not changed)",
    )
    p.add_argument(
        "--explain",
        choices=["slow", "all", "none"],
        default="slow",
        help=f"print the plans of scenarios whose SQL p50 is >= {SLOW_SQL_MS:g} ms (default), all, "
        "or none (they are always saved in the JSON)",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each measurement, wait up to this many seconds for other work on the machine to "
        "stop (default 60; 0 to not wait)",
    )
    p.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# --- the bench database -------------------------------------------------------------------------


def ensure_database(engine: str, args, database_url: str, target: str, data_dir: str, src) -> dict:
    """The bench database of api_read.py: reused when complete for --rows, else built; then migrated."""
    rows = args.rows
    existing = (
        _load.sqlite_existing_rows(Path(target), rows)
        if engine == "sqlite"
        else _load.pg_existing_rows(target, rows)
    )
    if existing == rows and not args.rebuild:
        print(f"reusing the bench database: it holds {existing:,} requests (--rebuild to rebuild)")
        t0 = time.perf_counter()
        _load.migrate(database_url, data_dir)  # the console's columns came with later migrations
        seconds = {"migrate": time.perf_counter() - t0}
        built_at = _load.sqlite_built_at(Path(target)) if engine == "sqlite" else _load.pg_built_at(target)
        return {"reused": True, "built_at": built_at, "seconds": seconds}
    print("building the bench database …", flush=True)
    now = _dataset.now_utc()
    if engine == "sqlite":
        load = _load.build_sqlite(Path(target), data_dir, rows, src, now, args.seed)
    else:
        load = _load.build_postgres(target, data_dir, rows, src, now, args.seed)
    for step, seconds in load.seconds.items():
        print(f"  {step:<24} {seconds:8.1f} s")
    return {
        "reused": False,
        "built_at": load.built_at,
        "seconds": load.seconds,
        "requests_per_s": round(load.rows_per_s),
    }


def try_indexes(engine: str, target: str, statements: list[str]) -> tuple[list[str], dict[str, float]]:
    """Create the --try-index indexes (and analyse); their names, to drop them afterwards."""
    names, seconds = [], {}
    conn = _load._connect(engine, target)
    try:
        for sql in statements:
            m = re.search(r"INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\"?[\w.]+\"?)", sql, re.IGNORECASE)
            if not m:
                raise SystemExit(f"--try-index: no index name in {sql!r}")
            t0 = time.perf_counter()
            conn.execute(sql)
            seconds[m.group(1)] = round(time.perf_counter() - t0, 2)
            names.append(m.group(1))
            print(f"  try index {m.group(1)}: built in {seconds[m.group(1)]:.1f} s", flush=True)
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return names, seconds


def drop_indexes(engine: str, target: str, names: list[str]) -> None:
    conn = _load._connect(engine, target)
    try:
        for name in names:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
    finally:
        conn.close()


# --- who, and what they ask for -----------------------------------------------------------------


def bench_users(staff: _dataset.ConsoleStaff) -> dict[str, int]:
    """User pks: a staff member of the biggest department (one who crews a team alone, so "mine" is a
    real share of the team's work), that department's supervisor, the administrator."""
    biggest = staff.departments[0]
    crew = staff.staff[biggest]
    solo = [u for u in crew if any(m == [u] for m in staff.members.values())]
    return {"staff": (solo or crew)[0], "supervisor": staff.supervisors[biggest], "admin": staff.admin}


def scenario_variants(
    name: str, who: str, user_pk: int, staff: _dataset.ConsoleStaff, seed: int
) -> list[dict]:
    """The query parameters a scenario cycles through, so neighbouring calls differ where they can."""
    from civic311.geo.models import District
    from civic311.servicerequests.models import ServiceRequest

    biggest = staff.departments[0]
    rng = np.random.default_rng(seed + 3)
    if name in ("default", "map"):
        return [{}]
    if name == "overdue":
        return [{"overdue": "1"}]
    if name == "due":
        return [{"sort": "due"}]
    if name == "page20":
        return [{"page": "20"}]
    if name == "assignee":
        if who == "staff":
            return [{"assignee": "me"}]
        return [{"assignee": str(u)} for u in staff.staff[biggest]]
    if name == "service_ward":
        from django.db.models import Count

        services = list(
            ServiceRequest.objects.filter(department_id=biggest, status="open")
            .values_list("service_id", flat=True)
            .annotate(n=Count("pk"))
            .order_by("-n", "service_id")[:4]
        )
        wards = list(District.objects.filter(kind="ward").order_by("pk").values_list("pk", flat=True))
        chosen = rng.choice(wards, 5, replace=False).tolist()
        return [{"service": str(s), "district": str(w)} for s in services for w in chosen]
    if name == "number":
        ids = list(
            ServiceRequest.objects.filter(department_id=biggest, status="open")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        picked = sorted(rng.choice(ids, min(40, len(ids)), replace=False).tolist())
        numbers = dict(ServiceRequest.objects.filter(pk__in=picked).values_list("pk", "service_request_id"))
        return [{"q": numbers[pk]} for pk in picked]
    raise ValueError(name)


@dataclass
class Variant:
    """One parameter set of a scenario, for one user: what the view's queries are and return."""

    params: dict
    path: str
    statements: list[tuple[str, str, tuple]]  # (page | facets | map, SQL as sent to the driver, params)
    matched: int  # the selection's count (not a query the view runs)
    rows: int  # rows on the page (features on the map)
    facets: dict = field(default_factory=dict)


def capture(user, name: str, variants: list[dict]) -> list[Variant]:
    """Build each variant's selection in-process as the view does, for the same user, and record the
    statements on the requests table Django hands to the driver: the page and the facet counts (the
    queue), or the points (the map)."""
    from django.db import connection
    from django.http import QueryDict
    from django.utils import timezone

    from civic311.console import queue
    from civic311.console.views.queue import MAP_LIMIT

    out = []
    for params in variants:
        f = queue.parse(QueryDict(urlencode(params)))
        if f.errors:
            raise ValueError(f"{params}: {f.errors}")
        now = timezone.now()
        seen: list[tuple[str, tuple]] = []

        def record(execute, sql, sql_params, many, context, seen=seen):
            seen.append((sql, tuple(sql_params or ())))
            return execute(sql, sql_params, many, context)

        facets: dict = {}
        with connection.execute_wrapper(record):
            if name == "map":
                selection = queue.select(user, f, now).filter(lat__isnull=False)
                values = selection.values_list(
                    "service_request_id", "lat", "long", "status_code", "service__service_name"
                )
                rows = len(list(values[:MAP_LIMIT]))
                labels = ["map"]
            else:
                selection = queue.select(user, f, now)
                rows = len(queue.page_of(selection, f)[: queue.PAGE_SIZE])
                facets = queue.facets(user, f, now)
                labels = ["page", "facets"]
        ours = [(sql, p) for sql, p in seen if "servicerequests_servicerequest" in sql]
        if len(ours) != len(labels):
            raise RuntimeError(f"{name} {params}: expected {labels}, saw {len(ours)}: {ours}")
        matched = selection.count()
        path = (GEOJSON_PATH if name == "map" else QUEUE_PATH) + (f"?{urlencode(params)}" if params else "")
        statements = [(label, sql, p) for label, (sql, p) in zip(labels, ours, strict=True)]
        out.append(Variant(params, path, statements, matched, rows, dict(facets)))
    connection.close()
    return out


def create_session(user_pk: int) -> str:
    """A signed-in session for the user, as django.contrib.auth.login leaves it (no password, no
    login form: nothing for django-axes to count)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(pk=user_pk)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def delete_sessions(keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key__in=keys).delete()


def pg_options() -> str | None:
    """The libpq options of the app's PostgreSQL connections (parallel query off): the raw SQL and its
    plans run with the same."""
    from django.conf import settings

    return settings.DATABASES["default"].get("OPTIONS", {}).get("options")


# --- checking responses -------------------------------------------------------------------------


def queue_checker(variants: list[Variant], view: str):
    """A response is right when it is a 200 of the right kind (page or partial) holding exactly the
    rows the same selection gives in-process, and the facet total of the same scope."""

    def check(k: int, response: http.client.HTTPResponse, body: bytes) -> None:
        v = variants[k]
        if response.status != 200:
            raise AssertionError(f"{v.path}: HTTP {response.status} {body[:200]!r}")
        rows = len(ROW_RE.findall(body))
        if rows != v.rows:
            raise AssertionError(f"{v.path}: {rows} rows, expected {v.rows}")
        total = TOTAL_RE.search(body)
        if not total or int(total.group(1)) != v.facets["total"]:
            raise AssertionError(
                f"{v.path}: facet total {total and total.group(1)!r}, expected {v.facets['total']}"
            )
        is_page = body.lstrip()[:15].lower().startswith(b"<!doctype")
        if is_page != (view == "page"):
            raise AssertionError(f"{v.path}: expected the {view}, got {'page' if is_page else 'partial'}")

    return check


def map_checker(variants: list[Variant]):
    def check(k: int, response: http.client.HTTPResponse, body: bytes) -> None:
        v = variants[k]
        if response.status != 200:
            raise AssertionError(f"{v.path}: HTTP {response.status} {body[:200]!r}")
        features = json.loads(body)["features"]
        if len(features) != v.rows:
            raise AssertionError(f"{v.path}: {len(features)} features, expected {v.rows}")

    return check


# --- one database -------------------------------------------------------------------------------


def run_one(engine: str, args: argparse.Namespace) -> dict:
    rows = args.rows
    data_dir = tempfile.mkdtemp(prefix="civic311-bench-")
    if engine == "sqlite":
        path = (args.sqlite_path or VAR_DIR / f"api_read-{rows}.sqlite3").resolve()
        database_url, target = f"sqlite:///{path}", str(path)
    else:
        database_url = target = args.pg_url
    os.environ.update(
        DATABASE_URL=database_url, CIVIC311_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="civic311.settings"
    )
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connections

    from civic311.accounts.permissions import visible_requests

    print(f"\n=== {engine}: {rows:,} requests ({database_url}) ===", flush=True)
    src = _dataset.read_sources()
    index_names: list[str] = []
    sessions: list[str] = []
    try:
        load = ensure_database(engine, args, database_url, target, data_dir, src)
        age = datetime.now(UTC) - datetime.fromisoformat(load["built_at"]) if load["built_at"] else None
        if age and age > STALE_AFTER:
            print(f"  warning: the data ends {age.days} days ago; more requests are overdue (--rebuild)")
        print("console data (staff, teams, assignees, due dates) …", flush=True)
        console = _load.ensure_console_data(engine, target, rows, args.seed, redo=args.redo_console)
        print(
            "  "
            + ("reused (marker present; --redo-console to write it again)" if console.reused else "written")
        )
        for step, seconds in console.seconds.items():
            print(f"  {step:<24} {seconds:8.1f} s")
        c = console.counts
        print(
            f"  {c['requests']:,} requests, {c['open']:,} open ({c['open_overdue']:,} overdue now,"
            f" {c['open_assigned']:,} assigned, {c['triage']:,} in triage); {c['with_team']:,} with a team,"
            f" {c['assigned']:,} with an assignee"
        )
        tried: dict[str, float] = {}
        if args.try_index:
            index_names, tried = try_indexes(engine, target, args.try_index)
        staff = console.staff
        users = {k: v for k, v in bench_users(staff).items() if not args.user or k in args.user}
        scenarios = args.scenario or list(SCENARIOS)
        views = args.view or list(VIEWS)

        print("capturing the SQL the view runs for each user and parameter variant …", flush=True)
        user_model = get_user_model()
        scope: dict[str, dict[str, int]] = {}
        captured: dict[tuple[str, str], list[Variant]] = {}
        for who, pk in users.items():
            user = user_model.objects.select_related("staff").get(pk=pk)
            visible = visible_requests(user)
            scope[who] = {"user": user.username, "all": visible.count(), "open": visible.open().count()}
            for name in scenarios:
                variants = scenario_variants(name, who, pk, staff, args.seed)
                captured[who, name] = capture(user, name, variants)
            print(
                f"  {who:<11} {user.username}: {scope[who]['all']:,} requests in scope,"
                f" {scope[who]['open']:,} open",
                flush=True,
            )
        cookies = {}
        for who, pk in users.items():
            key = create_session(pk)
            sessions.append(key)
            cookies[who] = f"{settings.SESSION_COOKIE_NAME}={key}"
        connections.close_all()

        results: list[dict] = []
        log_path = Path(data_dir) / "server.log"
        with _measure.Server(database_url, data_dir, args.workers, log_path, sla_check_seconds=0) as server:
            print(f"server up on port {server.port} ({args.workers} workers)", flush=True)
            for who in users:
                for name in scenarios:
                    variants = captured[who, name]
                    entry = measure(engine, target, server, args, who, name, variants, cookies[who], views)
                    entry["scope"] = scope[who]
                    results.append(entry)
        plans = {}
        for entry in results:
            first = captured[entry["user"], entry["scenario"]][0]
            plans[f"{entry['user']}/{entry['scenario']}"] = {
                "params": first.params,
                "sql": {
                    label: _measure.literal_sql(engine, target, sql, p) for label, sql, p in first.statements
                },
                **_measure.explain_statements(engine, target, first.statements, pg_options()),
            }
        return {
            "benchmark": "queue_page",
            "db": engine,
            "db_version": db_version(engine, target),
            "database": target,
            "database_bytes": Path(target).stat().st_size if engine == "sqlite" else _load.pg_size(target),
            "rows": rows,
            "clients": args.clients,
            "workers": args.workers,
            "calls": args.calls,
            "warmup": args.warmup,
            "machine": machine(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "load": {**load, "seconds": {k: round(v, 2) for k, v in load["seconds"].items()}},
            "console": {
                "reused": console.reused,
                "seconds": {k: round(v, 2) for k, v in console.seconds.items()},
                "counts": console.counts,
                "users": {who: scope[who]["user"] for who in users},
            },
            "try_indexes": [
                {"sql": sql, "seconds": tried.get(n)}
                for sql, n in zip(args.try_index or [], index_names, strict=False)
            ],
            "results": results,
            "plans": plans,
        }
    finally:
        try:
            if sessions:
                delete_sessions(sessions)
            connections.close_all()
        finally:
            if index_names:
                drop_indexes(engine, target, index_names)
                print(f"dropped the tried indexes: {', '.join(index_names)}")
            shutil.rmtree(data_dir, ignore_errors=True)


def measure(engine, target, server, args, who, name, variants, cookie, views) -> dict:
    """The API side for each view (page, htmx partial; or the map), then the SQL side."""
    entry: dict = {
        "user": who,
        "scenario": name,
        "description": SCENARIOS[name],
        "variants": len(variants),
        "example_params": variants[0].params,
        "matched_median": int(np.median([v.matched for v in variants])),
        "rows_median": int(np.median([v.rows for v in variants])),
        "facets": variants[0].facets,
        "api": {},
    }
    if name == "map":
        plan = [("map", map_checker(variants), {"Cookie": cookie, "Accept": "application/json"})]
    else:
        plan = [
            (
                view,
                queue_checker(variants, view),
                {"Cookie": cookie} | ({"HX-Request": "true"} if view == "htmx" else {}),
            )
            for view in views
        ]
    line = f"  {who:<11}{name:<13}"
    for view, check, headers in plan:
        quiet = _measure.wait_for_quiet(args.quiet_wait)
        timing = _measure.run_http(
            server.port,
            [(v.path, headers) for v in variants],
            args.warmup,
            args.calls,
            args.clients,
            check,
            server.proc.pid,
        )
        timing.background_cores = quiet
        a = timing.summary()
        entry["api"][view] = a
        line += f" {view} p50 {a['p50_ms']:6.1f} p99 {a['p99_ms']:6.1f} {a['per_s']:5.0f}/s |"
        if a["failures"]:
            line += f" {a['failures']} FAILED e.g. {a['failure_examples'][0]} |"
    quiet = _measure.wait_for_quiet(args.quiet_wait)
    batches = [[(sql, p) for _, sql, p in v.statements] for v in variants]
    sql = _measure.run_batches(
        engine, target, batches, args.warmup, args.calls, args.clients, pg_options=pg_options()
    )
    sql.background_cores = quiet
    s = sql.summary()
    entry["sql"] = s
    entry["ratio_p50"] = {
        view: round(a["p50_ms"] / s["p50_ms"], 2) if s["p50_ms"] else None for view, a in entry["api"].items()
    }
    line += f" SQL p50 {s['p50_ms']:6.1f} p99 {s['p99_ms']:6.1f} {s['per_s']:5.0f}/s"
    line += f" | matched {entry['matched_median']:,}"
    print(line, flush=True)
    first = next(iter(entry["api"].values()))
    ca, cs = first["cpu_ms_per_call"], s["cpu_ms_per_call"]
    if ca:
        print(
            f"  {'':<24} CPU ms/call: {next(iter(entry['api']))} {ca['machine']:.1f}"
            f" (server {ca['server']:.1f},"
            f" clients {ca['bench_process']:.1f}, database+other {ca['rest']:.1f})"
            f" | SQL {cs['machine']:.1f} (driver threads {cs['bench_process']:.1f},"
            f" database+other {cs['rest']:.1f})",
            flush=True,
        )
    if s["failures"]:
        print(f"    SQL failures: {s['failure_examples']}")
    return entry


# --- report -------------------------------------------------------------------------------------


def _busy(entry: dict) -> str:
    values = [a.get("background_cores_before") for a in entry["api"].values()]
    values.append(entry["sql"].get("background_cores_before"))
    known = [v for v in values if v is not None]
    return f"{max(known):.1f}" if known else "?"


def print_table(results: list[dict]) -> None:
    first = results[0]
    m = first["machine"]
    print()
    print(
        f"GET /staff/ (the queue): {first['rows']:,} requests, {first['clients']} concurrent clients, "
        f"{first['workers']} server workers, {first['calls']} calls per scenario after {first['warmup']}"
    )
    print(f"machine: {m['cores']} cores, {m['cpu'] or '?'}, {m['memory_gb']} GB, {m['platform']}")
    for r in results:
        if r.get("try_indexes"):
            print(
                f"{r['db']}: measured WITH the tried indexes: "
                + "; ".join(t["sql"] for t in r["try_indexes"])
            )
    head = (
        f"{'db':<9}{'user':<11}{'scenario':<13}{'scope':>10}{'matched':>9}  "
        f"{'page p50':>8}{'p99':>7}{'/s':>5}  {'htmx p50':>8}{'p99':>7}{'/s':>5}  "
        f"{'SQL p50':>7}{'p99':>7}{'/s':>6}  {'page/SQL':>8}{'htmx/SQL':>9}  {'busy':>4}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        for e in r["results"]:
            cells = []
            for view in ("page", "htmx") if e["scenario"] != "map" else ("map", None):
                a = e["api"].get(view) if view else None
                cells.append(
                    f"{a['p50_ms']:>8.1f}{a['p99_ms']:>7.1f}{a['per_s']:>5.0f}"
                    if a
                    else f"{'-':>8}{'':>7}{'':>5}"
                )
            ratios = []
            for view in ("page", "htmx") if e["scenario"] != "map" else ("map", None):
                value = e["ratio_p50"].get(view) if view else None
                ratios.append(f"{value:.1f}x" if value is not None else "-")
            q = e["sql"]
            fails = sum(a["failures"] for a in e["api"].values()) + q["failures"]
            print(
                f"{r['db']:<9}{e['user']:<11}{e['scenario']:<13}"
                f"{e['scope']['all']:>10,}{e['matched_median']:>9,}  "
                f"{cells[0]}  {cells[1]}  {q['p50_ms']:>7.1f}{q['p99_ms']:>7.1f}{q['per_s']:>6.0f}  "
                f"{ratios[0]:>8}{ratios[1]:>9}  {_busy(e):>4}" + (f"  {fails} FAILURES" if fails else "")
            )
    print(
        "(latencies in ms; scope = requests the user may see (all states), matched = the selection's count"
        " (median over variants);\n page = GET /staff/ (full page), htmx = the same with HX-Request"
        " (the table partial), map = /staff/queue.geojson;\n SQL = the page query + the facet counts"
        " (map: the points query) run raw; busy = cores other work kept busy before a measurement)"
    )
    for r in results:
        load, console = r["load"], r["console"]
        how = "reused" if load["reused"] else f"built in {sum(load['seconds'].values()):.0f} s"
        prep = (
            "console data reused"
            if console["reused"]
            else f"console data written in {sum(console['seconds'].values()):.0f} s"
        )
        print(
            f"{r['db']}: {r['db_version']}, {r['database']} ({r['database_bytes'] / 2**20:,.0f} MB), "
            f"data up to {load['built_at'][:19]}, {how}, {prep}"
        )


def print_plans(result: dict, which: str) -> None:
    if which == "none":
        return
    slow = {
        f"{e['user']}/{e['scenario']}"
        for e in result["results"]
        if which == "all" or e["sql"]["p50_ms"] >= SLOW_SQL_MS
    }
    if not slow:
        print(
            f"\n(no scenario's SQL p50 reached {SLOW_SQL_MS:g} ms on {result['db']}; plans are in the JSON)"
        )
        return
    what = "all" if which == "all" else f"SQL p50 >= {SLOW_SQL_MS:g} ms"
    print(f"\n--- query plans, {result['db']} ({what}) ---")
    for key, plan in result["plans"].items():
        if key not in slow:
            continue
        print(f"\n[{key}] {plan['params'] or '(no parameters)'}")
        for part in ("page", "facets", "map"):
            if part in plan:
                print(f"  {part}:")
                for line in plan[part].splitlines():
                    print(f"    {line}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if args.db == "both":
        print_table(_measure.run_both(__file__, argv))
        return 0
    return _measure.run_one_and_report(
        run_one, args, "queue_page", RESULTS_DIR, (lambda r: print_plans(r, args.explain)), print_table
    )


if __name__ == "__main__":
    sys.exit(main())
