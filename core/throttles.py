"""API throttles (Django REST framework) that count in PostgreSQL (``core.ratelimit``).

Every API view is throttled (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``): anonymous
callers per client address, authenticated ones per token (per user when they come
with a session), the ingest webhook per source. Rates are read per request from
``API_THROTTLE_RATES`` (``API_ANON_RATE``, ``API_USER_RATE``, ``API_INGEST_RATE``).
Counting in the database rather than in Redis means a Redis outage neither fails the
API nor lifts its limits, as with the forms.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from . import ratelimit


class RateLimitThrottle(BaseThrottle):
    """One rate (``API_THROTTLE_RATES[scope]``) per caller, in a sliding window."""

    scope = ""

    def __init__(self) -> None:
        self._wait: float | None = None

    def ident_for(self, request) -> str | None:
        """Whom to count; None: this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = settings.API_THROTTLE_RATES.get(self.scope)
        ident = self.ident_for(request) if rate else None
        if ident is None:
            return True
        allowed, wait = ratelimit.hit_sliding(
            scope=f"api-{self.scope}", ident=ident, rate=ratelimit.parse_rate(rate)
        )
        self._wait = wait
        return allowed

    def wait(self) -> float | None:
        return self._wait


def _token_ident(request) -> str | None:
    """The token a request came with, as a stable key (core.ratelimit stores only a
    hash of it)."""
    auth = request.auth
    if auth is None:
        return None
    pk = getattr(auth, "pk", None) or getattr(auth, "token_key", None)
    return f"{type(auth).__name__}:{pk}" if pk is not None else None


class AnonThrottle(RateLimitThrottle):
    """Callers with no account, per client address (``core.ratelimit.client_ip``)."""

    scope = "anon"

    def ident_for(self, request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        if _token_ident(request) is not None:  # a machine token (the webhook's)
            return None
        return ratelimit.client_ip(request) or "unknown"


class UserThrottle(RateLimitThrottle):
    """Signed-in callers: per token, or per user when they come with a session."""

    scope = "user"

    def ident_for(self, request) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return _token_ident(request) or f"user:{request.user.pk}"


class IngestThrottle(RateLimitThrottle):
    """The ingest webhook, per source (its token)."""

    scope = "ingest"

    def ident_for(self, request) -> str | None:
        return _token_ident(request)


def count_refused_caller(request) -> bool:
    """Count a request whose credentials were refused against the anonymous rate, by
    client address; False when that address is over it. Authentication runs before
    the throttles, so guessed tokens would otherwise never be counted."""
    rate = settings.API_THROTTLE_RATES.get("anon")
    if not rate:
        return True
    allowed, _wait = ratelimit.hit_sliding(
        scope="api-anon",
        ident=ratelimit.client_ip(request) or "unknown",
        rate=ratelimit.parse_rate(rate),
    )
    return allowed
