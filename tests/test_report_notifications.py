"""Submitters hear about decisions by e-mail, only after commit, and only about their report."""

import functools

import pytest

from core.models import AuditAction, AuditEntry
from reports import notifications, services
from reports.models import ReportState
from reports.tasks import notify_submitter_task
from tests.factories import ReportFactory
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db

# A mother who left an e-mail address, and details naming someone else's son.
submit = functools.partial(
    ReportFactory,
    surname="Тихонравов",
    given_name="Даниил",
    patronymic="Сергеевич",
    birth_year=2004,
    unit_number="",
    details="Служил с Мерзляковым Егором, его мама тоже ищет: +7 900 111-22-33",
    submitter_name="Тихонравова Ольга",
    submitter_contact="olga.example@example.invalid",
)


def test_the_e_mail_leaves_only_after_the_decision_commits(
    moderator, mailoutbox, django_capture_on_commit_callbacks, tasks_in_process
):
    # Run the task in-process: this test is about on-commit timing, not the broker.
    report = submit()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_approve_new(report=report, moderator=moderator)
    assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["olga.example@example.invalid"]
    assert "принято" in message.subject
    report.refresh_from_db()
    assert report.receipt_token in message.body
    assert report.notified_at is not None
    assert AuditEntry.objects.filter(report_id=report.pk, action=AuditAction.NOTIFY).exists()


def test_no_e_mail_is_queued_without_a_submitter_e_mail(
    moderator, django_capture_on_commit_callbacks
):
    report = submit(submitter_contact="+7 900 000-00-00")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_reject(report=report, moderator=moderator, reason="спам")
    assert callbacks == []


def test_a_rolled_back_decision_sends_nothing(moderator, mailoutbox, tasks_in_process):
    report = submit()
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.report_reject(report=report, moderator=moderator, reason="спам")
        raise RuntimeError("the caller's transaction fails afterwards")
    assert mailoutbox == []
    report.refresh_from_db()
    assert report.state == ReportState.PENDING


@pytest.mark.parametrize(
    ("language", "words"), [("ru", "рассмотрено модератором"), ("en", "A moderator has reviewed")]
)
def test_the_e_mail_is_in_the_submitters_language(
    moderator, mailoutbox, django_capture_on_commit_callbacks, tasks_in_process, language, words
):
    report = submit(submitter_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request_info(
            report=report, moderator=moderator, message="Which unit? / Какая часть?"
        )
    assert len(mailoutbox) == 1
    assert words in mailoutbox[0].body
    assert "Which unit? / Какая часть?" in mailoutbox[0].body


def test_the_e_mail_holds_no_one_elses_private_data(
    moderator, mailoutbox, django_capture_on_commit_callbacks, tasks_in_process
):
    other = submit(submitter_contact="other.relative@example.invalid", submitter_name="Другая")
    report = submit()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_mark_duplicate(report=report, of=other, moderator=moderator)
    body = mailoutbox[0].body + mailoutbox[0].subject
    for private in (
        "other.relative@example.invalid",
        other.receipt_token,
        "Другая",
        "+7 900",
        "Мерзляков",
        moderator.username,
        moderator.email,
    ):
        assert private not in body
    assert report.receipt_token in body


def test_running_the_task_twice_sends_one_e_mail(moderator, mailoutbox):
    report = submit()
    services.report_reject(report=report, moderator=moderator, reason="спам")
    assert notifications.submitter_notify(report_id=report.pk) is True
    assert notifications.submitter_notify(report_id=report.pk) is False
    assert len(mailoutbox) == 1


def test_the_task_is_late_acknowledged_and_takes_an_id():
    assert notify_submitter_task.acks_late is True
    assert notify_submitter_task.name == "reports.notify_submitter"


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_notifies_the_submitter(celery_worker_process, moderator):
    report = submit()
    services.report_approve_new(report=report, moderator=moderator)

    def notified() -> bool:
        report.refresh_from_db()
        return report.notified_at is not None

    wait_until(notified, "the worker to notify the submitter")
    assert report.notified_state == ReportState.APPROVED
