"""Browser tests: the platform served for real (uvicorn, in a thread of the test process, over the test
database) and driven by Debian's Chromium through Playwright's sync API.

Fixtures:
  live_server_url  the base URL (http://127.0.0.1:PORT) of civic311.asgi.application served by uvicorn
                   for the duration of one test; it requests `transactional_db`, so rows the test creates
                   are committed and seen by the server's threads, and flushed after the test.
  browser          Chromium (/usr/bin/chromium), launched once for the tests of this package per process.
  page             a page in a fresh browser context, per test, whose base URL is the live server's
                   (page.goto("/"), page.request.get("/static/...")); a failing test leaves a screenshot,
                   whose path is shown in its report.

The test's own code may use the ORM between browser calls (see _allow_sync_orm_beside). It may not call
async_to_sync() or asyncio.run() there: Playwright's loop counts as running in the test thread.

Every test under tests/e2e/ is marked `e2e`. Without /usr/bin/chromium (`make system-packages`) the tests
are skipped, but under CI (CI set) they fail instead: a CI run must never pass without its browser.
"""

import asyncio
import contextlib
import importlib
import os
import socket
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import django.utils.asyncio
import pytest
import uvicorn
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test.utils import override_settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium, as the machines allow it: no sandbox (we run as root), and none of its background
# connections to Google's hosts, which the closed network refuses many at a time. Playwright gives each
# launch a new empty --user-data-dir of its own (and refuses one in args), and adds --headless.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
SERVER_START_TIMEOUT = 10.0
VENDOR = Path(django_settings.BASE_DIR) / "static" / "vendor"
HERE = Path(__file__).resolve().parent
PAGE_KEY = pytest.StashKey["tuple[Page, Path]"]()


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder `e2e` (pytest calls this hook with the whole session's items)."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, a screenshot of the test's page while it is still open; its path goes in the report."""
    report = yield
    if report.when == "call" and report.failed and PAGE_KEY in item.stash:
        page, folder = item.stash[PAGE_KEY]
        path = folder / "failure.png"
        try:
            page.screenshot(path=path, full_page=True)
            report.sections.append(("e2e screenshot", f"{path}\n(page URL: {page.url})"))
        except Exception as exc:  # the browser may be what failed
            report.sections.append(("e2e screenshot", f"none: {exc}"))
    return report


# --- the server --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """collectstatic, once per test process, into a folder of its own: the server then serves static
    files as in production (servestatic over STATIC_ROOT), which also proves that the vendor bundle
    (civic311/static/vendor/, `make assets`) is found as vendor/..."""
    if not (VENDOR / "VERSIONS.txt").exists():
        pytest.fail(f"{VENDOR} is missing: run `make assets` (scripts/build-assets) first")
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def _asgi_application():
    """civic311.asgi.application, built anew under the test's settings: Django builds its middleware
    when the application is created, and servestatic reads STATIC_ROOT then."""
    import civic311.asgi

    return importlib.reload(civic311.asgi).application


@pytest.fixture
def live_server_url(transactional_db, settings, static_root: Path) -> Iterator[str]:
    """uvicorn serving the platform on a free port of 127.0.0.1, in a thread of this process.

    The server's request threads open their own connections to the test database: on PostgreSQL the
    test database of this process (test_..._gwN under xdist), on SQLite the in-memory database that
    Django opens with a shared-cache URI (file:memorydb_default?mode=memory&cache=shared), which every
    connection of this process shares for as long as the test thread keeps its own open.

    SQLite's shared cache locks whole tables and refuses, rather than waits for, a write that meets any
    other access ('database table is locked': busy_timeout does not apply). Requests one after another
    are fine; a test of concurrent writes must skip on the in-memory database (test_live_server.py).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound here and handed to uvicorn: no race for the port
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings.STATIC_ROOT = static_root
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PUBLIC_BASE_URL = url
    config = uvicorn.Config(
        _asgi_application(),
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    # Not in the main thread, uvicorn leaves the signal handlers alone.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail(f"the live server did not start within {SERVER_START_TIMEOUT} s")
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- the browser -------------------------------------------------------------------------------------


def _allow_sync_orm_beside(loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the test thread use the ORM between Playwright calls.

    Playwright's sync API runs its asyncio loop in a greenlet of the test thread and, between calls,
    leaves that loop marked as this thread's running loop (playwright/_impl/_greenlets.py). Django's
    async_unsafe guard sees it and raises SynchronousOnlyOperation on any query the test, or pytest-django
    flushing the database, makes. But nothing runs on that loop while the test's own code runs, so the
    query is safely synchronous. We make the guard look past that one loop, in this one thread: the
    server's threads keep the full guard, so an async view that queries synchronously still fails, as it
    would in production. (DJANGO_ALLOW_ASYNC_UNSAFE would lift the guard in every thread of the process,
    the server's included.)
    """
    test_thread = threading.current_thread()
    real = django.utils.asyncio.get_running_loop

    def get_running_loop() -> asyncio.AbstractEventLoop:
        running = real()
        if running is loop and threading.current_thread() is test_thread:
            raise RuntimeError("Playwright's loop is idle while the test's code runs")
        return running

    monkeypatch.setattr(django.utils.asyncio, "get_running_loop", get_running_loop)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, for the tests of this package in this process.

    Package scope, not session: when this package's tests are done, Playwright stops, which also clears
    the running-loop mark it leaves on the test thread, so the tests that follow in the same process
    (xdist gives one process many files) see a plain synchronous thread again.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make system-packages` (Debian's chromium)"
        if under_ci():
            pytest.fail(message + "; under CI the browser tests must run, not skip")
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as monkeypatch:
        playwright = sync_playwright().start()
        try:
            # Marked running by now; a Playwright that stops doing that needs no help.
            with contextlib.suppress(RuntimeError):
                _allow_sync_orm_beside(asyncio.get_running_loop(), monkeypatch)
            expect.set_options(timeout=TIMEOUT_MS)
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000
            )
            try:
                yield chromium
            finally:
                chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def page(
    browser: Browser, live_server_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A page in a new browser context (no cookies or storage from other tests), 10 s timeouts, relative
    URLs on the live server. It is closed before the server stops, so no request is cut short."""
    context = browser.new_context(base_url=live_server_url, locale="en-US", timezone_id="America/Chicago")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    request.node.stash[PAGE_KEY] = (page, tmp_path)
    try:
        yield page
    finally:
        del request.node.stash[PAGE_KEY]
        context.close()
