"""Benchmark: `civic311 import boston` of the whole real 2015 file (121,145 rows) into a fresh database,
against a plain bulk write of the same mapped rows.

    .venv/bin/python bench/boston_import.py                      # SQLite (bench/var/boston_import.sqlite3)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/boston_import.py
    .venv/bin/python bench/boston_import.py --db postgres --pg-url postgres://…/civic311_bench_boston

It makes a fresh database (SQLite: the file is removed; PostgreSQL: the bench database is dropped and
created, on the server DATABASE_URL names, as `civic311_bench_boston` unless --pg-url names one), migrates
it (`civic311 migrate`), and times, in one process and on one Django connection:

1. **the import**: boston.import_file(FILE, jurisdiction) as the command runs it (reading the gzip CSV,
   mapping, districts, the domain's batches of 500 with their events and district links);
2. **mapping only**: the same rows read and mapped to ImportedRequest again (nothing written);
3. **the floor**: the same mapped rows, as the domain builds them (history._imported: the request row,
   its events; the district links), written raw into bare tables of the same columns, with no index,
   constraint or ORM: `executemany` in one transaction (SQLite), `COPY` (PostgreSQL). Once the request
   rows alone ("requests"), once with their events and links too ("everything"), which is what the
   import writes.

It prints rows/s of each and the ratio import / floor, and writes
bench/results/boston_import-<db>-<time>.json. See bench/README.md.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(REPO))

import _load  # noqa: E402

VAR_DIR = BENCH_DIR / "var"
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_FILE = REPO.parent / "shared" / "data" / "real" / "boston311_2015" / "boston311_2015.csv.gz"
DEFAULT_PG_DB = "civic311_bench_boston"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--db",
        choices=["sqlite", "postgres"],
        default="postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
        help="default: postgres when DATABASE_URL names a PostgreSQL server, else sqlite",
    )
    p.add_argument("--file", type=Path, default=DEFAULT_FILE, help=f"default {DEFAULT_FILE}")
    p.add_argument("--pg-url", help=f"the bench database (default: DATABASE_URL's server, {DEFAULT_PG_DB})")
    p.add_argument("--sqlite-path", type=Path, default=VAR_DIR / "boston_import.sqlite3")
    p.add_argument("--limit", type=int, help="only the first N rows")
    return p.parse_args(argv)


def pg_url(args) -> str:
    if args.pg_url:
        return args.pg_url
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(base)._replace(path=f"/{DEFAULT_PG_DB}"))


def fresh_database(args, data_dir: str) -> str:
    if args.db == "sqlite":
        path = args.sqlite_path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = pg_url(args)
        _load.pg_recreate(url)
    _load.migrate(url, data_dir)
    return url


def setup_django(url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["CIVIC311_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.settings")
    import django

    django.setup()


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def bare_tables(cursor, engine: str) -> dict[str, list[str]]:
    """Bare copies (columns only: no key, index or constraint) of the tables the import writes."""
    tables = {
        "bare_request": "servicerequests_servicerequest",
        "bare_event": "servicerequests_event",
        "bare_link": "servicerequests_servicerequest_districts",
    }
    columns = {}
    for bare, real in tables.items():
        cursor.execute(f"DROP TABLE IF EXISTS {bare}")
        cursor.execute(f"CREATE TABLE {bare} AS SELECT * FROM {real} WHERE 1 = 0")
        cursor.execute(f"SELECT * FROM {bare} WHERE 1 = 0")
        columns[bare] = [d[0] for d in cursor.description]
    return columns


def floor_rows(items, connection):
    """The rows the domain would write for these items (request, events, links), as database values."""
    from civic311.servicerequests.actions.history import _imported
    from civic311.servicerequests.models import Event, ServiceRequest

    request_fields = [f for f in ServiceRequest._meta.concrete_fields]
    event_fields = [f for f in Event._meta.concrete_fields]
    requests, events, links = [], [], []
    event_id = 0
    for pk, item in enumerate(items, start=1):
        request, history = _imported(item)
        request.pk = pk
        requests.append(
            tuple(f.get_db_prep_save(getattr(request, f.attname), connection) for f in request_fields)
        )
        for event in history:
            event_id += 1
            event.update(id=event_id, request_id=pk)
            events.append(
                tuple(
                    f.get_db_prep_save(
                        event[f.attname] if f.attname in event else f.get_default(), connection
                    )
                    for f in event_fields
                )
            )
        links += [(pk * 4 + n, pk, d) for n, d in enumerate(item.district_ids)]
    return (
        ("bare_request", [f.column for f in request_fields], requests),
        ("bare_event", [f.column for f in event_fields], events),
        ("bare_link", ["id", "servicerequest_id", "district_id"], links),
    )


def write_floor(connection, engine: str, tables) -> float:
    t0 = time.perf_counter()
    if engine == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            for table, columns, rows in tables:
                marks = ", ".join("?" for _ in columns)
                cursor.connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )
            cursor.execute("COMMIT")
    else:
        raw = connection.connection
        with raw.transaction(), raw.cursor() as cursor:
            for table, columns, rows in tables:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
    return time.perf_counter() - t0


def run(args) -> dict:
    data_dir = tempfile.mkdtemp(prefix="civic311-bench-boston-")
    url = fresh_database(args, data_dir)
    setup_django(url, data_dir)
    from django.db import connection

    from civic311.opendata.importers import boston
    from civic311.opendata.importers.base import Catalog, ImportReport, get_or_create_jurisdiction

    jurisdiction = get_or_create_jurisdiction(
        boston.JURISDICTION_ID, boston.JURISDICTION_NAME, boston.TIME_ZONE
    )
    print(f"{args.db}: importing {args.file} …", flush=True)
    load_before = os.getloadavg()[0]
    cpu0 = time.process_time()
    report, seconds = timed(lambda: boston.import_file(args.file, jurisdiction, limit=args.limit))
    cpu = time.process_time() - cpu0
    rows = report.imported + report.already_there + sum(report.skipped.values())
    for line in report.lines():
        print(f"  {line}")

    catalog = Catalog(jurisdiction, ImportReport())

    def mapped():
        out = []
        for record in boston.rows(args.file):
            if args.limit is not None and len(out) >= args.limit:
                break
            with contextlib.suppress(boston.RowSkipped):
                out.append(boston.map_row(record, catalog))
        return out

    items, map_seconds = timed(mapped)
    with connection.cursor() as cursor:
        bare_tables(cursor, args.db)
    tables = floor_rows(items, connection)
    requests_only = write_floor(connection, args.db, tables[:1])
    with connection.cursor() as cursor:
        for table in ("bare_request", "bare_event", "bare_link"):
            cursor.execute(f"DELETE FROM {table}")
    everything = write_floor(connection, args.db, tables)
    with connection.cursor() as cursor:
        for table in ("bare_request", "bare_event", "bare_link"):
            cursor.execute(f"DROP TABLE {table}")
    events = sum(len(t[2]) for t in tables if t[0] == "bare_event")
    links = sum(len(t[2]) for t in tables if t[0] == "bare_link")
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "db": args.db,
        "database": connection.vendor + " " + ".".join(map(str, connection.Database.sqlite_version_info))
        if args.db == "sqlite"
        else f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}",
        "file": str(args.file),
        "rows": rows,
        "imported": report.imported,
        "skipped": sum(report.skipped.values()),
        "events": events,
        "links": links,
        "import_s": round(seconds, 2),
        "import_cpu_s": round(cpu, 2),  # this process's CPU: the import's own work, whatever else runs
        "load_before": round(load_before, 2),
        "map_s": round(map_seconds, 2),
        "floor_requests_s": round(requests_only, 2),
        "floor_everything_s": round(everything, 2),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }


def print_table(result: dict) -> None:
    rows = result["rows"]

    def rate(s: float) -> str:
        return f"{rows / s:>10,.0f}" if s else "         -"

    print(
        f"\n{result['database']}: {rows:,} rows ({result['imported']:,} imported, "
        f"{result['skipped']} skipped; {result['events']:,} events, {result['links']:,} district links)"
    )
    print(f"{'':44} {'seconds':>8} {'rows/s':>10} {'import / it':>12}")
    lines = [
        ("civic311 import boston (the whole import)", result["import_s"]),
        ("  reading and mapping only, nothing written", result["map_s"]),
        (
            "floor: the request rows, " + ("executemany" if result["db"] == "sqlite" else "COPY"),
            result["floor_requests_s"],
        ),
        ("floor: requests + events + links", result["floor_everything_s"]),
    ]
    for label, seconds in lines:
        ratio = result["import_s"] / seconds if seconds else 0
        print(f"{label:44} {seconds:>8.2f} {rate(seconds)} {ratio:>11.1f}x")
    print(
        f"(the import's own CPU time: {result['import_cpu_s']:.1f} s; load average before it: "
        f"{result['load_before']}, on {result['cores']} cores)"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    result = run(args)
    print_table(result)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"boston_import-{args.db}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
