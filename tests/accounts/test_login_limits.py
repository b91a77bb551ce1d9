"""Sign-in lock-outs against the real server: an X-Forwarded-For the client makes up changes nothing (the
server believes it only from a proxy named in TRUSTED_PROXIES), and past LOGIN_USERNAME_FAILURE_LIMIT
failures for one user name (8 here; 20 by default), from however many addresses, that name is locked
everywhere. Each try hashes a password for real (PBKDF2): few tries, so the test stays quick."""

import re
import subprocess

import httpx
import pytest

from tests.servers import CIVIC311, running_platform

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple 311"


def create_staff(server, username: str) -> None:
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from civic311.accounts.models import StaffProfile\n"
        f"u = get_user_model().objects.create_user({username!r}, password={PASSWORD!r})\n"
        "StaffProfile.objects.create(user=u, role='agent')\n"
    )
    subprocess.run([CIVIC311, "shell", "-c", script], env=server.env, check=True, capture_output=True)


def try_sign_in(server, username: str, password: str, forwarded_for: str) -> int:
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        page = browser.get("/staff/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = browser.post(
            "/staff/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": token,
                "next": "/staff/",
            },
            headers={"X-Forwarded-For": forwarded_for, "Referer": f"{server.url}/staff/login/"},
        )
        return answer.status_code


@pytest.fixture(scope="module")
def untrusting(tmp_path_factory):
    """A server with no trusted proxy (the default)."""
    with running_platform(
        tmp_path_factory.mktemp("untrusting"), workers=1, serve_args=("--no-worker",)
    ) as server:
        create_staff(server, "agnes")
        yield server


@pytest.fixture(scope="module")
def behind_a_proxy(tmp_path_factory):
    """A server that believes X-Forwarded-For from 127.0.0.1, as behind a proxy on the same machine."""
    env = {"TRUSTED_PROXIES": "127.0.0.1", "LOGIN_USERNAME_FAILURE_LIMIT": "8"}
    with running_platform(
        tmp_path_factory.mktemp("proxied"), workers=1, env=env, serve_args=("--no-worker",)
    ) as server:
        create_staff(server, "carol")
        yield server


def test_a_made_up_forwarded_address_does_not_escape_the_lock_out(untrusting):
    # A new made-up address every 2 tries; the lock-out comes at the 5th failure all the same.
    answers = [try_sign_in(untrusting, "agnes", "guess", f"198.51.100.{n // 2}") for n in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the form again ("enter a correct …"), then locked
    # locked for the right password too, from a "new" address
    assert try_sign_in(untrusting, "agnes", PASSWORD, "203.0.113.77") == 429


def test_behind_a_trusted_proxy_each_address_counts_and_the_user_name_has_its_own_limit(behind_a_proxy):
    answers = [try_sign_in(behind_a_proxy, "carol", "guess", f"198.51.100.{n // 2}") for n in range(8)]
    assert answers == [200] * 8  # two from each address: no pair reaches its 5
    # 8 failures for the name, from four addresses: the name is locked everywhere, the password no help
    assert try_sign_in(behind_a_proxy, "carol", PASSWORD, "203.0.113.200") == 429
