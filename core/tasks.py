"""Options shared by every Celery task (one style, declared once), and the tasks of the
bottom layer: the outbox relay and the sweep of the public forms' counters and keys.

Tasks take primary keys, never instances or personal data; they are acknowledged
after the work (a killed worker's task runs again elsewhere, so each is idempotent)
and have soft and hard time limits.

Transient errors (the database or a network peer stumbled) are retried with backoff,
never dropped (``TASK_OPTIONS``). A database error first holds the worker process
until the database answers again, for up to ``TASK_DATABASE_WAIT_SECONDS``: while
PostgreSQL is down a worker takes one task off the queue per wait, instead of taking
hundreds and failing each.
"""

from __future__ import annotations

import logging
import time
from smtplib import SMTPException

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)

#: Errors of the database connection itself (not of the SQL).
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

#: Transient failures worth retrying with backoff: the database or a network peer
#: stumbled, nothing is wrong with the work itself.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    *DATABASE_ERRORS,
    ConnectionError,
    TimeoutError,
)


def database_wait(*, seconds: float) -> bool:
    """Wait up to ``seconds`` for the default database to answer; True once it does."""
    deadline = time.monotonic() + seconds
    delay = 0.5
    while True:
        connection.close()  # the broken connection; the next query opens a new one
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DATABASE_ERRORS:
            pass
        if time.monotonic() + delay > deadline:
            connection.close()
            return False
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


class ResilientTask(Task):
    """The base of every task (``TASK_OPTIONS``).

    When a database error is retried (``autoretry_for``), the worker process first
    waits for the database (bounded by ``TASK_DATABASE_WAIT_SECONDS`` and half the
    task's soft time limit) and retries at once if it came back; otherwise the retry
    keeps its exponential backoff.
    """

    def retry(self, *args, exc=None, countdown=None, **kwargs):
        request = self.request
        if (
            isinstance(exc, DATABASE_ERRORS)
            and not request.called_directly
            and not request.is_eager
        ):
            wait = float(getattr(settings, "TASK_DATABASE_WAIT_SECONDS", 30))
            if self.soft_time_limit:
                wait = min(wait, self.soft_time_limit / 2)
            log.warning("%s: database unavailable (%s); waiting up to %.0f s", self.name, exc, wait)
            if database_wait(seconds=wait):
                countdown = 0
        return super().retry(*args, exc=exc, countdown=countdown, **kwargs)


#: Every task: acknowledged late, rejected (so redelivered) when its worker dies,
#: transient errors retried with backoff (5 s, 10 s, … up to 10 minutes, ~2 hours in all).
TASK_OPTIONS: dict = {
    "base": ResilientTask,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 20,
}

#: Tasks beat runs on a schedule: the next run is their retry, so a failed run is not
#: queued again (a retry per missed run would pile up while the database is down).
PERIODIC_TASK_OPTIONS: dict = {
    key: value
    for key, value in TASK_OPTIONS.items()
    if key not in ("autoretry_for", "retry_backoff", "retry_backoff_max", "retry_jitter")
}

#: Tasks that send e-mail: also retried while the mail server is down.
MAIL_TASK_OPTIONS: dict = {
    **TASK_OPTIONS,
    "ignore_result": False,
    "autoretry_for": (SMTPException, *TRANSIENT_ERRORS),
}


def time_limits(soft: int) -> dict:
    """Soft and hard time limits: the hard one a little after the soft one."""
    return {"soft_time_limit": soft, "time_limit": soft + max(30, soft // 10)}


@shared_task(name="core.outbox_relay", **PERIODIC_TASK_OPTIONS, **time_limits(120))
def outbox_relay_task() -> int:
    """Send the outbox rows still unsent (scheduled by beat every OUTBOX_RELAY_SECONDS)."""
    from .outbox import outbox_relay_pending

    return outbox_relay_pending()


@shared_task(name="core.public_forms_sweep", **PERIODIC_TASK_OPTIONS, **time_limits(120))
def public_forms_sweep_task() -> int:
    """Forget rate-limit windows that ended and old one-time form keys (hourly, beat)."""
    from .forms import form_keys_purge
    from .ratelimit import ratelimit_purge

    return ratelimit_purge() + form_keys_purge()
