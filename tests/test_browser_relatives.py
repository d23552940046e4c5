"""Relatives' journeys in Chromium, with a real Celery worker sending the mail:

1. A mother asks to be told when her son is reported (no account; she confirms by
   e-mail); a channel's post names him in a declined form; the worker extracts it and
   matches it against the watches; a moderator confirms the lead; she receives one e-mail.
2. A family asks for a record to be taken down; a moderator hides it; it is gone from the
   public pages, the search, the API, the exports and the statistics lists, and the
   family is told.

Every person and address here is fictional.
"""

import json
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from conscripts.models import Conscript
from core import access
from reports.models import HitState, Report, ReportKind, ReportState, WatchHit
from sources import services as source_services
from sources.models import Source
from tests.conftest import start_worker, stop_worker
from tests.factories import ConscriptFactory, UnitFactory, UserFactory, region
from tests.helpers import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOTHER = "gorlitsyna.vera@example.invalid"
FAMILY = "zyablikova.irina@example.invalid"
CONFIRM_LINK = re.compile(r"https?://\S+(/watch/confirm/[^/\s]+/)")


@pytest.fixture
def mail_dir(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def worker(settings, live_server, mail_dir):
    """A real worker on the real broker (both queues), writing its mail to files."""
    from config.celery import app

    settings.SITE_URL = live_server.url
    settings.REPORT_RATE_LIMIT = "1000/hour"
    settings.WATCH_RATE_LIMIT = "1000/hour"
    mail_dir.mkdir()
    app.control.purge()
    proc = start_worker(env={"TEST_EMAIL_FILE_PATH": str(mail_dir), "SITE_URL": live_server.url})
    yield proc
    stop_worker(proc)


def mails_to(mail_dir: Path, address: str) -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(mail_dir.glob("*.log")))
    return [m for m in text.split("-" * 79) if m.strip() and f"To: {address}" in m]


def wait_for(condition, timeout: float = 90, what: str = "the worker"):
    """Poll ``condition`` until it returns something true (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            assert value, f"timed out waiting for {what}"
            return value
        time.sleep(0.25)


def log_in(browser, live_server, username: str):
    context = browser.new_context(locale="ru-RU", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_log_in(page, username, "correct horse battery")
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def test_a_relative_is_told_once_a_moderator_confirms_that_a_post_names_her_son(
    browser, page, live_server, worker, mail_dir
):
    UserFactory(username="moder", groups=[access.MODERATORS])
    source = Source.objects.create(kind="webhook", name="Поиск пропавших: Курская область")
    token = source_services.source_rotate_webhook_token(source=source)

    # She searches; nobody is on record, so she asks to be told.
    page.goto("/people/search/?q=Горлицын+Тимофей")
    expect(page.get_by_test_id("no-match")).to_be_visible()
    page.get_by_test_id("watch-link").click()
    form = page.get_by_test_id("watch-form")
    expect(form.locator("[name=surname]")).to_have_value("Горлицын")
    expect(form.locator("[name=given_name]")).to_have_value("Тимофей")
    form.locator("[name=patronymic]").fill("Андреевич")
    form.locator("[name=birth_year]").fill("2004")
    form.locator("[name=email]").fill(MOTHER)
    form.locator("[name=consent]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".message-success")).to_contain_text("Если адрес верен")

    # She opens the link mailed to her and confirms.
    [confirmation] = wait_for(lambda: mails_to(mail_dir, MOTHER), what="the confirmation mail")
    page.goto(CONFIRM_LINK.search(confirmation)[1])
    page.get_by_test_id("watch-confirm").click()
    expect(page.get_by_test_id("watch-confirmed")).to_be_visible()

    # A channel posts about him, in the genitive; the worker extracts and matches it.
    post = {
        "items": [
            {
                "external_id": "post-1",
                "published_at": "2024-09-02T10:00:00+03:00",
                "url": "https://t.me/poisk_kursk_example/1",
                "author": "Поиск пропавших",
                "text": (
                    "Помогите найти Горлицына Тимофея Андреевича, 2004 г.р., в/ч 42817. "
                    "Связь пропала 10 августа 2024 года в Курской области."
                ),
            }
        ]
    }
    response = page.request.post(
        "/api/v1/ingest/",
        data=json.dumps(post, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status == 201
    hit = wait_for(lambda: WatchHit.objects.select_related("report").first(), what="the lead")
    assert hit.report.surname == "Горлицын"
    assert mails_to(mail_dir, MOTHER) == [confirmation]  # a lead alone tells her nothing

    # A moderator sees the lead in the queue and confirms it on the report's page.
    context, moderator = log_in(browser, live_server, "moder")
    moderator.goto("/reports/queue/")
    expect(moderator.get_by_test_id("leads-notice")).to_be_visible()
    row = moderator.locator(f"[data-report='{hit.report_id}']")
    expect(row.get_by_test_id("lead-badge")).to_be_visible()
    row.locator("a").first.click()
    lead = moderator.get_by_test_id("lead")
    expect(lead).to_contain_text("Горлицын Тимофей Андреевич, 2004")
    expect(moderator.locator("main")).not_to_contain_text(MOTHER)
    lead.locator("textarea[name=message]").fill("Сообщение опубликовано в канале, проверяем.")
    lead.get_by_test_id("lead-confirm-submit").click()
    expect(moderator.locator(".message-success")).to_be_visible()
    context.close()

    # She receives one e-mail about it, and one only.
    wait_for(lambda: WatchHit.objects.filter(notified_at__isnull=False).exists(), what="the mail")
    mails = mails_to(mail_dir, MOTHER)
    news = [m for m in mails if "Модератор проверил новые сведения" in m]
    assert len(mails) == 2 and len(news) == 1
    assert "Горлицын Тимофей Андреевич, 2004" in news[0]
    assert "Сообщение опубликовано в канале, проверяем." in news[0]
    assert "/watch/manage/" in news[0]
    hit.refresh_from_db()
    assert hit.state == HitState.CONFIRMED


def test_a_family_asks_for_a_takedown_and_the_record_disappears_everywhere_public(
    browser, page, live_server, worker, mail_dir
):
    UserFactory(username="moder", groups=[access.MODERATORS])
    UserFactory(username="researcher", groups=[access.RESEARCHERS])
    person = ConscriptFactory(
        surname="Зябликов",
        given_name="Матвей",
        patronymic="Павлович",
        birth_year=2005,
        home_region=region("BRY"),
        unit=UnitFactory(number="73311"),
    )
    # Someone who stays, never a namesake of the hidden person (the factory draws surnames).
    ConscriptFactory(surname="Щеглов", unit=UnitFactory(number="73399"))
    case = person.get_absolute_url()
    anonymous = Client()

    def statistics_units(page) -> str:
        page.goto("/statistics/")
        return page.get_by_test_id("unit-table").inner_text()

    cache.clear()  # figures cached by an earlier test are not this one's
    assert "73311" in statistics_units(page)

    # The family asks from the case page.
    page.goto(case)
    page.get_by_test_id("wrong-or-remove").click()
    form = page.get_by_test_id("request-form")
    form.get_by_label("Уберите эту запись из открытого доступа (просьба семьи)").check()
    form.locator("[name=details]").fill("Мы, семья, просим убрать страницу.")
    form.locator("[name=relation]").fill("мать")
    form.locator("[name=submitter_contact]").fill(FAMILY)
    form.locator("[name=consent]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reports/receipt/[\w-]+/$"))
    request = Report.objects.get(kind=ReportKind.TAKEDOWN)
    assert request.about_id == person.pk
    wait_for(lambda: mails_to(mail_dir, FAMILY), what="the receipt mail")

    # A moderator hides the record from the request's page.
    context, moderator = log_in(browser, live_server, "moder")
    moderator.goto("/reports/queue/?kind=takedown")
    moderator.locator(f"[data-report='{request.pk}'] a").first.click()
    hide = moderator.get_by_test_id("hide-form")
    hide.locator("[name=reason]").fill("Просьба матери, подтверждена по телефону")
    hide.locator("[name=note]").fill("Запись скрыта.")
    hide.get_by_test_id("hide-submit").click()
    expect(moderator.locator(".message-success")).to_be_visible()
    moderator.goto(case)  # kept for moderators
    expect(moderator.get_by_test_id("hidden-record")).to_be_visible()
    context.close()
    assert not Conscript.objects.get(pk=person.pk).is_public

    # Gone from the public pages and the search…
    assert page.goto(case).status == 404
    page.goto("/people/search/?q=Зябликов+Матвей")
    expect(page.locator(f"a[href='{case}']")).to_have_count(0)
    page.goto("/people/search/?unit=73311")
    expect(page.locator(f"a[href='{case}']")).to_have_count(0)
    # …from the API…
    found = page.request.get("/api/v1/conscripts/?q=Зябликов").json()
    assert person.pk not in [r["id"] for r in found["results"]]
    assert page.request.get(f"/api/v1/cases/{person.pk}/").status == 404
    listed = page.request.get("/api/v1/cases/?page_size=100").json()["results"]
    assert person.pk not in [r["id"] for r in listed]
    assert anonymous.get(f"/api/v1/cases/{person.pk}/").status_code == 404
    # …from a researcher's export…
    context, researcher = log_in(browser, live_server, "researcher")
    researcher.goto("/research/")
    expect(researcher.locator(f"a[href='{case}']")).to_have_count(0)
    with researcher.expect_download() as download:
        researcher.get_by_test_id("export-csv").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "73399" in exported and "Зябликов" not in exported
    context.close()
    # …and from the statistics lists, recomputed by the worker.
    wait_for(lambda: "73311" not in statistics_units(page), what="the statistics")

    # The family is told.
    decided = wait_for(
        lambda: [m for m in mails_to(mail_dir, FAMILY) if "больше не показывается" in m],
        what="the decision mail",
    )
    assert "Запись скрыта." in decided[0]
    request.refresh_from_db()
    assert request.state == ReportState.APPROVED
    assert settings.SITE_URL in decided[0]
