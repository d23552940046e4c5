"""Writes of the ingestion pipeline: store posts, extract them into reports, poll sources.

Pipeline (each step idempotent, so a task that runs twice changes nothing):

1. ``source_ingest`` parses a document with ``sources.adapters`` and stores every post
   as a ``SourceItem`` (``bulk_create(ignore_conflicts=True)`` on the unique
   ``(source, external_id)``; a per-call ``ingest_batch`` tells the rows this call
   inserted from ones already there). Malformed posts are stored as ``failed`` with
   their reason. After commit, one ``extract_item_task`` per new post is enqueued.
2. ``item_extract`` runs ``sources.extraction.extract`` on a ``new`` post outside any
   transaction, then, with the post's row locked and its state checked again, creates
   one ``Report`` per person (``origin_ref = "<kind>:<source>:<external id>#<n>"``,
   unique in the database) and marks the post ``extracted``, all in one transaction.
3. ``items_requeue_stale`` re-enqueues posts still ``new`` after a while: the sweeper
   that recovers work whose worker died (the broker redelivers unacknowledged
   messages only after its visibility timeout, an hour by default).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from conscripts.models import Region
from reports.models import Origin
from reports.services import report_submit

from . import adapters, fetching
from .models import ItemState, Source, SourceItem, SourceKind
from .redaction import redact

log = logging.getLogger(__name__)

_STORE_BATCH = 500


@dataclass
class IngestStats:
    read: int = 0
    new: int = 0
    duplicate: int = 0
    failed: int = 0
    reports_created: int = 0
    not_modified: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"read {self.read} / new {self.new} / duplicate {self.duplicate} / "
            f"failed {self.failed} / reports created {self.reports_created}"
        )


@dataclass
class StoreResult:
    stats: IngestStats
    new_item_ids: list[int]  # stored as ``new``: to extract
    bad: list[adapters.BadItem] = field(default_factory=list)  # unreadable in this document
    columns: dict[str, str] = field(default_factory=dict)  # CSV: field → header read
    ignored: list[str] = field(default_factory=list)  # CSV: headers not used


# --- sources --------------------------------------------------------------------------------


def source_get_or_create(*, name: str, kind: str, location: str = "") -> Source:
    source, _ = Source.objects.get_or_create(
        name=name, defaults={"kind": kind, "location": location}
    )
    if source.kind != kind:
        raise ValidationError(f"Source {name!r} is a {source.kind} source, not {kind}.")
    return source


def source_rotate_webhook_token(*, source: Source) -> str:
    """Give ``source`` a new webhook token and return it (shown once; only a hash is kept)."""
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        token = source.new_webhook_token()
        source.save(update_fields=["webhook_token_hash"])
    return token


def source_by_webhook_token(token: str) -> Source | None:
    if not token:
        return None
    from .models import hash_token

    return Source.objects.filter(
        webhook_token_hash=hash_token(token), kind=SourceKind.WEBHOOK, enabled=True
    ).first()


# --- storing posts --------------------------------------------------------------------------


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def items_store(*, source: Source, parsed: adapters.ParseResult) -> StoreResult:
    """Store parsed posts; existing ``(source, external_id)`` pairs are left untouched.

    Safe to run concurrently with itself on the same source: the database's unique
    constraint decides which call inserts a row, and only that call reports it as new.
    """
    batch = uuid.uuid4()
    now = timezone.now()
    rows: dict[str, SourceItem] = {}
    for item in parsed.items:
        rows.setdefault(
            item.external_id,
            SourceItem(
                source=source,
                external_id=item.external_id,
                url=item.url,
                author=item.author,
                published_at=item.published_at,
                raw=item.raw,
                text=item.text,
                text_sha256=_sha(item.text),
                links=item.links,
                ingest_batch=batch,
                created_at=now,
            ),
        )
    failed_ids = set()
    for bad in parsed.bad:
        if bad.external_id in rows:
            continue
        failed_ids.add(bad.external_id)
        rows[bad.external_id] = SourceItem(
            source=source,
            external_id=bad.external_id,
            raw=bad.raw,
            state=ItemState.FAILED,
            failure_reason=bad.reason[:1000],
            ingest_batch=batch,
            created_at=now,
            processed_at=now,
        )
    objs = list(rows.values())
    for start in range(0, len(objs), _STORE_BATCH):
        SourceItem.objects.bulk_create(objs[start : start + _STORE_BATCH], ignore_conflicts=True)
    inserted = list(
        SourceItem.objects.filter(source=source, ingest_batch=batch).values_list(
            "pk", "external_id", "state"
        )
    )
    stats = IngestStats(
        read=parsed.read,
        new=sum(1 for _, ext, _ in inserted if ext not in failed_ids),
        failed=sum(1 for _, ext, _ in inserted if ext in failed_ids),
    )
    stats.duplicate = stats.read - stats.new - stats.failed
    new_ids = sorted(pk for pk, _, state in inserted if state == ItemState.NEW)
    return StoreResult(
        stats=stats,
        new_item_ids=new_ids,
        bad=parsed.bad,
        columns=parsed.columns,
        ignored=parsed.ignored,
    )


def _enqueue_extraction(item_ids: list[int]) -> None:
    from .tasks import EXTRACT_PRIORITY, extract_item_task, extract_items_task

    size = settings.SOURCES_EXTRACT_BATCH
    chunks = [item_ids[i : i + size] for i in range(0, len(item_ids), size)]

    def send() -> None:
        # Lowest priority: a 10,000-post backfill must not hold up other tasks
        # (submitter e-mails, pings) queued behind it. Posts go in small batches: one
        # message per post cost as much broker time as the extraction itself.
        for chunk in chunks:
            if len(chunk) == 1:
                extract_item_task.apply_async((chunk[0],), priority=EXTRACT_PRIORITY)
            else:
                extract_items_task.apply_async((chunk,), priority=EXTRACT_PRIORITY)

    transaction.on_commit(send)


def source_ingest(
    *,
    source: Source,
    data: bytes | str,
    enqueue: bool = True,
    cursor_update: dict[str, Any] | None = None,
) -> StoreResult:
    """Parse ``data`` as ``source.kind``, store the posts and (after commit) enqueue them.

    A document that is not in the format at all raises ``adapters.SourceFormatError``
    and is recorded as the source's last error.
    """
    try:
        parsed = adapters.parse(source.kind, data, base_url=source.base_url)
    except adapters.SourceFormatError as exc:
        source_record_run(source=source, stats=IngestStats(), error=str(exc))
        raise
    with transaction.atomic():
        result = items_store(source=source, parsed=parsed)
        source_record_run(
            source=source,
            stats=result.stats,
            cursor_update={**parsed.cursor, **(cursor_update or {})},
        )
        if enqueue and result.new_item_ids:
            _enqueue_extraction(result.new_item_ids)
    return result


def source_record_run(
    *,
    source: Source,
    stats: IngestStats,
    error: str = "",
    cursor_update: dict[str, Any] | None = None,
) -> None:
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        locked.last_run_at = timezone.now()
        locked.last_run_stats = stats.as_dict()
        locked.last_error = error[:2000]
        if cursor_update:
            cursor = dict(locked.cursor)
            for key, value in cursor_update.items():
                old = cursor.get(key)
                # Ids and dates only move forward: a concurrent older run must not rewind.
                if key in ("last_id", "last_published_at") and old is not None:
                    with contextlib.suppress(TypeError):
                        value = max(old, value)
                cursor[key] = value
            locked.cursor = cursor
        locked.save(update_fields=["last_run_at", "last_run_stats", "last_error", "cursor"])
    source.last_run_at, source.last_run_stats = locked.last_run_at, locked.last_run_stats
    source.last_error, source.cursor = locked.last_error, locked.cursor


def source_ingest_file(*, source: Source, path: str | Path, enqueue: bool = True) -> StoreResult:
    return source_ingest(source=source, data=Path(path).read_bytes(), enqueue=enqueue)


def fetch_limits(source: Source) -> fetching.Limits:
    return fetching.Limits(
        allowed_hosts=tuple(source.allowed_hosts or ()),
        connect_timeout=settings.SOURCES_FETCH_CONNECT_TIMEOUT,
        read_timeout=settings.SOURCES_FETCH_READ_TIMEOUT,
        max_bytes=settings.SOURCES_FETCH_MAX_BYTES,
        allow_private=settings.SOURCES_ALLOW_PRIVATE_ADDRESSES,
    )


def source_poll(*, source: Source) -> StoreResult:
    """Fetch ``source.location`` (conditional GET from the cursor's validators) and ingest.

    ``fetching.FetchTransientError`` propagates so the task can retry; a permanent
    fetch error is recorded on the source and re-raised.
    """
    if source.kind == SourceKind.WEBHOOK:
        raise ValidationError("Webhook sources are pushed to, not polled.")
    cursor = source.cursor or {}
    try:
        fetched = fetching.fetch(
            source.location,
            fetch_limits(source),
            etag=cursor.get("etag", ""),
            last_modified=cursor.get("last_modified", ""),
        )
    except fetching.FetchError as exc:
        source_record_run(source=source, stats=IngestStats(), error=str(exc))
        raise
    if fetched.not_modified:
        stats = IngestStats(not_modified=True)
        source_record_run(source=source, stats=stats)
        return StoreResult(stats=stats, new_item_ids=[])
    validators = {"etag": fetched.etag, "last_modified": fetched.last_modified}
    return source_ingest(source=source, data=fetched.body, cursor_update=validators)


def sources_due(now=None) -> list[Source]:
    now = now or timezone.now()
    return [
        s
        for s in Source.objects.filter(enabled=True, schedule_minutes__gt=0).exclude(location="")
        if s.kind != SourceKind.WEBHOOK and s.is_due(now)
    ]


# --- extraction -----------------------------------------------------------------------------

_validate_url = URLValidator(schemes=["http", "https"])


def _evidence_urls(item: SourceItem, video_urls: list[str]) -> list[str]:
    out: list[str] = []
    for url in [item.url, *video_urls, *(item.links or [])]:
        if not url or url in out or len(url) > 500:
            continue
        try:
            _validate_url(url)
        except ValidationError:
            continue
        out.append(url)
    return out


_region_cache: dict[str, Region] = {}


def _regions() -> dict[str, Region]:
    """Regions by Russian name. They come from a data migration and never change, so a
    worker process loads them once."""
    if not _region_cache:
        _region_cache.update({r.name_ru: r for r in Region.objects.all()})
    return _region_cache


def origin_ref(item: SourceItem, n: int) -> str:
    return f"{item.source.kind}:{item.source.name}:{item.external_id}#{n}"[:200]


_ITEM_FIELDS = ("state", "text", "external_id", "url", "author", "links", "published_at")


def item_extract(*, item_id: int, extract: Callable[[str], Any] | None = None, regions=None) -> int:
    """Extract a ``new`` post into reports; returns the number of reports created.

    A post in any other state is left alone (so a repeated task is a no-op). The post's
    row stays locked from the state check to the last report, so two workers on one
    post create its reports once.
    """
    if extract is None:
        from .extraction import extract
    regions = regions if regions is not None else _regions()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Safe to lose on a database crash: the whole transaction goes, the post
            # stays ``new`` and the sweeper extracts it again. Saves an fsync per post.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        item = (
            SourceItem.objects.select_for_update(of=("self",))
            .select_related("source")
            .only(*_ITEM_FIELDS, "source__kind", "source__name", "source__publishes")
            .filter(pk=item_id)
            .first()
        )
        if item is None or item.state != ItemState.NEW:
            return 0
        try:
            extraction = extract(item.text)
        except Exception as exc:  # includes the soft time limit: the post is too hard
            log.exception("extraction failed for source item %s", item_id)
            SourceItem.objects.filter(pk=item_id).update(
                state=ItemState.FAILED,
                failure_reason=f"extraction error: {type(exc).__name__}: {exc}"[:1000],
                processed_at=timezone.now(),
            )
            return 0
        urls = _evidence_urls(item, extraction.video_urls)
        details = redact(item.text)
        contact = ", ".join(extraction.phones)[:200]
        # A post with a phone number in it is someone's own (a relative's): never public.
        private = not item.source.publishes or bool(extraction.phones)
        created, skipped = 0, []
        for n, person in enumerate(extraction.people, start=1):
            try:
                # No savepoint needed: report_submit validates before it writes, and
                # under the row lock no one else can create this post's reports.
                report_submit(
                    surname=person.surname,
                    given_name=person.given_name or "",
                    patronymic=person.patronymic or "",
                    birth_date=person.birth_date,
                    birth_year=person.birth_year,
                    unit_number=(person.unit_number or "")[:5],
                    home_region=regions.get(person.region) if person.region else None,
                    claimed_status=person.status_claim or "",
                    published_at=item.published_at,
                    source_kind=item.source.kind,
                    source_name=item.source.name,
                    source_url=item.url,
                    source_private=private or person.status_claim == "missing",
                    evidence_urls=urls,
                    details=details,
                    submitter_name=item.author,
                    submitter_contact=contact,
                    origin=Origin.SOURCE,
                    origin_ref=origin_ref(item, n),
                )
            except ValidationError as exc:
                skipped.append(f"person {n}: {'; '.join(exc.messages)}")
                continue
            created += 1
        result = extraction.to_json(item.external_id)
        if skipped:
            result["skipped"] = skipped
        SourceItem.objects.filter(pk=item_id).update(
            extraction=result,
            phones=list(extraction.phones),
            reports_created=created,
            state=ItemState.EXTRACTED,
            failure_reason="; ".join(skipped)[:1000],
            processed_at=timezone.now(),
        )
    return created


def item_retry(*, item: SourceItem) -> None:
    """Put a failed post back to ``new`` and enqueue it (e.g. after fixing the extractor)."""
    with transaction.atomic():
        item = SourceItem.objects.select_for_update().get(pk=item.pk)
        if item.state != ItemState.FAILED or item.raw is None or not item.text:
            return
        item.state = ItemState.NEW
        item.failure_reason = ""
        item.save(update_fields=["state", "failure_reason"])
        _enqueue_extraction([item.pk])


def items_requeue_stale(*, older_than: timedelta | None = None, limit: int = 10_000) -> int:
    """Enqueue again posts still ``new`` after ``older_than``; returns how many."""
    if older_than is None:
        older_than = timedelta(seconds=settings.SOURCES_STALE_ITEM_SECONDS)
    cutoff = timezone.now() - older_than
    ids = list(
        SourceItem.objects.filter(state=ItemState.NEW, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        with transaction.atomic():
            _enqueue_extraction(ids)
    return len(ids)


def source_counts(source: Source) -> dict[str, int]:
    from django.db.models import Count, Sum

    by_state = dict(
        source.items.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    reports = source.items.aggregate(n=Sum("reports_created"))["n"] or 0
    return {
        "new": by_state.get(ItemState.NEW, 0),
        "extracted": by_state.get(ItemState.EXTRACTED, 0),
        "failed": by_state.get(ItemState.FAILED, 0),
        "reports": reports,
    }


def sources_with_counts():
    """Every source with its post counts (``n_new``, ``n_extracted``, ``n_failed``,
    ``n_reports``), in one query."""
    from django.db.models import Count, Q, Sum

    return Source.objects.annotate(
        n_new=Count("items", filter=Q(items__state=ItemState.NEW)),
        n_extracted=Count("items", filter=Q(items__state=ItemState.EXTRACTED)),
        n_failed=Count("items", filter=Q(items__state=ItemState.FAILED)),
        n_reports=Sum("items__reports_created"),
    ).order_by("name")
