"""Lighthouse on the resident app: performance and accessibility of the home, report, tracking and dashboard
(/dashboard/) pages.

    .venv/bin/python bench/lighthouse.py                 # sample city in a fresh data directory
    .venv/bin/python bench/lighthouse.py --data-dir /tmp/lh --keep   # reuse (and keep) a data directory

It installs npm `lighthouse` into bench/lighthouse/ (its own package.json and lockfile, `npm ci`),
loads the sample city (`civic311 init --sample-city`) into a SQLite database of its own, starts the
real ASGI server (`civic311 serve`) on a free port of 127.0.0.1, and runs Lighthouse with Debian's
Chromium (CHROME_PATH=/usr/bin/chromium, headless, Lighthouse's default mobile profile: a mid-range phone
on a slow 4G connection, simulated) on each page. It prints the performance and accessibility scores
(the aims: >= 95 and 100), the failing accessibility audits, and writes the reports to
bench/results/lighthouse-<page>-<timestamp>.json. Not part of `make test`.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LIGHTHOUSE_DIR = BENCH_DIR / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
RESULTS_DIR = BENCH_DIR / "results"
CIVIC311 = ROOT / ".venv" / "bin" / "civic311"
CHROME_PATH = "/usr/bin/chromium"
# Debian's Chromium as the machines allow it (root: no sandbox). More flags (--disable-gpu,
# --disable-background-networking …) made Lighthouse fail with NO_NAVSTART on Chromium 156.
CHROME_FLAGS = "--headless --no-sandbox --disable-dev-shm-usage"
AIMS = {"performance": 95, "accessibility": 100}
SERVER_START_TIMEOUT = 60.0


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", help="data directory (default: a new temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the data directory afterwards")
    p.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page; the median is shown")
    p.add_argument("--language", default="en", help="the pages' language (en, es, pl)")
    p.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    return p.parse_args(argv)


def install_lighthouse() -> None:
    """npm ci into bench/lighthouse/ when node_modules is missing or older than the lockfile."""
    lock = LIGHTHOUSE_DIR / "package-lock.json"
    stamp = LIGHTHOUSE_DIR / "node_modules" / ".package-lock.json"
    if LIGHTHOUSE.exists() and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return
    print("installing lighthouse (npm ci in bench/lighthouse/)", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LIGHTHOUSE_DIR, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # our own server
        return response.read()


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [str(CIVIC311), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped (exit {proc.returncode}): see {log_path}")
        try:
            get(f"http://127.0.0.1:{port}/manifest.webmanifest", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"the server did not answer within {SERVER_START_TIMEOUT:.0f} s: see {log_path}")


def a_request_number(base: str) -> str:
    """A public request of the sample city, for the tracking page."""
    requests = json.loads(get(f"{base}/open311/v2/requests.json"))
    if not requests:
        raise SystemExit("the sample city has no public requests to track")
    return requests[0]["service_request_id"]


def lighthouse(url: str, out: Path, language: str) -> dict:
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    headers = {"Accept-Language": language, "Cookie": f"django_language={language}"}
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={out}",
            f"--chrome-flags={CHROME_FLAGS}",
            f"--extra-headers={json.dumps(headers)}",
        ],
        env=env,
        check=True,
    )
    return json.loads(out.read_text())


def failing_audits(report: dict, category: str) -> list[str]:
    refs = report["categories"][category]["auditRefs"]
    lines = []
    for ref in refs:
        audit = report["audits"][ref["id"]]
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            lines.append(f"    {audit['id']}: {audit['title']}{value}, score {audit['score']:.2f}")
    return lines


def main(argv=None) -> int:
    args = parse_args(argv)
    if not Path(CHROME_PATH).exists():
        raise SystemExit(f"{CHROME_PATH} is missing: run `make system-packages`")
    install_lighthouse()
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="civic311-lighthouse-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CIVIC311_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "civic311.settings",
        "DEBUG": "0",
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    proc = None
    try:
        print(f"sample city into {data_dir} (civic311 init --sample-city)", flush=True)
        subprocess.run(
            [
                str(CIVIC311),
                "compilemessages",
                "--ignore=.venv",
                "--ignore=node_modules",
                "--ignore=var",
                "--ignore=bench",
                "-v",
                "0",
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
        subprocess.run([str(CIVIC311), "init", "--sample-city", "-v", "0"], env=env, check=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(env, port, data_dir / "server.log")
        pages = {
            "home": "/",
            "report": "/report/",
            "track": f"/track/{a_request_number(base)}",
            "dashboard": "/dashboard/",
        }
        if args.pages:
            pages = {name: path for name, path in pages.items() if name in args.pages.split(",")}
        print(f"server up at {base}; Lighthouse {args.runs}x per page, mobile, language {args.language}\n")
        summary: dict[str, dict[str, int]] = {}
        failures: list[str] = []
        for name, path in pages.items():
            scores: dict[str, list[int]] = {category: [] for category in AIMS}
            report = {}
            for run in range(args.runs):
                out = RESULTS_DIR / f"lighthouse-{name}-{stamp}-{run + 1}.json"
                report = lighthouse(base + path, out, args.language)
                for category in AIMS:
                    scores[category].append(round(report["categories"][category]["score"] * 100))
            summary[name] = {
                category: sorted(values)[len(values) // 2] for category, values in scores.items()
            }
            line = "  ".join(f"{category} {summary[name][category]:>3}" for category in AIMS)
            print(f"{name:<7} {path:<28} {line}", flush=True)
            for category, aim in AIMS.items():
                if summary[name][category] < aim:
                    failures.append(f"{name}: {category} {summary[name][category]} < {aim}")
                    print("\n".join(failing_audits(report, category)))
        print()
        if failures:
            print("below the aims:\n  " + "\n  ".join(failures))
        else:
            print(f"every page meets the aims (performance >= {AIMS['performance']}, accessibility 100)")
        return 1 if failures else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
