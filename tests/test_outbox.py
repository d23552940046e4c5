"""Work that must happen is written with the change that needs it, and sent once the
broker can take it (core.outbox)."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.celery import app
from conscripts.models import Status
from core import outbox
from core.models import Heartbeat, OutboxMessage
from reports import services
from reports.models import Report, ReportState
from tests.factories import region

pytestmark = pytest.mark.django_db


def submit(**overrides) -> Report:
    data = {
        "surname": "Лыткин",
        "given_name": "Семён",
        "birth_year": 2003,
        "home_region": region(),
        "claimed_status": Status.MISSING,
        "submitter_contact": "lytkina.vera@example.invalid",
        "consent": True,
    }
    return services.report_submit(**(data | overrides))


def rows(task: str = "reports.notify_submitter") -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(task=task).order_by("pk"))


def test_a_decision_and_its_e_mail_commit_or_roll_back_together(moderator):
    report = submit()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.report_reject(report=report, moderator=moderator, reason="спам")
        raise RuntimeError("the decision's transaction fails")
    assert rows() == []
    services.report_reject(report=report, moderator=moderator, reason="спам")
    assert [(r.args, r.dedup_key) for r in rows()] == [
        ([report.pk], f"reports.notify_submitter:{report.pk}:rejected")
    ]


def test_the_row_is_sent_after_commit_and_marked(moderator, django_capture_on_commit_callbacks):
    app.control.purge()
    report = submit()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_reject(report=report, moderator=moderator, reason="спам")
    assert [r.sent_at for r in rows()] == [None]
    for callback in callbacks:
        callback()
    (row,) = rows()
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    assert app.control.purge() == 1  # one message reached the real broker


def test_a_committed_decision_is_no_500_while_redis_is_down_and_its_e_mail_waits(
    moderator_client, moderator, redis_down, django_capture_on_commit_callbacks
):
    report = submit()
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(reverse("reports:approve", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED
    (row,) = rows()
    assert row.sent_at is None and row.attempts == 1
    assert "111" in row.last_error or "refused" in row.last_error.lower()


def test_the_beat_relay_sends_what_waited_once_redis_is_back(
    moderator, redis_down, django_capture_on_commit_callbacks, mailoutbox, tasks_in_process
):
    report = submit()
    app.conf.task_always_eager = False  # Redis is down: nothing can be sent
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request_info(report=report, moderator=moderator, message="Какая часть?")
    assert rows()[0].sent_at is None
    assert outbox.outbox_relay_pending() == 0  # still down: still waiting, no error raised
    redis_down.back()
    app.conf.task_always_eager = True  # the tasks run here once they are sent
    # The request's mail, and the receipt mail of the submission that waited too.
    assert outbox.outbox_relay_pending() == 2
    assert len(mailoutbox) == 2 and any("Какая часть?" in m.body for m in mailoutbox)
    assert rows()[0].sent_at is not None and rows()[0].attempts >= 2
    assert Heartbeat.objects.filter(name=outbox.RELAY_HEARTBEAT).exists()
    # Sent: a later relay sends nothing again.
    assert outbox.outbox_relay_pending() == 0


def test_the_same_work_is_not_queued_twice_while_it_waits():
    with transaction.atomic():
        first = outbox.outbox_enqueue(task="sources.fetch_source", args=[7], dedup_key="fetch:7")
        again = outbox.outbox_enqueue(task="sources.fetch_source", args=[7], dedup_key="fetch:7")
    assert first is not None and again is None
    OutboxMessage.objects.update(sent_at="2026-01-01T00:00:00Z")
    # Once sent, the same work may be asked for again.
    assert outbox.outbox_enqueue(task="sources.fetch_source", args=[7], dedup_key="fetch:7")


@pytest.mark.parametrize("bad", [{"email": "x@example.invalid"}, 1.5, True, [1, "a"]])
def test_only_ids_go_into_the_outbox(bad):
    with pytest.raises(TypeError):
        outbox.outbox_enqueue(task="reports.notify_submitter", args=[bad])


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_send_each_row_once():
    """A relay skips the rows another holds, rather than waiting or sending them too."""
    app.control.purge()
    with transaction.atomic():
        for n in range(6):
            outbox.outbox_enqueue(task="config.ping", args=[], dedup_key=f"ping:{n}")
    # The on-commit relay ran already; make them unsent again to race two relays.
    OutboxMessage.objects.update(sent_at=None)
    app.control.purge()
    ids = [r.pk for r in OutboxMessage.objects.order_by("pk")]
    sent_by_other: list[int] = []

    def other_relay() -> None:
        try:
            sent_by_other.append(outbox.outbox_relay())
        finally:
            connection.close()  # this thread's own connection

    with transaction.atomic():
        # This connection holds the first three, as a relay in the middle of sending.
        list(OutboxMessage.objects.select_for_update().filter(pk__in=ids[:3]))
        other = threading.Thread(target=other_relay)
        other.start()
        other.join(timeout=30)
        assert not other.is_alive()  # it did not wait for the held rows
    assert sent_by_other == [3]
    assert outbox.outbox_relay() == 3
    assert outbox.outbox_relay() == 0
    assert app.control.purge() == 6


def test_reading_the_backlog_is_two_queries():
    with CaptureQueriesContext(connection) as queries:
        backlog = outbox.outbox_backlog()
    assert backlog == {"unsent": 0, "oldest_seconds": 0.0}
    assert len(queries) == 2


def test_one_beat_relay_drains_a_backlog_bigger_than_a_batch():
    app.control.purge()
    OutboxMessage.objects.bulk_create(OutboxMessage(task="config.ping", args=[]) for _ in range(5))
    assert outbox.outbox_relay_pending(batch=2) == 5
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert app.control.purge() == 5
