"""Moderators upload a volunteers' list: each person becomes a report in the review queue."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from conscripts.models import Conscript, EvidenceKind, EvidenceSource
from core.models import AuditAction, AuditEntry
from reports import uploads
from reports.models import ListUpload, Origin, Report, ReportState, UploadState

DATA = Path(__file__).parent / "data" / "lists"

pytestmark = pytest.mark.django_db

MESSY = (
    "Список пропавших (вымышленные люди)\n"
    "№ п/п;ФИО;Дата рождения;Откуда;В/ч;Статус;Последняя связь;Контакт;Откуда родом;Примечание\n"
    "1;Кречетов Тимофей Павлович;07.05.2004;Брянская обл., Клинцы;в/ч 12345;пропал;"
    "20.08.2024;+7 912 345-67-89 мама;Клинцы;\n"
    "2;зябликов  кирилл андреевич;19.11.05;Респ. Башкортостан;в.ч. 41520;вернулся (обмен 24.08);"
    '10.08.2024;7,92E+10;;"звонил\nиз-под Суджи"\n'
    ";;;;;;;;;\n"
    "3;;2005 г.р.;брянская;;пропал;;;;\n"
    "4;Кречетов Тимофей Павлович;07.05.2004;;;в плену;;;;видео 12.09\n"
    "Всего: 35 чел.;;;;;;;;;\n"
)


def upload_bytes(data: bytes, user, name: str = "list.csv", **kwargs) -> ListUpload:
    return uploads.list_upload_create(file_name=name, data=data, uploaded_by=user, **kwargs)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_mapping_is_guessed_from_russian_headers_below_a_title(moderator):
    upload = upload_bytes(MESSY.encode("cp1251"), moderator)
    assert (upload.kind, upload.encoding, upload.delimiter) == ("csv", "cp1251", ";")
    assert upload.header_index == 1 and upload.rows_total == 6
    # «Откуда родом» was not recognised: «Откуда» is already the region column.
    assert upload.mapping == [
        "number",
        "full_name",
        "birth",
        "region",
        "unit",
        "status",
        "last_contact",
        "contact",
        None,
        "note",
    ]
    assert upload.state == UploadState.MAPPING and not Report.objects.exists()


def test_the_preview_shows_the_first_rows_as_they_will_be_read(moderator):
    upload = upload_bytes(MESSY.encode("cp1251"), moderator)
    preview = uploads.upload_preview(upload=upload)
    first = preview.rows[0]
    assert (first.number, first.full_name, first.birth_date, first.region_code) == (
        3,
        "Кречетов Тимофей Павлович",
        date(2004, 5, 7),
        "BRY",
    )
    assert [r.skip for r in preview.rows] == ["", "", "blank", "", "", "summary"]
    assert preview.samples[1][:2] == ["Кречетов Тимофей Павлович", "зябликов  кирилл андреевич"]
    assert not preview.problems


def queue(upload, moderator, mapping=None):
    if mapping is not None:
        uploads.list_upload_map(upload=upload, mapping=mapping, moderator=moderator)
    return uploads.list_upload_start(upload=upload, moderator=moderator)


def test_each_person_becomes_one_pending_report_with_its_origin(moderator):
    upload = queue(
        upload_bytes(MESSY.encode("cp1251"), moderator, source_name="Поиск Курск"), moderator
    )
    assert upload.state == UploadState.DONE
    assert upload.counts | {} == upload.counts
    assert (upload.counts["queued"], upload.counts["duplicates"], upload.counts["errors"]) == (
        2,
        1,
        1,
    )
    assert upload.counts["skipped"] == 2
    reports = {r.surname: r for r in Report.objects.filter(upload=upload)}
    assert set(reports) == {"Кречетов", "Зябликов"}
    kr = reports["Кречетов"]
    assert (kr.origin, kr.state, kr.upload_row) == (Origin.UPLOAD, ReportState.PENDING, 3)
    assert (kr.source_kind, kr.source_name) == (EvidenceSource.UPLOAD, "Поиск Курск")
    assert (kr.birth_date, kr.unit_number, kr.home_region.code) == (
        date(2004, 5, 7),
        "12345",
        "BRY",
    )
    assert kr.claimed_status == "missing" and kr.last_contact_date == date(2024, 8, 20)
    # Contacts are for moderators only: the submitter fields, and nobody is e-mailed.
    assert kr.submitter_contact == "+7 912 345-67-89 мама" and kr.submitter_email == ""
    # The same person in row 7 was folded into this report; the details say so.
    assert "list.csv, строки 3, 7" in kr.details  # in the uploader's language
    zy = reports["Зябликов"]
    assert (zy.given_name, zy.birth_date, zy.claimed_status) == (
        "Кирилл",
        date(2005, 11, 19),
        "returned",
    )
    assert (zy.evidence_kind, zy.event_date, zy.event_precision) == (
        EvidenceKind.EXCHANGE_LIST,
        date(2024, 8, 24),
        "day",
    )
    assert "звонил\nиз-под Суджи" in zy.details
    # Nobody's status moved: a moderator has not approved anything yet.
    assert not Conscript.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.SUBMIT, actor=moderator).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.LIST_UPLOAD, actor=moderator).count() == 1


def test_an_approved_row_is_evidence_from_an_uploaded_list_never_named_by_its_file(moderator):
    from reports import services

    upload = queue(
        upload_bytes(MESSY.encode("cp1251"), moderator, name="Иванова_список.csv"), moderator
    )
    report = Report.objects.get(upload=upload, surname="Кречетов")
    services.report_claim(report=report, moderator=moderator)
    person = services.report_approve_new(report=report, moderator=moderator)
    evidence = person.evidence.get()
    assert (evidence.kind, evidence.claimed_status, evidence.source_kind) == (
        EvidenceKind.OTHER,
        "missing",
        EvidenceSource.UPLOAD,
    )
    assert evidence.source_label == "Загруженный список"
    assert "Иванова" not in evidence.source_label and evidence.public_url == ""
    assert "Иванова_список.csv" in evidence.archived_text  # for moderators


def test_each_rows_problems_are_kept_by_row_number(moderator):
    upload = queue(upload_bytes(MESSY.encode("cp1251"), moderator), moderator)
    by_row = dict(uploads.problems_by_row(upload))
    assert [p["code"] for p in by_row[4]] == ["date_year_assumed", "phone_destroyed"]
    assert [p["code"] for p in by_row[6]] == ["no_name"]
    assert by_row[6][0]["level"] == "error"
    assert "duplicate" in [p["code"] for p in by_row[7]]


def test_uploading_the_same_file_again_adds_nothing(moderator):
    data = MESSY.encode("cp1251")
    queue(upload_bytes(data, moderator), moderator)
    again = queue(upload_bytes(data, moderator, name="list (1).csv"), moderator)
    assert (again.counts["queued"], again.counts["present"]) == (0, 2)
    assert Report.objects.count() == 2
    # Reading an upload a second time (a redelivered task) changes nothing either.
    uploads.list_upload_read(upload_id=again.pk)
    assert Report.objects.count() == 2


def test_a_fixed_mapping_is_what_the_rows_are_read_with(moderator):
    upload = upload_bytes(MESSY.encode("cp1251"), moderator)
    mapping = list(upload.mapping)
    mapping[3], mapping[8] = "place", "region"  # «Откуда» is the place; «Откуда родом» home
    upload = queue(upload, moderator, mapping)
    report = Report.objects.get(upload=upload, surname="Кречетов")
    assert report.last_known_place == "Брянская обл., Клинцы"
    assert report.home_region.code == "BRY"  # from «Клинцы»


def test_a_mapping_without_a_name_column_cannot_be_queued(moderator):
    upload = upload_bytes(MESSY.encode("cp1251"), moderator)
    mapping = [None if m == "full_name" else m for m in upload.mapping]
    uploads.list_upload_map(upload=upload, mapping=mapping, moderator=moderator)
    with pytest.raises(uploads.UploadError):
        uploads.list_upload_start(upload=upload, moderator=moderator)
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_shape_file_can_be_uploaded(moderator, fmt):
    from tests.data.lists.make_lists import SHAPES

    for name in SHAPES:
        upload = queue(
            upload_bytes((DATA / f"{name}.{fmt}").read_bytes(), moderator, name=name), moderator
        )
        assert upload.state == UploadState.DONE, name
        assert upload.counts["queued"] + upload.counts["present"] >= 1, name


def test_a_file_that_is_no_list_is_refused(moderator):
    with pytest.raises(uploads.UploadError):
        upload_bytes(b"PK\x03\x04broken", moderator, name="list.xlsx")


def test_only_moderators_upload(researcher):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        upload_bytes(MESSY.encode(), researcher)


# --- Pages ---------------------------------------------------------------------------------
def test_the_pages_take_a_list_through_mapping_to_the_queue(moderator_client):
    file = io.BytesIO(MESSY.encode("cp1251"))
    file.name = "список.csv"
    response = moderator_client.post(reverse("reports:upload"), {"file": file, "source_name": ""})
    upload = ListUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:upload-detail", args=[upload.pk]
    )
    page = moderator_client.get(response["Location"])
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert "Кречетов Тимофей Павлович" in html and "Брянская область" in html
    form = {f"col_{i}": m or "" for i, m in enumerate(upload.mapping)}
    response = moderator_client.post(response["Location"], {**form, "action": "queue"})
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.state == UploadState.DONE
    result = moderator_client.get(response["Location"]).content.decode()
    assert 'data-row="4"' in result and "7,92E+10" in result
    queue_page = moderator_client.get(reverse("reports:queue"), {"upload": upload.pk})
    assert queue_page.context["page"].paginator.count == 2
    assert reverse("reports:upload-detail", args=[upload.pk]) in queue_page.content.decode()
    problems = moderator_client.get(reverse("reports:upload-problems", args=[upload.pk]))
    rows = list(csv.reader(io.StringIO(problems.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Строка"
    assert [r[0] for r in rows[1:]] == ["3", "4", "4", "6", "7"]


def test_the_upload_pages_are_for_moderators_only(client, researcher_client, moderator):
    upload = upload_bytes(MESSY.encode(), moderator)
    for name, args in (
        ("reports:upload", []),
        ("reports:upload-detail", [upload.pk]),
        ("reports:upload-status", [upload.pk]),
        ("reports:upload-problems", [upload.pk]),
    ):
        url = reverse(name, args=args)
        assert researcher_client.get(url).status_code == 403
    client.logout()
    assert client.get(reverse("reports:upload")).status_code == 302


def test_the_upload_page_lists_uploads_in_a_constant_number_of_queries(
    moderator_client, moderator, django_assert_max_num_queries
):
    upload_bytes(MESSY.encode(), moderator)
    with django_assert_max_num_queries(12) as few:
        moderator_client.get(reverse("reports:upload"))
    for n in range(5):
        upload_bytes(MESSY.encode(), moderator, name=f"list-{n}.csv")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = moderator_client.get(reverse("reports:upload"))
    assert response.content.decode().count("list-") >= 5


def test_a_file_that_went_missing_fails_the_upload_instead_of_leaving_it_waiting(moderator):
    upload = upload_bytes(MESSY.encode(), moderator)
    upload.file.delete(save=False)
    with pytest.raises(FileNotFoundError):
        uploads.list_upload_start(upload=upload, moderator=moderator)
    upload.refresh_from_db()
    assert upload.state == UploadState.FAILED and upload.error
