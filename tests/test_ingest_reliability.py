"""Real workers on the real Redis broker: killed, doubled or repeated, every post is
processed exactly once — no report lost, none duplicated.

Recovery choice: after a worker dies, the message it held stays unacknowledged in Redis
until the broker's visibility timeout (an hour in settings) has passed. Rather than
shrink that timeout (which would make long tasks run twice), the sweeper task
``sources.requeue_stale_items`` re-enqueues every post still ``new``; beat runs it every
five minutes in production and this test calls it at once. Extraction is idempotent
(state check under a row lock, unique ``origin_ref``), so the extra messages are no-ops.
"""

import csv
import io
import json
import os
import signal
import time
from pathlib import Path

import pytest
from django.db.models import Count, Sum

from core.models import AuditAction, AuditEntry
from reports.models import Report
from sources import services
from sources.models import ItemState, Source, SourceItem
from tests.conftest import start_worker, stop_worker
from tests.test_sources_fetching import feed_server

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

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


def purge_broker() -> None:
    from config.celery import app

    app.control.purge()


def queue_length() -> int:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # Kombu keeps one list per queue and priority step: "extraction", "extraction\x06\x169", …
    steps = ("", "\x06\x163", "\x06\x166", "\x06\x169")
    return sum(client.llen(f"{q}{s}") for q in ("celery", "extraction") for s in steps)


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def extracted(source) -> int:
    return SourceItem.objects.filter(source=source, state=ItemState.EXTRACTED).count()


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
    purge_broker()
    source = Source.objects.create(kind="csv", name="kill-test")
    first = start_worker(name="doomed")
    result = services.source_ingest(source=source, data=export_csv(2000))
    assert len(result.new_item_ids) == 2000  # enqueued on commit (autocommit here)
    try:
        wait_until(lambda: extracted(source) >= 150, 60, "the first worker to get going")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    done_at_kill = extracted(source)
    assert 0 < done_at_kill < 2000, "the kill must land mid-ingest"
    second = start_worker(name="survivor")
    try:
        from sources.tasks import requeue_stale_items

        requeue_stale_items.delay(older_than_seconds=0)
        wait_until(lambda: extracted(source) == 2000, 75, "every post to be extracted")
        wait_until(lambda: queue_length() == 0, 30, "the queue to drain")
        time.sleep(0.5)  # the last message in flight
    finally:
        stop_worker(second)
    assert_each_post_processed_exactly_once(source, 2000)


def test_two_workers_polling_one_source_twice_store_and_report_everything_once(monkeypatch):
    purge_broker()
    monkeypatch.setenv("SOURCES_ALLOW_PRIVATE_ADDRESSES", "true")
    body = export_csv(150, prefix="f")
    with feed_server() as server:
        server.routes["/export.csv"] = (200, {"Content-Type": "text/csv"}, body)
        source = Source.objects.create(
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
            wait_until(lambda: len(server.requests) == 2, 30, "both polls")
            wait_until(lambda: extracted(source) == 150, 60, "every post to be extracted")
            wait_until(lambda: queue_length() == 0, 30, "the queue to drain")
            time.sleep(0.5)
        finally:
            for proc in workers:
                stop_worker(proc)
    assert_each_post_processed_exactly_once(source, 150)
    duplicates = (
        SourceItem.objects.values("source", "external_id").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    source.refresh_from_db()
    assert source.last_error == ""
