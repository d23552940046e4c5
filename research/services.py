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
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from knox.models import AuthToken

from conscripts.models import KURSK_WINDOW_START, Region
from core import access
from core.audit import audit_record
from core.models import AuditAction
from core.outbox import outbox_enqueue

from . import exports, selectors, snapshots
from .filters import filter_query
from .models import (
    ExportFormat,
    ExportJob,
    ExportState,
    FiguresSnapshot,
    FiguresSnapshotState,
    SavedFilter,
)

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


def export_files_purge() -> int:
    """Delete the files of exports past ``EXPORT_KEEP_DAYS`` (beat, hourly); the log rows
    stay, without their file. Returns how many files went."""
    cutoff = timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS)
    purged = 0
    for job in ExportJob.objects.filter(created_at__lte=cutoff).exclude(file="").only("file"):
        (Path(settings.MEDIA_ROOT) / job.file.name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        purged += 1
    return purged


# --- API tokens --------------------------------------------------------------------------
# Hashed (django-rest-knox keeps a SHA-512 digest and the first characters), expiring
# (REST_KNOX TOKEN_TTL, API_TOKEN_DAYS) and shown once: only ``api_token_issue``'s answer
# holds the token itself. Views and tests never touch the AuthToken model.
@dataclass(frozen=True)
class IssuedToken:
    #: The token to send as ``Authorization: Token <key>``; nowhere else, ever.
    key: str
    record: AuthToken


def api_token_issue(*, user) -> IssuedToken:
    """A new API token for ``user``; the old one, if any, stops working at once."""
    access.role_require(user, access.RESEARCHERS)
    with transaction.atomic():
        # One token per user: issuing twice at once must not race.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        replaced = AuthToken.objects.filter(user=user).delete()[0] > 0
        record, key = AuthToken.objects.create(user=user)
        audit_record(
            action=AuditAction.API_TOKEN_ISSUE,
            actor=user,
            after={"replaced": replaced, "expires": record.expiry.isoformat()},
        )
    return IssuedToken(key=key, record=record)


def api_token_revoke(*, user, reason: str = "") -> bool:
    """Revoke ``user``'s API token; False if there was none. Open to anyone signed in:
    giving up access needs no role. ``reason``: why, when it is not the user's choice
    (``"role"``: they are no researcher any more)."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        revoked = AuthToken.objects.filter(user=user).delete()[0] > 0
        if revoked:
            audit_record(
                action=AuditAction.API_TOKEN_REVOKE,
                actor=user,
                after={"reason": reason} if reason else None,
            )
    return revoked


def api_tokens_purge() -> int:
    """Delete expired tokens and those of users who are no researchers any more (beat,
    hourly; authentication refuses both already). Returns how many went."""
    expired = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()[0]
    revoked = 0
    holders = get_user_model().objects.filter(auth_token_set__isnull=False).distinct()
    for user in holders:
        if not access.is_researcher(user) and api_token_revoke(user=user, reason="role"):
            revoked += 1
    return expired + revoked


# --- Published figures -------------------------------------------------------------------
FIGURES_DIR = "figures"
#: Serialises publications (PostgreSQL advisory lock key): each compares with the last.
_FIGURES_LOCK = 0x46494755  # "FIGU"


def figures_snapshot_request(*, user, note: str = "") -> FiguresSnapshot:
    """Ask for «the figures as of now» to be published. A worker writes them
    (``figures_snapshot_write``, queued with this transaction through ``core.outbox``):
    one pass over a million people takes a minute, longer than a request may."""
    access.role_require(user, access.MODERATORS)
    with transaction.atomic():
        snapshot = FiguresSnapshot.objects.create(requested_by=user, note=note.strip())
        outbox_enqueue(
            task="research.figures_snapshot_write",
            args=[snapshot.pk],
            dedup_key=f"figures:{snapshot.pk}",
        )
    return snapshot


def _method_texts() -> dict[str, str]:
    """The method page's text as it reads now, in each language, to keep with the figures."""
    texts = {}
    for language in ("ru", "en"):
        with translation.override(language):
            texts[language] = render_to_string(
                "research/_method_body.html", {"kursk_start": KURSK_WINDOW_START}
            ).strip()
    return texts


def _figures_path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def figures_snapshot_write(*, snapshot_id: int) -> FiguresSnapshot | None:
    """Write and publish a requested snapshot: the file of public records, the counts of
    exactly those records, what changed since the last published snapshot, the method
    text in force, and an audit row, in one transaction. Returns None when the snapshot
    is not waiting (a redelivered task): running it twice changes nothing.

    Publications are serialised, so each compares with the one before it.
    """
    directory = Path(settings.MEDIA_ROOT) / FIGURES_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path: Path | None = None
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FIGURES_LOCK])
            snapshot = FiguresSnapshot.objects.select_for_update().filter(pk=snapshot_id).first()
            if snapshot is None or snapshot.state != FiguresSnapshotState.PENDING:
                return None
            previous = (
                FiguresSnapshot.objects.filter(state=FiguresSnapshotState.PUBLISHED)
                .order_by("-published_at", "-pk")
                .first()
            )
            previous_path = _figures_path(previous.file) if previous and previous.file else None
            if previous_path is not None and not previous_path.is_file():
                previous_path = None
            name = f"{FIGURES_DIR}/figures-{snapshot.pk}-{secrets.token_hex(8)}.csv"
            path = _figures_path(name)
            base = reverse("conscripts:detail", args=[0]).removesuffix("0/")
            published_at = timezone.now()
            written = snapshots.write_snapshot_file(
                path=path, previous_path=previous_path, url_for=lambda pk: f"{base}{pk}/"
            )
            names_en = dict(Region.objects.values_list("code", "name_en"))
            data = written.tally.as_data(names_en)
            data["changes"] = written.changes.as_data() if written.changes else None
            methods = _method_texts()
            snapshot.state = FiguresSnapshotState.PUBLISHED
            snapshot.published_at = published_at
            snapshot.previous = previous
            snapshot.data = data
            snapshot.method_ru, snapshot.method_en = methods["ru"], methods["en"]
            snapshot.file, snapshot.sha256, snapshot.rows = name, written.sha256, written.rows
            snapshot.save()
            audit_record(
                action=AuditAction.FIGURES_PUBLISH,
                actor=snapshot.requested_by,
                after={
                    "snapshot": snapshot.pk,
                    "previous": previous.pk if previous else None,
                    "records": written.rows,
                    "sha256": written.sha256,
                },
            )
    except Exception as exc:
        if path is not None:
            path.unlink(missing_ok=True)
        logger.exception("figures snapshot %s failed", snapshot_id)
        FiguresSnapshot.objects.filter(pk=snapshot_id, state=FiguresSnapshotState.PENDING).update(
            state=FiguresSnapshotState.FAILED, error=type(exc).__name__
        )
        raise
    return snapshot
