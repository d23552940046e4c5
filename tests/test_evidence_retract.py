"""Moderators retract evidence at fault; the status, the disputed flag and the audit follow."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from conscripts import services as conscript_services
from conscripts.models import EVIDENCE_KIND_BITS, Evidence, EvidenceKind, Status, StatusChange
from core.models import AuditAction, AuditEntry
from tests.factories import ConscriptFactory, UserFactory
from tests.helpers import log_in, messages_of

pytestmark = pytest.mark.django_db

D = datetime.date


def captured_after_a_search_post():
    """A person missing since a search post, then captured on a prisoner video."""
    person = ConscriptFactory(surname="Тихонравов", given_name="Кирилл")
    post = conscript_services.evidence_add(
        conscript=person,
        kind=EvidenceKind.SEARCH_POST,
        claimed_status=Status.MISSING,
        event_date=D(2024, 8, 10),
    )
    video = conscript_services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 9, 1),
        summary="Назван на вымышленном видео пленных",
        archived_text="Пишите брату: +7 900 000-00-00",
    )
    person.refresh_from_db()
    assert person.status == Status.CAPTURED
    return person, post, video


def disputed_by_a_video_after_a_death_notice():
    """An authoritative death notice, then a later prisoner video: captured, disputed."""
    person = ConscriptFactory(surname="Зябликов", given_name="Егор")
    notice = conscript_services.evidence_add(
        conscript=person,
        kind=EvidenceKind.DEATH_NOTICE,
        claimed_status=Status.DEAD,
        event_date=D(2024, 9, 5),
    )
    video = conscript_services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 10, 1),
    )
    person.refresh_from_db()
    assert (person.status, person.is_disputed) == (Status.CAPTURED, True)
    return person, notice, video


def retract_url(evidence):
    return reverse("conscripts:evidence-retract", args=[evidence.pk])


# --- the conscripts service ----------------------------------------------------------------
def test_retracting_the_decisive_video_moves_the_person_back_to_missing(moderator):
    person, post, video = captured_after_a_search_post()

    change = conscript_services.evidence_retract(
        evidence=video, reason="На видео другой человек", moderator=moderator
    )

    person.refresh_from_db()
    assert (person.status, person.status_since) == (Status.MISSING, D(2024, 8, 10))
    assert person.evidence_kinds == EVIDENCE_KIND_BITS[EvidenceKind.SEARCH_POST]
    assert change == person.status_changes.last()
    assert (change.from_status, change.to_status, change.evidence, change.changed_by) == (
        Status.CAPTURED,
        Status.MISSING,
        post,
        moderator,
    )
    video.refresh_from_db()
    assert video.retracted_at is not None
    assert video.retraction_reason == "На видео другой человек"


def test_retracting_the_death_notice_at_fault_settles_the_dispute(moderator):
    person, notice, _video = disputed_by_a_video_after_a_death_notice()
    changes_before = person.status_changes.count()

    change = conscript_services.evidence_retract(
        evidence=notice, reason="Извещение о другом человеке", moderator=moderator
    )

    person.refresh_from_db()
    assert (person.status, person.is_disputed, person.disputed_reason) == (
        Status.CAPTURED,
        False,
        "",
    )
    assert person.evidence_kinds == EVIDENCE_KIND_BITS[EvidenceKind.PRISONER_VIDEO]
    # Still captured: the flag is settled, but the status did not move.
    assert change is None
    assert person.status_changes.count() == changes_before


def test_retracting_the_video_instead_leaves_the_death_standing(moderator):
    person, notice, video = disputed_by_a_video_after_a_death_notice()

    change = conscript_services.evidence_retract(
        evidence=video, reason="Видео не подтвердилось", moderator=moderator
    )

    person.refresh_from_db()
    assert (person.status, person.is_disputed) == (Status.DEAD, False)
    assert (change.from_status, change.to_status, change.evidence) == (
        Status.CAPTURED,
        Status.DEAD,
        notice,
    )


def test_retracting_one_of_two_disagreeing_death_notices_settles_the_dispute(moderator):
    person = ConscriptFactory()
    first = conscript_services.evidence_add(
        conscript=person,
        kind=EvidenceKind.DEATH_NOTICE,
        claimed_status=Status.DEAD,
        event_date=D(2024, 9, 5),
    )
    conscript_services.evidence_add(
        conscript=person,
        kind=EvidenceKind.OFFICIAL_STATEMENT,
        claimed_status=Status.DEAD,
        event_date=D(2024, 9, 20),
    )
    person.refresh_from_db()
    assert (person.status, person.is_disputed) == (Status.DEAD, True)

    conscript_services.evidence_retract(evidence=first, reason="Ошибка в дате", moderator=moderator)

    person.refresh_from_db()
    assert (person.status, person.status_since, person.is_disputed) == (
        Status.DEAD,
        D(2024, 9, 20),
        False,
    )


def test_already_retracted_evidence_is_refused_and_keeps_its_first_reason(moderator):
    _person, _post, video = captured_after_a_search_post()
    conscript_services.evidence_retract(
        evidence=video, reason="Первая причина", moderator=moderator
    )
    video.refresh_from_db()
    first_at = video.retracted_at
    changes = StatusChange.objects.count()

    with pytest.raises(conscript_services.EvidenceAlreadyRetracted):
        conscript_services.evidence_retract(
            evidence=video, reason="Вторая причина", moderator=moderator
        )

    video.refresh_from_db()
    assert (video.retracted_at, video.retraction_reason) == (first_at, "Первая причина")
    assert StatusChange.objects.count() == changes


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_retraction_without_a_reason_is_refused_and_changes_nothing(moderator, reason):
    person, _post, video = captured_after_a_search_post()

    with pytest.raises(ValidationError):
        conscript_services.evidence_retract(evidence=video, reason=reason, moderator=moderator)

    video.refresh_from_db()
    person.refresh_from_db()
    assert video.retracted_at is None
    assert person.status == Status.CAPTURED


# --- the moderators' service and its audit ------------------------------------------------
def test_the_moderators_service_audits_who_retracted_what_with_before_and_after(moderator):
    person, _post, video = captured_after_a_search_post()

    change = conscript_services.evidence_retract(
        evidence=video, moderator=moderator, reason="  На видео другой человек  "
    )

    entry = AuditEntry.objects.get(action=AuditAction.RETRACT_EVIDENCE)
    assert (entry.actor, entry.conscript_id, entry.report_id) == (moderator, person.pk, None)
    assert entry.before["status"] == Status.CAPTURED
    assert entry.before["is_disputed"] is False
    assert entry.before["evidence"]["id"] == video.pk
    assert entry.before["evidence"]["kind"] == EvidenceKind.PRISONER_VIDEO
    assert entry.before["evidence"]["retracted_at"] is None
    assert entry.after["status"] == Status.MISSING
    assert entry.after["evidence"]["id"] == video.pk
    assert entry.after["evidence"]["retraction_reason"] == "На видео другой человек"
    assert entry.after["evidence"]["retracted_at"] is not None
    assert entry.after["status_change_id"] == change.pk
    assert change.changed_by == moderator
    # The caller's instance is brought up to date too.
    assert video.retraction_reason == "На видео другой человек"


def test_the_audit_records_a_settled_dispute(moderator):
    _person, notice, _video = disputed_by_a_video_after_a_death_notice()

    conscript_services.evidence_retract(
        evidence=notice, moderator=moderator, reason="Не тот человек"
    )

    entry = AuditEntry.objects.get(action=AuditAction.RETRACT_EVIDENCE)
    assert (entry.before["is_disputed"], entry.after["is_disputed"]) == (True, False)
    assert entry.before["disputed_reason"]
    assert entry.after["disputed_reason"] == ""
    assert entry.after["status_change_id"] is None


@pytest.mark.parametrize("who", ["researcher", "outsider", None])
def test_only_moderators_may_retract(request, who):
    _person, _post, video = captured_after_a_search_post()
    user = request.getfixturevalue(who) if who else None

    with pytest.raises(PermissionDenied):
        conscript_services.evidence_retract(evidence=video, moderator=user, reason="Причина")

    video.refresh_from_db()
    assert video.retracted_at is None
    assert not AuditEntry.objects.filter(action=AuditAction.RETRACT_EVIDENCE).exists()


def test_the_moderators_service_refuses_twice_and_blank_without_an_audit_entry(moderator):
    _person, _post, video = captured_after_a_search_post()
    with pytest.raises(ValidationError):
        conscript_services.evidence_retract(evidence=video, moderator=moderator, reason=" ")
    conscript_services.evidence_retract(evidence=video, moderator=moderator, reason="Причина")
    with pytest.raises(conscript_services.EvidenceAlreadyRetracted):
        conscript_services.evidence_retract(evidence=video, moderator=moderator, reason="Ещё раз")

    assert AuditEntry.objects.filter(action=AuditAction.RETRACT_EVIDENCE).count() == 1


# --- the view ----------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_log_in_and_nothing_changes(client):
    _person, _post, video = captured_after_a_search_post()

    response = client.post(retract_url(video), {"reason": "Причина"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    video.refresh_from_db()
    assert video.retracted_at is None


@pytest.mark.parametrize("who", ["researcher", "outsider"])
def test_signed_in_non_moderators_are_refused(client, request, who):
    _person, _post, video = captured_after_a_search_post()
    log_in(client, request.getfixturevalue(who))

    assert client.post(retract_url(video), {"reason": "Причина"}).status_code == 403
    video.refresh_from_db()
    assert video.retracted_at is None


def test_a_moderator_retracts_and_returns_to_the_case_page_with_a_message(moderator_client):
    person, _post, video = captured_after_a_search_post()

    response = moderator_client.post(
        retract_url(video), {"reason": "На видео другой человек"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response["Location"] == person.get_absolute_url()
    page = moderator_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert messages_of(page) == ["Evidence retracted. The status is now: Missing."]
    person.refresh_from_db()
    assert person.status == Status.MISSING


def test_a_blank_reason_is_a_message_not_an_error(moderator_client):
    _person, _post, video = captured_after_a_search_post()

    response = moderator_client.post(
        retract_url(video), {"reason": "  "}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    assert response.status_code == 200
    assert messages_of(response) == ["Say why the evidence is retracted."]
    video.refresh_from_db()
    assert video.retracted_at is None


def test_a_too_long_reason_is_a_message_not_an_error(moderator_client):
    _person, _post, video = captured_after_a_search_post()

    response = moderator_client.post(retract_url(video), {"reason": "я" * 1001}, follow=True)

    assert response.status_code == 200
    assert messages_of(response)
    video.refresh_from_db()
    assert video.retracted_at is None


def test_retracting_twice_is_a_message_not_an_error(moderator_client, moderator):
    _person, _post, video = captured_after_a_search_post()
    conscript_services.evidence_retract(
        evidence=video, moderator=moderator, reason="Первая причина"
    )

    response = moderator_client.post(
        retract_url(video), {"reason": "Вторая"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )

    assert response.status_code == 200
    assert messages_of(response) == ["This evidence was already retracted."]
    video.refresh_from_db()
    assert video.retraction_reason == "Первая причина"


def test_retracting_needs_post_and_existing_evidence(moderator_client):
    _person, _post, video = captured_after_a_search_post()
    assert moderator_client.get(retract_url(video)).status_code == 405
    missing = reverse("conscripts:evidence-retract", args=[video.pk + 1000])
    assert moderator_client.post(missing, {"reason": "Причина"}).status_code == 404


# --- the case page -----------------------------------------------------------------------
def test_the_case_page_offers_moderators_a_retract_form_per_active_item(moderator_client):
    person, post, video = captured_after_a_search_post()

    body = moderator_client.get(person.get_absolute_url()).content.decode()

    assert f'action="{retract_url(post)}"' in body
    assert f'action="{retract_url(video)}"' in body


@pytest.mark.parametrize("who", ["researcher", "outsider", None])
def test_the_case_page_offers_no_retract_form_to_anyone_else(client, request, who):
    person, _post, _video = captured_after_a_search_post()
    if who:
        log_in(client, request.getfixturevalue(who))

    body = client.get(person.get_absolute_url()).content.decode()

    assert "/retract/" not in body
    assert 'name="reason"' not in body


@pytest.mark.parametrize("who", ["researcher", "outsider", None])
def test_the_public_never_sees_retracted_evidence_or_why(client, request, moderator, who):
    person, _post, video = captured_after_a_search_post()
    conscript_services.evidence_retract(
        evidence=video, moderator=moderator, reason="Секретная причина"
    )
    if who:
        log_in(client, request.getfixturevalue(who))

    response = client.get(person.get_absolute_url())
    body = response.content.decode()

    assert response.status_code == 200
    assert "Назван на вымышленном видео пленных" not in body
    assert "Секретная причина" not in body
    assert "+7 900" not in body
    assert 'data-testid="retracted-evidence"' not in body


def test_the_public_timeline_leaves_out_what_retracted_evidence_decided(moderator):
    """A death notice about someone else must not leave «confirmed dead» on the page."""
    person, notice, _video = disputed_by_a_video_after_a_death_notice()
    conscript_services.evidence_retract(
        evidence=notice, moderator=moderator, reason="Другой человек"
    )

    public = Client().get(person.get_absolute_url())
    assert [c.to_status for c in public.context["timeline"]] == [Status.CAPTURED]
    assert 'data-testid="timeline-retracted"' not in public.content.decode()

    staff_client = Client()
    log_in(staff_client, moderator)
    staff = staff_client.get(person.get_absolute_url())
    shown = [(c.to_status, c.evidence_retracted) for c in staff.context["timeline"]]
    assert shown == [(Status.DEAD, True), (Status.CAPTURED, False)]
    assert 'data-testid="timeline-retracted"' in staff.content.decode()


def test_moderators_see_retracted_evidence_marked_with_reason_and_date(moderator_client, moderator):
    person, _post, video = captured_after_a_search_post()
    conscript_services.evidence_retract(
        evidence=video, moderator=moderator, reason="Не тот человек"
    )

    response = moderator_client.get(person.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()

    assert list(response.context["retracted_evidence"]) == [video]
    assert 'data-testid="retracted-evidence"' in body
    section = body.split('data-testid="retracted-evidence"', 1)[1]
    assert "Prisoner video" in section
    assert "Не тот человек" in section
    assert "Retracted on" in section
    # A retracted item cannot be retracted again, and its archived text stays out.
    assert f'action="{retract_url(video)}"' not in body
    assert "+7 900" not in body


def test_moderators_see_why_a_record_is_disputed_and_the_public_does_not(client, moderator_client):
    person, _notice, _video = disputed_by_a_video_after_a_death_notice()

    assert 'data-testid="disputed-reason"' in (
        moderator_client.get(person.get_absolute_url()).content.decode()
    )
    client.logout()
    assert 'data-testid="disputed-reason"' not in (
        client.get(person.get_absolute_url()).content.decode()
    )


# --- the admin -----------------------------------------------------------------------------
def test_the_admin_cannot_change_what_the_status_follows_from(client):
    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    log_in(client, admin_user)
    _person, _post, video = captured_after_a_search_post()
    url = reverse("admin:conscripts_evidence_change", args=[video.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert reverse("conscripts:detail", args=[video.conscript_id]) in page.content.decode()
    client.post(
        url,
        {
            "kind": EvidenceKind.DEATH_NOTICE,
            "claimed_status": Status.DEAD,
            "event_date": "2024-01-01",
            "retracted_at_0": "2024-10-01",
            "retracted_at_1": "00:00:00",
            "retraction_reason": "через админку",
            "url": "",
            "source_name": "Другой канал",
            "summary": "",
            "archived_text": "",
        },
    )

    video.refresh_from_db()
    assert (video.kind, video.claimed_status, video.event_date) == (
        EvidenceKind.PRISONER_VIDEO,
        Status.CAPTURED,
        D(2024, 9, 1),
    )
    assert (video.retracted_at, video.retraction_reason) == (None, "")
    assert video.source_name == ""  # nothing about evidence is edited in the admin
    assert Evidence.objects.active().filter(pk=video.pk).exists()
