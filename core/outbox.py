"""The transactional outbox: work that must happen is a row committed with the change.

A service that needs a task (a decision e-mail, a follower's status mail, extracting
stored posts) calls ``outbox_enqueue`` inside its transaction instead of
``transaction.on_commit(lambda: task.delay(...))``. If the change commits, so does the
row, whatever the broker is doing; if it rolls back, so does the row.

Sending is at least once:

1. after commit, ``outbox_relay`` sends the transaction's own rows to Celery and marks
   them sent. A broker that is down is logged and leaves the rows unsent; it never
   raises into the request (the change is already committed);
2. ``core.outbox_relay`` (beat, every ``OUTBOX_RELAY_SECONDS``) sends what is still
   unsent, oldest first. Two relays at once each take different rows
   (``select_for_update(skip_locked=True)``).

A relay that dies between sending and marking sends the row again later, so every
consumer is idempotent (a state check under a row lock before it acts).

Tasks are named, not imported: this module sits below the apps whose tasks it sends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat, OutboxMessage

log = logging.getLogger(__name__)

#: ``Heartbeat.name`` of the beat relay: ``/healthz`` reads beat's freshness from it.
RELAY_HEARTBEAT = "outbox-relay"
DEFAULT_RELAY_SECONDS = 30
#: Publishing from a request must not hang on a broker that is down: one quick retry
#: (a pooled connection gone stale after a Redis restart reconnects), then leave the
#: row to the beat relay.
_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def relay_interval() -> float:
    return float(getattr(settings, "OUTBOX_RELAY_SECONDS", DEFAULT_RELAY_SECONDS))


def _check_args(args: Sequence) -> list:
    """Ids only: integers, short strings, or lists of integers (a batch of ids)."""
    out = []
    for value in args:
        if isinstance(value, bool):
            raise TypeError("outbox arguments are ids, not booleans")
        if isinstance(value, int) or (isinstance(value, str) and len(value) <= 200):
            out.append(value)
        elif isinstance(value, list | tuple) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            out.append(list(value))
        else:
            raise TypeError(f"outbox arguments are ids, not {type(value).__name__}")
    return out


def outbox_enqueue(
    *,
    task: str,
    args: Sequence = (),
    dedup_key: str = "",
    priority: int | None = None,
) -> OutboxMessage | None:
    """Queue ``task(*args)`` with the current transaction; sent once it commits.

    Call inside the transaction of the change that needs the task. ``dedup_key``: while
    a row with the same key is unsent, another is not added (returns None).
    """
    return (
        outbox_enqueue_many(
            messages=[(task, args, dedup_key)],
            priority=priority,
        )
        or [None]
    )[0]


def outbox_enqueue_many(
    *,
    messages: Iterable[tuple[str, Sequence, str]],
    priority: int | None = None,
) -> list[OutboxMessage]:
    """Several ``(task, args, dedup_key)`` rows with one relay after commit; returns the
    rows added (a row whose key is already waiting unsent is left out)."""
    rows = [
        OutboxMessage(task=task, args=_check_args(args), dedup_key=key[:200], priority=priority)
        for task, args, key in messages
    ]
    keys = [row.dedup_key for row in rows if row.dedup_key]
    waiting = set(
        OutboxMessage.objects.filter(dedup_key__in=keys, sent_at__isnull=True).values_list(
            "dedup_key", flat=True
        )
        if keys
        else ()
    )
    fresh, seen = [], set()
    for row in rows:
        if row.dedup_key and (row.dedup_key in waiting or row.dedup_key in seen):
            continue
        seen.add(row.dedup_key)
        fresh.append(row)
    try:
        # One statement in a savepoint: a duplicate key must not break the caller's
        # transaction.
        with transaction.atomic():
            added = OutboxMessage.objects.bulk_create(fresh)
    except IntegrityError:
        # Another transaction queued one of these keys meanwhile: row by row.
        added = []
        for row in fresh:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            added.append(row)
    if added:
        ids = [row.pk for row in added]
        transaction.on_commit(lambda: outbox_relay(ids=ids))
    return added


def _celery_app():
    from celery import current_app

    return current_app


def _publish(app, row: OutboxMessage) -> None:
    """Hand one row to Celery (raises if the broker cannot take it)."""
    options = {} if row.priority is None else {"priority": row.priority}
    if app.conf.task_always_eager:
        # No broker (a newcomer's `make run`, some tests): run it here, as .delay would.
        task = app.tasks.get(row.task)
        if task is None:
            app.loader.import_default_modules()
            task = app.tasks[row.task]
        with transaction.atomic():  # a failing task rolls back to here, not the relay
            task.apply_async(args=row.args, **options)
        return
    # No result: nobody waits on one, and asking for it makes the result backend
    # subscribe in Redis, which retries for 20 s while Redis is down (and then gives up
    # for good), holding the request.
    app.send_task(
        row.task,
        args=row.args,
        retry_policy=_PUBLISH_RETRY_POLICY,
        ignore_result=True,
        **options,
    )


def _is_broker_error(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError as KombuOperationalError

    return isinstance(exc, KombuOperationalError | ConnectionError | TimeoutError | OSError)


def outbox_relay(*, ids: Sequence[int] | None = None, limit: int = 500) -> int:
    """Send unsent rows (those of ``ids``, or the oldest ``limit``) and mark them sent.

    Never raises: a broker or database error is logged, and the rows left unsent wait
    for the next relay. Returns how many rows were sent.
    """
    try:
        return _relay(ids=ids, limit=limit)
    except Exception:
        log.warning("outbox relay failed; unsent rows wait for the next one", exc_info=True)
        return 0


def _relay(*, ids: Sequence[int] | None, limit: int) -> int:
    app = _celery_app()
    sent = 0
    with transaction.atomic():
        rows = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
            sent_at__isnull=True
        )
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        sent_ids = []
        for row in rows.order_by("pk")[:limit]:
            try:
                _publish(app, row)
            except Exception as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                row.save(update_fields=["attempts", "last_error"])
                if _is_broker_error(exc):
                    log.warning("broker unavailable, %s left unsent: %s", row.task, exc)
                    break  # the broker is down: the rest would fail alike
                log.exception("outbox row %s (%s) could not be sent", row.pk, row.task)
                continue
            sent_ids.append(row.pk)
        if sent_ids:
            OutboxMessage.objects.filter(pk__in=sent_ids).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1
            )
            sent = len(sent_ids)
    return sent


def outbox_relay_pending(*, batch: int = 1000, seconds: float = 60.0) -> int:
    """The beat relay: send what is still unsent (``batch`` rows per transaction, for
    up to ``seconds``: a backlog piled up during a long outage drains in one run),
    record the heartbeat, and forget rows sent more than ``OUTBOX_KEEP_DAYS`` ago.
    Returns how many rows were sent."""
    heartbeat_record(name=RELAY_HEARTBEAT)
    started, sent = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        done = _relay(ids=None, limit=batch)
        sent += done
        if done < batch:
            break
    keep = timedelta(days=getattr(settings, "OUTBOX_KEEP_DAYS", 7))
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - keep).delete()
    return sent


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def outbox_unsent_args(*, ids: Sequence[int]) -> list[list]:
    """The arguments of those of rows ``ids`` still unsent (waiting for the broker)."""
    out: list[list] = []
    ids = list(ids)
    for start in range(0, len(ids), 5000):
        out += OutboxMessage.objects.filter(
            pk__in=ids[start : start + 5000], sent_at__isnull=True
        ).values_list("args", flat=True)
    return out


def outbox_backlog() -> dict:
    """Unsent rows and the age of the oldest, for ``/healthz``."""
    oldest = (
        OutboxMessage.objects.filter(sent_at__isnull=True)
        .order_by("pk")
        .values_list("created_at", flat=True)
        .first()
    )
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"unsent": unsent, "oldest_seconds": round(age, 1)}
