"""A counter per client for the public forms: reports (``REPORT_RATE_LIMIT``) and
following a case (``FOLLOW_RATE_LIMIT``), in fixed windows; and for the API
(``core.throttles``: every endpoint, the webhook included), in sliding windows. A rate is
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
from datetime import UTC, datetime, timedelta

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


def _meta_key(header: str) -> str:
    """ "X-Forwarded-For" → "HTTP_X_FORWARDED_FOR" (a META key passes unchanged)."""
    key = header.strip().upper().replace("-", "_")
    return key if key.startswith("HTTP_") or key == "REMOTE_ADDR" else f"HTTP_{key}"


def client_ip(request) -> str:
    """The requester's address ("" if unusable), for the rate limits and moderators.

    Behind ``TRUSTED_PROXIES`` reverse proxies (0: none, the peer is the client) the
    client is the address the outermost proxy wrote into ``CLIENT_IP_HEADER``
    (``X-Forwarded-For``): counted from the right, each proxy appends the address
    it saw, so the n-th entry from the right is the one the n-th proxy wrote; what
    lies further left is the client's own say-so and never trusted.
    """
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    candidate = ""
    if proxies > 0:
        header = _meta_key(getattr(settings, "CLIENT_IP_HEADER", "X-Forwarded-For"))
        entries = [e.strip() for e in request.META.get(header, "").split(",") if e.strip()]
        if entries:
            candidate = entries[-proxies] if len(entries) >= proxies else entries[0]
    candidate = candidate or request.META.get("REMOTE_ADDR", "")
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


def _count(*, scope: str, ident: str, rate: tuple[int, int]) -> int:
    """Count one use in this window; returns the window's count. Atomic: one upsert.
    A row is kept a window past its end, for the next window's sliding estimate."""
    _limit, window = rate
    start, end = _window(window)
    end = end + timedelta(seconds=window)
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
        return cursor.fetchone()[0]


def hit(*, scope: str, ident: str, rate: tuple[int, int]) -> bool:
    """Count one use; False if it goes over the limit (a fixed window)."""
    return _count(scope=scope, ident=ident, rate=rate) <= rate[0]


def hit_sliding(*, scope: str, ident: str, rate: tuple[int, int]) -> tuple[bool, float]:
    """Count one use against a sliding window: this window's count plus the previous
    window's, weighted by how much of it the sliding window still covers. A burst
    across a window's edge is not let through twice. Returns (allowed, seconds until
    a use is allowed again when not)."""
    limit, window = rate
    count = _count(scope=scope, ident=ident, rate=rate)
    now = time.time()
    start = int(now // window) * window
    previous = (
        RateLimitHit.objects.filter(
            scope=scope[:40],
            client=_client_hash(scope, ident),
            window_start=datetime.fromtimestamp(start - window, tz=UTC),
        )
        .values_list("count", flat=True)
        .first()
        or 0
    )
    covered = 1 - (now - start) / window
    if count + previous * covered <= limit:
        return True, 0.0
    return False, max(1.0, start + window - now)


def ratelimit_purge() -> int:
    """Delete the counters of windows that have ended; returns how many."""
    deleted, _ = RateLimitHit.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
