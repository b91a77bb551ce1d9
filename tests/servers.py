"""Run the real platform as a separate process (`civic311 serve`), for tests of what only a real
server shows: concurrency across processes, live updates across nodes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

CIVIC311 = str(Path(sys.executable).with_name("civic311"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def fresh_database(tmp_path: Path):
    """A new empty database of the kind the suite runs on (DATABASE_URL): a PostgreSQL database
    created for the occasion and dropped after, or an SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    name = f"civic311_srv_{uuid.uuid4().hex[:10]}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    url: str
    api_key: str
    env: dict


def _env(database_url: str, data_dir: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CIVIC311_DATA_DIR": str(data_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _wait(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/open311/v2/services.json", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def running_platform(tmp_path: Path, *, workers: int = 2):
    """`civic311 init --sample-city --no-requests`, then `civic311 serve` on a free port."""
    with fresh_database(tmp_path) as database_url:
        env = _env(database_url, tmp_path)
        init = subprocess.run(
            [CIVIC311, "init", "--sample-city", "--no-requests"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
        api_key = init.stdout.strip().splitlines()[-1]
        port = free_port()
        process = subprocess.Popen(
            [CIVIC311, "serve", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url, process)
            yield Server(url, api_key, env)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
