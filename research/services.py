"""Writes of the research app: saved filters, the export lifecycle, API tokens.

Each is atomic and checks the role again (a view is not the only way in). Exports
are logged by their ``ExportJob`` rows; token changes are security events and go to
the audit log.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core import access
from core.audit import audit_record
from core.models import AuditAction
from core.outbox import outbox_enqueue

from . import exports, selectors
from .filters import filter_query
from .models import ExportFormat, ExportJob, ExportState, SavedFilter

logger = logging.getLogger(__name__)

#: Rows fetched per round trip, and how often a background export reports progress.
EXPORT_CHUNK = 2000


class ExportError(ValueError):
    """The export cannot start: an unknown format or an invalid filter."""


# --- Saved filters -----------------------------------------------------------------------
def saved_filter_create(*, owner, name: str, query_string: str) -> SavedFilter:
    """Save the filter part of ``query_string`` under ``name``; a filter of the same
    name is replaced."""
    access.role_require(owner, access.RESEARCHERS)
    saved, _created = SavedFilter.objects.update_or_create(
        owner=owner,
        name=name,
        defaults={
            "query_string": filter_query(QueryDict(query_string)),
            "created_at": timezone.now(),
        },
    )
    return saved


def saved_filter_delete(*, owner, saved_filter_id: int) -> None:
    """Delete one of ``owner``'s filters. Another's is ``SavedFilter.DoesNotExist``
    (the views answer 404: it is not even confirmed to exist)."""
    deleted, _by_model = SavedFilter.objects.filter(pk=saved_filter_id, owner=owner).delete()
    if not deleted:
        raise SavedFilter.DoesNotExist


# --- Exports -----------------------------------------------------------------------------
@dataclass(frozen=True)
class StartedExport:
    job: ExportJob
    #: A worker writes it (more than ``EXPORT_SYNC_LIMIT`` rows); otherwise the caller
    #: writes it at once with ``export_run(job_id=…, out=…)``.
    in_background: bool


def export_start(*, user, fmt: str, query_string: str) -> StartedExport:
    """Log an export of the people ``query_string`` filters, as ``user``'s role sees
    them, and decide who writes it: up to ``EXPORT_SYNC_LIMIT`` rows the caller, now;
    more a Celery worker, queued after commit. Raises ``ExportError``."""
    access.role_require(user, access.RESEARCHERS)
    if fmt not in ExportFormat.values:
        raise ExportError(f"unknown format {fmt!r}")
    query = filter_query(QueryDict(query_string))
    as_moderator = selectors.sees_hidden_people(user)
    filterset, people = selectors.filtered_people(
        params=QueryDict(query), as_moderator=as_moderator
    )
    if not filterset.is_valid():
        raise ExportError(filterset.errors.as_text())
    limit = settings.EXPORT_SYNC_LIMIT
    # Counting stops past the limit: the decision needs no more (the log keeps the total).
    in_background = people.order_by()[: limit + 1].count() > limit
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=user, format=fmt, query_string=query, as_moderator=as_moderator
        )
        if in_background:
            # The job and its task commit together (core.outbox): a broker outage
            # delays the export, never loses it.
            outbox_enqueue(task="conscripts.export", args=[job.pk], dedup_key=f"export:{job.pk}")
    return StartedExport(job=job, in_background=in_background)


def export_run(*, job_id: int, out: IO[str] | None = None) -> ExportJob | None:
    """The one lifecycle of every export: queued → running → done, or failed.

    ``out``: write there (the response of the request that asked). None: write a file
    under ``MEDIA_ROOT/exports/`` and report progress (a worker). Returns the finished
    job, or None when the job was not waiting to be written (a redelivered task that
    already ran): running it twice changes nothing. A job left running by a worker that
    died is written again from the start.
    """
    job = _export_begin(job_id=job_id)
    if job is None:
        return None
    try:
        if out is not None:
            rows, name = _export_write(job=job, out=out), ""
        else:
            rows, name = _export_write_file(job=job)
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        _export_end(job_id=job.pk, state=ExportState.FAILED, error=type(exc).__name__)
        raise
    return _export_end(job_id=job.pk, state=ExportState.DONE, rows=rows, file=name)


def _export_begin(*, job_id: int) -> ExportJob | None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_pending:
            return None
        job.state = ExportState.RUNNING
        job.save(update_fields=["state"])
    return job


def _export_end(*, job_id: int, state: str, rows: int = 0, file: str = "", error: str = ""):
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        job.state, job.finished_at, job.error = state, timezone.now(), error
        if state == ExportState.DONE:
            job.rows, job.progress, job.file = rows, 100, file
        job.save(update_fields=["state", "finished_at", "error", "rows", "progress", "file"])
    return job


def _export_write(
    *, job: ExportJob, out: IO[str], on_progress: Callable[[int], None] | None = None
) -> int:
    """Write the job's rows to ``out``; returns how many. Streams from a server-side cursor."""
    values = selectors.export_values(query_string=job.query_string, as_moderator=job.as_moderator)
    base = reverse("conscripts:detail", args=[0]).removesuffix("0/")
    rows = selectors.export_rows(
        values.iterator(chunk_size=EXPORT_CHUNK),
        as_moderator=job.as_moderator,
        url_for=lambda pk: f"{base}{pk}/",
    )
    columns = selectors.export_columns(as_moderator=job.as_moderator)
    written = 0
    for _ in exports.WRITERS[job.format](rows, out, columns=columns):
        written += 1
        if on_progress and written % EXPORT_CHUNK == 0:
            on_progress(written)
    return written


def _export_write_file(*, job: ExportJob) -> tuple[int, str]:
    """Write the job into a new file under ``MEDIA_ROOT/exports/``, reporting progress;
    the file appears under its final name only once complete."""
    total = selectors.export_values(
        query_string=job.query_string, as_moderator=job.as_moderator
    ).count()

    def on_progress(written: int) -> None:
        progress = min(99, written * 100 // total) if total else 99
        ExportJob.objects.filter(pk=job.pk).update(rows=written, progress=progress)

    directory = Path(settings.MEDIA_ROOT) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    # An unguessable name: the file is served only through the owner's download view.
    name = f"export-{job.pk}-{secrets.token_hex(8)}.{job.format}"
    partial = directory / (name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            written = _export_write(job=job, out=out, on_progress=on_progress)
        os.replace(partial, directory / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written, f"exports/{name}"


# --- API tokens --------------------------------------------------------------------------
# Behind these two functions because the way tokens are kept will change (hashed
# tokens, issue 12): views and tests never touch the Token model.
def api_token_issue(*, user) -> Token:
    """A new API token for ``user``; the old one, if any, stops working at once."""
    access.role_require(user, access.RESEARCHERS)
    with transaction.atomic():
        # One token per user: issuing twice at once must not race on the unique user.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        replaced = Token.objects.filter(user=user).delete()[0] > 0
        token = Token.objects.create(user=user)
        audit_record(action=AuditAction.API_TOKEN_ISSUE, actor=user, after={"replaced": replaced})
    return token


def api_token_revoke(*, user) -> bool:
    """Revoke ``user``'s API token; False if there was none. Open to anyone signed in:
    giving up access needs no role."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        revoked = Token.objects.filter(user=user).delete()[0] > 0
        if revoked:
            audit_record(action=AuditAction.API_TOKEN_REVOKE, actor=user)
    return revoked
