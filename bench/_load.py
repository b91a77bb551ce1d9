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
