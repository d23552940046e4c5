"""Small helpers shared by the tests (fixtures live in conftest.py, factories in factories.py)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Hashable
from datetime import timedelta

from django.utils import timezone

from reports.models import Report


# --- Waiting for another process -------------------------------------------------------
def wait_until(
    predicate: Callable[[], bool],
    what: str,
    *,
    progress: Callable[[], Hashable] | None = None,
    stall: float = 120,
    poll: float = 0.2,
) -> None:
    """Wait until ``predicate()`` is true: for a Celery worker, a server, a queue.

    How long that takes depends on the machine's load, so there is no deadline for the
    whole wait: it fails only after ``stall`` seconds in which ``progress()`` (e.g. the
    number of posts done) has not changed, or, without ``progress``, after ``stall``
    seconds in all. Either means something is stuck, not slow.
    """
    last_seen = progress() if progress else None
    last_change = time.monotonic()
    while not predicate():
        if progress is not None:
            seen = progress()
            if seen != last_seen:
                last_seen, last_change = seen, time.monotonic()
        if time.monotonic() - last_change > stall:
            detail = f" (stuck at {last_seen!r})" if progress else ""
            raise AssertionError(f"no progress for {stall:.0f} s waiting for {what}{detail}")
        time.sleep(poll)


# --- The Celery broker (Redis) ----------------------------------------------------------
#: Kombu keeps one Redis list per queue and priority step: "extraction", "extraction\x06\x169"…
_PRIORITY_STEPS = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def broker_queue_length(*queues: str) -> int:
    """Messages waiting in the named queues (default: both of ours) of this run's broker."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    names = queues or ("celery", "extraction")
    return sum(client.llen(f"{q}{step}") for q in names for step in _PRIORITY_STEPS)


def broker_purge() -> None:
    from config.celery import app

    app.control.purge()


# --- Caches -----------------------------------------------------------------------------
def statistics_cache_forget() -> None:
    """Drop the cached statistics, and only them: the Redis database is shared with the
    Celery broker, so no ``cache.clear()``."""
    from django.conf import settings
    from django.core.cache import cache

    from research.statistics import statistics_cache_key
    from research.units import UNIT_FIGURES_KEY
    from research.views import statistics_html_key

    cache.delete_many(
        [statistics_cache_key(kursk=k) for k in (False, True)]
        + [UNIT_FIGURES_KEY]
        + [
            statistics_html_key(kursk=k, language=code)
            for k in (False, True)
            for code, _name in settings.LANGUAGES
        ]
    )


# --- Reports and pages ------------------------------------------------------------------
def age(report: Report, days: float) -> None:
    """Make ``report`` look ``days`` old to the queue."""
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


def messages_of(response) -> list[str]:
    """The django.contrib.messages a response's page shows."""
    return [str(m) for m in response.context["messages"]]


# --- A feed server ----------------------------------------------------------------------
class FeedServer:
    """A local HTTP server with programmable answers: path → (status, headers, body).

    ``with FeedServer() as server:``; ``server.requests`` lists what it was asked.
    """

    def __init__(self):
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append({"path": self.path, **dict(self.headers)})
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- Signing in -------------------------------------------------------------------------
def totp_device(user):
    """``user``'s confirmed TOTP device (made if missing), as if they had enrolled."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="tests", confirmed=True)


def totp_code(device) -> str:
    """A code ``device`` accepts now: the current time step's, or the next one's when the
    current one was used already (django-otp refuses a code twice; it allows one step of
    drift either way)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def log_in(client, user):
    """Sign ``user`` in on the Django test ``client``, as the site would after both steps:
    the password and, for moderators and admins, the code of their authenticator app (a
    confirmed TOTP device of theirs, verified in the session). Every test that signs
    someone in goes through here (browsers: ``browser_log_in``)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from core import access

    client.force_login(user)
    if access.needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def browser_log_in(page, username: str, password: str, *, next_url: str = "") -> None:
    """Sign in through the pages in Chromium, as a person does: the password, then, for
    moderators and admins, a code computed from their device (made if missing). Returns
    once the second step is done; the caller waits for the page it expects."""
    from django.contrib.auth import get_user_model

    from core import access

    user = get_user_model().objects.get(username=username)
    device = totp_device(user) if access.needs_second_factor(user) else None
    page.goto("/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.locator("[name=username]").fill(username)
    page.locator("[name=password]").fill(password)
    page.locator("main button[type=submit]").click()
    if device is not None:
        form = page.get_by_test_id("second-factor-form")
        form.wait_for()
        form.locator("[name=code]").fill(totp_code(device))
        form.locator("button[type=submit]").click()
