"""Exports: public columns only, safe for spreadsheets, logged; large ones in a real worker."""

import csv
import io
import json

import pytest
from django.urls import reverse

from research import exports, selectors
from research.models import ExportJob, ExportState
from research.tasks import export_task
from tests.factories import ConscriptFactory, EvidenceFactory
from tests.helpers import log_in, wait_until

EXPORT = reverse("research:export-create")


def post_export(client, fmt="csv", query=""):
    return client.post(EXPORT, {"format": fmt, "query_string": query})


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def people(db):
    kept = ConscriptFactory(surname="Публичный", last_known_place="Суджа")
    hidden = ConscriptFactory(surname="Скрытый", is_public=False)
    merged = ConscriptFactory(surname="Дубликат", merged_into=kept)
    EvidenceFactory(
        conscript=kept, archived_text="Пишите маме: +7 999 000-11-22", summary="Видео из плена"
    )
    return kept, hidden, merged


# --- Columns per role --------------------------------------------------------------------
@pytest.mark.django_db
def test_researchers_get_public_columns_and_public_people_only(researcher_client, people):
    response = post_export(researcher_client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == selectors.export_columns(as_moderator=False)
    assert "is_public" not in rows[0]
    assert [r[1] for r in rows[1:]] == ["Публичный"]
    assert "+7 999" not in response.content.decode()


@pytest.mark.django_db
def test_moderators_also_get_hidden_people_and_an_is_public_column(moderator_client, people):
    rows = read_csv(post_export(moderator_client))
    assert rows[0] == selectors.export_columns(as_moderator=True)
    by_surname = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_surname) == {"Публичный", "Скрытый"}  # merged records never
    assert by_surname["Скрытый"]["is_public"] == "false"
    assert by_surname["Публичный"]["is_public"] == "true"


@pytest.mark.django_db
def test_json_exports_have_the_same_columns(client, researcher, moderator, people):
    log_in(client, researcher)
    records = json.loads(post_export(client, "json").content)
    assert [list(r) for r in records] == [selectors.export_columns(as_moderator=False)]
    assert records[0]["surname"] == "Публичный"
    log_in(client, moderator)
    records = json.loads(post_export(client, "json").content)
    assert {r["surname"] for r in records} == {"Публичный", "Скрытый"}
    assert all("is_public" in r for r in records)


@pytest.mark.django_db
def test_the_export_follows_the_current_filter(researcher_client, people):
    ConscriptFactory(surname="Пленный", status="captured")
    rows = read_csv(post_export(researcher_client, query="status=captured"))
    assert [r[1] for r in rows[1:]] == ["Пленный"]


@pytest.mark.django_db
def test_nobody_outside_the_staff_groups_can_export(client, outsider, people):
    assert post_export(client).status_code == 302
    log_in(client, outsider)
    assert post_export(client).status_code == 403
    assert client.get(EXPORT).status_code in (403, 405)
    assert not ExportJob.objects.exists()


# --- Spreadsheet safety ------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_a_spreadsheet_would_run_are_escaped(prefix):
    assert exports.escape_cell(f"{prefix}SUM(A1)") == f"'{prefix}SUM(A1)"


def test_ordinary_cells_are_left_alone():
    assert exports.escape_cell("Иванов") == "Иванов"
    assert exports.escape_cell(None) == ""
    assert exports.escape_cell(True) == "true"
    assert exports.escape_cell(2005) == "2005"


@pytest.mark.django_db
def test_formulas_in_the_data_are_escaped_in_the_file(researcher_client):
    ConscriptFactory(surname='=HYPERLINK("http://evil")', last_known_place="+7 999 000")
    rows = read_csv(post_export(researcher_client))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["surname"] == '\'=HYPERLINK("http://evil")'
    assert row["last_known_place"] == "'+7 999 000"


# --- The export log ----------------------------------------------------------------------
@pytest.mark.django_db
def test_every_export_is_logged_with_who_which_filter_and_how_many_rows(
    researcher_client, researcher, people
):
    post_export(researcher_client, query="status=missing&page=2")
    job = ExportJob.objects.get()
    assert job.requested_by == researcher
    assert job.query_string == "status=missing"
    assert job.rows == 1
    assert job.state == ExportState.DONE
    assert job.finished_at is not None
    assert job.as_moderator is False
    listing = researcher_client.get(reverse("research:exports"))
    assert "status=missing" in listing.content.decode()


@pytest.mark.django_db
def test_large_exports_are_queued_after_commit(
    researcher_client, settings, people, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_LIMIT = 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_export(researcher_client)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("research:export-detail", args=[job.pk])
    assert job.state == ExportState.QUEUED
    assert len(callbacks) == 1
    page = researcher_client.get(response["Location"]).content.decode()
    assert "<noscript>" in page
    assert reverse("research:export-status", args=[job.pk]) in page


@pytest.mark.django_db
def test_the_task_writes_the_file_once_and_only_its_owner_or_a_moderator_downloads_it(
    client, researcher, moderator, outsider, settings, tmp_path, people
):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(requested_by=researcher, format="csv", query_string="")
    export_task(job.pk)
    job.refresh_from_db()
    assert (job.state, job.rows, job.progress) == (ExportState.DONE, 1, 100)
    first_file = job.file.name
    export_task(job.pk)  # a second delivery changes nothing
    job.refresh_from_db()
    assert job.file.name == first_file
    assert len(list((tmp_path / "exports").iterdir())) == 1

    url = reverse("research:export-download", args=[job.pk])
    other = ExportJob.objects.create(requested_by=moderator, format="csv")
    log_in(client, researcher)
    response = client.get(url)
    assert response.status_code == 200
    rows = read_csv(response)
    assert [r[1] for r in rows[1:]] == ["Публичный"]
    assert client.get(reverse("research:export-download", args=[other.pk])).status_code == 404
    log_in(client, moderator)
    assert client.get(url).status_code == 200
    log_in(client, outsider)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_another_researchers_export_is_invisible_in_every_form(client, researcher, moderator):
    """Its status JSON, page and file say 404 to a second researcher, as if it did not exist."""
    from core import access
    from tests.factories import UserFactory

    job = ExportJob.objects.create(requested_by=researcher, format="csv", query_string="q=x")
    colleague = UserFactory(username="colleague", groups=[access.RESEARCHERS])
    urls = [
        reverse(name, args=[job.pk])
        for name in ("research:export-status", "research:export-detail", "research:export-download")
    ]
    log_in(client, colleague)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"q=x" not in response.content
    assert "q=x" not in client.get(reverse("research:exports")).content.decode()
    log_in(client, researcher)
    status = client.get(urls[0])
    assert status.status_code == 200
    assert status.json()["state"] == ExportState.QUEUED
    log_in(client, moderator)
    assert client.get(urls[0]).status_code == 200


# --- A real worker -----------------------------------------------------------------------
@pytest.fixture
def export_worker(request, monkeypatch, settings, tmp_path):
    """A real Celery worker writing into this test's MEDIA_ROOT (passed by environment)."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path
    return request.getfixturevalue("celery_worker_process")


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_a_large_export_that_the_page_then_offers(
    client, researcher, settings, export_worker, tmp_path
):
    settings.EXPORT_SYNC_LIMIT = 5
    ConscriptFactory.create_batch(12)
    ConscriptFactory(surname="Скрытый", is_public=False)
    log_in(client, researcher)
    response = post_export(client)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    status_url = reverse("research:export-status", args=[job.pk])
    status = {}

    def finished() -> bool:
        status.update(client.get(status_url).json())
        return status["state"] in ("done", "failed")

    wait_until(finished, "the export to finish", progress=lambda: status.get("progress"))
    assert status["state"] == "done", status
    assert status["rows"] == 12 and status["progress"] == 100
    assert (tmp_path / ExportJob.objects.get().file.name).is_file()
    page = client.get(reverse("research:export-detail", args=[job.pk])).content.decode()
    assert status["download_url"] in page
    rows = read_csv(client.get(status["download_url"]))
    assert len(rows) == 13
    assert "Скрытый" not in {r[1] for r in rows}


# --- At download: the caller's current role, people hidden since, expiry -------------------
def written_export(user, *, fmt="csv") -> ExportJob:
    """An export written to a real file by the task, as a worker writes it."""
    job = ExportJob.objects.create(
        requested_by=user, format=fmt, as_moderator=selectors.sees_hidden_people(user)
    )
    export_task(job.pk)
    job.refresh_from_db()
    assert job.is_downloadable
    return job


def download(client, job):
    return client.get(reverse("research:export-download", args=[job.pk]))


def surnames(response, fmt="csv") -> set[str]:
    assert response.status_code == 200
    if fmt == "json":
        body = b"".join(response.streaming_content).decode()
        return {r["surname"] for r in json.loads(body)}
    return {r[1] for r in read_csv(response)[1:]}


@pytest.mark.django_db
def test_a_moderator_moved_to_the_researchers_no_longer_gets_their_moderator_export(
    client, moderator, media_root, people
):
    from django.contrib.auth.models import Group

    from core import access

    job = written_export(moderator)
    assert job.as_moderator
    log_in(client, moderator)
    assert surnames(download(client, job)) == {"Публичный", "Скрытый"}

    moderator.groups.set([Group.objects.get_or_create(name=access.RESEARCHERS)[0]])
    for name in ("research:export-download", "research:export-detail", "research:export-status"):
        response = client.get(reverse(name, args=[job.pk]))
        assert response.status_code == 404, name
        assert "Скрытый".encode() not in response.content
    assert reverse("research:export-detail", args=[job.pk]) not in (
        client.get(reverse("research:exports")).content.decode()
    )
    moderator.groups.clear()  # no role at all: the staff pages refuse
    assert download(client, job).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_person_hidden_after_the_export_was_written_is_not_served(
    client, researcher, moderator, media_root, people, fmt
):
    kept, _hidden, _merged = people
    other = ConscriptFactory(surname="Другой")
    job = written_export(researcher, fmt=fmt)
    log_in(client, researcher)
    assert surnames(download(client, job), fmt) == {"Публичный", "Другой"}

    kept.is_public = False  # the family asked for the record to be hidden
    kept.save(update_fields=["is_public"])
    for who in (researcher, moderator):  # whoever downloads this researcher's file
        log_in(client, who)
        served = surnames(download(client, job), fmt)
        assert served == {"Другой"}, who
    assert other.surname in (media_root / job.file.name).read_text(encoding="utf-8-sig")


@pytest.mark.django_db
def test_a_moderator_export_keeps_its_hidden_people_for_moderators(
    client, moderator, media_root, people
):
    kept, _hidden, _merged = people
    job = written_export(moderator)
    kept.is_public = False
    kept.save(update_fields=["is_public"])
    log_in(client, moderator)
    assert surnames(download(client, job)) == {"Публичный", "Скрытый"}


@pytest.mark.django_db
def test_export_files_expire_and_beat_deletes_them(
    client, researcher, media_root, people, settings, time_machine
):
    from datetime import timedelta

    from django.utils import timezone

    from research.tasks import exports_purge_task

    settings.EXPORT_KEEP_DAYS = 7
    job = written_export(researcher)
    path = media_root / job.file.name
    log_in(client, researcher)
    detail = client.get(reverse("research:export-detail", args=[job.pk])).content.decode()
    assert timezone.localtime(job.expires_at).strftime("%d.%m.%Y") in detail
    assert exports_purge_task() == 0
    assert path.is_file()

    time_machine.move_to(job.created_at + timedelta(days=7, minutes=1))
    log_in(client, researcher)  # a new session: they end after SESSION_SECONDS
    assert download(client, job).status_code == 404  # expired, even before beat runs
    assert (
        client.get(reverse("research:export-status", args=[job.pk])).json()["download_url"] is None
    )
    assert exports_purge_task() == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.file.name == "" and job.rows == 1  # the log row stays
    detail = client.get(reverse("research:export-detail", args=[job.pk]))
    assert 'data-testid="export-expired"' in detail.content.decode()
    assert exports_purge_task() == 0


def test_expiry_comes_from_the_environment():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.EXPORT_KEEP_DAYS)"
    env = {**os.environ, "EXPORT_KEEP_DAYS": "3", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "3"
