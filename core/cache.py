"""The Redis cache, degraded to a cache that misses while Redis is unreachable.

What the site caches (the statistics, API throttle counters) can be recomputed or
done without; an outage of Redis must not turn the pages that read it into 500s.
While Redis does not answer, reads miss, writes are dropped and a warning is logged
(at most once a minute per process, so an outage does not flood the log).
``/healthz`` reports the outage.
"""

from __future__ import annotations

import logging
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

#: Redis is down, restarting (BusyLoadingError is a ConnectionError) or not answering.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
_WARN_EVERY = 60.0
_last_warning = 0.0


def _warn(operation: str, exc: BaseException) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY:
        _last_warning = now
        log.warning("cache unavailable, %s degraded to a miss: %s", operation, exc)


def _degrade(fallback):
    """Run the cache operation; on an unreachable Redis, log and return ``fallback(...)``."""

    def decorator(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                _warn(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorator


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that misses while Redis is down."""

    get = _degrade(_default)(RedisCache.get)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    add = _degrade(lambda *a, **k: False)(RedisCache.add)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    get_many = _degrade(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _degrade(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)
    clear = _degrade(lambda *a, **k: False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            # As for a missing key: callers of incr already handle ValueError.
            _warn("incr", exc)
            raise ValueError(f"cache unavailable: {exc}") from exc
