"""A fixed-window counter per client for the public forms: reports
(``REPORT_RATE_LIMIT``) and following a case (``FOLLOW_RATE_LIMIT``). A rate is
"<count>/<period>", period one of second, minute, hour, day (e.g. "5/hour").

Counted in PostgreSQL (``RateLimitHit``, one upsert per counted post), not in the
cache: with the counter in Redis, a Redis outage turned 36 of 112 report posts into
500s and lost what relatives had typed. The forms store their result in PostgreSQL
anyway, so counting there adds no dependency, and an outage of Redis neither fails
the form nor lifts the limit (failing open would have let a spam wave through while
Redis is down). Finished windows are swept hourly (``core.public_forms_sweep``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import RateLimitHit

DEFAULT_REPORT_RATE = "5/hour"
DEFAULT_FOLLOW_RATE = "10/hour"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/hour" → (5, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1].lower()]


def report_rate() -> tuple[int, int]:
    return parse_rate(getattr(settings, "REPORT_RATE_LIMIT", DEFAULT_REPORT_RATE))


def follow_rate() -> tuple[int, int]:
    return parse_rate(getattr(settings, "FOLLOW_RATE_LIMIT", DEFAULT_FOLLOW_RATE))


def watch_rate() -> tuple[int, int]:
    return parse_rate(getattr(settings, "WATCH_RATE_LIMIT", DEFAULT_FOLLOW_RATE))


def client_ip(request) -> str:
    """The requester's address ("" if unusable), for the rate limits and moderators.

    Behind a reverse proxy every request comes from the proxy, so set
    ``REPORT_CLIENT_IP_HEADER`` (e.g. "HTTP_X_FORWARDED_FOR"); the last entry
    is the one the trusted proxy appended, the others are the client's say-so.
    """
    header = getattr(settings, "REPORT_CLIENT_IP_HEADER", "")
    forwarded = request.META.get(header, "") if header else ""
    candidate = forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""


def _client_hash(scope: str, ident: str) -> str:
    # The address is hashed: the table need not hold who submitted.
    return hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]


def _window(window: int) -> tuple[datetime, datetime]:
    start = int(time.time() // window) * window
    return datetime.fromtimestamp(start, tz=UTC), datetime.fromtimestamp(start + window, tz=UTC)


def is_limited(*, scope: str, ident: str, rate: tuple[int, int]) -> bool:
    """True if ``ident`` already used up this window's allowance (does not count)."""
    limit, window = rate
    start, _end = _window(window)
    count = (
        RateLimitHit.objects.filter(
            scope=scope, client=_client_hash(scope, ident), window_start=start
        )
        .values_list("count", flat=True)
        .first()
    )
    return (count or 0) >= limit


def hit(*, scope: str, ident: str, rate: tuple[int, int]) -> bool:
    """Count one use; False if it goes over the limit. Atomic: one upsert."""
    limit, window = rate
    start, end = _window(window)
    table = connection.ops.quote_name(RateLimitHit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, client, window_start, expires_at, count) "  # noqa: S608 (our own table name)
            "VALUES (%s, %s, %s, %s, 1) "
            "ON CONFLICT (scope, client, window_start) "
            f"DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [
                scope[:40],
                _client_hash(scope, ident),
                connection.ops.adapt_datetimefield_value(start),
                connection.ops.adapt_datetimefield_value(end),
            ],
        )
        count = cursor.fetchone()[0]
    return count <= limit


def ratelimit_purge() -> int:
    """Delete the counters of windows that have ended; returns how many."""
    deleted, _ = RateLimitHit.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
