"""Published figures: counts of exactly the public records in their file, never changed
after publication, a correction naming what changed. Every person is fictional."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from conscripts.models import Conscript
from core.models import AuditAction, AuditEntry, OutboxMessage
from research import selectors, services
from research.models import FiguresSnapshot, FiguresSnapshotState
from tests.factories import ConscriptFactory, UnitFactory, region
from tests.helpers import log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def publish(user, note: str = "") -> FiguresSnapshot:
    requested = services.figures_snapshot_request(user=user, note=note)
    return services.figures_snapshot_write(snapshot_id=requested.pk)


def download(client, snapshot, **params) -> list[dict]:
    response = client.get(reverse("research:snapshot-records", args=[snapshot.pk]), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def people():
    kursk, belgorod = region("KRS"), region("BEL")
    unit = UnitFactory(number="41520", name="Мотострелковый полк")
    return {
        "captured": ConscriptFactory(
            surname="Ладыгин", status="captured", home_region=kursk, unit=unit
        ),
        "missing": ConscriptFactory(
            surname="Сорокин", status="missing", home_region=kursk, unit=unit
        ),
        "dead": ConscriptFactory(surname="Кречетов", status="dead", home_region=belgorod),
        "no_region": ConscriptFactory(
            surname="=Формулов", status="missing", home_region=None, unit=None
        ),
        "hidden": ConscriptFactory(
            surname="Скрытов", status="captured", is_public=False, home_region=kursk, unit=unit
        ),
    }


def test_a_request_queues_the_writing_with_its_transaction(moderator):
    snapshot = services.figures_snapshot_request(user=moderator, note="Первые цифры")
    assert snapshot.state == FiguresSnapshotState.PENDING
    message = OutboxMessage.objects.get(dedup_key=f"figures:{snapshot.pk}")
    assert message.task == "research.figures_snapshot_write"
    assert message.args == [snapshot.pk]


def test_only_moderators_may_publish(researcher, client):
    with pytest.raises(PermissionDenied):
        services.figures_snapshot_request(user=researcher)
    log_in(client, researcher)
    assert client.post(reverse("research:snapshot-publish")).status_code == 403
    assert not FiguresSnapshot.objects.exists()


def test_the_counts_are_exactly_the_public_records_of_the_file(moderator, people, client):
    snapshot = publish(moderator)
    assert snapshot.state == FiguresSnapshotState.PUBLISHED and snapshot.published_at
    data = snapshot.data
    assert data["total"] == snapshot.rows == 4
    assert {r["status"]: r["n"] for r in data["by_status"]} == {
        "missing": 2, "captured": 1, "dead": 1, "returned": 0,
    }  # fmt: skip
    assert {r["code"]: r["n"] for r in data["by_region"]} == {"KRS": 2, "BEL": 1, "": 1}
    kursk = next(r for r in data["by_region"] if r["code"] == "KRS")
    assert kursk["by_status"] == {"captured": 1, "missing": 1}
    assert kursk["name_en"] == "Kursk Oblast"
    unit = next(u for u in data["by_unit"] if u["number"] == "41520")
    assert unit["n"] == 2 and unit["id"] == people["captured"].unit_id

    rows = download(client, snapshot)
    public = set(Conscript.objects.public().values_list("pk", flat=True))
    assert {int(r["id"]) for r in rows} == public
    assert len(rows) == data["total"]
    # Public fields only, as every export: the hidden never, and no moderators' column.
    assert list(rows[0]) == selectors.export_columns(as_moderator=False)
    assert "Скрытов" not in {r["surname"] for r in rows}
    # A cell a spreadsheet would run as a formula is escaped.
    assert "'=Формулов" in {r["surname"] for r in rows}
    for status in ("missing", "captured", "dead"):
        counted = next(r["n"] for r in data["by_status"] if r["status"] == status)
        assert len(download(client, snapshot, status=status)) == counted
    assert {r["surname"] for r in download(client, snapshot, region="KRS")} == {
        "Ладыгин", "Сорокин",
    }  # fmt: skip
    assert [r["surname"] for r in download(client, snapshot, region="-")] == ["'=Формулов"]
    assert len(download(client, snapshot, unit="41520")) == 2
    assert [r["surname"] for r in download(client, snapshot, unit="-")] == ["'=Формулов"]


def test_the_file_is_the_one_published_and_its_hash_is_shown(moderator, people, client, settings):
    import hashlib
    from pathlib import Path

    snapshot = publish(moderator)
    raw = (Path(settings.MEDIA_ROOT) / snapshot.file).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == snapshot.sha256
    page = client.get(reverse("research:snapshot", args=[snapshot.pk])).content.decode()
    assert snapshot.sha256 in page
    assert reverse("research:snapshot-records", args=[snapshot.pk]) in page


def test_publication_is_audited_and_keeps_the_method_in_force(moderator, people):
    snapshot = publish(moderator, note="Для статьи")
    entry = AuditEntry.objects.get(action=AuditAction.FIGURES_PUBLISH)
    assert entry.actor == moderator
    assert entry.after == {
        "snapshot": snapshot.pk, "previous": None, "records": 4, "sha256": snapshot.sha256,
    }  # fmt: skip
    assert "How a status follows from evidence" in snapshot.method_en
    assert "Как статус следует из свидетельств" in snapshot.method_ru
    assert snapshot.note == "Для статьи"


def test_writing_twice_changes_nothing(moderator, people):
    snapshot = publish(moderator)
    assert services.figures_snapshot_write(snapshot_id=snapshot.pk) is None
    assert AuditEntry.objects.filter(action=AuditAction.FIGURES_PUBLISH).count() == 1


def test_a_published_snapshot_can_be_neither_updated_nor_deleted(moderator, people):
    snapshot = publish(moderator)
    snapshot.data = {"total": 999}
    with pytest.raises(IntegrityError), transaction.atomic():
        snapshot.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        FiguresSnapshot.objects.filter(pk=snapshot.pk).update(note="changed")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE research_figuressnapshot SET rows = 1 WHERE id = %s", [snapshot.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        FiguresSnapshot.objects.filter(pk=snapshot.pk).delete()
    snapshot.refresh_from_db()
    assert snapshot.data["total"] == 4 and snapshot.rows == 4
    # What is not published yet may still be taken back.
    pending = services.figures_snapshot_request(user=moderator)
    FiguresSnapshot.objects.filter(pk=pending.pk).delete()


def test_the_admin_has_no_page_to_edit_published_figures():
    from django.contrib import admin

    assert FiguresSnapshot not in admin.site._registry


def test_a_correction_names_what_changed_and_never_names_the_hidden(moderator, people, client):
    first = publish(moderator)
    # A status changed, a person added, one hidden at his family's request, a name fixed.
    Conscript.objects.filter(pk=people["missing"].pk).update(status="returned")
    ConscriptFactory(surname="Новиков", status="captured", home_region=region("KRS"))
    Conscript.objects.filter(pk=people["dead"].pk).update(is_public=False)
    Conscript.objects.filter(pk=people["captured"].pk).update(given_name="Пётр")
    second = publish(moderator, note="Исправления")
    assert second.previous == first
    changes = second.data["changes"]
    assert (changes["added"], changes["removed"], changes["status_changed"],
            changes["corrected"]) == (1, 1, 1, 1)  # fmt: skip
    assert changes["examples"]["status_changed"] == [
        {"id": people["missing"].pk, "name": people["missing"].full_name,
         "was": "missing", "now": "returned"}
    ]  # fmt: skip
    page = client.get(reverse("research:snapshot", args=[second.pk])).content.decode()
    assert "Новиков" in page and "Кречетов" not in page
    assert 'data-testid="previous"' in page
    # The first snapshot stays as published; its file no longer gives the hidden person.
    first.refresh_from_db()
    assert first.data["total"] == 4
    assert "Кречетов" not in {r["surname"] for r in download(client, first)}
    assert len(download(client, second)) == second.data["total"] == 4


def test_pages_404_for_unknown_or_unpublished_snapshots(moderator, client):
    pending = services.figures_snapshot_request(user=moderator)
    for name in ("research:snapshot", "research:snapshot-records"):
        assert client.get(reverse(name, args=[pending.pk])).status_code == 404
        assert client.get(reverse(name, args=[999999])).status_code == 404


def test_the_list_shows_published_figures_to_all_and_the_form_to_moderators(
    moderator, people, client
):
    snapshot = publish(moderator, note="Для журналистов")
    page = client.get(reverse("research:snapshots")).content.decode()
    assert reverse("research:snapshot", args=[snapshot.pk]) in page
    assert 'data-testid="publish"' not in page
    log_in(client, moderator)
    page = client.get(reverse("research:snapshots")).content.decode()
    assert 'data-testid="publish"' in page
