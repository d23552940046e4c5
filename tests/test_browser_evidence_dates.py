"""In Chromium, with a real Celery worker sending the mail: a relative reports «seen on a
video, 20.01.2025»; a moderator merges it as a prisoner video; the case page (in Russian
and English), the followers' e-mails and the API all say «captured since 20 January
2025» — never the day of moderation. Every person and address here is fictional."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conscripts import services
from conscripts.models import EvidenceKind, Follower, Status
from core import access
from reports.models import Report, ReportState
from tests.conftest import start_worker, stop_worker
from tests.factories import ConscriptFactory, UnitFactory, UserFactory
from tests.helpers import browser_log_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

VIDEO = "https://www.youtube.com/watch?v=Zhv20Jan25x"


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def worker(settings, live_server, mail_dir):
    """A real worker on the real broker, writing its mail to files the test reads."""
    from config.celery import app

    settings.SITE_URL = live_server.url
    settings.REPORT_RATE_LIMIT = "1000/hour"
    mail_dir.mkdir()
    app.control.purge()
    proc = start_worker(env={"TEST_EMAIL_FILE_PATH": str(mail_dir)})
    yield proc
    stop_worker(proc)


def wait_for_mail(mail_dir: Path, count: int) -> list[str]:
    """The mails the worker wrote, once there are ``count`` (polls; no fixed sleep)."""

    def mails() -> list[str]:
        text = "".join(p.read_text(encoding="utf-8") for p in sorted(mail_dir.glob("*.log")))
        return [m for m in text.split("-" * 79) if m.strip()]

    wait_until(lambda: len(mails()) >= count, f"{count} mails", progress=lambda: len(mails()))
    return mails()


def test_a_video_seen_on_20_january_is_the_capture_date_everywhere(
    page, live_server, worker, mail_dir
):
    person = ConscriptFactory(
        surname="Жаворонков",
        given_name="Илья",
        patronymic="Сергеевич",
        birth_year=2005,
        unit=UnitFactory(number="42817"),
    )
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.SEARCH_POST,
        claimed_status=Status.MISSING,
        event_date=datetime.date(2024, 8, 6),
    )
    for email, language in (("mama@example.invalid", "ru"), ("sister@example.invalid", "en")):
        Follower.objects.create(
            conscript=person, email=email, language=language, confirmed_at=timezone.now()
        )
    UserFactory(username="moder", groups=[access.MODERATORS])

    # The relative says what she knows and when.
    page.goto("/reports/new/")
    form = page.get_by_test_id("report-form")
    form.locator("[name=surname]").fill("Жаворонков")
    form.locator("[name=given_name]").fill("Илья")
    form.locator("[name=patronymic]").fill("Сергеевич")
    form.locator("[name=birth_year]").fill("2005")
    form.locator("[name=unit_number]").fill("в/ч 42817")
    form.get_by_label("Видели на видео с пленными").check()
    form.get_by_label("Когда это произошло или когда было опубликовано?").fill("20.01.2025")
    form.locator("[name=evidence_urls]").fill(VIDEO)
    form.locator("[name=submitter_contact]").fill("@zhav_example")
    form.locator("[name=consent]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reports/receipt/[\w-]+/$"))
    report = Report.objects.get()

    # A moderator finds it prefilled as a prisoner video of 20.01.2025 and merges it.
    browser_log_in(page, "moder", "correct horse battery")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/reports/{report.pk}/")
    choice = page.get_by_test_id("evidence-choice")
    expect(choice.locator("[name=evidence-kind]")).to_have_value("prisoner_video")
    expect(choice.locator("[name=evidence-claimed_status]")).to_have_value("captured")
    expect(choice.locator("[name=evidence-event_date]")).to_have_value("20.01.2025")
    expect(choice.locator("[name=evidence-url]")).to_have_value(VIDEO)
    first = page.get_by_test_id("candidate").first
    assert first.get_attribute("data-conscript") == str(person.pk)
    page.get_by_test_id("merge-submit").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    report.refresh_from_db()
    assert report.state == ReportState.MERGED

    # The followers hear of it, dated by the video, in their own language.
    mails = wait_for_mail(mail_dir, 2)
    russian = next(m for m in mails if "mama@example.invalid" in m)
    english = next(m for m in mails if "sister@example.invalid" in m)
    assert "В плену с 20 января 2025 г." in russian
    assert "Captured since Jan. 20, 2025" in english

    # The case page says so in Russian and in English, and so does the API.
    page.goto(f"/people/{person.pk}/")
    expect(page.get_by_test_id("status-since")).to_have_text("с 20 января 2025 г.")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.reload()
    expect(page.get_by_test_id("status-since")).to_have_text("since Jan. 20, 2025")
    expect(page.locator(f"a[href='{VIDEO}']")).to_have_count(1)
    api = page.request.get(f"/api/v1/cases/{person.pk}/").json()
    assert (api["status"], api["status_since"], api["status_since_precision"]) == (
        "captured",
        "2025-01-20",
        "day",
    )
    assert "2026" not in page.get_by_test_id("status-since").inner_text()
