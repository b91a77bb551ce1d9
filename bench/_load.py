"""Building a bench database: schema by the app's migrations, catalog by the ORM, requests in bulk.

Requests, their created events and their ward links are written without the ORM, as fast as each
database takes them: COPY (psycopg 3) on PostgreSQL, executemany in large transactions on SQLite.
Secondary indexes are dropped for the load and built again afterwards (a sort instead of a million
random inserts), then the tables are analysed.

A database is reused when it was completely built for the same row count: the build writes a marker
last (SQLite: PRAGMA user_version; PostgreSQL: a COMMENT on the database), and the row count is checked.
"""

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import _dataset

REQUESTS = "servicerequests_servicerequest"
EVENTS = "servicerequests_event"
LINKS = "servicerequests_servicerequest_districts"
TABLES = (REQUESTS, EVENTS, LINKS)
MARKER = "civic311-bench rows={rows}"
CIVIC311 = Path(sys.executable).parent / "civic311"


@dataclass
class LoadReport:
    reused: bool
    rows: int
    built_at: str = ""  # newest requested_datetime: the "now" the data was generated for
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float:
        load = self.seconds.get("load", 0)
        return self.rows / load if load else 0.0


def migrate(database_url: str, data_dir: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "CIVIC311_DATA_DIR": data_dir}
    subprocess.run([str(CIVIC311), "migrate", "--no-input", "-v", "0"], env=env, check=True)


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def pg_admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def pg_existing_rows(url: str, rows: int) -> int | None:
    """The request count of a completely built bench database for `rows`, else None."""
    import psycopg

    name = pg_db_name(url)
    try:
        with psycopg.connect(pg_admin_url(url), autocommit=True) as admin:
            comment = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
        if not comment or comment[0] != MARKER.format(rows=rows):
            return None
        with psycopg.connect(url) as conn:
            return conn.execute(f"SELECT count(*) FROM {REQUESTS}").fetchone()[0]
    except psycopg.Error:
        return None


def pg_recreate(url: str) -> None:
    import psycopg

    name = pg_db_name(url)
    with psycopg.connect(pg_admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _pg_columns(conn, table: str) -> list[tuple[str, bool, str, bool]]:
    """(name, not null, type, has default) of each column."""
    rows = conn.execute(
        "SELECT column_name, is_nullable = 'NO', data_type, column_default IS NOT NULL OR is_identity = 'YES'"
        " FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [tuple(r) for r in rows]


def _pg_secondary_indexes(conn) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of the bulk tables that back no constraint."""
    return conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY(%s) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(TABLES)],
    ).fetchall()


def _filler(pg_type: str):
    """A value for a NOT NULL column this bench does not know (added by a later migration)."""
    t = pg_type.lower()
    if "int" in t or t in ("real", "double precision", "numeric", "float"):
        return 0
    if "bool" in t:
        return False
    if "json" in t:
        return "{}"
    return ""


def _complete(columns: dict[str, list], table_columns, n: int, table: str, warned: set) -> dict[str, list]:
    """The generated columns that exist in the table, plus fillers for unknown NOT NULL columns."""
    known = {name for name, *_ in table_columns}
    out = {k: v for k, v in columns.items() if k in known}
    for name, notnull, col_type, _has_default in table_columns:
        if name not in out and notnull:
            if (table, name) not in warned:
                print(f"  note: {table}.{name} is NOT NULL and unknown to the bench; filling it", flush=True)
                warned.add((table, name))
            out[name] = [_filler(col_type)] * n
    return out


def _pg_text(name: str, values: list) -> list[str]:
    if name in _dataset.DATETIME_COLUMNS:
        return [r"\N" if v is None else v + "+00" for v in values]
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return [r"\N" if v is None else ("t" if v else "f") for v in values]
    # Generated text holds no tab, newline or backslash, so COPY's text format needs no escaping.
    return [r"\N" if v is None else str(v) for v in values]


def _pg_copy(cur, table: str, columns: dict[str, list]) -> None:
    names = list(columns)
    texts = [_pg_text(name, columns[name]) for name in names]
    data = "".join("\t".join(row) + "\n" for row in zip(*texts, strict=True)).encode()
    quoted = ", ".join(f'"{n}"' for n in names)
    with cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        copy.write(data)


def build_postgres(url: str, data_dir: str, rows: int, src, now, seed: int) -> LoadReport:
    import psycopg
    from django.db import connections

    report = LoadReport(reused=False, rows=rows)
    t0 = time.perf_counter()
    pg_recreate(url)
    migrate(url, data_dir)
    report.seconds["migrate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    catalog = _dataset.create_catalog(src)
    connections.close_all()
    report.seconds["catalog"] = time.perf_counter() - t0

    warned: set = set()
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers: the data is consistent
        conn.execute("SET maintenance_work_mem = '512MB'")
        columns = {t: _pg_columns(conn, t) for t in TABLES}
        indexes = _pg_secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        t0 = time.perf_counter()
        gen_s = 0.0
        done = 0
        with conn.cursor() as cur:
            chunks = _dataset.generate(rows, catalog, src, now, seed)
            while True:
                g0 = time.perf_counter()
                chunk = next(chunks, None)
                gen_s += time.perf_counter() - g0
                if chunk is None:
                    break
                n = len(chunk)
                _pg_copy(cur, REQUESTS, _complete(chunk.requests, columns[REQUESTS], n, REQUESTS, warned))
                _pg_copy(cur, EVENTS, _complete(chunk.events, columns[EVENTS], n, EVENTS, warned))
                _pg_copy(cur, LINKS, _complete(chunk.links, columns[LINKS], n, LINKS, warned))
                done += n
                _progress(done, rows, t0)
        report.seconds["load"] = time.perf_counter() - t0
        report.seconds["generate (part of load)"] = gen_s
        t0 = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        report.seconds["indexes"] = time.perf_counter() - t0
        for table in TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.execute(f"COMMENT ON DATABASE \"{pg_db_name(url)}\" IS '{MARKER.format(rows=rows)}'")
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    report.seconds["vacuum analyze"] = time.perf_counter() - t0
    report.built_at = pg_built_at(url)
    return report


def pg_built_at(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        value = conn.execute(f"SELECT max(requested_datetime) FROM {REQUESTS}").fetchone()[0]
    return value.isoformat() if value else ""


def pg_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_existing_rows(path: Path, rows: int) -> int | None:
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] != rows:
                return None
            return conn.execute(f"SELECT count(*) FROM {REQUESTS}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def sqlite_remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_sqlite(path: Path, data_dir: str, rows: int, src, now, seed: int) -> LoadReport:
    from django.db import connections

    report = LoadReport(reused=False, rows=rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite_remove(path)
    t0 = time.perf_counter()
    migrate(f"sqlite:///{path}", data_dir)
    report.seconds["migrate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    catalog = _dataset.create_catalog(src)
    connections.close_all()
    report.seconds["catalog"] = time.perf_counter() - t0

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # Fast and unsafe during the load only; a crash leaves no marker, so the next run rebuilds.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA temp_store=MEMORY")
        columns = {
            t: [
                (r[1], bool(r[3]), r[2], r[4] is not None or bool(r[5]))
                for r in conn.execute(f"PRAGMA table_info({t})")
            ]
            for t in TABLES
        }
        marks = ",".join("?" * len(TABLES))
        indexes = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks})",
            TABLES,
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        warned: set = set()
        t0 = time.perf_counter()
        gen_s = 0.0
        done = 0
        chunks = _dataset.generate(rows, catalog, src, now, seed)
        while True:
            g0 = time.perf_counter()
            chunk = next(chunks, None)
            gen_s += time.perf_counter() - g0
            if chunk is None:
                break
            n = len(chunk)
            conn.execute("BEGIN")
            for table, cols in ((REQUESTS, chunk.requests), (EVENTS, chunk.events), (LINKS, chunk.links)):
                cols = _complete(cols, columns[table], n, table, warned)
                names = list(cols)
                quoted = ", ".join(f'"{name}"' for name in names)
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(names))})"
                conn.executemany(sql, zip(*(cols[c] for c in names), strict=True))
            conn.execute("COMMIT")
            done += n
            _progress(done, rows, t0)
        report.seconds["load"] = time.perf_counter() - t0
        report.seconds["generate (part of load)"] = gen_s
        t0 = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        report.seconds["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("ANALYZE")
        report.seconds["analyze"] = time.perf_counter() - t0
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA user_version = {int(rows)}")
    finally:
        conn.close()
    report.built_at = sqlite_built_at(path)
    return report


def sqlite_built_at(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        value = conn.execute(f"SELECT max(requested_datetime) FROM {REQUESTS}").fetchone()[0]
    finally:
        conn.close()
    return (value.replace(" ", "T") + "+00:00") if value else ""


def _progress(done: int, rows: int, t0: float) -> None:
    if done == rows or done % 200_000 == 0:
        elapsed = time.perf_counter() - t0
        print(f"  loaded {done:,}/{rows:,} requests ({done / elapsed:,.0f} rows/s)", flush=True)


# --- console data (bench/queue_page.py) ----------------------------------------------------------

MARKER_TABLE = "bench_marker"
CONSOLE_COLUMNS = ("department_id", "team_id", "assignee_id", "expected_datetime", "overdue_since")


@dataclass
class ConsoleReport:
    reused: bool
    staff: "_dataset.ConsoleStaff"
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _console_marker(rows: int, seed: int) -> str:
    return f"console v{_dataset.CONSOLE_VERSION} rows={rows} seed={seed}"


def _connect(engine: str, target: str):
    if engine == "sqlite":
        return sqlite3.connect(target, isolation_level=None)
    import psycopg

    return psycopg.connect(target, autocommit=True)


def _read_marker(conn, name: str) -> str | None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(40) PRIMARY KEY, value text)")
    q = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    row = conn.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = {q}", [name]).fetchone()
    return row[0] if row else None


def _write_marker(conn, name: str, value: str | None) -> None:
    q = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    conn.execute(f"DELETE FROM {MARKER_TABLE} WHERE name = {q}", [name])
    if value is not None:
        conn.execute(f"INSERT INTO {MARKER_TABLE} (name, value) VALUES ({q}, {q})", [name, value])


def departments_by_size(engine: str, target: str) -> tuple[list[int], dict[int, int]]:
    """Department pks by number of requests of their services (biggest first; the same before and
    after the console columns are written), and each service's department."""
    conn = _connect(engine, target)
    try:
        service_department = dict(conn.execute("SELECT id, department_id FROM catalog_service").fetchall())
        counts = conn.execute(f"SELECT service_id, count(*) FROM {REQUESTS} GROUP BY service_id").fetchall()
    finally:
        conn.close()
    by_dept: dict[int, int] = {}
    for service, n in counts:
        d = service_department[service]
        by_dept[d] = by_dept.get(d, 0) + n
    return sorted(by_dept, key=lambda d: (-by_dept[d], d)), service_department


def console_counts(engine: str, target: str) -> dict[str, int]:
    conn = _connect(engine, target)
    now = "now()" if engine == "postgres" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    try:
        row = conn.execute(
            f"""SELECT count(*),
                       sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END),
                       sum(CASE WHEN status = 'open' AND expected_datetime < {now} THEN 1 ELSE 0 END),
                       sum(CASE WHEN status = 'open' AND department_id IS NULL THEN 1 ELSE 0 END),
                       sum(CASE WHEN team_id IS NOT NULL THEN 1 ELSE 0 END),
                       sum(CASE WHEN assignee_id IS NOT NULL THEN 1 ELSE 0 END),
                       sum(CASE WHEN status = 'open' AND assignee_id IS NOT NULL THEN 1 ELSE 0 END)
                  FROM {REQUESTS}"""
        ).fetchone()
    finally:
        conn.close()
    keys = ("requests", "open", "open_overdue", "triage", "with_team", "assigned", "open_assigned")
    return dict(zip(keys, (int(v or 0) for v in row), strict=True))


def _read_request_columns(engine: str, target: str):
    """id, service, status, status_code, requested and closed (µs since the epoch; 0 when none) and
    ward number (0: none) of every request, in id order, as numpy arrays."""
    import numpy as np

    conn = _connect(engine, target)
    try:
        if engine == "postgres":
            rows = conn.execute(
                f"""SELECT id, service_id, status, status_code,
                           (extract(epoch FROM requested_datetime) * 1000000)::bigint,
                           coalesce((extract(epoch FROM closed_datetime) * 1000000)::bigint, 0)
                      FROM {REQUESTS} ORDER BY id"""
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT id, service_id, status, status_code, requested_datetime, closed_datetime"
                f" FROM {REQUESTS} ORDER BY id"
            ).fetchall()
        links = conn.execute(
            f"SELECT l.servicerequest_id, d.code FROM {LINKS} l JOIN geo_district d ON d.id = l.district_id"
            " WHERE d.kind = 'ward'"
        ).fetchall()
    finally:
        conn.close()
    ids, service, status, status_code, requested, closed = zip(*rows, strict=True)
    ids_a = np.array(ids, dtype=np.int64)
    if engine == "sqlite":
        requested_a = np.array(requested, dtype="datetime64[us]").astype(np.int64)
        closed_a = np.array([c or "1970-01-01" for c in closed], dtype="datetime64[us]").astype(np.int64)
    else:
        requested_a = np.array(requested, dtype=np.int64)
        closed_a = np.array(closed, dtype=np.int64)
    status_a = np.array(status, dtype=object)
    closed_a = np.where(status_a == "closed", np.maximum(closed_a, requested_a), 0)
    ward_by_id = np.zeros(int(ids_a.max()) + 1 if len(ids_a) else 1, dtype=np.int64)
    for request_id, code in links:
        if str(code).isdigit():
            ward_by_id[request_id] = int(code)
    return (
        ids_a,
        np.array(service, dtype=np.int64),
        np.array(status_code, dtype=object),
        requested_a,
        closed_a,
        ward_by_id[ids_a],
    )


def _write_console_columns(engine: str, target: str, columns: dict[str, list]) -> dict[str, float]:
    """One UPDATE … FROM a temporary table of the new values, with the table's secondary indexes
    dropped and built again afterwards; then PostgreSQL rewrites the table (VACUUM FULL, so the
    bench reads a table without a million dead rows) and both analyse it."""
    seconds: dict[str, float] = {}
    names = list(columns)
    sets = ", ".join(f"{c} = v.{c}" for c in CONSOLE_COLUMNS)
    if engine == "postgres":
        import psycopg

        with psycopg.connect(target) as conn:
            conn.execute("SET session_replication_role = replica")  # no FK triggers: the values exist
            conn.execute("SET maintenance_work_mem = '512MB'")
            t0 = time.perf_counter()
            conn.execute(
                "CREATE TEMP TABLE bench_console_values (id bigint PRIMARY KEY, department_id bigint,"
                " team_id bigint, assignee_id integer, expected_datetime timestamptz,"
                " overdue_since timestamptz) ON COMMIT DROP"
            )
            with conn.cursor() as cur:
                _pg_copy(cur, "bench_console_values", {n: columns[n] for n in names})
            seconds["copy values"] = time.perf_counter() - t0
            indexes = [
                (name, sql) for name, sql in _pg_secondary_indexes(conn) if f" ON public.{REQUESTS} " in sql
            ]
            for name, _ in indexes:
                conn.execute(f"DROP INDEX {name}")
            t0 = time.perf_counter()
            conn.execute(f"UPDATE {REQUESTS} r SET {sets} FROM bench_console_values v WHERE v.id = r.id")
            seconds["update"] = time.perf_counter() - t0
        with psycopg.connect(target, autocommit=True) as conn:
            t0 = time.perf_counter()
            conn.execute(f"VACUUM FULL {REQUESTS}")
            seconds["vacuum full"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            conn.execute("SET maintenance_work_mem = '512MB'")
            for _, sql in indexes:
                conn.execute(sql)
            seconds["indexes"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            # VACUUM FULL leaves the visibility map empty: a plain VACUUM sets it again, so counts on
            # an index are index-only (as after the build), then the planner gets fresh statistics.
            conn.execute("VACUUM ANALYZE")
            seconds["vacuum analyze"] = time.perf_counter() - t0
        return seconds

    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("PRAGMA cache_size=-1000000")
        conn.execute("PRAGMA temp_store=MEMORY")
        t0 = time.perf_counter()
        conn.execute(
            "CREATE TEMP TABLE bench_console_values (id INTEGER PRIMARY KEY, department_id integer,"
            " team_id integer, assignee_id integer, expected_datetime datetime, overdue_since datetime)"
        )
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO bench_console_values ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            zip(*(columns[n] for n in names), strict=True),
        )
        conn.execute("COMMIT")
        seconds["copy values"] = time.perf_counter() - t0
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?",
            [REQUESTS],
        ).fetchall()
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute(f"UPDATE {REQUESTS} AS r SET {sets} FROM bench_console_values AS v WHERE v.id = r.id")
        conn.execute("COMMIT")
        seconds["update"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        seconds["indexes"] = time.perf_counter() - t0
        conn.execute("DROP TABLE bench_console_values")
        t0 = time.perf_counter()
        conn.execute("ANALYZE")
        seconds["analyze"] = time.perf_counter() - t0
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return seconds


def ensure_console_data(engine: str, target: str, rows: int, seed: int, redo: bool = False) -> ConsoleReport:
    """Staff, teams and the console columns of every request, written once per bench database (a
    marker row in bench_marker says it is done, for this dataset version, row count and seed). Run
    after migrate: the columns come from the app's migrations. Django must be set up for this
    database (the staff and teams are written through the ORM)."""
    from django.db import connections

    marker = _console_marker(rows, seed)
    conn = _connect(engine, target)
    try:
        done = _read_marker(conn, "console") == marker and not redo
        if not done:
            _write_marker(conn, "console", None)  # a prep that dies half-way is redone next time
    finally:
        conn.close()
    t0 = time.perf_counter()
    departments, service_department = departments_by_size(engine, target)
    staff = _dataset.create_console_staff(departments, seed)  # idempotent; cheap when they exist
    connections.close_all()
    report = ConsoleReport(reused=done, staff=staff)
    report.seconds["staff and teams"] = time.perf_counter() - t0
    if not done:
        t0 = time.perf_counter()
        ids, service, status_code, requested, closed, ward = _read_request_columns(engine, target)
        now_us = int(requested.max())
        columns = _dataset.console_columns(
            ids, service, service_department, status_code, requested, closed, ward, staff, now_us, seed
        )
        report.seconds["read and compute"] = time.perf_counter() - t0
        report.seconds.update(_write_console_columns(engine, target, columns))
        conn = _connect(engine, target)
        try:
            _write_marker(conn, "console", marker)
        finally:
            conn.close()
    report.counts = console_counts(engine, target)
    return report
