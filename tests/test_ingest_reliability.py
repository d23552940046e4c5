"""Real workers on the real Redis broker: killed, doubled or repeated, every post is
processed exactly once — no report lost, none duplicated.

Recovery choice: after a worker dies, the message it held stays unacknowledged in Redis
until the broker's visibility timeout (an hour in settings) has passed. Rather than
shrink that timeout (which would make long tasks run twice), the sweeper task
``sources.requeue_stale_items`` re-enqueues every post still ``new``; beat runs it every
five minutes in production and this test calls it at once. Extraction is idempotent
(state check under a row lock, unique ``origin_ref``), so the extra messages are no-ops.

Nothing here depends on how fast the machine is: the kill lands mid-ingest because the
test holds one post's row lock until the worker is waiting on it, and the waits give up
only when the work stops moving (tests/helpers.py: wait_until).
"""

import csv
import io
import json
import os
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Sum

from core.models import AuditAction, AuditEntry
from reports.models import Report
from sources import services
from sources.models import ItemState, SourceItem
from tests.conftest import start_worker, stop_worker
from tests.factories import SourceFactory
from tests.helpers import FeedServer, broker_purge, broker_queue_length, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

POSTS = Path(__file__).parent / "data" / "posts.jsonl"


def export_csv(count: int, prefix: str = "p") -> bytes:
    texts = [json.loads(line)["text"] for line in POSTS.open(encoding="utf-8")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["external_id", "published_at", "author", "url", "text"])
    for n in range(count):
        writer.writerow(
            [f"{prefix}{n}", "2024-08-10T12:00:00+03:00", "", f"https://example.org/p/{n}",
             texts[n % len(texts)]]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def extracted(source) -> int:
    return SourceItem.objects.filter(source=source, state=ItemState.EXTRACTED).count()


def sessions_waiting_on_me() -> int:
    """How many database sessions are blocked by a lock this connection holds.

    pg_locks, not pg_stat_activity: the latter is a snapshot taken once per transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks"
            " WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return cursor.fetchone()[0]


def assert_each_post_processed_exactly_once(source, expected_items: int) -> None:
    items = SourceItem.objects.filter(source=source)
    assert items.count() == expected_items
    assert not items.exclude(state=ItemState.EXTRACTED).exists()
    refs = Report.objects.filter(origin_ref__startswith=f"{source.kind}:{source.name}:")
    assert refs.values("origin_ref").distinct().count() == refs.count()
    # Each post's reports are exactly the people its extraction found.
    per_item = {}
    for ref in refs.values_list("origin_ref", flat=True):
        external_id = ref.split(":", 2)[2].rsplit("#", 1)[0]
        per_item[external_id] = per_item.get(external_id, 0) + 1
    for item in items.only("external_id", "reports_created", "extraction"):
        people = len(item.extraction["people"]) - len(item.extraction.get("skipped", []))
        assert per_item.get(item.external_id, 0) == item.reports_created == people
    total = items.aggregate(n=Sum("reports_created"))["n"]
    assert refs.count() == total > 0
    audit = AuditEntry.objects.filter(action=AuditAction.SUBMIT, report_id__in=refs)
    assert audit.count() == total  # one audit row per report: nothing half-written


def test_a_worker_killed_mid_ingest_loses_and_duplicates_nothing():
    broker_purge()
    source = SourceFactory(kind="csv", name="kill-test")
    total = 300
    result = services.source_ingest(source=source, data=export_csv(total))
    assert len(result.new_item_ids) == total  # enqueued on commit (autocommit here)
    # A post in the middle of its batch: whatever order the batches run in, the worker
    # has finished the posts before it in the batch when it reaches this one and waits.
    batch = settings.SOURCES_EXTRACT_BATCH
    held = result.new_item_ids[4 * batch + batch // 2]
    with transaction.atomic():
        SourceItem.objects.select_for_update().get(pk=held)
        first = start_worker(name="doomed")
        try:
            wait_until(
                lambda: sessions_waiting_on_me() > 0,
                "the worker to reach the held post",
                progress=lambda: extracted(source),
            )
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        done_at_kill = extracted(source)
    # Its transaction on the held post died with it (rolled back once the lock was free).
    assert 0 < done_at_kill < total, "the kill must land mid-ingest"
    assert SourceItem.objects.get(pk=held).state == ItemState.NEW
    second = start_worker(name="survivor")
    try:
        from sources.tasks import requeue_stale_items

        requeue_stale_items.delay(older_than_seconds=0)
        wait_until(
            lambda: extracted(source) == total,
            "every post to be extracted",
            progress=lambda: extracted(source),
        )
        wait_until(lambda: broker_queue_length() == 0, "the queue to drain")
    finally:
        stop_worker(second)  # a warm shutdown: the task in hand finishes first
    assert_each_post_processed_exactly_once(source, total)


def test_two_workers_polling_one_source_twice_store_and_report_everything_once(monkeypatch):
    broker_purge()
    monkeypatch.setenv("SOURCES_ALLOW_PRIVATE_ADDRESSES", "true")
    body = export_csv(150, prefix="f")
    with FeedServer() as server:
        server.routes["/export.csv"] = (200, {"Content-Type": "text/csv"}, body)
        source = SourceFactory(
            kind="csv",
            name="twice",
            location=server.url("/export.csv"),
            allowed_hosts=["127.0.0.1"],
        )
        workers = [start_worker(name="a"), start_worker(name="b")]
        try:
            from sources.tasks import fetch_source_task

            # Both workers fetch the same export at once, and it is ingested once more here.
            fetch_source_task.delay(source.pk)
            fetch_source_task.delay(source.pk)
            services.source_ingest(source=source, data=body)
            wait_until(lambda: len(server.requests) == 2, "both polls")
            wait_until(
                lambda: extracted(source) == 150,
                "every post to be extracted",
                progress=lambda: extracted(source),
            )
            wait_until(lambda: broker_queue_length() == 0, "the queue to drain")
        finally:
            for proc in workers:
                stop_worker(proc)  # warm shutdowns: the tasks in hand finish first
    assert_each_post_processed_exactly_once(source, 150)
    duplicates = (
        SourceItem.objects.values("source", "external_id").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    source.refresh_from_db()
    assert source.last_error == ""
