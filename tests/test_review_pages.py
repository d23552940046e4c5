"""Moderators work through the queue and decide each report through its page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conscripts.models import Status
from core import access
from core.models import AuditAction, AuditEntry
from reports import services
from reports.models import Origin, Report, ReportState
from tests.factories import ConscriptFactory, UnitFactory, UserFactory, region

pytestmark = pytest.mark.django_db

QUEUE = "/reports/queue/"


def submit(surname="Ладыгин", **overrides) -> Report:
    data = {
        "surname": surname,
        "given_name": "Матвей",
        "patronymic": "Игоревич",
        "birth_year": 2005,
        "unit_number": "72001",
        "home_region": region(),
        "claimed_status": Status.CAPTURED,
        "evidence_urls": ["https://t.me/example_channel/7"],
        "details": "Узнали на видео.",
        "submitter_contact": "@relative_example",
        "consent": True,
    }
    data.update(overrides)
    return services.report_submit(**data)


def age(report, days):
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


def url(name, report):
    return reverse(f"reports:{name}", args=[report.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def other_moderator(db):
    return UserFactory(username="moderator2", groups=[access.MODERATORS])


# --- queue ----------------------------------------------------------------------------------
def test_the_queue_lists_open_reports_oldest_first_with_who_claimed_them(
    moderator_client, moderator, other_moderator
):
    newer, older = submit("Сорокин"), submit("Воробьев")
    age(older, 3)
    services.report_claim(report=newer, moderator=other_moderator)
    services.report_reject(report=submit("Мерзляков"), moderator=moderator, reason="спам")
    response = moderator_client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [older, newer]
    assert "moderator2" in response.content.decode()


def test_the_queue_filters_by_state_origin_age_video_and_claim(
    moderator_client, moderator, other_moderator
):
    mine = services.report_claim(report=submit("Сорокин"), moderator=moderator)
    theirs = services.report_claim(report=submit("Воробьев"), moderator=other_moderator)
    free = submit("Зябликов", evidence_urls=["https://www.youtube.com/watch?v=x"])
    ingested = submit(
        "Кречетов",
        origin=Origin.SOURCE,
        origin_ref="telegram:example/5",
        consent=False,
        evidence_urls=["https://example.org/post"],
    )
    age(ingested, 10)
    decided = submit("Мерзляков")
    services.report_reject(report=decided, moderator=moderator, reason="спам")

    def listed(**params):
        response = moderator_client.get(QUEUE, params)
        assert response.status_code == 200
        return set(response.context["page"].object_list)

    assert listed() == {mine, theirs, free, ingested}
    assert listed(state="rejected") == {decided}
    assert listed(origin="source") == {ingested}
    assert listed(age=7) == {ingested}
    assert listed(video="on") == {mine, theirs, free}
    assert listed(video="on", origin="source") == set()
    assert listed(claimed="me") == {mine}
    assert listed(claimed="others") == {theirs}
    assert listed(claimed="unclaimed") == {free, ingested}


def test_the_queue_runs_the_same_number_of_queries_for_3_and_30_reports(
    moderator_client, moderator, django_assert_num_queries
):
    for i in range(3):
        services.report_claim(report=submit(f"Сорокин{i}"), moderator=moderator)
    with CaptureQueriesContext(connection) as three:
        assert moderator_client.get(QUEUE).status_code == 200
    for i in range(27):
        services.report_claim(report=submit(f"Воробьев{i}"), moderator=moderator)
    with django_assert_num_queries(len(three.captured_queries)):
        response = moderator_client.get(QUEUE)
    assert len(response.context["page"].object_list) == 30


def test_the_queue_is_paginated(moderator_client):
    for i in range(51):
        submit(f"Сорокин{i}")
    first = moderator_client.get(QUEUE)
    assert len(first.context["page"].object_list) == 50
    second = moderator_client.get(QUEUE, {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_bulk_reject_closes_the_chosen_spam_and_audits_each(moderator_client, moderator):
    spam, more_spam, real = submit("Спамов"), submit("Спамова"), submit("Сорокин")
    response = moderator_client.post(
        reverse("reports:bulk-reject"),
        {"reports": [spam.pk, more_spam.pk], "reason": "спам"},
        follow=True,
    )
    assert response.status_code == 200
    for report in (spam, more_spam):
        report.refresh_from_db()
        assert report.state == ReportState.REJECTED
        assert (
            AuditEntry.objects.get(report_id=report.pk, action=AuditAction.REJECT).actor
            == moderator
        )
    real.refresh_from_db()
    assert real.state == ReportState.PENDING


def test_bulk_reject_of_a_decided_report_changes_nothing_and_says_why(moderator_client, moderator):
    done, spam = submit("Сорокин"), submit("Спамов")
    services.report_approve_new(report=done, moderator=moderator)
    response = moderator_client.post(
        reverse("reports:bulk-reject"),
        {"reports": [done.pk, spam.pk], "reason": "спам"},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response)
    spam.refresh_from_db()
    assert spam.state == ReportState.PENDING


# --- report page ----------------------------------------------------------------------------
def test_the_report_page_shows_fields_candidates_and_history(moderator_client, moderator):
    person = ConscriptFactory(
        surname="Ладыгин",
        given_name="Матвей",
        patronymic="Игоревич",
        birth_year=2005,
        unit=UnitFactory(number="72001"),
    )
    report = submit(submitter_name="Ладыгина Ольга", ip="192.0.2.44")
    services.report_claim(report=report, moderator=moderator)
    response = moderator_client.get(url("detail", report))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ладыгина Ольга" in text
    assert "192.0.2.44" in text
    candidates = response.context["candidates"]
    assert candidates[0][0].conscript == person
    assert "unit_number" in candidates[0][0].agree
    assert f'data-conscript="{person.pk}"' in text
    assert [e.action for e in response.context["audit"]] == [AuditAction.SUBMIT, AuditAction.CLAIM]
    assert response["Cache-Control"] == "private, no-store"


def test_claim_and_release_through_the_page(moderator_client, moderator):
    report = submit()
    moderator_client.post(url("claim", report))
    report.refresh_from_db()
    assert report.claimed_by == moderator
    assert AuditEntry.objects.filter(report_id=report.pk, action=AuditAction.CLAIM).exists()
    response = moderator_client.post(url("release", report))
    assert response.status_code == 302
    assert response["Location"] == url("detail", report)
    report.refresh_from_db()
    assert report.claimed_by is None
    assert AuditEntry.objects.filter(report_id=report.pk, action=AuditAction.RELEASE).exists()


def test_claiming_a_report_someone_else_holds_is_a_message_not_an_error(
    moderator_client, other_moderator
):
    report = services.report_claim(report=submit(), moderator=other_moderator)
    response = moderator_client.post(url("claim", report), follow=True)
    assert response.status_code == 200
    assert any("Another moderator" in m or "Другой модератор" in m for m in messages_of(response))
    report.refresh_from_db()
    assert report.claimed_by == other_moderator


def test_approve_as_new_creates_the_person_and_audits(moderator_client, moderator):
    report = submit()
    response = moderator_client.post(url("approve", report), follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED
    assert report.conscript.surname == "Ладыгин"
    entry = AuditEntry.objects.get(report_id=report.pk, action=AuditAction.APPROVE_NEW)
    assert entry.actor == moderator
    assert entry.conscript_id == report.conscript_id


def test_approving_a_decided_report_shows_a_message_not_a_500(moderator_client, moderator):
    report = submit()
    services.report_reject(report=report, moderator=moderator, reason="спам")
    response = moderator_client.post(url("approve", report), follow=True)
    assert response.status_code == 200
    assert messages_of(response)
    report.refresh_from_db()
    assert report.state == ReportState.REJECTED
    assert not AuditEntry.objects.filter(action=AuditAction.APPROVE_NEW).exists()


def test_reject_needs_a_reason_and_audits(moderator_client, moderator):
    report = submit()
    response = moderator_client.post(url("reject", report), {"reason": ""}, follow=True)
    assert messages_of(response)
    report.refresh_from_db()
    assert report.state == ReportState.PENDING
    moderator_client.post(url("reject", report), {"reason": "Не о призывнике"})
    report.refresh_from_db()
    assert (report.state, report.decision_reason) == (ReportState.REJECTED, "Не о призывнике")
    assert AuditEntry.objects.get(report_id=report.pk, action=AuditAction.REJECT).actor == moderator


def test_mark_duplicate_of_another_report(moderator_client):
    first, again = submit(), submit()
    moderator_client.post(url("duplicate", again), {"of": first.pk})
    again.refresh_from_db()
    assert (again.state, again.duplicate_of) == (ReportState.DUPLICATE, first)
    assert AuditEntry.objects.filter(report_id=again.pk, action=AuditAction.MARK_DUPLICATE).exists()


def test_duplicate_of_itself_or_of_nothing_is_a_message(moderator_client):
    report = submit()
    for of in (report.pk, 999999):
        response = moderator_client.post(url("duplicate", report), {"of": of}, follow=True)
        assert response.status_code == 200
        assert messages_of(response)
    report.refresh_from_db()
    assert report.state == ReportState.PENDING


def test_request_information_from_the_submitter(moderator_client):
    report = submit()
    moderator_client.post(url("request-info", report), {"message": "Какая рота?"})
    report.refresh_from_db()
    assert (report.state, report.info_request) == (ReportState.NEEDS_INFO, "Какая рота?")
    assert AuditEntry.objects.filter(report_id=report.pk, action=AuditAction.REQUEST_INFO).exists()


def test_merge_into_a_candidate_without_conflicts_goes_straight_through(
    moderator_client, moderator
):
    person = ConscriptFactory(
        surname="Ладыгин", given_name="Матвей", patronymic="Игоревич", birth_year=2005, unit=None
    )
    report = submit()
    response = moderator_client.post(url("merge", report), {"conscript": person.pk}, follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert (report.state, report.conscript) == (ReportState.MERGED, person)
    person.refresh_from_db()
    assert person.unit.number == "72001"
    assert person.status == Status.CAPTURED
    assert AuditEntry.objects.get(report_id=report.pk, action=AuditAction.MERGE).actor == moderator


def test_merge_with_conflicts_asks_first_then_applies_the_choices(moderator_client):
    person = ConscriptFactory(
        surname="Ладыгин",
        given_name="Матвей",
        patronymic="Игоревич",
        birth_year=2005,
        unit=UnitFactory(number="72999"),
        last_known_place="Курск",
    )
    report = submit(last_known_place="Суджа")
    asked = moderator_client.post(url("merge", report), {"conscript": person.pk})
    assert asked.status_code == 200
    assert set(asked.context["form"].conflicts) == {"unit", "last_known_place"}
    report.refresh_from_db()
    assert report.state == ReportState.PENDING  # nothing merged yet
    assert not AuditEntry.objects.filter(action=AuditAction.MERGE).exists()

    moderator_client.post(
        url("merge", report),
        {
            "conscript": person.pk,
            "resolved": "True",
            "choice_unit": "report",
            "choice_last_known_place": "record",
        },
    )
    report.refresh_from_db()
    person.refresh_from_db()
    assert report.state == ReportState.MERGED
    assert person.unit.number == "72001"
    assert person.last_known_place == "Курск"
    entry = AuditEntry.objects.get(report_id=report.pk, action=AuditAction.MERGE)
    assert entry.after["overwritten"] == ["unit"]


def test_merge_into_a_missing_record_is_a_message(moderator_client):
    report = submit()
    response = moderator_client.post(url("merge", report), {"conscript": 999999}, follow=True)
    assert messages_of(response)
    report.refresh_from_db()
    assert report.state == ReportState.PENDING


def test_merge_two_people_records(moderator_client, moderator):
    keep, remove = ConscriptFactory(), ConscriptFactory()
    response = moderator_client.post(
        reverse("conscripts:merge"), {"keep": keep.pk, "remove": remove.pk}, follow=True
    )
    assert response.status_code == 200
    remove.refresh_from_db()
    assert remove.merged_into == keep
    assert AuditEntry.objects.filter(
        action=AuditAction.CONSCRIPTS_MERGE, conscript_id=keep.pk, actor=moderator
    ).exists()
    again = moderator_client.post(
        reverse("conscripts:merge"), {"keep": keep.pk, "remove": remove.pk}, follow=True
    )
    assert again.status_code == 200
    assert messages_of(again)


def test_actions_need_post(moderator_client):
    report = submit()
    for name in ("claim", "release", "approve", "merge", "reject", "duplicate", "request-info"):
        assert moderator_client.get(url(name, report)).status_code == 405


def test_the_nav_shows_the_queue_to_moderators_only(client, moderator_client):
    assert "/reports/queue/" in moderator_client.get("/").content.decode()
    client.logout()
    text = client.get("/").content.decode()
    assert "/reports/queue/" not in text
    assert "/reports/new/" in text


def test_the_conflict_preview_leaves_no_trace(moderator_client):
    person = ConscriptFactory(surname="Ладыгин", given_name="Матвей", birth_year=2003, unit=None)
    report = submit()
    response = moderator_client.post(url("merge", report), {"conscript": person.pk})
    assert "birth_year" in response.context["form"].conflicts
    person.refresh_from_db()
    assert person.birth_year == 2003
    assert person.unit is None
    assert not person.evidence.exists()
    assert not AuditEntry.objects.exclude(action=AuditAction.SUBMIT).exists()


def test_merge_into_a_record_typed_by_number_wins_over_the_default_candidate(moderator_client):
    ConscriptFactory(
        surname="Ладыгин", given_name="Матвей", patronymic="Игоревич", birth_year=2005, unit=None
    )
    typed = ConscriptFactory(
        surname="Ладыгин", given_name="Матвей", patronymic="", birth_year=None, unit=None
    )
    report = submit()
    moderator_client.post(url("merge", report), {"conscript": "", "other": typed.pk})
    report.refresh_from_db()
    assert report.conscript == typed


def test_merge_without_any_record_is_a_message(moderator_client):
    report = submit()
    response = moderator_client.post(url("merge", report), {}, follow=True)
    assert messages_of(response)
    report.refresh_from_db()
    assert report.state == ReportState.PENDING


def test_the_queue_points_moderators_to_disputed_records(moderator_client):
    assert "disputed-notice" not in moderator_client.get("/reports/queue/").content.decode()
    ConscriptFactory(is_disputed=True, is_public=False)
    ConscriptFactory(is_disputed=True)
    body = moderator_client.get("/reports/queue/").content.decode()
    assert 'data-testid="disputed-notice"' in body
    assert "/research/?disputed=true" in body
    assert "2 записи" in body or "2 records" in body
