"""Reads from a PostgreSQL streaming replica, when one is configured.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database alias, this
router and this middleware. Reads of the research app's pages, the API and the statistics
(GET and HEAD requests to views of ``research``, and the scheduled statistics refresh) go
to the replica; everything else, and every write, goes to the primary (``default``).

A replica lags a little behind the primary, so whoever has just written reads from the
primary:

- in the same request or task, every read after the first write (or inside a transaction)
  goes to the primary;
- in the same browser session, a request that wrote, or was not a GET/HEAD, sets a cookie
  that sends the next ``DATABASE_REPLICA_PIN_SECONDS`` of that client's requests to the
  primary (a researcher who saves a filter sees it on the next page).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
SAFE_METHODS = ("GET", "HEAD")
#: Apps whose GET views may read from the replica.
REPLICA_APPS = ("research",)


@dataclass
class _Reads:
    replica: bool = False  # may this request or task read from the replica?
    wrote: bool = False  # has it written (or asked to)?


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "replica_reads", default=None
)


def _replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reading_from_replica() -> bool:
    """Whether a read made now would go to the replica."""
    reads = _reads.get()
    return bool(
        reads is not None
        and reads.replica
        and not reads.wrote
        and _replica_configured()
        and not connections["default"].in_atomic_block
    )


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may go to the replica, until its first write (for tasks)."""
    token = _reads.set(_Reads(replica=True))
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    """Reads to the replica when ``reading_from_replica()``; writes always to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if reading_from_replica() else None

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True  # read your own writes: the primary from here on
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, whichever copy an object was read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Decides per request whether its reads may go to the replica (see the module)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        reads = _Reads()
        pinned = request.COOKIES.get(PIN_COOKIE) == "1" or request.method not in SAFE_METHODS
        request._replica_pinned = pinned
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if reads.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reads = _reads.get()
        if reads is not None and not request._replica_pinned:
            module = getattr(view_func, "__module__", "") or ""
            reads.replica = module.split(".")[0] in REPLICA_APPS
