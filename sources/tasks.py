"""Background ingestion. Tasks take primary keys only and are safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app, shared_task
from celery.signals import worker_process_init

from core.tasks import PERIODIC_TASK_OPTIONS, TASK_OPTIONS, TRANSIENT_ERRORS, time_limits

from . import fetching, services
from .models import Source

log = logging.getLogger(__name__)

#: Redis serves priority 0 (the default) first and 9 last.
EXTRACT_PRIORITY = 9


@shared_task(
    name="sources.fetch_source",
    **{
        **TASK_OPTIONS,
        "autoretry_for": (fetching.FetchTransientError, *TRANSIENT_ERRORS),
        "retry_backoff": 30,
        "retry_backoff_max": 900,
        "max_retries": 5,
    },
    **time_limits(120),
)
def fetch_source_task(source_id: int) -> None:
    """Poll one source and enqueue extraction of its new posts."""
    source = Source.objects.filter(pk=source_id, enabled=True).first()
    if source is None:
        return
    try:
        result = services.source_poll(source=source)
    except (fetching.FetchTransientError, *TRANSIENT_ERRORS):
        raise
    except Exception as exc:
        # Permanent: recorded on the source (last_error) for moderators; no retry.
        log.warning("source %s: %s", source_id, exc)
        return
    log.info("source %s: %s", source_id, result.stats.summary())


@shared_task(name="sources.extract_item", **TASK_OPTIONS, **time_limits(60))
def extract_item_task(item_id: int) -> int:
    """Extract one post into reports; a post no longer ``new`` is skipped."""
    return services.item_extract(item_id=item_id)


@shared_task(name="sources.extract_items", **TASK_OPTIONS, **time_limits(300))
def extract_items_task(item_ids: list[int]) -> int:
    """``extract_item_task`` for a few posts, in one transaction (``items_extract``): a
    worker killed half-way leaves them ``new`` for the redelivery or the sweeper."""
    return services.items_extract(item_ids=item_ids)


def consumes_extraction(app) -> bool:
    """Whether this worker takes extraction tasks (its ``-Q`` includes their queue).

    Valid in a worker and in its pool processes: the worker selects its queues before
    it forks them.
    """
    queue = app.amqp.router.route({}, extract_items_task.name)["queue"]
    return queue.name in app.amqp.queues.consume_from


@worker_process_init.connect
def _load_extraction_models(**_kwargs) -> None:
    # Load natasha (~110 MB) once per process of a worker that extracts, not inside the
    # first task's time limit. Workers on the other queues (e-mail, statistics, exports,
    # polling) never import it; ``extract`` would load it on first use anyway.
    if not consumes_extraction(current_app):
        return
    from .extraction import load_models

    load_models()


@shared_task(name="sources.poll_due_sources", **PERIODIC_TASK_OPTIONS, **time_limits(30))
def poll_due_sources() -> int:
    """Run every minute by beat: enqueue every enabled source whose interval has passed."""
    due = services.sources_due()
    for source in due:
        fetch_source_task.delay(source.pk)
    return len(due)


@shared_task(name="sources.requeue_stale_items", **PERIODIC_TASK_OPTIONS, **time_limits(60))
def requeue_stale_items(older_than_seconds: int | None = None) -> int:
    """The sweeper: re-enqueue posts left ``new`` (e.g. their worker was killed)."""
    older = None if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    return services.items_requeue_stale(older_than=older)


@shared_task(name="sources.pasted_list_match", **TASK_OPTIONS, **time_limits(600))
def pasted_list_match_task(list_id: int) -> None:
    """Match a long pasted list of names against the record."""
    from .lists import pasted_list_match

    pasted_list_match(list_id=list_id)


@shared_task(name="sources.pasted_list_extract", **TASK_OPTIONS, **time_limits(600))
def pasted_list_extract_task(list_id: int) -> None:
    """Extract the names of a pasted announcement, then match them (on the extraction
    queue: natasha lives there)."""
    from .lists import pasted_list_match

    pasted_list_match(list_id=list_id)
