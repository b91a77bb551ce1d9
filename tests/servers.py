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
    log: Path | None = None  # the server's stderr


def _env(database_url: str, data_dir: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CIVIC311_DATA_DIR": str(data_dir),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _wait(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Until the server answers services.json; its stderr goes to `log`, shown if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/open311/v2/services.json", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


SAMPLE_CITY_WITHOUT_REQUESTS = ("--sample-city", "--no-requests")


@contextmanager
def running_platform(
    tmp_path: Path,
    *,
    workers: int = 2,
    env: dict | None = None,
    init_args: tuple[str, ...] = SAMPLE_CITY_WITHOUT_REQUESTS,
    serve_args: tuple[str, ...] = (),
):
    """`civic311 init` (the sample city without its requests, unless `init_args` say otherwise), then
    `civic311 serve` on a free port, with `env` added to its environment; its stderr in Server.log."""
    with running_nodes(tmp_path, 1, env=env, workers=workers, init_args=init_args, serve_args=serve_args) as [
        server
    ]:
        yield server


@contextmanager
def running_nodes(
    tmp_path: Path,
    count: int = 2,
    *,
    env: dict | None = None,
    workers: int = 1,
    init_args: tuple[str, ...] = SAMPLE_CITY_WITHOUT_REQUESTS,
    serve_args: tuple[str, ...] = (),
):
    """Several nodes of one deployment: `civic311 init` once, then `count` servers (`civic311 serve`,
    each on a free port) over the same database, with `env` added to their environment (e.g. REDIS_URL,
    so they share live updates). Yields a list of Server, one per node.

    Each node's stderr goes to a file in tmp_path (node-N.log), which a pipe nobody reads could not take
    for long: the servers log a line per 404 and per Redis outage."""
    with fresh_database(tmp_path) as database_url:
        node_env = {**_env(database_url, tmp_path), **(env or {})}
        init = subprocess.run(
            [CIVIC311, "init", *init_args],
            env=node_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        api_key = init.stdout.strip().splitlines()[-1]
        started: list[tuple[Server, subprocess.Popen, Path]] = []
        try:
            for n in range(count):
                port = free_port()
                log = tmp_path / f"node-{n}.log"
                command = [CIVIC311, "serve", "--port", str(port), "--workers", str(workers), *serve_args]
                with log.open("wb") as stderr:
                    process = subprocess.Popen(
                        [*command, "--log-level", "warning"],
                        env=node_env,
                        stdout=subprocess.DEVNULL,
                        stderr=stderr,
                        start_new_session=True,
                    )
                started.append((Server(f"http://127.0.0.1:{port}", api_key, node_env, log), process, log))
            for server, process, log in started:
                _wait(server.url, process, log)
            yield [server for server, _, _ in started]
        finally:
            for _, process, _ in started:
                process.terminate()
            for _, process, _ in started:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


def database_url_of_tests() -> str:
    """The URL of the database this test runs on (the test database), for processes the test starts."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{name}"


def start_worker(log: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`civic311 worker` as a process of its own over the test's database (a transactional_db test), its
    output in `log`. Stop it with .terminate() or kill it with .kill() (SIGKILL), then .wait()."""
    worker_env = {**_env(database_url_of_tests(), log.parent), **(env or {})}
    with log.open("ab") as out:
        return subprocess.Popen(
            [CIVIC311, "worker", "--interval", "0.1", *args],
            env=worker_env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
