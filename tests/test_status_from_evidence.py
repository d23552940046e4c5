"""A status is never typed in: it follows from approved evidence."""

import datetime
import hashlib

import pytest

from conscripts import services
from conscripts.models import Evidence, EvidenceKind, Status, StatusChange
from tests.factories import ConscriptFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def test_a_person_without_evidence_is_missing_with_no_timeline():
    person = services.conscript_create(surname="Зябликов", given_name="Егор")
    assert person.status == Status.MISSING
    assert person.status_changes.count() == 0


def test_the_latest_claim_by_event_date_decides_the_status():
    person = ConscriptFactory()
    moderator = UserFactory()
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.SEARCH_POST,
        claimed_status=Status.MISSING,
        event_date=D(2024, 8, 10),
    )
    video = services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 9, 1),
        added_by=moderator,
    )
    person.refresh_from_db()
    assert (person.status, person.status_since) == (Status.CAPTURED, D(2024, 9, 1))
    last = person.status_changes.last()
    assert (last.from_status, last.to_status, last.evidence, last.changed_by) == (
        Status.MISSING,
        Status.CAPTURED,
        video,
        moderator,
    )


def test_evidence_added_late_about_an_earlier_day_does_not_override_newer_facts():
    person = ConscriptFactory()
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.EXCHANGE_LIST,
        claimed_status=Status.RETURNED,
        event_date=D(2024, 12, 30),
    )
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 9, 1),
    )
    person.refresh_from_db()
    assert person.status == Status.RETURNED
    assert list(person.status_changes.values_list("to_status", flat=True)) == [Status.RETURNED]


def test_evidence_can_never_be_deleted():
    evidence = services.evidence_add(conscript=ConscriptFactory(), kind=EvidenceKind.OTHER)
    with pytest.raises(PermissionError):
        evidence.delete()
    with pytest.raises(PermissionError):
        Evidence.objects.all().delete()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_archived_text_is_fingerprinted():
    evidence = services.evidence_add(
        conscript=ConscriptFactory(), kind=EvidenceKind.OTHER, archived_text="текст"
    )
    assert evidence.archived_sha256 == hashlib.sha256("текст".encode()).hexdigest()


def test_birth_year_follows_birth_date_and_a_conflict_is_refused():
    person = services.conscript_create(
        surname="Сорокин", given_name="Кирилл", birth_date=D(2005, 3, 12)
    )
    assert person.birth_year == 2005
    with pytest.raises(ValueError, match="birth_year"):
        services.conscript_create(
            surname="Сорокин", given_name="Кирилл", birth_date=D(2005, 3, 12), birth_year=2004
        )


def test_status_changes_record_each_transition_once():
    person = ConscriptFactory()
    for day, status in [
        (1, Status.MISSING),
        (2, Status.MISSING),
        (3, Status.CAPTURED),
        (4, Status.RETURNED),
    ]:
        services.evidence_add(
            conscript=person,
            kind=EvidenceKind.OTHER,
            claimed_status=status,
            event_date=D(2024, 9, day),
        )
    assert list(
        StatusChange.objects.filter(conscript=person).values_list("from_status", "to_status")
    ) == [
        ("", Status.MISSING),
        (Status.MISSING, Status.CAPTURED),
        (Status.CAPTURED, Status.RETURNED),
    ]
