"""What ``/healthz`` reports: each dependency, checked quickly, none allowed to raise.

The site is up when the database answers: without it nothing works (503). The rest
degrades it: without Redis the cache misses and tasks wait in the outbox; a growing
outbox backlog or a stale beat heartbeat means queued work is not going out.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .models import Heartbeat
from .outbox import RELAY_HEARTBEAT, outbox_backlog, relay_interval

#: The outbox or beat is behind when its oldest unsent row, or beat's last run, is
#: older than this many relay intervals.
_INTERVALS_LATE = 3


def _timed(check) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = check() or {}
        ok = result.pop("ok", True)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1), **result}


def check_database() -> dict[str, Any]:
    def probe() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    result = _timed(probe)
    if not result["ok"]:
        connection.close()  # a broken connection must not be reused by the next request
    return result


def check_cache() -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        client = getattr(cache, "_cache", None)
        if client is None or not hasattr(client, "get_client"):
            return {"backend": type(cache).__name__}  # in-process: nothing to reach
        # Straight to Redis: the cache itself hides an outage as misses (core.cache).
        client.get_client(write=True).ping()
        return None

    return _timed(probe)


def check_broker() -> dict[str, Any]:
    from celery import current_app

    def probe() -> dict[str, Any] | None:
        if current_app.conf.task_always_eager:
            return {"eager": True}  # no broker: tasks run in the web process
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
        return None

    return _timed(probe)


def check_outbox() -> dict[str, Any]:
    def probe() -> dict[str, Any]:
        backlog = outbox_backlog()
        return {"ok": backlog["oldest_seconds"] <= _INTERVALS_LATE * relay_interval(), **backlog}

    return _timed(probe)


def check_beat() -> dict[str, Any]:
    from celery import current_app

    def probe() -> dict[str, Any]:
        if current_app.conf.task_always_eager:
            return {"eager": True}
        last = Heartbeat.objects.filter(name=RELAY_HEARTBEAT).values_list("at", flat=True).first()
        if last is None:
            return {"ok": False, "last_run_seconds_ago": None}
        age = (timezone.now() - last).total_seconds()
        return {
            "ok": age <= _INTERVALS_LATE * relay_interval(),
            "last_run_seconds_ago": round(age, 1),
        }

    return _timed(probe)


def health() -> tuple[dict[str, Any], bool]:
    """The report and whether the database answered. Status: "ok", "degraded" (the
    database answers, something else does not) or "down"."""
    checks = {"database": check_database()}
    database_up = checks["database"]["ok"]
    checks["cache"] = check_cache()
    checks["broker"] = check_broker()
    if database_up:
        checks["outbox"] = check_outbox()
        checks["beat"] = check_beat()
    if not database_up:
        status = "down"
    elif all(check["ok"] for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, "checks": checks, "time": timezone.now().isoformat()}, database_up
