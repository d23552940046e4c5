"""A fixed-window counter per client in the Django cache (Redis in production).

``REPORT_RATE_LIMIT`` is "<count>/<period>", period one of second, minute,
hour, day (e.g. "5/hour", the default).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

DEFAULT_REPORT_RATE = "5/hour"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/hour" → (5, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1].lower()]


def report_rate() -> tuple[int, int]:
    return parse_rate(getattr(settings, "REPORT_RATE_LIMIT", DEFAULT_REPORT_RATE))


def _key(scope: str, ident: str, window: int) -> str:
    # The address is hashed: the cache need not hold who submitted.
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{int(time.time() // window)}"


def is_limited(*, scope: str, ident: str, rate: tuple[int, int]) -> bool:
    """True if ``ident`` already used up this window's allowance (does not count)."""
    limit, window = rate
    return (cache.get(_key(scope, ident, window)) or 0) >= limit


def hit(*, scope: str, ident: str, rate: tuple[int, int]) -> bool:
    """Count one use; False if it goes over the limit. Atomic on Redis."""
    limit, window = rate
    key = _key(scope, ident, window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit
