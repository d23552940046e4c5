"""Shared fixtures: personas, a real Celery worker, a live server for Chromium."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

from core import access
from tests.factories import UserFactory
from tests.helpers import log_in, statistics_cache_forget

# No test may fail for being slow on a loaded machine: Hypothesis's deadline and its
# "too slow" health check are wall-clock asserts, so both are off for every test.
settings.register_profile("conscripts", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("conscripts")


# --- Tests with real Celery workers ------------------------------------------------------
def pytest_collection_modifyitems(config, items):
    """Run the ``worker`` tests one after another on one xdist process (``--dist
    loadgroup``): two of them at once would each start workers and natasha on a
    two-core machine, and each would then wait on the other."""
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("celery-workers"))


def pytest_terminal_summary(terminalreporter):
    """The privacy matrix's size (tests/test_privacy_matrix.py) at the end of the run,
    whichever pytest-xdist process ran it."""
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "privacy_matrix":
                terminalreporter.write_line(value)


# --- Reference data -------------------------------------------------------------
_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """Regions and groups come from data migrations, and a transactional test's
    flush wipes them; put them back before any test that uses the database."""
    if request.node.get_closest_marker("django_db") or _DB_FIXTURES & set(request.fixturenames):
        from conscripts.models import Region
        from conscripts.services import reference_data_load

        request.getfixturevalue("django_db_setup")  # never touch a non-test database
        with django_db_blocker.unblock():
            if not Region.objects.exists():
                reference_data_load()
    yield


# --- Settings and caches that many modules want -------------------------------------------
@pytest.fixture
def no_cached_statistics():
    """Statistics are cached in Redis across tests; start and end without them."""
    statistics_cache_forget()
    yield
    statistics_cache_forget()


@pytest.fixture
def generous_api_rates(settings):
    """API throttling counts in the shared cache: tests not about it must not trip it."""
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "user": "100000/minute"}


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads and exports go to this test's own directory."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- Personas ---------------------------------------------------------------
@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", groups=[access.MODERATORS])


@pytest.fixture
def researcher(db):
    return UserFactory(username="researcher", groups=[access.RESEARCHERS])


@pytest.fixture
def outsider(db):
    """Signed in, but in no staff group: sees what the public sees."""
    return UserFactory(username="outsider")


@pytest.fixture
def moderator_client(client, moderator):
    """A moderator signed in with both steps (``tests.helpers.log_in``)."""
    return log_in(client, moderator)


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's superuser client, signed in with both steps."""
    return log_in(client, admin_user)


@pytest.fixture
def researcher_client(client, researcher):
    return log_in(client, researcher)


@pytest.fixture
def outsider_client(client, outsider):
    return log_in(client, outsider)


# --- A real Celery worker -------------------------------------------------------
def _worker_env() -> dict[str, str]:
    """The environment of a worker that talks to this test process's database."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        OPENBLAS_NUM_THREADS="1",
    )
    return env


def start_worker(
    *,
    concurrency: int = 1,
    name: str = "w1",
    queues: str = "celery,extraction",
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start `celery worker` on this test run's broker; returns once it is ready.

    It consumes both queues, as `make run` does, unless ``queues`` says otherwise; the
    readiness check needs ``celery`` among them.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--queues",
            queues,
            "--hostname",
            f"{name}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        env=_worker_env() | (env or {}),
        start_new_session=True,
    )
    from config.celery import ping

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if ping.apply_async().get(timeout=2) == "pong":
                return proc
        except Exception:
            if proc.poll() is not None:
                raise RuntimeError("celery worker exited during start-up") from None
            continue
    stop_worker(proc)
    raise RuntimeError("celery worker did not answer within 60 s")


def stop_worker(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def celery_worker_process(request, transactional_db):
    """A real worker process on the real Redis broker and this test's database.

    Needs ``transactional_db``: the worker only sees committed rows, and the ``worker``
    mark (so that such tests run one at a time, and ``-m 'not worker'`` can skip them).
    """
    from config.celery import app

    if request.node.get_closest_marker("worker") is None:
        pytest.fail("a test that starts a Celery worker needs @pytest.mark.worker")

    app.control.purge()
    proc = start_worker()
    yield proc
    stop_worker(proc)


# --- Browser ------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    # Playwright's sync API runs an event loop; Django refuses sync DB calls
    # from a thread with a running loop unless told this is deliberate.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ru-RU", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# --- The outbox (core.outbox) ----------------------------------------------------------
@pytest.fixture
def tasks_in_process():
    """Tasks queued through the outbox run in this process once their transaction
    commits (Celery's eager mode), for tests about what a task does rather than the
    broker; the relay still marks the rows sent."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


#: A port nothing listens on (tests/test_drills.py starts its servers elsewhere).
DEAD_REDIS_URL = "redis://127.0.0.1:6599/0"


class _RedisOutage:
    """Celery's broker and the cache of this process pointed at a Redis that is not
    there; ``back()`` points them at the real one again."""

    def __init__(self, settings):
        from config.celery import app

        self.app, self.settings = app, settings
        self.broker_url = app.conf.broker_url
        self.caches = settings.CACHES

    def _point(self, url: str) -> None:
        self.app.conf.broker_url = url
        self.app._pool = None  # the connection pools are rebuilt from the new URL
        self.app.amqp._producer_pool = None

    def down(self) -> None:
        self._point(DEAD_REDIS_URL)
        self.settings.CACHES = {"default": {**self.caches["default"], "LOCATION": DEAD_REDIS_URL}}

    def back(self) -> None:
        self._point(self.broker_url)
        self.settings.CACHES = self.caches


@pytest.fixture
def redis_down(settings):
    """Redis is down for this process (broker and cache); ``redis_down.back()`` ends it."""
    outage = _RedisOutage(settings)
    outage.down()
    yield outage
    outage.back()
