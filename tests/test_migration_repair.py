"""The data migration that repairs evidence written before it said what and when."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from conscripts.models import Evidence, EvidenceKind, Status, StatusChange
from reports.models import Report
from sources.models import Source, SourceItem
from tests.factories import ConscriptFactory

pytestmark = pytest.mark.django_db

repair_migration = importlib.import_module("sources.migrations.0003_repair_evidence_what_and_when")
POST = "https://t.me/poisk_example/77"
VIDEO = "https://www.youtube.com/watch?v=Qwe123Rty45"
MODERATED = timezone.make_aware(datetime.datetime(2026, 12, 3, 23, 30))  # «3 December 2026»


def run_repair(capsys=None) -> str:
    repair_migration.repair(apps, SimpleNamespace(connection=connection))
    return capsys.readouterr().out if capsys else ""


def old_style_rows():
    """What approving an ingested relative's «seen him on a video» post used to write."""
    source = Source.objects.create(kind="telegram", name="Поиск (вымышленный)")
    SourceItem.objects.create(
        source=source,
        external_id="77",
        url=POST,
        published_at=timezone.make_aware(datetime.datetime(2025, 1, 20, 22, 15)),
        text="Узнали Илью на видео! Звоните +7 900 111-22-33",
        phones=["+79001112233"],
        state="extracted",
    )
    person = ConscriptFactory(surname="Жаворонков", given_name="Илья")
    report = Report.objects.create(
        origin="source",
        origin_ref="telegram:Поиск (вымышленный):77#1",
        surname_raw="Жаворонков",
        surname="Жаворонков",
        given_name="Илья",
        claimed_status=Status.CAPTURED,
        evidence_urls=[POST, VIDEO],
        has_video=True,
        state="approved",
        conscript=person,
    )
    # The columns a new report gets by default are what an old one did not have.
    Report.objects.filter(pk=report.pk).update(source_kind="", source_private=True)
    rows = [
        Evidence.objects.create(
            conscript=person,
            kind=EvidenceKind.OTHER,
            claimed_status=Status.CAPTURED,
            url=url,
            source_name=f"Report #{report.pk}",
            summary=f"From report #{report.pk}: link",
            added_at=MODERATED,
        )
        for url in (POST, VIDEO)
    ]
    change = StatusChange.objects.create(
        conscript=person,
        to_status=Status.CAPTURED,
        effective_date=datetime.date(2026, 12, 4),  # the UTC day of the moderation
        changed_at=MODERATED,
        evidence=rows[0],
    )
    person.status, person.status_since = Status.CAPTURED, datetime.date(2026, 12, 4)
    person.save(update_fields=["status", "status_since"])
    seeded = Evidence.objects.create(
        conscript=ConscriptFactory(),
        kind=EvidenceKind.EXCHANGE_LIST,
        claimed_status=Status.RETURNED,
        url="https://example.invalid/exchange/1",
        source_name="Списки обмена (канал)",
    )
    return person, report, rows, change, seeded


def test_it_repairs_what_is_derivable_and_says_what_it_left(capsys):
    person, report, (post, video), change, seeded = old_style_rows()

    out = run_repair(capsys)

    report.refresh_from_db()
    assert (report.source_kind, report.source_url, report.source_private) == (
        "telegram",
        POST,
        True,
    )
    assert report.published_at == timezone.make_aware(datetime.datetime(2025, 1, 20, 22, 15))
    post.refresh_from_db()
    video.refresh_from_db()
    for evidence in (post, video):
        assert (evidence.report_id, evidence.source_kind, evidence.summary) == (
            report.pk,
            "telegram",
            "",
        )
        assert evidence.kind == EvidenceKind.PRISONER_VIDEO
        assert evidence.published_at == report.published_at
    # The relative's own post (a phone number in it) never becomes public; the video does.
    assert (post.public_url, video.public_url) == ("", VIDEO)
    # Dated by the post's own local day (22:15 Moscow on the 20th), not the moderation.
    change.refresh_from_db()
    assert change.effective_date == datetime.date(2025, 1, 20)
    person.refresh_from_db()
    assert person.status_since == datetime.date(2025, 1, 20)
    seeded.refresh_from_db()
    assert seeded.public_url == "https://example.invalid/exchange/1"
    assert "evidence repaired (from reports): 2" in out
    assert (
        "evidence left without a source kind (not from a report: nothing to read it from): 1" in out
    )


def test_running_it_twice_changes_nothing_more(capsys):
    old_style_rows()
    run_repair(capsys)
    out = run_repair(capsys)
    assert "repaired (from reports)" not in out
    assert "status changes re-dated" not in out
