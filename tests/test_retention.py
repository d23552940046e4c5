"""Retention: contact details, follower addresses and watches are deleted after their
periods (default 180 days after the decision), by a daily task that writes what it
purged to the audit as counts, never the data. Every person and address is fictional."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from conscripts import services as conscript_services
from conscripts.models import Follower
from core.models import AuditAction, AuditEntry
from reports import retention, services, watches
from reports.models import Report, ReportState, Watch, WatchHit, WatchKey
from reports.tasks import retention_purge_task
from tests.factories import ConscriptFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def ago(days: float) -> datetime.datetime:
    return timezone.now() - days * DAY


def decided_report(*, days_ago: float, state=ReportState.REJECTED, **extra) -> Report:
    report = services.report_submit(
        surname="Кречетов",
        given_name="Егор",
        submitter_name="Кречетова Мария",
        submitter_contact="+7 900 000-00-01",
        submitter_email="krechetova@example.invalid",
        consent=True,
        ip="192.0.2.10",
        **extra,
    )
    Report.objects.filter(pk=report.pk).update(state=state, decided_at=ago(days_ago))
    return report


def unsubscribed_follower(*, days_ago: float, email: str) -> Follower:
    follower = conscript_services.follow_request(
        conscript=ConscriptFactory(), email=email, language="ru"
    )
    Follower.objects.filter(pk=follower.pk).update(
        confirmed_at=ago(days_ago + 10), unsubscribed_at=ago(days_ago)
    )
    return follower


def ended_watch(*, days_ago: float, email: str, surname: str = "Щеглов") -> Watch:
    watch = watches.watch_request(email=email, surname=surname, given_name="Пётр")
    watch = watches.watch_confirm(token=watches.watch_token(watch, "confirm"))
    Watch.objects.filter(pk=watch.pk).update(ended_at=ago(days_ago))
    return watch


def test_the_defaults_are_180_days_and_the_task_runs_daily():
    assert retention.retention_periods() == {
        "contact_days": 180,
        "follower_days": 180,
        "watch_days": 180,
    }
    schedule = django_settings.CELERY_BEAT_SCHEDULE["retention-purge"]
    assert schedule["task"] == retention_purge_task.name
    assert schedule["schedule"] == 24 * 3600


def test_what_is_past_its_period_is_deleted_and_the_rest_kept():
    old = decided_report(days_ago=181)
    recent = decided_report(days_ago=179)
    waiting = services.report_submit(
        surname="Кречетов", submitter_contact="+7 900 000-00-02", consent=True
    )
    Report.objects.filter(pk=waiting.pk).update(created_at=ago(400))  # open: kept
    gone_follower = unsubscribed_follower(days_ago=181, email="gone@example.invalid")
    kept_follower = unsubscribed_follower(days_ago=10, email="kept@example.invalid")
    following = conscript_services.follow_request(
        conscript=ConscriptFactory(), email="still@example.invalid", language="ru"
    )
    Follower.objects.filter(pk=following.pk).update(confirmed_at=ago(400))
    gone_watch = ended_watch(days_ago=181, email="a@example.invalid", surname="Щеглов")
    kept_watch = ended_watch(days_ago=30, email="b@example.invalid", surname="Щеглов")
    active = watches.watch_request(email="c@example.invalid", surname="Чижов", given_name="Иван")
    active = watches.watch_confirm(token=watches.watch_token(active, "confirm"))
    WatchHit.objects.create(watch=gone_watch, report=old, score=1.0)

    counts = retention.retention_purge()

    old.refresh_from_db()
    assert (old.submitter_name, old.submitter_contact, old.submitter_email) == ("", "", "")
    assert old.submitted_ip is None
    assert old.surname == "Кречетов"  # the report itself stays
    recent.refresh_from_db()
    assert recent.submitter_email == "krechetova@example.invalid"
    waiting.refresh_from_db()
    assert waiting.submitter_contact == "+7 900 000-00-02"
    assert not Follower.objects.filter(pk=gone_follower.pk).exists()
    assert Follower.objects.filter(pk__in=[kept_follower.pk, following.pk]).count() == 2
    assert set(Watch.objects.values_list("pk", flat=True)) == {kept_watch.pk, active.pk}
    assert not WatchHit.objects.exists()
    assert set(WatchKey.objects.values_list("key", flat=True)) == {
        kept_watch.surname_key,
        kept_watch.given_key,
        active.surname_key,
        active.given_key,
    }
    assert counts == {
        "report_contacts": 1,
        "followers_unsubscribed": 1,
        "watches_ended": 1,
        "watch_leads": 1,
        "watches_unconfirmed": 0,
        "watch_keys": 0,  # Щеглов and Пётр are still watched by the kept watch
    }


def test_the_audit_says_what_was_purged_in_counts_not_data():
    decided_report(days_ago=200)
    ended_watch(days_ago=200, email="a@example.invalid")
    retention_purge_task()
    entry = AuditEntry.objects.get(action=AuditAction.RETENTION_PURGE)
    assert entry.actor is None
    assert entry.after["report_contacts"] == 1 and entry.after["watches_ended"] == 1
    assert entry.after["contact_days"] == 180
    text = str(entry.before) + str(entry.after)
    for private in (
        "Кречетова",
        "+7 900",
        "krechetova",
        "192.0.2.10",
        "a@example.invalid",
        "Щеглов",
    ):
        assert private not in text
    assert all(isinstance(v, int) for v in entry.after.values())


def test_the_periods_are_configurable(settings):
    settings.RETENTION_CONTACT_DAYS = 30
    settings.RETENTION_FOLLOWER_DAYS = 7
    settings.RETENTION_WATCH_DAYS = 1
    decided_report(days_ago=31)
    unsubscribed_follower(days_ago=8, email="x@example.invalid")
    ended_watch(days_ago=2, email="y@example.invalid")
    counts = retention.retention_purge()
    assert (
        counts["report_contacts"],
        counts["followers_unsubscribed"],
        counts["watches_ended"],
    ) == (
        1,
        1,
        1,
    )


def test_unconfirmed_watches_go_once_their_link_expired(settings):
    watch = watches.watch_request(email="z@example.invalid", surname="Щеглов", given_name="Пётр")
    assert retention.retention_purge()["watches_unconfirmed"] == 0
    Watch.objects.filter(pk=watch.pk).update(
        created_at=ago(1) - datetime.timedelta(seconds=settings.WATCH_CONFIRM_MAX_AGE)
    )
    assert retention.retention_purge()["watches_unconfirmed"] == 1
    assert not Watch.objects.exists()


def test_a_second_run_purges_nothing_more():
    decided_report(days_ago=181)
    assert retention.retention_purge()["report_contacts"] == 1
    assert retention.retention_purge()["report_contacts"] == 0
    assert AuditEntry.objects.filter(action=AuditAction.RETENTION_PURGE).count() == 2
