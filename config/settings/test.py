"""Tests run against the real PostgreSQL and Redis (local servers by default)."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/conscripts")


def _redis_url_for_this_process() -> str:
    """Give each pytest-xdist worker its own Redis database.

    Workers started by a test inherit ``PYTEST_XDIST_WORKER`` and so land on
    the same database as the test that started them, never on another's. The
    databases counted from the one ``REDIS_URL`` names (default 0: databases 1, 2, …),
    so two checkouts testing at once on one Redis keep apart (``REDIS_URL=…/6``).
    """
    # Kept for the processes this one starts: they inherit the REDIS_URL computed here,
    # which must not be offset a second time.
    base = os.environ.setdefault(
        "TEST_REDIS_BASE_URL", os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    parts = urlsplit(base)
    first = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{first + 1 + index}"))


os.environ["REDIS_URL"] = _redis_url_for_this_process()

from .base import *  # noqa: E402, F403
from .base import LOGGING, REDIS_CACHE, REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker process started by a test writes its mail to files the test reads
# (TEST_EMAIL_FILE_PATH); the test process itself keeps it in memory (mailoutbox).
if os.environ.get("TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks go to the real Redis broker; tests that need them processed start a
# real worker (tests/conftest.py: celery_worker_process).
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": {**REDIS_CACHE, "LOCATION": REDIS_URL}}
LOGGING["root"]["level"] = "WARNING"
