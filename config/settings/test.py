"""Tests run against the real PostgreSQL and Redis (local servers by default)."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/conscripts")


#: The REDIS_URL a test process computed and the one it counted from, as its child
#: processes inherit them.
_COMPUTED, _BASE = "TEST_REDIS_COMPUTED_URL", "TEST_REDIS_BASE_URL"


def _redis_url_for_this_process() -> str:
    """Give each pytest-xdist worker its own Redis database.

    The databases count from the one ``REDIS_URL`` names (default 0: databases 1, 2, …),
    so two checkouts testing at once on one Redis keep apart (``REDIS_URL=…/6``).
    Processes a test starts (Celery workers, manage.py) and pytest-xdist's workers
    inherit the URL computed here and count again from the same base; a test that
    gives them a REDIS_URL of its own (the drills' servers on spare ports) gets it
    counted from in the same way.
    """
    inherited = os.environ.get("REDIS_URL")
    if inherited and inherited == os.environ.get(_COMPUTED):
        inherited = os.environ[_BASE]  # computed by a parent: count again from its base
    base = inherited or "redis://127.0.0.1:6379/0"
    os.environ[_BASE] = base
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    parts = urlsplit(base)
    first = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{first + 1 + index}"))


os.environ["REDIS_URL"] = os.environ[_COMPUTED] = _redis_url_for_this_process()

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
