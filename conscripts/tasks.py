"""Background exports: large filtered exports are written by a worker, not a request."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.tasks import MAIL_TASK_OPTIONS, PERIODIC_TASK_OPTIONS, TASK_OPTIONS, time_limits

from . import exports, research, services
from .models import ExportJob, ExportState

logger = logging.getLogger(__name__)

CHUNK = 2000


def export_write(*, job: ExportJob, out, on_progress=None) -> int:
    """Write the job's rows to ``out``; returns how many. Streams from a server-side cursor."""
    values = research.export_values(query_string=job.query_string, as_moderator=job.as_moderator)
    columns = exports.columns_for(as_moderator=job.as_moderator)
    base = reverse("conscripts:detail", args=[0]).removesuffix("0/")
    rows = (
        exports.export_row(v, as_moderator=job.as_moderator, url_for=lambda pk: f"{base}{pk}/")
        for v in values.iterator(chunk_size=CHUNK)
    )
    written = 0
    for _ in exports.WRITERS[job.format](rows, out, columns=columns):
        written += 1
        if on_progress and written % CHUNK == 0:
            on_progress(written)
    return written


@shared_task(name="conscripts.export", **TASK_OPTIONS, **time_limits(1800))
def export_task(job_id: int) -> None:
    """Write a queued export to MEDIA_ROOT/exports/. Running it twice changes nothing."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in (ExportState.QUEUED, ExportState.RUNNING):
            return
        job.state = ExportState.RUNNING
        job.save(update_fields=["state"])
    total = research.export_values(
        query_string=job.query_string, as_moderator=job.as_moderator
    ).count()

    def on_progress(written: int) -> None:
        progress = min(99, written * 100 // total) if total else 99
        ExportJob.objects.filter(pk=job.pk).update(rows=written, progress=progress)

    directory = Path(settings.MEDIA_ROOT) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    name = f"export-{job.pk}-{secrets.token_hex(8)}.{job.format}"
    partial = directory / (name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            written = export_write(job=job, out=out, on_progress=on_progress)
        os.replace(partial, directory / name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, error=type(exc).__name__, finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE,
        rows=written,
        progress=100,
        file=f"exports/{name}",
        finished_at=timezone.now(),
    )


@shared_task(name="conscripts.statistics_refresh", **PERIODIC_TASK_OPTIONS, **time_limits(120))
def statistics_refresh_task() -> None:
    """Recompute the public statistics into the cache (scheduled by beat)."""
    for kursk in (False, True):
        research.statistics(kursk=kursk, refresh=True)


# --- Relatives following a case (conscripts.services.follow_request) ---------------------
# Ids only: the addresses stay in the database, out of the broker and its logs.
@shared_task(name="conscripts.follow_confirmation", **MAIL_TASK_OPTIONS, **time_limits(30))
def follow_confirmation_task(follower_id: int) -> bool:
    """Mail the confirmation link a follower asked for (once per request)."""
    return services.follow_confirmation_send(follower_id=follower_id)


@shared_task(name="conscripts.notify_followers", **MAIL_TASK_OPTIONS, **time_limits(120))
def notify_followers_task(change_id: int) -> int:
    """E-mail a status change to the person's confirmed followers (once per address)."""
    return services.followers_notify(change_id=change_id)


@shared_task(
    name="conscripts.followers_purge_unconfirmed", **PERIODIC_TASK_OPTIONS, **time_limits(300)
)
def followers_purge_unconfirmed_task() -> int:
    """Forget unconfirmed addresses whose link expired (scheduled daily by beat)."""
    return services.followers_purge_unconfirmed()
