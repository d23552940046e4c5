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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from conscripts.models import Region
from core.outbox import outbox_enqueue, outbox_enqueue_many, outbox_unsent_args
from reports.models import Origin
from reports.services import report_submit
from reports.watches import watches_checked_once

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
    conflict: int = 0
    failed: int = 0
    reports_created: int = 0
    not_modified: bool = False
    #: Posts whose extraction was queued, in the transaction that stored them; of
    #: those, ``waiting`` were not yet handed to the broker (the outbox relay sends
    #: them once it answers).
    queued: int = 0
    waiting: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Why reading stopped before the end of the document (the posts before it stay).
    interrupted: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"read {self.read} / new {self.new} / duplicate {self.duplicate} / "
            f"conflict {self.conflict} / failed {self.failed} / "
            f"reports created {self.reports_created}"
        )


@dataclass
class ItemResult:
    """What became of one post of a document."""

    index: int  # position in the document
    external_id: str
    result: str  # STORED, DUPLICATE, CONFLICT or FAILED
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = {"index": self.index, "external_id": self.external_id, "result": self.result}
        if self.reason:
            out["reason"] = self.reason
        return out


STORED, DUPLICATE, CONFLICT, FAILED = "stored", "duplicate", "conflict", "failed"
_COUNTERS = {STORED: "new", DUPLICATE: "duplicate", CONFLICT: "conflict", FAILED: "failed"}


@dataclass
class StoreResult:
    stats: IngestStats
    new_item_ids: list[int]  # stored as ``new``: to extract
    #: Per post: every one (``results="all"``), or only the failed and conflicting ones.
    items: list[ItemResult] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # CSV: field → header read
    ignored: list[str] = field(default_factory=list)  # CSV: headers not used

    @property
    def bad(self) -> list[ItemResult]:
        return [r for r in self.items if r.result in (FAILED, CONFLICT)]


class IngestInterrupted(Exception):
    """The database stopped answering midway: ``result`` says what was stored and
    queued before (each batch commits with its extraction tasks), nothing after."""

    def __init__(self, result: StoreResult, reason: str) -> None:
        super().__init__(reason)
        self.result = result


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


class _Store:
    """Stores a document's posts batch by batch, each batch in one transaction with the
    extraction tasks of its new posts, and says what became of every post."""

    def __init__(self, *, source: Source, enqueue: bool, results: str) -> None:
        self.source, self.enqueue, self.keep = source, enqueue, results
        self.result = StoreResult(stats=IngestStats(), new_item_ids=[])

    def _record(self, index: int, external_id: str, result: str, reason: str = "") -> None:
        stats = self.result.stats
        stats.read += 1
        counter = _COUNTERS[result]
        setattr(stats, counter, getattr(stats, counter) + 1)
        if self.keep == "all" or result in (FAILED, CONFLICT):
            self.result.items.append(ItemResult(index, external_id, result, reason[:500]))

    def batch(self, entries: list[adapters.ParsedItem | adapters.BadItem]) -> None:
        """Store one batch of posts; call inside a transaction."""
        source, now, batch_id = self.source, timezone.now(), uuid.uuid4()
        outcome: dict[int, tuple[str, str]] = {}  # position in ``entries`` → (result, reason)
        first: dict[str, int] = {}  # external id → position of the post stored for it
        rows: dict[str, SourceItem] = {}
        digests: dict[int, str] = {}
        # Readable posts first: a malformed post never displaces a readable one.
        order = sorted(range(len(entries)), key=lambda n: isinstance(entries[n], adapters.BadItem))
        for n in order:
            entry = entries[n]
            ext = entry.external_id
            if isinstance(entry, adapters.ParsedItem):
                digests[n] = _sha(entry.text)
            if ext in first:
                earlier = first[ext]
                same = n in digests and digests.get(earlier) == digests[n]
                if isinstance(entry, adapters.BadItem) and isinstance(
                    entries[earlier], adapters.BadItem
                ):
                    same = True  # the same synthetic id: the same unreadable post
                outcome[n] = (
                    (DUPLICATE, "")
                    if same
                    else (CONFLICT, "another post in this document has this id; the first was kept")
                )
                continue
            first[ext] = n
            if isinstance(entry, adapters.ParsedItem):
                rows[ext] = SourceItem(
                    source=source,
                    external_id=ext,
                    url=entry.url,
                    author=entry.author,
                    published_at=entry.published_at,
                    raw=entry.raw,
                    text=entry.text,
                    text_sha256=digests[n],
                    links=entry.links,
                    ingest_batch=batch_id,
                    created_at=now,
                )
            else:
                rows[ext] = SourceItem(
                    source=source,
                    external_id=ext,
                    raw=entry.raw,
                    state=ItemState.FAILED,
                    failure_reason=entry.reason[:1000],
                    ingest_batch=batch_id,
                    created_at=now,
                    processed_at=now,
                )
        SourceItem.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
        stored = {
            ext: (pk, batch, state, digest, reason)
            for pk, ext, batch, state, digest, reason in SourceItem.objects.filter(
                source=source, external_id__in=list(rows)
            ).values_list(
                "pk", "external_id", "ingest_batch", "state", "text_sha256", "failure_reason"
            )
        }
        new_ids = []
        for ext, n in first.items():
            entry = entries[n]
            pk, batch, state, digest, reason = stored[ext]
            readable = isinstance(entry, adapters.ParsedItem)
            if batch == batch_id:  # this call inserted it
                if readable:
                    new_ids.append(pk)
                    outcome[n] = (STORED, "")
                else:
                    outcome[n] = (FAILED, entry.reason)
            elif readable and state != ItemState.FAILED:
                outcome[n] = (
                    (DUPLICATE, "")
                    if digest == digests[n]
                    else (CONFLICT, "a post with this id and a different text is stored already")
                )
            elif readable:
                outcome[n] = (CONFLICT, f"stored earlier as unreadable ({reason[:200]})")
            else:
                outcome[n] = (
                    (DUPLICATE, "")
                    if state == ItemState.FAILED
                    else (CONFLICT, f"unreadable ({entry.reason}); a post with this id is stored")
                )
        for n, entry in enumerate(entries):
            result, reason = outcome[n]
            self._record(entry.index, entry.external_id, result, reason)
        new_ids.sort()
        self.result.new_item_ids += new_ids
        if self.enqueue and new_ids:
            self.result.outbox_ids += _enqueue_extraction(new_ids)
            self.result.stats.queued += len(new_ids)


def _enqueue_extraction(item_ids: list[int]) -> list[int]:
    """Queue the extraction of ``item_ids`` in the current transaction (``core.outbox``):
    stored posts and their extraction commit together, whatever the broker is doing.
    Returns the outbox rows added."""
    from .tasks import EXTRACT_PRIORITY

    size = settings.SOURCES_EXTRACT_BATCH
    chunks = [item_ids[i : i + size] for i in range(0, len(item_ids), size)]
    # Lowest priority: a 10,000-post backfill must not hold up other tasks (submitter
    # e-mails, pings) queued behind it. Posts go in small batches: one message per post
    # cost as much broker time as the extraction itself. The key keeps a sweep from
    # queueing a batch again while the same batch still waits unsent.
    messages = [
        (
            ("sources.extract_item", [chunk[0]])
            if len(chunk) == 1
            else ("sources.extract_items", [chunk])
        )
        + (f"sources.extract:{chunk[0]}-{chunk[-1]}:{len(chunk)}",)
        for chunk in chunks
    ]
    added = outbox_enqueue_many(messages=messages, priority=EXTRACT_PRIORITY)
    return [row.pk for row in added]


def source_ingest(
    *,
    source: Source,
    data: bytes | str | IO[bytes],
    enqueue: bool = True,
    cursor_update: dict[str, Any] | None = None,
    results: str = "problems",
) -> StoreResult:
    """Read ``data`` as ``source.kind`` and store its posts, ``_STORE_BATCH`` at a time.

    Each batch commits with the extraction tasks of its new posts (``core.outbox``), so
    what is stored is queued, whatever the broker is doing. ``results``: "all" keeps
    what became of every post (the webhook's answer), "problems" only the failed and
    conflicting ones (a large export).

    A document that is not in the format at all raises ``adapters.SourceFormatError``
    and is recorded as the source's last error; one that breaks off midway keeps the
    posts before the break (``stats.interrupted`` says where). A database that stops
    answering raises ``IngestInterrupted`` with what was stored before.
    """
    from core.tasks import DATABASE_ERRORS

    document = adapters.read(source.kind, data, base_url=source.base_url)
    store = _Store(source=source, enqueue=enqueue, results=results)
    stats = store.result.stats
    entries = iter(document)
    try:
        while True:
            batch, broken = [], None
            try:
                for entry in entries:
                    batch.append(entry)
                    if len(batch) >= _STORE_BATCH:
                        break
            except adapters.SourceFormatError as exc:
                broken = exc
            if batch:
                with transaction.atomic():
                    store.batch(batch)
            if broken is not None:
                if stats.read == 0:
                    source_record_run(source=source, stats=stats, error=str(broken))
                    raise broken
                stats.interrupted = str(broken)
                break
            if len(batch) < _STORE_BATCH:
                break
    except DATABASE_ERRORS as exc:
        stats.interrupted = f"the database stopped answering: {type(exc).__name__}"
        raise IngestInterrupted(store.result, stats.interrupted) from exc
    stats.warnings = list(document.warnings)
    store.result.columns, store.result.ignored = document.columns, document.ignored
    stats.waiting = sum(
        len(args[0]) if isinstance(args[0], list) else 1
        for args in outbox_unsent_args(ids=store.result.outbox_ids)
    )
    source_record_run(
        source=source,
        stats=stats,
        error=stats.interrupted,
        # Validators only for a document read to its end: a poll must not be told
        # «not modified» about a feed whose end was never stored.
        cursor_update={**document.cursor, **({} if stats.interrupted else cursor_update or {})},
    )
    return store.result


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


def source_ingest_file(
    *, source: Source, path: str | Path, enqueue: bool = True, results: str = "problems"
) -> StoreResult:
    """``source_ingest`` of a file, streamed from disk (a feed is read whole, so one over
    ``SOURCES_FETCH_MAX_BYTES`` is refused, as a poll would refuse it)."""
    path = Path(path)
    limit = settings.SOURCES_FETCH_MAX_BYTES
    if source.kind == SourceKind.RSS and path.stat().st_size > limit:
        error = f"a feed over {limit} bytes is not read (SOURCES_FETCH_MAX_BYTES)"
        source_record_run(source=source, stats=IngestStats(), error=error)
        raise adapters.SourceFormatError(error)
    with path.open("rb") as stream:
        return source_ingest(source=source, data=stream, enqueue=enqueue, results=results)


def fetch_limits(source: Source) -> fetching.Limits:
    return fetching.Limits(
        allowed_hosts=tuple(source.allowed_hosts or ()),
        connect_timeout=settings.SOURCES_FETCH_CONNECT_TIMEOUT,
        read_timeout=settings.SOURCES_FETCH_READ_TIMEOUT,
        max_bytes=settings.SOURCES_FETCH_MAX_BYTES,
        allow_private=settings.SOURCES_ALLOW_PRIVATE_ADDRESSES,
        deadline=settings.SOURCES_FETCH_DEADLINE,
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


def source_poll_request(*, source: Source) -> None:
    """A moderator's «read it now»: queue a poll of ``source`` (``core.outbox``)."""
    outbox_enqueue(
        task="sources.fetch_source", args=[source.pk], dedup_key=f"sources.fetch:{source.pk}"
    )


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
    return items_extract(item_ids=[item_id], extract=extract, regions=regions)


def items_extract(
    *, item_ids: Sequence[int], extract: Callable[[str], Any] | None = None, regions=None
) -> int:
    """``item_extract`` for a batch of posts in one transaction; returns the number of
    reports created.

    One transaction, not one per post: a post costs about ten round trips to the database
    alone (begin, lock, savepoint, commit…), as much as its extraction. A worker killed
    half-way leaves the whole batch ``new`` for the redelivery or the sweeper; a post
    whose extraction fails is marked failed and the others go on.
    """
    if extract is None:
        from .extraction import extract
    regions = regions if regions is not None else _regions()
    created = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Safe to lose on a database crash: the whole transaction goes, the posts
            # stay ``new`` and the sweeper extracts them again. Saves an fsync per batch.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        items = (
            SourceItem.objects.select_for_update(of=("self",))
            .select_related("source")
            .only(*_ITEM_FIELDS, "source__kind", "source__name", "source__publishes")
            .filter(pk__in=list(item_ids), state=ItemState.NEW)
            .order_by("pk")
        )
        with watches_checked_once():
            for item in items:
                created += _item_extract_locked(item, extract=extract, regions=regions)
    return created


def _item_extract_locked(item: SourceItem, *, extract: Callable[[str], Any], regions) -> int:
    """Extract one locked ``new`` post into reports (``items_extract``)."""
    item_id = item.pk
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
