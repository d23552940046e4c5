"""Two records of one person: merged by conscripts' own audited service."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from conscripts import services
from conscripts.models import Conscript, Evidence, EvidenceKind, Status, StatusChange
from conscripts.services import evidence_add
from core.models import AuditAction, AuditEntry
from reports import services as report_services
from tests.factories import ConscriptFactory
from tests.test_report_services import submit

pytestmark = pytest.mark.django_db

D = datetime.date


def test_merging_two_records_loses_nothing_and_is_traceable(moderator):
    keep = ConscriptFactory(surname="Зябликов", given_name="Егор", patronymic="")
    remove = ConscriptFactory(surname="Зябликов", given_name="Егор", patronymic="Олегович")
    evidence_add(
        conscript=keep,
        kind=EvidenceKind.SEARCH_POST,
        claimed_status=Status.MISSING,
        event_date=D(2024, 8, 15),
    )
    video = evidence_add(
        conscript=remove,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 9, 1),
    )
    remove_changes = set(remove.status_changes.values_list("pk", flat=True))
    services.conscripts_merge(keep=keep, remove=remove, moderator=moderator)
    keep.refresh_from_db()
    remove.refresh_from_db()
    assert Conscript.objects.filter(pk=remove.pk).exists()
    assert remove.merged_into == keep
    assert set(keep.evidence.values_list("pk", flat=True)) >= {video.pk}
    assert remove_changes <= set(keep.status_changes.values_list("pk", flat=True))
    assert keep.status == Status.CAPTURED
    assert keep.patronymic == "Олегович"
    assert Evidence.objects.count() == 2
    assert StatusChange.objects.filter(conscript=remove).count() == 0
    entries = AuditEntry.objects.filter(action=AuditAction.CONSCRIPTS_MERGE)
    assert set(entries.values_list("conscript_id", flat=True)) == {keep.pk, remove.pk}
    assert all(video.pk in e.after["moved_evidence_ids"] for e in entries)
    removed_entry = entries.get(conscript_id=remove.pk)
    assert removed_entry.after["merged_into_id"] == keep.pk


def test_merged_records_are_not_public(moderator):
    keep, remove = ConscriptFactory(), ConscriptFactory()
    services.conscripts_merge(keep=keep, remove=remove, moderator=moderator)
    assert list(Conscript.objects.public()) == [keep]


def test_a_merged_record_cannot_be_merged_again_or_receive_reports(moderator):
    keep, remove, other = ConscriptFactory(), ConscriptFactory(), ConscriptFactory()
    services.conscripts_merge(keep=keep, remove=remove, moderator=moderator)
    with pytest.raises(services.ConscriptError):
        services.conscripts_merge(keep=other, remove=remove, moderator=moderator)
    with pytest.raises(report_services.ReportStateError):
        report_services.report_merge(report=submit(), conscript=remove, moderator=moderator)


def test_outsiders_cannot_merge_records(outsider):
    with pytest.raises(PermissionDenied):
        services.conscripts_merge(
            keep=ConscriptFactory(), remove=ConscriptFactory(), moderator=outsider
        )
