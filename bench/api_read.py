"""Benchmark: GET /open311/v2/requests.json on a million requests, against the same SQL run raw.

    .venv/bin/python bench/api_read.py                # both databases, 1,000,000 requests
    .venv/bin/python bench/api_read.py --db postgres --rows 200000 --rebuild

For each database it builds (or reuses) a bench database, starts the real ASGI server
(`civic311 serve --workers 2`), and measures four scenarios of GET requests.json with concurrent
keep-alive clients. The baseline is the very SQL the view runs (its count and its page query, captured
from the same querysets built in-process) executed through the driver by as many threads. It prints
latency and throughput of both, their ratio, whether the project's aims hold (API within 2x of raw
SQL; p50 under 50 ms on PostgreSQL at 1M rows), the query plans, and writes
bench/results/api_read-<db>-<timestamp>.json. See bench/README.md.
"""

import argparse
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import _dataset  # noqa: E402
import _load  # noqa: E402
import _measure  # noqa: E402

VAR_DIR = BENCH_DIR / "var"
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/civic311_bench"
AIM_RATIO = 2.0
AIM_P50_MS = 50.0
AIM_ROWS = 1_000_000
STALE_AFTER = timedelta(days=3)
# The clients and the SQL baseline are Python threads: with the default 5 ms GIL switch interval a
# thread whose response has arrived can wait up to 5 ms to run again, which would show as latency.
SWITCH_INTERVAL_S = 0.0005
SCENARIOS = {
    "default": "no parameters: the last 90 days, newest first",
    "service_open": "service_code=<one of the 5 most requested>&status=open",
    "updated_after": "updated_after=<30 days ago>&page=1..20 (sync client paging)",
    "radius": "lat=…&long=…&radius=500 (a point in one of the wards)",
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--rows", type=int, default=1_000_000, help="service requests (default 1,000,000)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the database even if it can be reused")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients/threads (default 8)")
    p.add_argument("--calls", type=int, default=400, help="measured calls per scenario (default 400)")
    p.add_argument("--warmup", type=int, default=40, help="warm-up calls per scenario (default 40)")
    p.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    p.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="only these (repeatable)")
    p.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"bench database (default {DEFAULT_PG_URL})")
    p.add_argument("--sqlite-path", type=Path, help="default bench/var/api_read-<rows>.sqlite3")
    p.add_argument("--seed", type=int, default=311)
    p.add_argument("--no-explain", action="store_true", help="do not print query plans")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each measurement, wait up to this many seconds for other work on the machine to "
        "stop (default 60; 0 to not wait)",
    )
    p.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# --- scenarios ----------------------------------------------------------------------------------


def w3c(value: datetime) -> str:
    return value.astimezone(ZoneInfo(_dataset.TIME_ZONE)).isoformat(timespec="seconds")


def scenario_variants(name: str, src: _dataset.SourceData, seed: int) -> list[dict]:
    """The parameter sets a scenario cycles through, so no two neighbouring calls are the same."""
    now = datetime.now(UTC).replace(microsecond=0)
    if name == "default":
        return [{}]  # nothing to vary; the 90-day window moves with the clock on every call
    if name == "service_open":
        return [{"service_code": f"S{k:03d}", "status": "open"} for k in range(5)]
    if name == "updated_after":
        base = now - timedelta(days=30)
        return [
            {"updated_after": w3c(base - timedelta(hours=i // 20)), "page": str(i % 20 + 1)}
            for i in range(100)
        ]
    if name == "radius":
        rng = np.random.default_rng(seed + 1)
        _, lat, long = _dataset.WardSampler(src.wards).points(50, rng)
        return [
            {"lat": f"{a:.6f}", "long": f"{b:.6f}", "radius": "500"} for a, b in zip(lat, long, strict=True)
        ]
    raise ValueError(name)


# --- one database -------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem_gb = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def db_version(engine: str, target: str) -> str:
    if engine == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(target) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].join(("PostgreSQL ", ""))


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

    print(f"\n=== {engine}: {rows:,} requests ({database_url}) ===", flush=True)
    src = _dataset.read_sources()
    try:
        existing = (
            _load.sqlite_existing_rows(path, rows)
            if engine == "sqlite"
            else _load.pg_existing_rows(target, rows)
        )
        if existing == rows and not args.rebuild:
            print(f"reusing the bench database: it holds {existing:,} requests (--rebuild to rebuild)")
            _load.migrate(database_url, data_dir)  # a no-op unless a migration was added since
            built_at = _load.sqlite_built_at(path) if engine == "sqlite" else _load.pg_built_at(target)
            load = _load.LoadReport(reused=True, rows=rows, built_at=built_at)
        else:
            print("building the bench database …", flush=True)
            now = _dataset.now_utc()
            if engine == "sqlite":
                load = _load.build_sqlite(path, data_dir, rows, src, now, args.seed)
            else:
                load = _load.build_postgres(target, data_dir, rows, src, now, args.seed)
            for step, seconds in load.seconds.items():
                print(f"  {step:<24} {seconds:8.1f} s")
            total_rows = rows * 3
            print(
                f"  load: {rows:,} requests (+ {rows:,} events, {rows:,} ward links) in "
                f"{load.seconds['load']:.1f} s = {load.rows_per_s:,.0f} requests/s "
                f"({total_rows / load.seconds['load']:,.0f} rows/s all tables)"
            )
        size = path.stat().st_size if engine == "sqlite" else _load.pg_size(target)
        age = datetime.now(UTC) - datetime.fromisoformat(load.built_at) if load.built_at else None
        if age and age > STALE_AFTER:
            print(f"  warning: the data ends {age.days} days ago; date windows see fewer rows (--rebuild)")

        scenarios = args.scenario or list(SCENARIOS)
        variants = {name: scenario_variants(name, src, args.seed) for name in scenarios}
        print("capturing the SQL the view runs for each parameter variant …", flush=True)
        statements = {name: _measure.capture(v, _dataset.JURISDICTION_ID) for name, v in variants.items()}

        results: dict[str, dict] = {}
        log_path = Path(data_dir) / "server.log"
        with _measure.Server(database_url, data_dir, args.workers, log_path) as server:
            print(f"server up on port {server.port} ({args.workers} workers)", flush=True)
            for name in scenarios:
                quiet = _measure.wait_for_quiet(args.quiet_wait)
                api, totals = _measure.run_api(
                    server.port, variants[name], args.warmup, args.calls, args.clients, server.proc.pid
                )
                api.background_cores = quiet
                quiet = _measure.wait_for_quiet(args.quiet_wait)
                sql = _measure.run_sql(
                    engine, target, statements[name], args.warmup, args.calls, args.clients
                )
                sql.background_cores = quiet
                a, s = api.summary(), sql.summary()
                ratio = a["p50_ms"] / s["p50_ms"] if s["p50_ms"] else float("inf")
                matched = [st.total for st in statements[name]]
                results[name] = {
                    "description": SCENARIOS[name],
                    "variants": len(variants[name]),
                    "example_params": variants[name][0],
                    "matched_median": int(np.median(matched)),
                    "api_totals_seen": sorted({t for t in totals if t is not None})[:10],
                    "api": a,
                    "sql": s,
                    "ratio_p50": round(ratio, 2),
                }
                print(
                    f"  {name:<14} API p50 {a['p50_ms']:7.1f} ms p99 {a['p99_ms']:7.1f} ms"
                    f" {a['per_s']:7.1f}/s | SQL p50 {s['p50_ms']:7.1f} ms p99 {s['p99_ms']:7.1f} ms"
                    f" {s['per_s']:7.1f}/s"
                    f" | ratio {ratio:4.1f}x"
                    + (f" | {a['failures']} FAILED e.g. {a['failure_examples'][0]}" if a["failures"] else ""),
                    flush=True,
                )
                ca, cs = a["cpu_ms_per_call"], s["cpu_ms_per_call"]
                if ca:
                    print(
                        f"  {'':<14} CPU ms/call: API {ca['machine']:.1f} (server {ca['server']:.1f},"
                        f" clients {ca['bench_process']:.1f}, database+other {ca['rest']:.1f})"
                        f" | SQL {cs['machine']:.1f} (driver threads {cs['bench_process']:.1f},"
                        f" database+other {cs['rest']:.1f})"
                    )
                if s["failures"]:
                    print(f"    SQL failures: {s['failure_examples']}")
        plans = {}
        for name in scenarios:
            first = statements[name][0]
            plans[name] = {
                "params": variants[name][0],
                "count_sql": _measure.literal_sql(engine, target, first.count_sql, first.count_params),
                "page_sql": _measure.literal_sql(engine, target, first.page_sql, first.page_params),
                **_measure.explain(engine, target, first),
            }
        return {
            "benchmark": "api_read",
            "db": engine,
            "db_version": db_version(engine, target),
            "database": str(path) if engine == "sqlite" else target,
            "database_bytes": size,
            "rows": rows,
            "clients": args.clients,
            "workers": args.workers,
            "calls": args.calls,
            "warmup": args.warmup,
            "machine": machine(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "load": {
                "reused": load.reused,
                "built_at": load.built_at,
                "seconds": {k: round(v, 2) for k, v in load.seconds.items()},
                "requests_per_s": round(load.rows_per_s),
            },
            "scenarios": results,
            "plans": plans,
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


# --- report -------------------------------------------------------------------------------------


def aims(result: dict, scenario: dict) -> tuple[str, str]:
    ratio_ok = "yes" if scenario["ratio_p50"] <= AIM_RATIO else "NO"
    p50 = scenario["api"]["p50_ms"]
    if result["db"] == "postgres":
        p50_ok = "yes" if p50 < AIM_P50_MS else "NO"
        if result["rows"] < AIM_ROWS:
            p50_ok += " (<1M rows)"
    else:
        p50_ok = f"({'yes' if p50 < AIM_P50_MS else 'no'}; aim is for PostgreSQL)"
    return ratio_ok, p50_ok


def busy(scenario: dict) -> str:
    before = (scenario[side].get("background_cores_before") for side in ("api", "sql"))
    return "/".join("?" if b is None else f"{b:.1f}" for b in before)


def print_table(results: list[dict]) -> None:
    first = results[0]
    m = first["machine"]
    print()
    print(
        f"GET /open311/v2/requests.json: {first['rows']:,} requests, {first['clients']} concurrent clients, "
        f"{first['workers']} server workers, {first['calls']} calls per scenario after {first['warmup']}"
    )
    print(f"machine: {m['cores']} cores, {m['cpu'] or '?'}, {m['memory_gb']} GB, {m['platform']}")
    head = (
        f"{'db':<9}{'scenario':<15}{'matched':>9}  {'API p50':>8}{'API p99':>9}{'API/s':>8}"
        f"  {'SQL p50':>8}{'SQL p99':>9}{'SQL/s':>8}  {'API/SQL':>8}  {'busy':>7}  {'within 2x':<10}"
        f"{'p50 < 50 ms'}"
    )
    print(head)
    print("-" * len(head) + "-" * 12)
    for r in results:
        for name, s in r["scenarios"].items():
            a, q = s["api"], s["sql"]
            ratio_ok, p50_ok = aims(r, s)
            fails = f"  {a['failures']} API failures" if a["failures"] else ""
            print(
                f"{r['db']:<9}{name:<15}{s['matched_median']:>9,}  {a['p50_ms']:>8.1f}{a['p99_ms']:>9.1f}"
                f"{a['per_s']:>8.0f}  {q['p50_ms']:>8.1f}{q['p99_ms']:>9.1f}{q['per_s']:>8.0f}"
                f"  {s['ratio_p50']:>7.1f}x  {busy(s):>7}  {ratio_ok:<10}{p50_ok}{fails}"
            )
    print(
        "(latencies in ms; 'matched' is the median X-Total-Count; SQL = count + page query, all rows fetched;"
        "\n 'busy' = cores kept busy by other work just before the API / SQL measurement; 0 = quiet)"
    )
    for r in results:
        load = r["load"]
        how = (
            "reused"
            if load["reused"]
            else f"built: load {load['seconds'].get('load', 0):.0f} s "
            f"({load['requests_per_s']:,} requests/s), indexes {load['seconds'].get('indexes', 0):.0f} s"
        )
        print(
            f"{r['db']}: {r['db_version']}, {r['database']} ({r['database_bytes'] / 2**20:,.0f} MB), "
            f"data up to {load['built_at'][:19]}, {how}"
        )
    for r in results:
        ratio_misses = [n for n, s in r["scenarios"].items() if s["ratio_p50"] > AIM_RATIO]
        print(
            f"aim 'API within {AIM_RATIO:g}x of raw SQL' on {r['db']}: "
            + ("holds for every scenario" if not ratio_misses else f"misses for {', '.join(ratio_misses)}")
        )
        if r["db"] == "postgres":
            slow = [n for n, s in r["scenarios"].items() if s["api"]["p50_ms"] >= AIM_P50_MS]
            note = "" if r["rows"] >= AIM_ROWS else f" (only {r['rows']:,} rows; the aim is stated at 1M)"
            print(
                f"aim 'p50 under {AIM_P50_MS:g} ms at 1M rows on PostgreSQL': "
                + ("holds for every scenario" if not slow else f"misses for {', '.join(slow)}")
                + note
            )


def print_plans(result: dict) -> None:
    print(f"\n--- query plans, {result['db']} (first parameter variant of each scenario) ---")
    for name, plan in result["plans"].items():
        print(f"\n[{name}] {plan['params'] or '(no parameters)'}")
        for part in ("count", "page"):
            print(f"  {part}:")
            for line in plan.get(part, "").splitlines():
                print(f"    {line}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    if args.db == "both":
        print_table(_measure.run_both(__file__, argv))
        return 0
    return _measure.run_one_and_report(
        run_one,
        args,
        "api_read",
        RESULTS_DIR,
        (lambda r: None if args.no_explain else print_plans(r)),
        print_table,
    )


if __name__ == "__main__":
    sys.exit(main())
