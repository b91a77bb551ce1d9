"""Measuring: the real ASGI server under concurrent keep-alive clients, and the same SQL run raw.

Both sides run the same parameter variants, with the same number of concurrent threads, each thread
on its own connection (an HTTP keep-alive connection; a psycopg / sqlite3 connection).
"""

import http.client
import itertools
import json
import os
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from _load import CIVIC311

API_PATH = "/open311/v2/requests.json"
READY_PATH = "/open311/v2/services.json"


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`civic311 serve` in its own process group, stopped (the whole group) on exit."""

    def __init__(
        self,
        database_url: str,
        data_dir: str,
        workers: int,
        log_path: Path,
        sla_check_seconds: int | None = 0,
    ):
        self.database_url = database_url
        self.data_dir = data_dir
        self.workers = workers
        self.log_path = log_path
        # 0: no periodic SLA check in the server. It would escalate requests that fall due during a run
        # (writing events and overdue marks into the bench data); None: the command's default.
        self.sla_check_seconds = sla_check_seconds
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CIVIC311_DATA_DIR": self.data_dir,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
        }
        self.log = self.log_path.open("wb")
        cmd = [str(CIVIC311), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        # No task worker: it would poll the database beside the measurement (the bench sends nothing).
        cmd += ["--workers", str(self.workers), "--log-level", "warning", "--no-worker"]
        if self.sla_check_seconds is not None:
            cmd += ["--sla-check-seconds", str(self.sla_check_seconds)]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}): {self._log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", READY_PATH)
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer {READY_PATH} with 200: {self._log_tail()}")

    def _log_tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-2000:]

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        self.log.close()


# --- where the CPU goes ------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat), or 0 where there is no /proc."""
    try:
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLK_TCK


def _group_cpu_s(pgid: int | None) -> float:
    """CPU seconds used so far by the live processes of a process group (the server and its workers)."""
    if pgid is None:
        return 0.0
    total = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU used during a phase: by the server, by this process (clients / driver threads) and by
    everything else on the machine (the PostgreSQL backends, and anything else running)."""

    def __init__(self, server_pgid: int | None = None):
        self.server_pgid = server_pgid

    def __enter__(self) -> "CpuMeter":
        self.start = (_machine_busy_s(), _group_cpu_s(self.server_pgid), _self_cpu_s())
        return self

    def __exit__(self, *exc) -> None:
        end = (_machine_busy_s(), _group_cpu_s(self.server_pgid), _self_cpu_s())
        busy, server, client = (b - a for a, b in zip(self.start, end, strict=True))
        self.used = {"machine": busy, "server": server, "bench_process": client}
        self.used["rest"] = max(0.0, busy - server - client)

    def per_call_ms(self, calls: int) -> dict[str, float]:
        return {k: round(v * 1000 / calls, 2) for k, v in self.used.items()} if calls else {}


def background_load(seconds: float = 1.0) -> float:
    """Cores kept busy by other work right now (measured over `seconds`)."""
    a = _machine_busy_s()
    own = _self_cpu_s()
    time.sleep(seconds)
    return max(0.0, (_machine_busy_s() - a) - (_self_cpu_s() - own)) / seconds


def wait_for_quiet(max_wait_s: float, threshold_cores: float = 0.3) -> float:
    """Wait (up to max_wait_s) until other work keeps less than threshold_cores busy; the last load."""
    deadline = time.monotonic() + max_wait_s
    load = background_load()
    warned = False
    while load > threshold_cores and time.monotonic() < deadline:
        if not warned:
            print(f"    (other work keeps {load:.1f} cores busy; waiting up to {max_wait_s:.0f} s for quiet)")
            warned = True
        time.sleep(2)
        load = background_load()
    return round(load, 2)


# --- running calls concurrently -----------------------------------------------------------------


@dataclass
class Timing:
    latencies_ms: list[float]
    wall_s: float
    failures: list[str] = field(default_factory=list)
    retries: int = 0
    cpu_ms_per_call: dict[str, float] = field(default_factory=dict)
    background_cores: float = 0.0

    def summary(self) -> dict:
        lat = np.array(self.latencies_ms) if self.latencies_ms else np.array([np.nan])
        return {
            "calls": len(self.latencies_ms),
            "p50_ms": round(float(np.percentile(lat, 50)), 2),
            "p90_ms": round(float(np.percentile(lat, 90)), 2),
            "p99_ms": round(float(np.percentile(lat, 99)), 2),
            "mean_ms": round(float(np.mean(lat)), 2),
            "per_s": round(len(self.latencies_ms) / self.wall_s, 1) if self.wall_s else 0.0,
            "failures": len(self.failures),
            "failure_examples": self.failures[:5],
            "retries": self.retries,
            "cpu_ms_per_call": self.cpu_ms_per_call,
            "background_cores_before": self.background_cores,
        }


def run_concurrently(
    clients: int, total: int, make_worker: Callable[[], tuple[Callable[[int], None], Callable[[], None]]]
) -> Timing:
    """Run calls 0..total-1 on `clients` threads; make_worker() gives each thread (call(i), close()).
    A call raises to count as a failure; its latency is recorded either way."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    start = threading.Barrier(clients + 1)

    def loop() -> None:
        call, close = make_worker()
        try:
            start.wait()
            while True:
                with lock:
                    i = next(counter)
                if i >= total:
                    return
                t0 = time.perf_counter()
                try:
                    call(i)
                except Exception as exc:
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}"[:300])
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
        finally:
            close()

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return Timing(latencies, time.perf_counter() - t0, failures)


# --- the API side -------------------------------------------------------------------------------


def api_paths(variants: list[dict]) -> list[str]:
    return [API_PATH + (f"?{urlencode(v)}" if v else "") for v in variants]


def http_worker_factory(
    port: int,
    requests: list[tuple[str, dict[str, str]]],
    check: Callable[[int, http.client.HTTPResponse, bytes], None],
    retries: list[int],
) -> Callable[[], tuple[Callable[[int], None], Callable[[], None]]]:
    """make_worker for run_concurrently: each thread keeps one keep-alive connection and GETs
    requests[i % len(requests)] (path, headers); check(variant index, response, body) raises to fail."""

    def make_worker():
        state: dict = {"conn": None}

        def connect():
            state["conn"] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            return state["conn"]

        def call(i: int) -> None:
            k = i % len(requests)
            path, headers = requests[k]
            for attempt in (1, 2):
                conn = state["conn"] or connect()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    break
                except (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError):
                    # uvicorn closes idle keep-alive connections; reconnect once, as a client would.
                    conn.close()
                    state["conn"] = None
                    if attempt == 2:
                        raise
                    retries[0] += 1
            check(k, response, body)

        def close() -> None:
            if state["conn"]:
                state["conn"].close()

        return call, close

    return make_worker


def run_http(
    port: int,
    requests: list[tuple[str, dict[str, str]]],
    warmup: int,
    calls: int,
    clients: int,
    check: Callable[[int, http.client.HTTPResponse, bytes], None],
    server_pgid: int | None = None,
) -> Timing:
    """Timing of `calls` GETs of (path, headers) after `warmup` GETs; check() judges each response."""
    retries = [0]
    make_worker = http_worker_factory(port, requests, check, retries)
    if warmup:
        run_concurrently(clients, warmup, make_worker)
    retries[0] = 0
    with CpuMeter(server_pgid) as cpu:
        timing = run_concurrently(clients, calls, make_worker)
    timing.retries = retries[0]
    timing.cpu_ms_per_call = cpu.per_call_ms(calls)
    return timing


def run_api(
    port: int, variants: list[dict], warmup: int, calls: int, clients: int, server_pgid: int | None = None
) -> tuple[Timing, list]:
    """Timing of `calls` GETs after `warmup` GETs; also the X-Total-Count of each variant seen."""
    paths = api_paths(variants)
    totals: dict[int, int] = {}

    def check(k: int, response: http.client.HTTPResponse, body: bytes) -> None:
        path = paths[k]
        if response.status != 200:
            raise AssertionError(f"{path}: HTTP {response.status} {body[:200]!r}")
        total = response.getheader("X-Total-Count")
        if total is None:
            raise AssertionError(f"{path}: no X-Total-Count header")
        items = json.loads(body)
        if not isinstance(items, list):
            raise AssertionError(f"{path}: the body is not a JSON array")
        totals[k] = int(total)

    requests = [(path, {"Accept": "application/json"}) for path in paths]
    timing = run_http(port, requests, warmup, calls, clients, check, server_pgid)
    return timing, [totals.get(i) for i in range(len(paths))]


# --- the SQL side -------------------------------------------------------------------------------


@dataclass
class Statements:
    """The two statements GET requests.json runs for one parameter variant, as sent to the driver."""

    count_sql: str
    count_params: tuple
    page_sql: str
    page_params: tuple
    total: int
    page_rows: int


def capture(variants: list[dict], jurisdiction_id: str) -> list[Statements]:
    """Build each variant's queryset in-process exactly as the view does, and record the count and page
    statements (SQL and parameters) Django hands to the driver."""
    from django.db import connection
    from django.http import QueryDict

    from civic311.catalog.models import Jurisdiction
    from civic311.open311.params import parse_request_filter
    from civic311.open311.queries import filter_requests, with_output_relations

    jurisdiction = Jurisdiction.objects.get(jurisdiction_id=jurisdiction_id)
    out = []
    for params in variants:
        f, errors = parse_request_filter(QueryDict(urlencode(params)))
        if errors:
            raise ValueError(f"{params}: {errors}")
        qs = filter_requests(jurisdiction, f)  # runs its own small look-ups (services) here
        seen: list[tuple[str, tuple]] = []

        def record(execute, sql, sql_params, many, context, seen=seen):
            seen.append((sql, tuple(sql_params or ())))
            return execute(sql, sql_params, many, context)

        with connection.execute_wrapper(record):
            total = qs.count()
            offset = (f.page - 1) * f.page_size
            page = list(with_output_relations(qs, f.extensions)[offset : offset + f.page_size])
        if len(seen) != 2:
            raise RuntimeError(f"expected a count and a page query, saw {len(seen)}: {seen}")
        (count_sql, count_params), (page_sql, page_params) = seen
        out.append(Statements(count_sql, count_params, page_sql, page_params, total, len(page)))
    connection.close()
    return out


def _sqlite_sql(sql: str) -> str:
    from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


def _open_sqlite(path: str):
    conn = sqlite3.connect(path, check_same_thread=False)
    try:  # Django's SQL functions (django_date_extract …), should a query use one
        from django.db.backends.sqlite3._functions import register

        register(conn)
    except ImportError:
        pass
    return conn


def run_sql(
    engine: str, target: str, statements: list[Statements], warmup: int, calls: int, clients: int
) -> Timing:
    """Each call runs a variant's count statement and page statement and fetches all their rows."""
    batches = [[(s.count_sql, s.count_params), (s.page_sql, s.page_params)] for s in statements]
    return run_batches(engine, target, batches, warmup, calls, clients)


def run_batches(
    engine: str,
    target: str,
    batches: list[list[tuple[str, tuple]]],
    warmup: int,
    calls: int,
    clients: int,
    pg_options: str | None = None,
) -> Timing:
    """Call i runs the statements (SQL as Django hands it to the driver, parameters) of
    batches[i % len(batches)] one after the other, fetching all their rows. pg_options: the libpq
    `options` the app's connections use (e.g. "-c max_parallel_workers_per_gather=0")."""
    if engine == "sqlite":
        prepared = [[(_sqlite_sql(sql), params) for sql, params in batch] for batch in batches]
    else:
        prepared = [list(batch) for batch in batches]

    def make_worker():
        if engine == "sqlite":
            conn = _open_sqlite(target)
            cur = conn.cursor()
        else:
            import psycopg

            # Client-side binding, as Django's psycopg backend does by default: the same SQL text
            # reaches the server, and no prepared statement (generic plan) is used.
            extra = {"options": pg_options} if pg_options else {}
            conn = psycopg.connect(target, autocommit=True, cursor_factory=psycopg.ClientCursor, **extra)
            cur = conn.cursor()

        def call(i: int) -> None:
            for sql, params in prepared[i % len(prepared)]:
                cur.execute(sql, params)
                cur.fetchall()

        def close() -> None:
            conn.close()

        return call, close

    if warmup:
        run_concurrently(clients, warmup, make_worker)
    with CpuMeter() as cpu:
        timing = run_concurrently(clients, calls, make_worker)
    timing.cpu_ms_per_call = cpu.per_call_ms(calls)
    return timing


# --- plans --------------------------------------------------------------------------------------


def explain(engine: str, target: str, s: Statements) -> dict[str, str]:
    return explain_statements(
        engine, target, [("count", s.count_sql, s.count_params), ("page", s.page_sql, s.page_params)]
    )


def explain_statements(
    engine: str, target: str, named: list[tuple[str, str, tuple]], pg_options: str | None = None
) -> dict[str, str]:
    """{name: plan} of (name, SQL, parameters): EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL (on a
    connection with pg_options, as run_batches), EXPLAIN QUERY PLAN (as an indented tree) on SQLite."""
    plans = {}
    if engine == "sqlite":
        conn = _open_sqlite(target)
        try:
            for name, sql, params in named:
                rows = conn.execute("EXPLAIN QUERY PLAN " + _sqlite_sql(sql), params).fetchall()
                depth = {0: -1}
                lines = []
                for node, parent, _, detail in rows:
                    depth[node] = depth.get(parent, -1) + 1
                    lines.append("  " * depth[node] + detail)
                plans[name] = "\n".join(lines)
        finally:
            conn.close()
    else:
        import psycopg

        extra = {"options": pg_options} if pg_options else {}
        with psycopg.connect(target, autocommit=True, cursor_factory=psycopg.ClientCursor, **extra) as conn:
            for name, sql, params in named:
                rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
                plans[name] = "\n".join(r[0] for r in rows)
    return plans


def literal_sql(engine: str, target: str, sql: str, params: tuple) -> str:
    """The statement with its parameters in place, for reading (results file, EXPLAIN by hand)."""
    if engine == "sqlite":
        text = _sqlite_sql(sql)
        for p in params:
            value = "NULL" if p is None else (repr(p) if isinstance(p, str) else str(p))
            text = text.replace("?", value, 1)
        return text
    import psycopg

    with psycopg.connect(target, cursor_factory=psycopg.ClientCursor) as conn:
        return conn.cursor().mogrify(sql, params)


# --- running a bench on one database or both -------------------------------------------------------


def write_results(results_dir: Path, name: str, result: dict) -> Path:
    """bench/results/<name>-<db>-<time>.json."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = results_dir / f"{name}-{result['db']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path


def run_both(script: str, argv: list[str]) -> list[dict]:
    """The bench once per database, each in a process of its own (Django is set up once per process,
    for one DATABASE_URL); the last --db given wins, so the child's overrides "both"."""
    results = []
    for engine in ("sqlite", "postgres"):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = Path(tmp.name)
        subprocess.run([sys.executable, script, *argv, "--db", engine, "--json-out", str(out)], check=True)
        results.append(json.loads(out.read_text()))
        out.unlink()
    print("\n=== summary, both databases ===")
    return results


def run_one_and_report(run, args, name: str, results_dir: Path, print_plans, print_table) -> int:
    """One database: run, print the plans and the table, save the JSON (and --json-out for run_both)."""
    t0 = time.perf_counter()
    result = run(args.db, args)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print_plans(result)
    print_table([result])
    saved = write_results(results_dir, name, result)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2, default=str))
    print(f"results: {saved}")
    return 0
