"""Benchmark: Civic311 beside a peer GeoReport v2 server and a bare floor, on the same data, in one run.

    .venv/bin/python bench/peer.py --peer /path/to/issue-reporting             # SQLite, then PostgreSQL
    .venv/bin/python bench/peer.py --peer PATH --db sqlite --rounds 1 --duration 10

The peer is 6aika's issue-reporting (Django 3.2 + Django REST framework), from a checkout given with
--peer (never copied into this repository). The bench installs it into its own virtual environment
under bench/var/, loads the same 100,000 service requests (built from the Chicago sample, seeded) into
Civic311 (`civic311 import open311`) and into the peer (its ORM), starts both with 2 processes
(`civic311 serve --workers 2`, `gunicorn -w 2`) and a floor (bench/floor_app.py: the same reads as raw
SQL on Civic311's database, under uvicorn with 2 workers), and measures six calls with wrk in
alternating rounds. It prints req/s, p50/p99, CPU ms per call and peak RSS of each, the ratios
Civic311/peer and Civic311/floor, and writes bench/results/peer-<db>-<timestamp>.json. See
bench/README.md.
"""

import argparse
import contextlib
import csv
import glob
import hashlib
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import shape

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import _dataset  # noqa: E402
import _load  # noqa: E402
import _measure  # noqa: E402

VAR_DIR = BENCH_DIR / "var" / "peer"
RESULTS_DIR = BENCH_DIR / "results"
CATALOG_FILE = _dataset.SAMPLE_DIR / "catalog.json"
PEER_LOADER = BENCH_DIR / "_peer_load.py"
CIVIC_ROOT = "/open311/v2"
PEER_ROOT = "/api/georeport/v2"  # cfh/settings.py GEOREPORT_API_ROOT; issues/api/urls.py (a DRF router)
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
CIVIC_PG_DB = "civic311_peerbench"
PEER_PG_DB = "peer_peerbench"
SYSTEM_PACKAGES = ("wrk", "libgeos-c1v5", "libgdal32")  # the peer's Django imports GEOS and GDAL
# Django 3.2 supports Python 3.6-3.10 (3.11 mostly works); the first found in this order is used.
PEER_PYTHONS = ("3.10", "3.9", "3.11", "3.8")
PEER_EXTRAS = ("gunicorn==23.0.0", "psycopg2-binary==2.9.10")
FILTER_CODE = "GRAF"  # Graffiti Removal Request: many open requests
POST_CODE = (
    "SFD"  # Street Light Out Complaint (the README's example); not GRAF, so POSTs leave `filtered` alone
)
SPAN_DAYS = 80  # requested times over the last 80 days: the GeoReport 90-day default window holds them
MEAN_DELAY_DAYS = 2.0
CONNECTIONS, THREADS = 8, 2
WORKERS = 2
NON_2XX_LIMIT = 0.01
SERVERS = ("civic311", "peer", "floor")


@dataclass(frozen=True)
class Call:
    name: str
    what: str
    floor: bool  # whether the floor answers it


CALLS = (
    Call("list100", "GET requests.json?page_size=100", True),
    Call("list500", "GET requests.json?page_size=500", True),
    Call("filtered", f"GET requests.json?service_code={FILTER_CODE}&status=open&page_size=100", True),
    Call("by_id", "GET requests/{id}.json, a random id of 1,000 on every call", True),
    Call("services", "GET services.json", False),
    Call("post", f"POST requests.json (form: {POST_CODE}, a point in a ward, description, api_key)", False),
)
CALL_NAMES = [c.name for c in CALLS]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peer", type=Path, help="a checkout of 6aika/issue-reporting (required to measure)")
    p.add_argument("--report", type=Path, nargs="+", help="only print the tables of saved results JSON files")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--rows", type=int, default=100_000, help="service requests (default 100,000)")
    p.add_argument("--duration", type=int, default=20, help="seconds measured per call and server (20)")
    p.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each measurement (5)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported (3)")
    p.add_argument("--call", action="append", choices=CALL_NAMES, help="only these calls (repeatable)")
    p.add_argument("--seed", type=int, default=311)
    p.add_argument("--pg-url", default=DEFAULT_PG, help=f"the PostgreSQL server (default {DEFAULT_PG})")
    p.add_argument("--peer-python", help="the Python for the peer's venv (default: found, 3.10 first)")
    p.add_argument(
        "--peer-conn-max-age",
        type=int,
        default=600,
        help="the peer's CONN_MAX_AGE (django-environ's ?conn_max_age=); 0 = a new connection per request,"
        " its default when DATABASE_URL says nothing (default 600: persistent, as deployed)",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=60,
        help="before each measurement, wait up to this many seconds for other work on the machine to stop",
    )
    return p.parse_args(argv)


def log(text: str) -> None:
    print(text, flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A command that must succeed; its output is shown when it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return result


# --- installing what the bench needs ---------------------------------------------------------------


def ensure_system_packages() -> None:
    """wrk and the GEOS/GDAL libraries the peer's Django loads, from Debian, when missing."""
    missing = []
    for package in SYSTEM_PACKAGES:
        status = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        ).stdout
        if "install ok installed" not in status:
            missing.append(package)
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"missing Debian packages {' '.join(missing)}: apt-get install them (as root)")
    log(f"installing Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


def ensure_orjson() -> None:
    """orjson for the floor (a dev dependency of the project; installed here if the venv predates it)."""
    try:
        import orjson  # noqa: F401
    except ImportError:
        log("installing orjson into this virtual environment (the floor's JSON encoder)")
        run([sys.executable, "-m", "pip", "install", "--quiet", "orjson"])


def python_version(python: str) -> str | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def find_peer_python(wanted: str | None) -> tuple[str, str]:
    """(path, version) of a Python the peer's Django 3.2 runs on."""
    if wanted:
        version = python_version(wanted)
        if not version:
            raise SystemExit(f"--peer-python {wanted} does not run")
        return wanted, version
    homes = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv"), "/root/.pyenv", "/opt/pyenv"]
    for minor in PEER_PYTHONS:
        candidates = [shutil.which(f"python{minor}")]
        for home in filter(None, homes):
            candidates += sorted(glob.glob(f"{home}/versions/{minor}.*/bin/python3"), reverse=True)
        candidates += [f"/usr/bin/python{minor}", f"/usr/local/bin/python{minor}"]
        for c in candidates:
            if c and os.path.exists(c):
                version = python_version(c)
                if version and version.startswith(minor + "."):
                    return c, version
    raise SystemExit(
        f"no Python {', '.join(PEER_PYTHONS)} found for the peer (Django 3.2); pass --peer-python PATH"
    )


def ensure_peer_venv(checkout: Path, wanted_python: str | None) -> dict:
    """bench/var/peer/venv with the peer's pinned requirements.txt, gunicorn and psycopg2-binary; reused
    while the Python, the requirements and the extras are the same."""
    python, version = find_peer_python(wanted_python)
    requirements = (checkout / "requirements.txt").read_text()
    fingerprint = hashlib.sha256(
        json.dumps([python, version, requirements, PEER_EXTRAS]).encode()
    ).hexdigest()[:16]
    venv = VAR_DIR / "venv"
    marker = venv / ".peerbench-installed"
    if marker.exists() and marker.read_text().strip() == fingerprint:
        log(f"peer venv: reusing {venv} (Python {version})")
    else:
        log(f"peer venv: installing into {venv} with Python {version} ({python}) …")
        shutil.rmtree(venv, ignore_errors=True)
        run([python, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        run([*pip, "-r", str(checkout / "requirements.txt"), *PEER_EXTRAS])
        marker.write_text(fingerprint + "\n")
    vpython = str(venv / "bin" / "python")
    versions = run(
        [
            vpython,
            "-c",
            "import django, rest_framework, gunicorn, psycopg2; "
            "from django.contrib.gis import gdal, geos; "
            "print(django.get_version(), rest_framework.VERSION, gunicorn.__version__, "
            "psycopg2.__version__.split()[0], gdal.gdal_version().decode(), geos.geos_version().decode())",
        ],
        cwd=checkout,
    ).stdout.split()
    info = dict(
        zip(("django", "djangorestframework", "gunicorn", "psycopg2", "gdal", "geos"), versions, strict=False)
    )
    return {"python": version, "venv": str(venv), **info}


# --- the data --------------------------------------------------------------------------------------


def read_catalog() -> dict:
    return json.loads(CATALOG_FILE.read_text(encoding="utf-8"))


def offered_services(catalog: dict) -> list[dict]:
    """What Civic311's services.json lists (active services), as the peer's Service rows need them."""
    return [
        {
            "service_code": s["service_code"],
            "service_name": s["service_name"],
            "description": s.get("description", ""),
            "metadata": any(a.get("variable", True) for a in s.get("attributes", [])),
            "type": s.get("type", "realtime"),
            "keywords": ", ".join(s.get("keywords", [])),
            "group": s.get("group", ""),
        }
        for s in catalog["services"]
        if s.get("active", True)
    ]


def ward_shapes() -> list:
    wards = json.loads(_dataset.WARDS_FILE.read_text(encoding="utf-8"))["features"]
    shapes = [shape(f["geometry"]) for f in wards]
    for g in shapes:
        shapely.prepare(g)
    return shapes


def inside_wards(shapes: list, lat: float, long: float) -> bool:
    return any(shapely.contains_xy(g, long, lat) for g in shapes)


def w3c(us: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).astimezone(tz).isoformat(timespec="seconds")


def build_requests(rows: int, seed: int, now: datetime) -> tuple[list[dict], dict]:
    """`rows` GeoReport records, oldest first, from the real Chicago rows of the sample: each a real row
    of a public, offered service (its service, address, zip code and point, moved by up to ~20 m), given
    a requested time over the last SPAN_DAYS days, a status (older ones more often closed) and an updated
    time. Deterministic for a seed and `now`."""
    catalog = read_catalog()
    services = {s["service_code"]: s for s in catalog["services"]}
    tz = ZoneInfo(catalog["jurisdiction"]["time_zone"])
    with _dataset.REQUESTS_FILE.open(newline="", encoding="utf-8") as fh:
        source = [
            r
            for r in csv.DictReader(fh)
            if r["sr_short_code"] in services
            and not services[r["sr_short_code"]].get("private")
            and services[r["sr_short_code"]].get("active", True)
        ]
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(source), rows)
    now_us = int(now.timestamp() * 1e6)
    span_us = SPAN_DAYS * 86_400 * 10**6
    requested = np.sort(now_us - 60 * 10**6 - rng.integers(0, span_us, rows))
    requested -= requested % 10**6  # whole seconds, as GeoReport shows them
    age = (now_us - requested) / span_us
    closed = rng.random(rows) < 0.25 + 0.65 * age
    delay = (np.minimum(rng.exponential(MEAN_DELAY_DAYS, rows), SPAN_DAYS) * 86_400e6).astype(np.int64)
    updated = np.minimum(requested + np.where(closed, delay, delay // 4), now_us - 10**6)
    updated -= updated % 10**6
    jitter = rng.normal(0, 0.00015, (rows, 2))
    described = rng.random(rows) < 0.5
    text = rng.integers(0, len(_dataset.DESCRIPTIONS), rows)
    records = []
    for i in range(rows):
        r = source[pick[i]]
        s = services[r["sr_short_code"]]
        lat = long = None
        if r["latitude"] and r["longitude"]:
            lat = round(float(r["latitude"]) + jitter[i, 0], 6)
            long = round(float(r["longitude"]) + jitter[i, 1], 6)
        when = w3c(int(requested[i]), tz)
        records.append(
            {
                "service_request_id": f"SR{when[2:4]}-{i + 1:08d}",
                "status": "closed" if closed[i] else "open",
                "status_notes": "",
                "service_name": s["service_name"],
                "service_code": s["service_code"],
                "description": _dataset.DESCRIPTIONS[text[i]] if described[i] else "",
                "agency_responsible": s.get("department") or "",
                "service_notice": "",
                "requested_datetime": when,
                "updated_datetime": w3c(int(updated[i]), tz),
                "expected_datetime": None,
                "address": r["street_address"].strip(),
                "address_id": "",
                "zipcode": r["zip_code"].strip(),
                "lat": lat,
                "long": long,
                "media_url": "",
            }
        )
    summary = {
        "rows": rows,
        "source_rows": len(source),
        "closed": int(closed.sum()),
        "oldest": records[0]["requested_datetime"] if records else None,
        "newest": records[-1]["requested_datetime"] if records else None,
        "filter_code_open": sum(
            1 for r in records if r["service_code"] == FILTER_CODE and r["status"] == "open"
        ),
    }
    return records, summary


def post_bodies(n: int, seed: int) -> list[dict]:
    """n POST forms for POST_CODE: real points of the sample that lie inside a ward, the service's required
    questions answered with their first choice (the peer ignores attribute[…]), a description."""
    catalog = read_catalog()
    service = next(s for s in catalog["services"] if s["service_code"] == POST_CODE)
    answers = {}
    for a in service.get("attributes", []):
        if a.get("required") and a.get("variable", True):
            values = a.get("values") or []
            answers[f"attribute[{a['code']}]"] = values[0]["key"] if values else "1"
    shapes = ward_shapes()
    with _dataset.REQUESTS_FILE.open(newline="", encoding="utf-8") as fh:
        points = [
            (float(r["latitude"]), float(r["longitude"]), r["street_address"])
            for r in csv.DictReader(fh)
            if r["latitude"] and r["longitude"]
        ]
    rng = np.random.default_rng(seed + 5)
    bodies = []
    for k in rng.permutation(len(points)):
        lat, long, address = points[k]
        if not inside_wards(shapes, lat, long):
            continue
        bodies.append(
            {
                "service_code": POST_CODE,
                "lat": f"{lat:.6f}",
                "long": f"{long:.6f}",
                "description": f"Street light out near {address.title()} (peerbench)",
                **answers,
            }
        )
        if len(bodies) == n:
            break
    return bodies


# --- databases -------------------------------------------------------------------------------------


def pg_recreate(server: str, name: str) -> str:
    url = f"{server.rstrip('/')}/{name}"
    if name in ("civic311_bench", "civic311_stress") or name.startswith("test_"):
        raise SystemExit(f"refusing to drop {name}")
    _load.pg_recreate(url)
    return url


def analyze_and_count(url: str) -> int:
    """ANALYZE Civic311's database after the import (the peer's loader does the same) and count requests."""
    if url.startswith("sqlite:"):
        conn = sqlite3.connect(url.split(":///", 1)[1])
        try:
            conn.execute("ANALYZE")
            return conn.execute("SELECT COUNT(*) FROM servicerequests_servicerequest").fetchone()[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        return conn.execute("SELECT COUNT(*) FROM servicerequests_servicerequest").fetchone()[0]


def db_size(url: str) -> int:
    if url.startswith("sqlite:"):
        path = Path(url.split(":///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def db_version(engine: str, url: str) -> str:
    if engine == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(url) as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]


@dataclass
class Side:
    """One server's database and how to run things against it."""

    name: str
    url: str  # DATABASE_URL
    data_dir: Path
    env: dict
    api_key: str = ""


def civic_env(url: str, data_dir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CIVIC311_DATA_DIR": str(data_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
    }


def setup_civic(engine: str, args, requests_file: Path) -> tuple[Side, dict]:
    """A fresh Civic311: `civic311 init --sample-city --no-requests` (the sample city's catalog, wards,
    routing and addresses, as `make demo` sets them up, without its 5,000 requests), then
    `civic311 import open311` of the bench's file, and an API key for the POSTs."""
    data_dir = VAR_DIR / f"civic-{engine}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    url = (
        f"sqlite:///{data_dir / 'civic311.sqlite3'}"
        if engine == "sqlite"
        else pg_recreate(args.pg_url, CIVIC_PG_DB)
    )
    env = civic_env(url, data_dir)
    timings = {}
    t0 = time.perf_counter()
    out = run([str(_load.CIVIC311), "init", "--sample-city", "--no-requests"], env=env).stdout
    timings["init_s"] = round(time.perf_counter() - t0, 1)
    log(
        "  civic311 init --sample-city --no-requests: "
        + " | ".join(line for line in out.splitlines() if line.startswith(("Database", "Sample city")))
    )
    t0 = time.perf_counter()
    out = run([str(_load.CIVIC311), "import", "open311", str(requests_file)], env=env).stdout
    timings["import_s"] = round(time.perf_counter() - t0, 1)
    log(f"  civic311 import open311: {' | '.join(out.strip().splitlines()[-3:])} ({timings['import_s']} s)")
    key = run([str(_load.CIVIC311), "apikey", "create", "peerbench"], env=env).stdout.strip().splitlines()[-1]
    count = analyze_and_count(url)
    timings["requests_in_db"] = count
    return Side("civic311", url, data_dir, env, key), timings


def peer_env(url: str, data_dir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "cfh.settings",
        "SECRET_KEY": "peerbench-not-a-secret",
        "DEBUG": "false",
        "MEDIA_ROOT": str(data_dir / "media"),
        "STATIC_ROOT": str(data_dir / "static"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def setup_peer(engine: str, args, peer: dict, catalog_file: Path, requests_file: Path) -> tuple[Side, dict]:
    """A fresh peer database: its migrations (`manage.py migrate`), then bench/_peer_load.py (its ORM)."""
    data_dir = VAR_DIR / f"peer-{engine}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    # django-environ: sqlite:////absolute/path; postgres:// is Django's plain PostgreSQL backend (not
    # PostGIS: the peer then keeps points in a text column and has no radius search, which the bench
    # does not call). conn_max_age: persistent connections per worker, as a deployment would set.
    if engine == "sqlite":
        url = f"sqlite:///{data_dir / 'peer.sqlite3'}"
    else:
        url = pg_recreate(args.pg_url, PEER_PG_DB)
    if args.peer_conn_max_age:
        url += f"?conn_max_age={args.peer_conn_max_age}"
    env = peer_env(url, data_dir)
    python = str(Path(peer["venv"]) / "bin" / "python")
    timings = {}
    t0 = time.perf_counter()
    run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=args.peer, env=env)
    timings["migrate_s"] = round(time.perf_counter() - t0, 1)
    key = hashlib.sha256(f"peerbench-{args.seed}".encode()).hexdigest()[:30]
    t0 = time.perf_counter()
    out = run(
        [
            python,
            str(PEER_LOADER),
            "--checkout",
            str(args.peer),
            "--catalog",
            str(catalog_file),
            "--requests",
            str(requests_file),
            "--api-key",
            key,
        ],
        cwd=args.peer,
        env=env,
    ).stdout
    timings["load_s"] = round(time.perf_counter() - t0, 1)
    loaded = json.loads(out.strip().splitlines()[-1])
    timings.update(loaded)
    log(
        f"  peer: migrate {timings['migrate_s']} s, {loaded['services']} services and "
        f"{loaded['requests']:,} requests through its ORM in {timings['load_s']} s"
    )
    return Side("peer", url, data_dir, env, key), timings


# --- servers ---------------------------------------------------------------------------------------


class Proc:
    """A server command in its own process group, ready when `ready_path` answers 200; the whole group is
    stopped on exit."""

    def __init__(
        self, name: str, cmd: list[str], env: dict, cwd: Path | None, ready_path: str, log_path: Path
    ):
        self.name, self.cmd, self.env, self.cwd = name, cmd, env, cwd
        self.ready_path, self.log_path = ready_path, log_path
        self.port = _measure.free_port()
        self.cmd = [c.replace("{port}", str(self.port)) for c in cmd]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Proc":
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            cwd=self.cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_ready(self.port, self.ready_path, self.proc, self.log_path)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

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


def wait_ready(port: int, path: str, proc: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}): {log_path.read_text()[-2000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"no 200 from {path} on port {port}: {log_path.read_text()[-2000:]}")


def peer_server(side: Side, args, peer: dict) -> Proc:
    gunicorn = str(Path(peer["venv"]) / "bin" / "gunicorn")
    cmd = [gunicorn, "-w", str(WORKERS), "-b", "127.0.0.1:{port}", "--log-level", "warning", "cfh.wsgi"]
    return Proc("peer", cmd, side.env, args.peer, f"{PEER_ROOT}/services.json", side.data_dir / "server.log")


def floor_server(civic: Side) -> Proc:
    env = {**os.environ, "FLOOR_DATABASE_URL": civic.url, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [
        sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(BENCH_DIR), "--host", "127.0.0.1",
        "--port", "{port}", "--workers", str(WORKERS), "--log-level", "warning", "--no-access-log",
        "--lifespan", "off",
    ]  # fmt: skip
    return Proc(
        "floor", cmd, env, None, f"{CIVIC_ROOT}/requests.json?page_size=1", civic.data_dir / "floor.log"
    )


# --- checking the calls before measuring them ------------------------------------------------------


def root_of(server: str) -> str:
    return PEER_ROOT if server == "peer" else CIVIC_ROOT


def get(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def post(port: int, path: str, form: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST", path, body=urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


LIST_QUERIES = {
    "list100": {"page_size": "100"},
    "list500": {"page_size": "500"},
    "filtered": {"service_code": FILTER_CODE, "status": "open", "page_size": "100"},
}


def list_path(server: str, call: str) -> str:
    return f"{root_of(server)}/requests.json?{urlencode(LIST_QUERIES[call])}"


def verify(ports: dict[str, int], sides: dict[str, Side], ids: list[str], bodies: list[dict]) -> dict:
    """Each call once on each server before anything is measured: a 200 (201 for the peer's POST) with a
    JSON array, the same rows in the same order from all three, and a POST whose row can be read back."""
    report: dict = {}
    problems = []
    for call in ("list100", "list500", "filtered"):
        seen = {}
        for server, port in ports.items():
            status, headers, body = get(port, list_path(server, call))
            if status != 200:
                problems.append(f"{server} {call}: HTTP {status} {body[:300]!r}")
                continue
            items = json.loads(body)
            total = headers.get("x-total-count") or headers.get("x-result-count")
            seen[server] = items
            report[f"{call}.{server}"] = {
                "items": len(items),
                "total": int(total) if total else None,
                "bytes": len(body),
            }
        ids_by = {s: [i["service_request_id"] for i in items] for s, items in seen.items()}
        if len({tuple(v) for v in ids_by.values()}) > 1:
            problems.append(
                f"{call}: the servers answer different rows: "
                + ", ".join(f"{s} {v[:3]}…({len(v)})" for s, v in ids_by.items())
            )
        if "floor" in seen and "civic311" in seen and seen["floor"] != seen["civic311"]:
            diff = [k for k in seen["civic311"][0] if seen["civic311"][0].get(k) != seen["floor"][0].get(k)]
            problems.append(f"{call}: the floor's rows differ from Civic311's in {diff}")
    for server, port in ports.items():
        status, _, body = get(port, f"{root_of(server)}/requests/{ids[0]}.json")
        ok = status == 200 and json.loads(body)[0]["service_request_id"] == ids[0]
        report[f"by_id.{server}"] = {"status": status, "ok": ok}
        if not ok:
            problems.append(f"{server} by_id: HTTP {status} {body[:300]!r}")
    for server in ("civic311", "peer"):
        status, _, body = get(ports[server], f"{root_of(server)}/services.json")
        report[f"services.{server}"] = {
            "status": status,
            "services": len(json.loads(body)) if status == 200 else None,
        }
        if status != 200:
            problems.append(f"{server} services: HTTP {status}")
        form = {**bodies[0], "api_key": sides[server].api_key}
        status, body = post(ports[server], f"{root_of(server)}/requests.json", form)
        number = None
        if status in (200, 201):
            number = json.loads(body)[0].get("service_request_id")
        stored = False
        if number:
            got, _, item = get(ports[server], f"{root_of(server)}/requests/{number}.json")
            stored = got == 200 and json.loads(item)[0].get("description") == form["description"]
        report[f"post.{server}"] = {"status": status, "service_request_id": number, "stored": stored}
        if status not in (200, 201) or not stored:
            problems.append(f"{server} POST: HTTP {status} {body[:300]!r}, read back: {stored}")
    if problems:
        raise SystemExit("the calls do not all work; nothing measured:\n  " + "\n  ".join(problems))
    return report


# --- wrk -------------------------------------------------------------------------------------------

LUA_DONE = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'PEERBENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"mean_us":%.1f,"max_us":%.0f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""

LUA_THREADS = r"""
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_scripts(directory: Path, ids: list[str], bodies: list[dict], keys: dict[str, str]) -> dict:
    """The wrk scripts: {(call, server): path}. Fixed paths get only the report; by_id picks a random id
    of the list on each call (seeded per thread); post cycles through the forms."""
    directory.mkdir(parents=True, exist_ok=True)
    scripts = {}
    plain = directory / "plain.lua"
    plain.write_text("-- bench/peer.py: a fixed request; the report\n" + LUA_DONE)
    for server in SERVERS:
        for call in ("list100", "list500", "filtered", "services"):
            scripts[(call, server)] = plain
        by_id = directory / f"by_id-{server}.lua"
        by_id.write_text(
            "-- bench/peer.py: GET requests/{id}.json, a random id of the list each time\n"
            f"local prefix = {lua_string(root_of(server) + '/requests/')}\n"
            "local ids = {"
            + ",".join(lua_string(i) for i in ids)
            + "}\n"
            + LUA_THREADS
            + "function init(args) math.randomseed(7919 * tid) end\n"
            'function request() return wrk.format("GET", prefix .. ids[math.random(#ids)] .. ".json") end\n'
            + LUA_DONE
        )
        scripts[("by_id", server)] = by_id
        if server in keys:
            forms = [urlencode({**b, "api_key": keys[server]}) for b in bodies]
            p = directory / f"post-{server}.lua"
            p.write_text(
                "-- bench/peer.py: POST requests.json, form-encoded, cycling through the forms\n"
                f"local path = {lua_string(root_of(server) + '/requests.json')}\n"
                'local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}\n'
                "local bodies = {" + ",".join(lua_string(f) for f in forms) + "}\n"
                "local i = 0\n" + LUA_THREADS + "function init(args) i = tid * 37 end\n"
                "function request()\n  i = i + 1\n"
                '  return wrk.format("POST", path, headers, bodies[(i % #bodies) + 1])\nend\n' + LUA_DONE
            )
            scripts[("post", server)] = p
    return scripts


def url_of(server: str, call: str, port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    if call in LIST_QUERIES:
        return base + list_path(server, call)
    if call == "services":
        return f"{base}{root_of(server)}/services.json"
    return f"{base}{root_of(server)}/requests.json"  # by_id and post: the script sets the path


def wrk(url: str, script: Path, seconds: int) -> dict:
    cmd = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency",
           "--timeout", "10s", "-s", str(script), url]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("PEERBENCH ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-1500:]} {out.stderr[-1500:]}")
    return json.loads(line.split(" ", 1)[1])


# --- CPU and memory of a server's processes -------------------------------------------------------

PAGE = os.sysconf("SC_PAGE_SIZE")


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry))
    return pids


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


class RssPeak:
    """The largest sum of RSS over a process group's processes, sampled every 0.2 s."""

    def __init__(self, pgid: int):
        self.pids = group_pids(pgid)
        self.peak = rss_bytes(self.pids)
        self.stop = threading.Event()

    def __enter__(self) -> "RssPeak":
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self.peak = max(self.peak, rss_bytes(self.pids))

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, rss_bytes(self.pids))


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(server: str, call: str, port: int, pgid: int, script: Path, args) -> dict:
    """Warm up, then one measured wrk run: its figures, the server's CPU per call and peak RSS."""
    busy = _measure.wait_for_quiet(args.quiet_wait)
    url = url_of(server, call, port)
    if args.warmup:
        wrk(url, script, args.warmup)
    machine0, server0, wrk0 = _measure._machine_busy_s(), _measure._group_cpu_s(pgid), children_cpu_s()
    with RssPeak(pgid) as rss:
        w = wrk(url, script, args.duration)
    machine = _measure._machine_busy_s() - machine0
    server_cpu = _measure._group_cpu_s(pgid) - server0
    wrk_cpu = children_cpu_s() - wrk0
    n = max(w["requests"], 1)
    socket_errors = w["connect"] + w["read"] + w["write"] + w["timeout"]
    return {
        "req_s": round(w["requests"] / (w["duration_us"] / 1e6), 1),
        "requests": w["requests"],
        "p50_ms": round(w["p50_us"] / 1000, 2),
        "p90_ms": round(w["p90_us"] / 1000, 2),
        "p99_ms": round(w["p99_us"] / 1000, 2),
        "mean_ms": round(w["mean_us"] / 1000, 2),
        "non_2xx": w["status"],
        "socket_errors": socket_errors,
        "kb_per_call": round(w["bytes"] / n / 1024, 1),
        "cpu_ms_per_call": round(server_cpu * 1000 / n, 2),
        "wrk_cpu_ms_per_call": round(wrk_cpu * 1000 / n, 2),
        # the machine's busy time less the server's and wrk's: PostgreSQL's backends, and anything else
        "rest_cpu_ms_per_call": round(max(0.0, machine - server_cpu - wrk_cpu) * 1000 / n, 2),
        "peak_rss_mb": round(rss.peak / 2**20, 1),
        "processes": len(rss.pids),
        "busy_before": busy,
        "wrk": w,
    }


# --- one database ----------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip(),
    }


def git_head(path: Path) -> str:
    out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True)
    return out.stdout.strip()


def run_db(engine: str, args, peer: dict) -> dict:
    started = datetime.now(UTC)
    log(f"\n=== {engine}: {args.rows:,} requests ===")
    now = started.replace(microsecond=0)
    work = VAR_DIR / engine
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    records, data = build_requests(args.rows, args.seed, now)
    requests_file = work / "requests.json"
    requests_file.write_text(json.dumps(records, separators=(",", ":")))
    catalog = read_catalog()
    catalog_file = work / "catalog.json"
    catalog_file.write_text(
        json.dumps({"jurisdiction": catalog["jurisdiction"], "services": offered_services(catalog)})
    )
    log(
        f"data: {args.rows:,} requests from {data['source_rows']:,} Chicago rows, {data['closed']:,} closed, "
        f"{data['oldest'][:10]} .. {data['newest'][:10]}, {data['filter_code_open']:,} open {FILTER_CODE} "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    rng = np.random.default_rng(args.seed + 3)
    ids = [
        records[k]["service_request_id"]
        for k in rng.choice(len(records), min(1000, len(records)), replace=False)
    ]
    bodies = post_bodies(200, args.seed)
    del records

    civic, civic_load = setup_civic(engine, args, requests_file)
    peer_side, peer_load = setup_peer(engine, args, peer, catalog_file, requests_file)
    sides = {"civic311": civic, "peer": peer_side}
    scripts = write_scripts(work / "wrk", ids, bodies, {s: sides[s].api_key for s in sides})
    calls = [c for c in CALLS if not args.call or c.name in args.call]
    results: dict[str, dict[str, list[dict]]] = {c.name: {} for c in calls}
    failures = []
    with contextlib.ExitStack() as stack:
        civic_srv = stack.enter_context(
            _measure.Server(civic.url, str(civic.data_dir), WORKERS, civic.data_dir / "server.log")
        )
        peer_srv = stack.enter_context(peer_server(peer_side, args, peer))
        floor_srv = stack.enter_context(floor_server(civic))
        ports = {"civic311": civic_srv.port, "peer": peer_srv.port, "floor": floor_srv.port}
        pgids = {"civic311": civic_srv.proc.pid, "peer": peer_srv.proc.pid, "floor": floor_srv.proc.pid}
        log(
            f"servers up: civic311 :{ports['civic311']}, peer :{ports['peer']}, floor :{ports['floor']} "
            f"({WORKERS} processes each)"
        )
        checks = verify(ports, sides, ids, bodies)
        log(
            "checked: every call answers 2xx on every server, the same rows from all three, POSTs stored "
            f"(X-Total-Count list100: civic311 {checks['list100.civic311']['total']:,}, "
            f"peer {checks['list100.peer']['total']:,}, floor {checks['list100.floor']['total']:,})"
        )
        for rnd in range(args.rounds):
            # The order of the servers turns each round, so none is always measured first.
            order = SERVERS[rnd % 3 :] + SERVERS[: rnd % 3]
            log(f"round {rnd + 1}/{args.rounds} (order {', '.join(order)})")
            for call in calls:
                for server in order:
                    if server == "floor" and not call.floor:
                        continue
                    m = measure(
                        server, call.name, ports[server], pgids[server], scripts[(call.name, server)], args
                    )
                    m["round"] = rnd + 1
                    results[call.name].setdefault(server, []).append(m)
                    flag = ""
                    if m["non_2xx"] > NON_2XX_LIMIT * m["requests"]:
                        flag = f"  <-- FAILED: {m['non_2xx']:,} non-2xx of {m['requests']:,}"
                        failures.append(
                            f"{engine} {call.name} {server} round {rnd + 1}: {m['non_2xx']:,} "
                            f"non-2xx of {m['requests']:,}"
                        )
                    elif m["socket_errors"]:
                        flag = f"  (socket errors {m['socket_errors']})"
                    log(
                        f"  {call.name:<9} {server:<9} {m['req_s']:>8.1f}/s  p50 {m['p50_ms']:>7.1f}  "
                        f"p99 {m['p99_ms']:>7.1f} ms  CPU {m['cpu_ms_per_call']:>6.2f} ms/call  "
                        f"RSS {m['peak_rss_mb']:>6.0f} MB  busy {m['busy_before']}{flag}"
                    )
        logs = {
            name: tail(path)
            for name, path in (
                ("civic311", civic.data_dir / "server.log"),
                ("peer", peer_side.data_dir / "server.log"),
                ("floor", civic.data_dir / "floor.log"),
            )
        }
    summary = {
        call: {server: median_of(rounds) for server, rounds in by_server.items()}
        for call, by_server in results.items()
    }
    return {
        "benchmark": "peer",
        "db": engine,
        "db_version": db_version(engine, civic.url),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(UTC) - started).total_seconds()),
        "machine": machine(),
        "options": {
            "rows": args.rows,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "connections": CONNECTIONS,
            "threads": THREADS,
            "workers": WORKERS,
            "seed": args.seed,
            "peer_conn_max_age": args.peer_conn_max_age,
        },
        "calls": {c.name: c.what for c in calls},
        "data": data,
        "civic311": {
            "commit": git_head(REPO),
            "database": civic.url,
            "database_bytes": db_size(civic.url),
            "load": civic_load,
        },
        "peer": {
            **peer,
            "checkout": str(args.peer),
            "commit": git_head(args.peer),
            "database": peer_side.url.split("?")[0],
            "database_bytes": db_size(peer_side.url.split("?")[0]),
            "load": peer_load,
        },
        "checks": checks,
        "summary": summary,
        "rounds": results,
        "failures": failures,
        "server_log_tails": logs,
    }


def tail(path: Path, n: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def median_of(rounds: list[dict]) -> dict:
    keys = ("req_s", "p50_ms", "p90_ms", "p99_ms", "cpu_ms_per_call", "wrk_cpu_ms_per_call",
            "rest_cpu_ms_per_call", "kb_per_call")  # fmt: skip
    out = {k: round(statistics.median(r[k] for r in rounds), 2) for k in keys}
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in rounds)
    out["non_2xx"] = sum(r["non_2xx"] for r in rounds)
    out["requests"] = sum(r["requests"] for r in rounds)
    out["socket_errors"] = sum(r["socket_errors"] for r in rounds)
    out["busy_before_max"] = max(r["busy_before"] for r in rounds)
    return out


# --- report ----------------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def print_table(result: dict) -> None:
    o, m = result["options"], result["machine"]
    log(
        f"\n{result['db']} ({result['db_version']}): {o['rows']:,} requests; wrk {o['connections']} "
        f"connections, {o['threads']} threads, {o['duration_s']} s after {o['warmup_s']} s warm-up, median "
        f"of {o['rounds']} round(s); {o['workers']} server processes each; {m['cores']} cores ({m['cpu']})"
    )
    log(
        "| call | server | req/s | p50 ms | p99 ms | CPU ms/call | rest ms/call | peak RSS MB | non-2xx "
        "| busy | req/s civic/peer | req/s civic/floor | CPU civic/peer | CPU civic/floor |"
    )
    log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for call, by_server in result["summary"].items():
        civic = by_server.get("civic311", {})
        for server in SERVERS:
            s = by_server.get(server)
            if not s:
                continue
            ratios = "| | | | "
            if server == "civic311":
                p, f = by_server.get("peer", {}), by_server.get("floor", {})
                ratios = (
                    f"| {ratio(civic['req_s'], p.get('req_s'))} | {ratio(civic['req_s'], f.get('req_s'))} "
                    f"| {ratio(civic['cpu_ms_per_call'], p.get('cpu_ms_per_call'))} "
                    f"| {ratio(civic['cpu_ms_per_call'], f.get('cpu_ms_per_call'))} "
                )
            log(
                f"| {call} | {server} | {s['req_s']:,.0f} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} "
                f"| {s['cpu_ms_per_call']:.2f} | {s['rest_cpu_ms_per_call']:.2f} | {s['peak_rss_mb']:.0f} "
                f"| {s['non_2xx']} | {s['busy_before_max']:.1f} {ratios}|"
            )
    log(
        "(CPU ms/call: the server's process tree, user+system, over the measured window / responses; rest:"
        " the machine's other busy time per call (PostgreSQL's backends, wrk excluded, anything else);"
        " busy: the most cores other work kept busy just before a round's measurement (0 = quiet))"
    )
    if result["failures"]:
        log("FAILED (more than 1% non-2xx responses):\n  " + "\n  ".join(result["failures"]))


def write_results(result: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"peer-{result['db']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    return path


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report:
        for path in args.report:
            print_table(json.loads(path.read_text()))
        return 0
    if args.peer is None:
        raise SystemExit("--peer PATH is required: a checkout of 6aika/issue-reporting")
    args.peer = args.peer.resolve()
    if not (args.peer / "manage.py").exists() or not (args.peer / "issues").is_dir():
        raise SystemExit(f"{args.peer} is not a checkout of issue-reporting (no manage.py and issues/)")
    if args.peer.is_relative_to(REPO):
        raise SystemExit(f"{args.peer} is inside this repository: keep the peer's checkout outside it")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    ensure_system_packages()
    ensure_orjson()
    peer = ensure_peer_venv(args.peer, args.peer_python)
    log(
        f"peer: Django {peer['django']}, DRF {peer['djangorestframework']}, gunicorn {peer['gunicorn']}, "
        f"Python {peer['python']}, GDAL {peer['gdal']}, GEOS {peer['geos']}"
    )
    engines = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    failed = False
    for engine in engines:
        result = run_db(engine, args, peer)
        print_table(result)
        log(f"results: {write_results(result)}")
        failed |= bool(result["failures"])
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
