"""`civic311 serve` runs a task worker as its child: a request filed over the API reaches a webhook
receiver with nothing else started; the worker is started again if it dies and stopped with the server."""

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.notify.test_webhooks import SECRET, Receiver
from tests.notify.test_worker import wait_until
from tests.open311.test_concurrent_posts import LOOP, answers_for, post
from tests.servers import CIVIC311, running_platform

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        kids += [int(k) for k in text]
    return kids


def worker_of(pid: int) -> int | None:
    for kid in children(pid):
        cmdline = Path(f"/proc/{kid}/cmdline").read_bytes().split(b"\0")
        if b"worker" in cmdline:
            return kid
    return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped) is not alive
    return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def test_serve_runs_a_worker_that_sends_webhooks_and_stops_with_it(tmp_path):
    receiver = Receiver()
    try:
        with running_platform(tmp_path, workers=1) as server:
            script = (
                "from civic311.notify.models import WebhookEndpoint; "
                f"WebhookEndpoint.objects.create(url={receiver.url!r}, secret={SECRET!r}, "
                "event_kinds=['created'])"
            )
            subprocess.run([CIVIC311, "shell", "-c", script], env=server.env, check=True, timeout=60)
            serve_pid = server_pid(server)
            wait_until(lambda: worker_of(serve_pid), timeout=20, what="the worker child")
            first_worker = worker_of(serve_pid)

            with urllib.request.urlopen(f"{server.url}/open311/v2/services/PHF.json") as r:
                definition = json.load(r)
            form = {"api_key": server.api_key, "service_code": "PHF", "lat": LOOP[0], "long": LOOP[1]}
            status, body = post(server.url, {**form, **answers_for(definition)})
            assert status == 200, body
            wait_until(lambda: receiver.received, timeout=30, what="the webhook")
            assert json.loads(receiver.received[0]["body"])["event"] == "created"

            os.kill(first_worker, signal.SIGKILL)
            wait_until(
                lambda: worker_of(serve_pid) not in (None, first_worker), timeout=20, what="a new worker"
            )
            second_worker = worker_of(serve_pid)
        # running_platform has stopped the server (SIGTERM): its worker went with it
        wait_until(lambda: not alive(second_worker), timeout=15, what="the worker to stop")
    finally:
        receiver.close()


def server_pid(server) -> int:
    """The pid of `civic311 serve` listening on the server's port (the newest such process)."""
    port = server.url.rsplit(":", 1)[1]
    out = subprocess.run(["pgrep", "-n", "-f", f"serve --port {port}"], capture_output=True, text=True)
    return int(out.stdout.split()[0])
