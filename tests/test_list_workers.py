"""A big uploaded list and a long pasted list are handled by a real Celery worker."""

from __future__ import annotations

import time

import pytest

from reports import uploads
from reports.models import ListUpload, Report, UploadState
from sources import lists
from sources.models import PastedList, PasteState
from tests.conftest import start_worker, stop_worker
from tests.factories import ConscriptFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings, tmp_path):
    from config.celery import app

    settings.MEDIA_ROOT = tmp_path  # the worker reads the uploaded file from here too
    app.control.purge()
    proc = start_worker(env={"MEDIA_ROOT": str(tmp_path)})
    yield proc
    stop_worker(proc)


def wait_until(read, done, timeout: float = 90):
    """Poll ``read()`` until ``done(value)`` (no fixed sleep); the last value read."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_a_list_longer_than_the_sync_limit_is_read_by_the_worker(worker, settings, moderator):
    settings.LIST_UPLOAD_SYNC_ROWS = 5
    letters = "абвгдежзик"
    rows = "\n".join(
        f"Тест{letters[n // 10]}{letters[n % 10]}ов Иван Петрович;2004;пропал" for n in range(40)
    )
    upload = uploads.list_upload_create(
        file_name="big.csv",
        data=f"ФИО;Год рождения;Статус\n{rows}\n".encode("cp1251"),
        uploaded_by=moderator,
    )
    upload = uploads.list_upload_start(upload=upload, moderator=moderator)
    assert upload.state == UploadState.QUEUED  # not read in the request
    upload = wait_until(
        lambda: ListUpload.objects.get(pk=upload.pk), lambda u: u.state == UploadState.DONE
    )
    assert (upload.state, upload.progress, upload.counts["queued"]) == (UploadState.DONE, 100, 40)
    assert Report.objects.filter(upload=upload).count() == 40


def test_a_list_longer_than_the_sync_limit_is_matched_by_the_worker(worker, settings, researcher):
    settings.LIST_PASTE_SYNC_LINES = 2
    person = ConscriptFactory(surname="Кречетов", given_name="Тимофей", patronymic="Павлович")
    text = "Кречетов Тимофей Павлович\nЗяблинцев Кирилл\nТихомиров Аркадий\n"
    pasted = lists.pasted_list_create(text=text, user=researcher)
    assert pasted.state == PasteState.QUEUED
    pasted = wait_until(
        lambda: PastedList.objects.get(pk=pasted.pk), lambda p: p.state == PasteState.DONE
    )
    assert pasted.state == PasteState.DONE
    assert pasted.lines[0]["candidates"][0]["id"] == person.pk
