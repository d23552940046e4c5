"""A fixed-window counter per client in the Django cache (Redis in production),
for the public forms: reports (``REPORT_RATE_LIMIT``) and following a case
(``FOLLOW_RATE_LIMIT``). A rate is "<count>/<period>", period one of second,
minute, hour, day (e.g. "5/hour").
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache

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
