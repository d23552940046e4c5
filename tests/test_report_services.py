"""Moderators decide reports through services; every step is audited."""

import datetime
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from conscripts.models import Conscript, EvidenceKind, Status
from core.models import AuditAction, AuditEntry
from reports import services
from reports.models import Report, ReportState
from tests.factories import ConscriptFactory, UnitFactory, UserFactory, region

pytestmark = pytest.mark.django_db

D = datetime.date


def submit(**overrides) -> Report:
    data = {
        "surname": "  кречетов ",
        "given_name": "тимофей",
        "patronymic": "Павлович",
        "birth_year": 2004,
        "unit_number": "71234",
        "home_region": region(),
        "last_contact_date": D(2024, 8, 20),
        "last_known_place": "Суджа",
        "claimed_status": Status.MISSING,
        "evidence_urls": ["https://t.me/example_channel/101"],
        "details": "Звонил последний раз 20 августа. Мама: +7 900 000-00-00",
        "submitter_name": "Кречетова Анна",
        "submitter_contact": "Anna.Krechetova@Example.invalid",
        "submitter_language": "ru",
        "consent": True,
        "ip": "192.0.2.10",
    }
    data.update(overrides)
    return services.report_submit(**data)


def audit(report, action):
    return AuditEntry.objects.get(report_id=report.pk, action=action)


@pytest.fixture
def second_moderator(db):
    from core import access

    return UserFactory(username="moderator2", groups=[access.MODERATORS])


# --- submit --------------------------------------------------------------------------
def test_a_submitted_report_is_pending_cleaned_and_audited():
    report = submit()
    assert report.state == ReportState.PENDING
    assert (report.surname_raw, report.surname) == ("кречетов", "Кречетов")
    assert report.given_name == "Тимофей"
    assert report.submitter_email == "anna.krechetova@example.invalid"
    assert report.consent_at is not None
    assert len(report.receipt_token) >= 40
    entry = audit(report, AuditAction.SUBMIT)
    assert entry.actor is None
    assert entry.after["state"] == ReportState.PENDING


def test_every_report_gets_its_own_unguessable_receipt_token():
    tokens = {submit().receipt_token for _ in range(5)}
    assert len(tokens) == 5


def test_a_form_report_without_consent_is_refused():
    with pytest.raises(ValidationError):
        submit(consent=False)
    assert not Report.objects.exists()


def test_a_report_with_a_non_web_link_is_refused():
    with pytest.raises(ValidationError):
        submit(evidence_urls=["javascript:alert(1)"])


def test_a_telegram_handle_is_not_taken_for_an_e_mail():
    assert submit(submitter_contact="@anna_k").submitter_email == ""


# --- permission ------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["researcher", "outsider"])
def test_only_moderators_may_act_on_reports(request, persona):
    user = request.getfixturevalue(persona)
    report = submit()
    for call in (
        lambda: services.report_claim(report=report, moderator=user),
        lambda: services.report_approve_new(report=report, moderator=user),
        lambda: services.report_reject(report=report, moderator=user, reason="спам"),
        lambda: services.report_request_info(report=report, moderator=user, message="?"),
        lambda: services.reports_bulk_reject(reports=[report], moderator=user, reason="спам"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    report.refresh_from_db()
    assert report.state == ReportState.PENDING
    assert not Conscript.objects.exists()


# --- claims --------------------------------------------------------------------------
def test_a_moderator_claims_and_releases_a_report(moderator):
    report = services.report_claim(report=submit(), moderator=moderator)
    assert report.claimed_by == moderator
    claim = audit(report, AuditAction.CLAIM)
    assert (claim.before["claimed_by_id"], claim.after["claimed_by_id"]) == (None, moderator.pk)
    report = services.report_release(report=report, moderator=moderator)
    assert report.claimed_by is None
    assert audit(report, AuditAction.RELEASE).before["claimed_by_id"] == moderator.pk


def test_a_report_claimed_by_someone_else_cannot_be_claimed_or_decided(moderator, second_moderator):
    report = services.report_claim(report=submit(), moderator=moderator)
    with pytest.raises(services.ReportClaimedError):
        services.report_claim(report=report, moderator=second_moderator)
    with pytest.raises(services.ReportClaimedError):
        services.report_approve_new(report=report, moderator=second_moderator)
    with pytest.raises(services.ReportClaimedError):
        services.report_release(report=report, moderator=second_moderator)


def test_an_expired_claim_can_be_taken_over(moderator, second_moderator, settings):
    settings.REPORT_CLAIM_MINUTES = 20
    report = services.report_claim(report=submit(), moderator=moderator)
    Report.objects.filter(pk=report.pk).update(claimed_at=timezone.now() - timedelta(minutes=21))
    report = services.report_claim(report=report, moderator=second_moderator)
    assert report.claimed_by == second_moderator


def test_a_claim_younger_than_the_setting_still_holds(moderator, second_moderator, settings):
    settings.REPORT_CLAIM_MINUTES = 20
    report = services.report_claim(report=submit(), moderator=moderator)
    Report.objects.filter(pk=report.pk).update(claimed_at=timezone.now() - timedelta(minutes=19))
    with pytest.raises(services.ReportClaimedError):
        services.report_claim(report=report, moderator=second_moderator)


# --- approve --------------------------------------------------------------------------
def test_approving_creates_a_person_with_evidence_and_a_derived_status(moderator):
    report = submit(
        claimed_status=Status.CAPTURED,
        evidence_urls=["https://t.me/example_channel/101", "https://t.me/example_channel/102"],
    )
    person = services.report_approve_new(report=report, moderator=moderator)
    report.refresh_from_db()
    assert (report.state, report.conscript, report.decided_by) == (
        ReportState.APPROVED,
        person,
        moderator,
    )
    assert (person.surname, person.given_name, person.unit.number) == (
        "Кречетов",
        "Тимофей",
        "71234",
    )
    assert person.status == Status.CAPTURED
    # One report is one piece of evidence, whatever its number of links: by default a
    # «captured» with a video link is a prisoner video, shown with that link.
    evidence = person.evidence.get()
    assert (evidence.kind, evidence.url, evidence.report_id) == (
        EvidenceKind.PRISONER_VIDEO,
        "https://t.me/example_channel/101",
        report.pk,
    )
    assert (evidence.source_kind, evidence.source_name, evidence.summary) == ("relative", "", "")
    assert evidence.published_at == report.created_at
    # The relative's phone number stays in the moderators-only archive.
    assert "+7 900" in evidence.archived_text
    entry = audit(report, AuditAction.APPROVE_NEW)
    assert entry.conscript_id == person.pk
    assert (entry.before["state"], entry.after["state"]) == (
        ReportState.PENDING,
        ReportState.APPROVED,
    )
    assert entry.after["evidence_ids"] == [evidence.pk]
    assert entry.after["evidence"]["kind"] == EvidenceKind.PRISONER_VIDEO


def test_a_report_without_links_becomes_one_piece_of_evidence(moderator):
    person = services.report_approve_new(report=submit(evidence_urls=[]), moderator=moderator)
    evidence = person.evidence.get()
    assert (evidence.kind, evidence.claimed_status, evidence.event_date) == (
        EvidenceKind.SEARCH_POST,
        Status.MISSING,
        D(2024, 8, 20),
    )


@pytest.mark.parametrize(
    "decide",
    [
        lambda r, m: services.report_reject(report=r, moderator=m, reason="спам"),
        lambda r, m: services.report_approve_new(report=r, moderator=m),
    ],
)
def test_a_decided_report_cannot_be_decided_again(moderator, decide):
    report = submit()
    decide(report, moderator)
    with pytest.raises(services.ReportStateError):
        services.report_approve_new(report=report, moderator=moderator)
    with pytest.raises(services.ReportStateError):
        services.report_reject(report=report, moderator=moderator, reason="ещё раз")
    with pytest.raises(services.ReportStateError):
        services.report_claim(report=report, moderator=moderator)
    assert Conscript.objects.count() <= 1


# --- merge ----------------------------------------------------------------------------
def test_merging_fills_empty_fields_and_reports_conflicts_without_overwriting(moderator):
    person = ConscriptFactory(
        surname="Кречетов",
        given_name="Тимофей",
        patronymic="",
        birth_year=2005,
        unit=UnitFactory(number="71234"),
        last_known_place="",
    )
    report = submit(birth_year=2004)
    result = services.report_merge(report=report, conscript=person, moderator=moderator)
    person.refresh_from_db()
    assert person.patronymic == "Павлович"
    assert person.last_known_place == "Суджа"
    assert person.birth_year == 2005
    assert result.conflicts == {"birth_year": (2005, 2004)}
    assert {"patronymic", "last_known_place", "last_contact_date"} <= set(result.filled)
    assert person.evidence.count() == 1
    report.refresh_from_db()
    assert (report.state, report.conscript) == (ReportState.MERGED, person)
    entry = audit(report, AuditAction.MERGE)
    assert entry.before["conscript"]["patronymic"] == ""
    assert entry.after["conscript"]["patronymic"] == "Павлович"
    assert entry.after["conflicts"] == {"birth_year": [2005, 2004]}


def test_field_choices_let_the_report_win_a_conflict(moderator):
    person = ConscriptFactory(surname="Кречетов", given_name="Тимофей", birth_year=2005)
    result = services.report_merge(
        report=submit(birth_year=2004),
        conscript=person,
        moderator=moderator,
        field_choices={"birth_year": "report"},
    )
    person.refresh_from_db()
    assert person.birth_year == 2004
    assert "birth_year" in result.overwritten
    assert "birth_year" not in result.conflicts


# --- reject, duplicate, request info -----------------------------------------------------
def test_rejecting_needs_a_reason_and_is_audited(moderator):
    report = submit()
    with pytest.raises(ValidationError):
        services.report_reject(report=report, moderator=moderator, reason="  ")
    report = services.report_reject(report=report, moderator=moderator, reason="Нет данных")
    assert (report.state, report.decision_reason) == (ReportState.REJECTED, "Нет данных")
    entry = audit(report, AuditAction.REJECT)
    assert (entry.actor, entry.after["decision_reason"]) == (moderator, "Нет данных")


def test_a_report_can_be_marked_a_duplicate_of_another(moderator):
    first, second = submit(), submit()
    report = services.report_mark_duplicate(report=second, of=first, moderator=moderator)
    assert (report.state, report.duplicate_of) == (ReportState.DUPLICATE, first)
    assert audit(second, AuditAction.MARK_DUPLICATE).after["duplicate_of_id"] == first.pk
    with pytest.raises(services.ReportStateError):
        services.report_mark_duplicate(report=first, of=first, moderator=moderator)


def test_asking_for_information_keeps_the_report_open(moderator):
    report = services.report_claim(report=submit(), moderator=moderator)
    report = services.report_request_info(
        report=report, moderator=moderator, message="Уточните номер части"
    )
    assert (report.state, report.info_request, report.claimed_by) == (
        ReportState.NEEDS_INFO,
        "Уточните номер части",
        None,
    )
    assert audit(report, AuditAction.REQUEST_INFO).before["state"] == ReportState.PENDING
    services.report_approve_new(report=report, moderator=moderator)


def test_bulk_reject_rejects_all_or_none(moderator):
    spam = [submit(), submit(), submit()]
    services.reports_bulk_reject(reports=spam[:2], moderator=moderator, reason="спам")
    assert AuditEntry.objects.filter(action=AuditAction.REJECT).count() == 2
    with pytest.raises(services.ReportStateError):
        services.reports_bulk_reject(reports=spam, moderator=moderator, reason="спам")
    spam[2].refresh_from_db()
    assert spam[2].state == ReportState.PENDING


# --- two records, one person --------------------------------------------------------------
# --- concurrency ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_the_same_report_at_once_create_one_person(
    moderator, second_moderator
):
    report = submit(submitter_contact="", evidence_urls=[])
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve(user):
        try:
            barrier.wait(timeout=10)
            outcomes[user.username] = services.report_approve_new(report=report, moderator=user)
        except Exception as exc:
            outcomes[user.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (moderator, second_moderator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [o for o in outcomes.values() if isinstance(o, Conscript)]
    losers = [o for o in outcomes.values() if not isinstance(o, Conscript)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], services.ReportStateError)
    assert "already" in str(losers[0])
    assert Conscript.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.APPROVE_NEW).count() == 1


@pytest.mark.parametrize(
    ("urls", "has_video"),
    [
        (["https://www.youtube.com/watch?v=AbCdEfGhIjK"], True),
        (["https://youtu.be/AbCdEfGhIjK", "https://example.invalid/post/1"], True),
        (["https://t.me/fictional_channel/4521"], True),
        (["https://example.invalid/post/1"], False),
        ([], False),
    ],
)
def test_submitted_reports_know_whether_they_carry_a_video_link(urls, has_video):
    assert submit(evidence_urls=urls).has_video is has_video
