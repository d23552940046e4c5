"""A relative tells us what they know through the public form; the receipt is theirs alone."""

import io
import secrets

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.models import AuditAction, AuditEntry
from reports import images
from reports.models import Report, ReportState
from reports.services import report_request_info
from tests.factories import region

pytestmark = pytest.mark.django_db

NEW = "/reports/new/"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RATE_LIMIT = "1000/hour"


def form_data(**overrides):
    data = {
        "surname": "Кречетов",
        "given_name": "Тимофей",
        "patronymic": "Павлович",
        "birth_date": "",
        "birth_year": "2004",
        "unit_number": "в/ч 71234",
        "home_region": str(region().pk),
        "last_contact_date": "2024-08-20",
        "last_known_place": "Суджа",
        "claimed_status": "captured",
        "evidence_urls": "https://t.me/example_channel/101\n\nhttps://youtu.be/abc",
        "details": "Звонил последний раз 20 августа.",
        "submitter_name": "Кречетова Анна",
        "submitter_contact": "Anna@Example.invalid",
        "consent": "on",
        "homepage": "",
    }
    data.update(overrides)
    return data


def jpeg_with_gps(size=(64, 48)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 0.0)})
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- the happy path --------------------------------------------------------------------------
def test_a_relative_submits_a_report_and_lands_on_the_private_receipt(client):
    response = client.post(NEW, form_data(), REMOTE_ADDR="192.0.2.10")
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:receipt", args=[report.receipt_token])
    assert report.state == ReportState.PENDING
    assert report.surname == "Кречетов"
    assert report.unit_number == "71234"
    assert report.birth_year == 2004
    assert report.claimed_status == "captured"
    assert report.evidence_urls == ["https://t.me/example_channel/101", "https://youtu.be/abc"]
    assert report.submitter_email == "anna@example.invalid"
    assert report.submitted_ip == "192.0.2.10"
    assert report.consent_at is not None
    assert AuditEntry.objects.filter(report_id=report.pk, action=AuditAction.SUBMIT).exists()

    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Кречетов Тимофей Павлович" in text
    assert "71234" in text
    assert "192.0.2.10" not in text


def test_the_form_is_offered_in_english_too(client):
    client.cookies["django_language"] = "en"
    response = client.get(NEW, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Surname" in response.content.decode()


def test_an_anonymous_report_needs_no_name_or_contact_of_the_submitter(client):
    response = client.post(NEW, form_data(submitter_name="", submitter_contact=""))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.submitter_contact == ""
    assert report.submitter_email == ""


@pytest.mark.parametrize("typed", ["в/ч 12345", "вч12345", "В.Ч. 12345", "12345", " 12345 "])
def test_it_accepts_the_usual_ways_of_writing_a_unit(client, typed):
    assert client.post(NEW, form_data(unit_number=typed)).status_code == 302
    assert Report.objects.get().unit_number == "12345"


def test_a_birth_date_settles_the_year(client):
    client.post(NEW, form_data(birth_date="2005-03-12", birth_year=""))
    report = Report.objects.get()
    assert (report.birth_date.isoformat(), report.birth_year) == ("2005-03-12", 2005)


# --- validation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("surname", ""),
        ("surname", "12345"),
        ("surname", "К" * 201),
        ("given_name", "Т" * 201),
        ("unit_number", "в/ч 1234"),
        ("unit_number", "123456"),
        ("birth_year", "2054"),
        ("birth_year", "1890"),
        ("birth_date", "2054-01-01"),
        ("birth_date", "not a date"),
        ("last_contact_date", "2099-01-01"),
        ("last_known_place", "С" * 201),
        ("claimed_status", "alive-and-well"),
        ("evidence_urls", "javascript:alert(1)"),
        ("evidence_urls", "ftp://example.org/file"),
        ("evidence_urls", "https://example.org/" + "a" * 600),
        ("evidence_urls", "\n".join(f"https://example.org/{i}" for i in range(11))),
        ("details", "д" * 5001),
        ("submitter_contact", "x" * 201),
        ("consent", ""),
    ],
)
def test_a_wrong_field_is_refused_and_what_was_typed_is_kept(client, field, value):
    data = form_data(**{field: value})
    if field == "consent":
        del data["consent"]
    response = client.post(NEW, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Report.objects.exists()
    text = response.content.decode()
    if field != "last_known_place":
        assert 'value="Суджа"' in text
    if field != "details":
        assert "Звонил последний раз 20 августа." in text
    if field != "surname":
        assert 'value="Кречетов"' in text


def test_a_birth_year_that_contradicts_the_birth_date_is_refused(client):
    response = client.post(NEW, form_data(birth_date="2005-03-12", birth_year="2004"))
    assert "birth_year" in response.context["form"].errors
    assert not Report.objects.exists()


def test_script_tags_are_shown_as_text_on_the_receipt(client):
    hostile = "<script>alert('x')</script>"
    response = client.post(NEW, form_data(details=hostile, last_known_place=hostile), follow=True)
    text = response.content.decode()
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text


def test_evidence_links_on_the_receipt_are_not_clickable(client):
    response = client.post(NEW, form_data(), follow=True)
    assert 'href="https://t.me/example_channel/101"' not in response.content.decode()


# --- honeypot and rate limit ---------------------------------------------------------------------
def test_a_filled_honeypot_is_an_error_and_nothing_is_saved(client):
    response = client.post(NEW, form_data(homepage="http://spam.example"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Report.objects.exists()


def test_the_honeypot_is_hidden_from_people_and_autofill(client):
    text = client.get(NEW).content.decode()
    assert 'name="homepage"' in text
    assert 'autocomplete="off"' in text
    assert 'tabindex="-1"' in text
    assert 'class="hp" aria-hidden="true"' in text


def test_too_many_reports_from_one_address_get_429_and_the_typed_text_is_kept(client, settings):
    settings.REPORT_RATE_LIMIT = "2/hour"
    # Counters live in Redis for an hour: fresh addresses keep reruns independent.
    address, other = (f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}" for _ in "ab")
    for _ in range(2):
        assert client.post(NEW, form_data(), REMOTE_ADDR=address).status_code == 302
    response = client.post(
        NEW, form_data(details="Третье сообщение, текст сохранён."), REMOTE_ADDR=address
    )
    assert response.status_code == 429
    text = response.content.decode()
    assert 'data-testid="rate-limited"' in text
    assert "Третье сообщение, текст сохранён." in text
    assert 'value="Кречетов"' in text
    assert Report.objects.count() == 2
    # Another address is not affected.
    assert client.post(NEW, form_data(), REMOTE_ADDR=other).status_code == 302


def test_the_rate_is_read_from_settings_with_a_default(settings):
    from core import ratelimit

    del settings.REPORT_RATE_LIMIT
    assert ratelimit.report_rate() == (5, 3600)
    settings.REPORT_RATE_LIMIT = "10/minute"
    assert ratelimit.report_rate() == (10, 60)


# --- receipt ---------------------------------------------------------------------------------
def test_the_receipt_is_private_uncached_and_not_indexed(client):
    response = client.post(NEW, form_data(), follow=True)
    # same-origin: never sent to another site, while the page's own answer form still
    # carries an Origin the CSRF check accepts (no-referrer makes Chromium send "null").
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="referrer" content="same-origin">' in response.content.decode()


def test_the_receipt_shows_the_moderators_question(client, moderator):
    client.post(NEW, form_data())
    report = Report.objects.get()
    report_request_info(report=report, moderator=moderator, message="Какой номер роты?")
    response = client.get(reverse("reports:receipt", args=[report.receipt_token]))
    text = response.content.decode()
    assert 'data-state="needs_info"' in text
    assert "Какой номер роты?" in text


def test_an_unknown_receipt_token_is_404(client):
    assert client.get("/reports/receipt/not-a-real-token/").status_code == 404


# --- photos ----------------------------------------------------------------------------------
def test_a_photo_is_re_encoded_without_its_gps_position(client):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    response = client.post(NEW, {**form_data(), "photo": upload(original)})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.photo.name.startswith("reports/photos/")
    assert "photo" not in report.photo.name.rsplit("/", 1)[-1]
    stored = report.photo.read()
    assert b"PhoneMaker" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(0x8825)


def test_a_transparent_screenshot_stays_png():
    buf = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buf, "PNG")
    assert images.reencode(io.BytesIO(buf.getvalue())).extension == "png"


def webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "WEBP")
    return buf.getvalue()


def gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    return buf.getvalue()


def huge_png() -> bytes:
    buf = io.BytesIO()
    Image.new("1", (5000, 5000)).save(buf, "PNG")  # 25 megapixels in a few kilobytes
    return buf.getvalue()


def test_a_webp_photo_is_accepted(client):
    response = client.post(NEW, {**form_data(), "photo": upload(webp(), "s.webp", "image/webp")})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: b"<?php system($_GET['c']); ?>", "evil.jpg"),
        (lambda: jpeg_with_gps()[:200], "truncated.jpg"),
        (gif, "anim.gif"),
        (huge_png, "bomb.png"),
        (lambda: jpeg_with_gps() + b"\0" * (5 * 1024 * 1024), "big.jpg"),
    ],
    ids=["not-an-image", "truncated", "gif", "too-many-pixels", "over-5-mb"],
)
def test_a_bad_or_oversized_image_is_refused(client, make, name):
    response = client.post(NEW, {**form_data(), "photo": upload(make(), name)})
    assert response.status_code == 400
    assert "photo" in response.context["form"].errors
    assert not Report.objects.exists()


def test_reencode_refuses_a_decompression_bomb_before_decoding_it():
    with pytest.raises(images.ImageRejected) as caught:
        images.reencode(io.BytesIO(huge_png()))
    assert caught.value.code == "too_many_pixels"


def test_the_receipt_switches_language_without_a_form(client):
    client.post(NEW, form_data())
    token = Report.objects.get().receipt_token
    response = client.get(reverse("reports:receipt", args=[token]), {"lang": "en"})
    assert response["Content-Language"] == "en"
    assert "Your report" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"


def test_behind_a_proxy_the_address_comes_from_the_configured_header(client, settings):
    settings.TRUSTED_PROXIES = 1
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    client.post(
        NEW,
        form_data(),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.23",  # the client may forge the first part
    )
    assert Report.objects.get().submitted_ip == "198.51.100.23"


def test_without_the_setting_forwarded_headers_are_ignored(client):
    client.post(NEW, form_data(), REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert Report.objects.get().submitted_ip == "192.0.2.5"
