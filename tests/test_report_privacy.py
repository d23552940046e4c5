"""Who may see what a relative sent: moderators only, and never the public record."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from reports import services
from reports.models import Report
from tests.factories import ReportFactory
from tests.helpers import log_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

SUBMITTER_NAME = "Ладыгина Ольга Петровна"
SUBMITTER_CONTACT = "Olga.Private@Example.invalid"
SUBMITTER_IP = "192.0.2.199"
DETAILS = "Мой телефон +7 900 111-22-33, звоните вечером"


@pytest.fixture
def report(db) -> Report:
    report = ReportFactory(
        captured_on_video=True,
        home_region=None,
        evidence_urls=["https://t.me/prisoner_videos/5"],
        details=DETAILS,
        submitter_name=SUBMITTER_NAME,
        submitter_contact=SUBMITTER_CONTACT,
        ip=SUBMITTER_IP,
    )
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG")
    report.photo.save("x.jpg", ContentFile(buf.getvalue()))
    return report


PRIVATE = [SUBMITTER_NAME, SUBMITTER_CONTACT, SUBMITTER_CONTACT.lower(), SUBMITTER_IP, DETAILS]


def pages(report):
    return [
        ("get", "/reports/queue/"),
        ("get", reverse("reports:detail", args=[report.pk])),
        ("get", reverse("reports:photo", args=[report.pk])),
        ("post", reverse("reports:claim", args=[report.pk])),
        ("post", reverse("reports:approve", args=[report.pk])),
        ("post", reverse("reports:bulk-reject")),
    ]


@pytest.fixture(params=["anonymous", "outsider", "researcher"])
def someone_else(request, client):
    if request.param != "anonymous":
        log_in(client, request.getfixturevalue(request.param))
    return request.param, client


def test_only_moderators_reach_the_queue_the_report_and_its_photo(someone_else, report):
    who, client = someone_else
    for method, path in pages(report):
        response = getattr(client, method)(path)
        if who == "anonymous":
            assert response.status_code == 302, path
            assert response["Location"].startswith("/accounts/login/"), path
        else:
            assert response.status_code in (403, 404), path
        text = response.content.decode(errors="replace")
        assert not any(value in text for value in PRIVATE), path
    report.refresh_from_db()
    assert report.state == "pending"
    assert report.claimed_by is None


def test_moderators_see_the_submitter_and_the_photo(moderator_client, report):
    text = moderator_client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert SUBMITTER_NAME in text
    assert SUBMITTER_CONTACT in text
    assert SUBMITTER_IP in text
    photo = moderator_client.get(reverse("reports:photo", args=[report.pk]))
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "private, no-store"
    assert photo["X-Content-Type-Options"] == "nosniff"


def test_the_photo_is_not_under_a_public_media_url(settings, report):
    assert report.photo.name.startswith("reports/photos/")
    assert not getattr(settings, "MEDIA_URL", "").strip("/")  # nothing serves MEDIA_ROOT


def test_the_public_never_sees_submitter_data_even_after_approval(client, moderator, report):
    conscript = services.report_approve_new(report=report, moderator=moderator)
    conscript.refresh_from_db()
    assert conscript.is_public
    case = client.get(conscript.get_absolute_url())
    assert case.status_code == 200
    assert "Ладыгин" in case.content.decode()
    search = client.get("/api/v1/conscripts/", {"q": "Ладыгин Матвей"})
    assert search.status_code == 200
    assert search.json()["count"] == 1
    cases = client.get(f"/api/v1/cases/{conscript.pk}/")
    evidence = client.get("/api/v1/evidence/", {"conscript": conscript.pk})
    for response in (case, search, cases, evidence):
        text = response.content.decode()
        for value in PRIVATE:
            assert value not in text, (response.request["PATH_INFO"], value)
        assert "receipt" not in text
        assert report.receipt_token not in text
        assert report.photo.name not in text


def test_the_receipt_holder_sees_their_own_contact_but_not_their_ip(client, report):
    text = client.get(reverse("reports:receipt", args=[report.receipt_token])).content.decode()
    assert SUBMITTER_CONTACT in text
    assert SUBMITTER_IP not in text


@pytest.mark.parametrize("who", ["outsider", "researcher"])
def test_staff_who_are_not_moderators_get_no_queue_link(client, who, request):
    log_in(client, request.getfixturevalue(who))
    assert "/reports/queue/" not in client.get("/").content.decode()
