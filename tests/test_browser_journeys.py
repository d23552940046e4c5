"""Two journeys in Chromium: a relative follows a case by e-mail and stops the mails again;
a moderator retracts a wrong death notice, and the public page keeps neither it nor why.

Every person and address here is fictional.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from conscripts import services
from conscripts.models import EvidenceKind, Follower, Status
from core import access
from tests.factories import ConscriptFactory, UserFactory
from tests.helpers import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = datetime.date
MOTHER = "kurochkina.vera@example.invalid"
NEUTRAL_RU = "Если адрес верен, мы отправили на него ссылку для подтверждения."
CONFIRM_LINK = re.compile(r"https?://\S+/people/follow/confirm/[^/\s]+/")
UNFOLLOW_LINK = re.compile(r"https?://\S+/people/follow/stop/[^/\s]+/")


@pytest.fixture(autouse=True)
def _mail_goes_out_from_the_live_server(settings, live_server, tasks_in_process):
    """Links in the mails point at the live server, and the mail tasks run where they are
    queued (the live server's thread or the test's): these journeys are about what the
    relative sees, not the broker (tests/test_follow.py has a real worker)."""
    settings.SITE_URL = live_server.url
    # The rate limit counts in the shared Redis cache, and every browser is 127.0.0.1.
    settings.FOLLOW_RATE_LIMIT = "1000/hour"


def test_a_relative_follows_a_case_hears_of_the_capture_and_stops_the_mails(
    page, live_server, mailoutbox
):
    person = ConscriptFactory(surname="Курочкин", given_name="Арсений", patronymic="Павлович")

    page.goto(person.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "ru"
    follow = page.get_by_test_id("follow-form")
    follow.get_by_label("Ваш адрес электронной почты").fill(MOTHER)
    follow.get_by_role("button", name="Следить").click()

    page.wait_for_url(re.compile(rf"/people/{person.pk}/#follow$"))
    expect(page.locator(".messages")).to_contain_text(NEUTRAL_RU)
    assert [mail.to for mail in mailoutbox] == [[MOTHER]]
    confirmation = mailoutbox[0]
    assert confirmation.subject == "Подтвердите подписку на запись «Курочкин Арсений Павлович»"
    confirm_url = CONFIRM_LINK.search(confirmation.body)[0]
    assert confirm_url.startswith(f"{live_server.url}/")

    # Opening the link only asks (mail scanners open links too); the button confirms.
    page.goto(confirm_url)
    expect(page.locator("main")).to_contain_text(
        "Подтвердите, что хотите получать письмо при каждом изменении статуса"
    )
    assert not Follower.objects.get().is_following
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_test_id("follow-confirmed")).to_have_text(
        "Подтверждено. Мы напишем вам, когда статус изменится."
    )
    expect(page.locator("main a", has_text="Курочкин Арсений Павлович")).to_have_attribute(
        "href", person.get_absolute_url()
    )
    assert Follower.objects.get().is_following

    # A moderator approves a prisoner video: the relative hears of it.
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 9, 2),
    )
    assert [mail.to for mail in mailoutbox] == [[MOTHER], [MOTHER]]
    news = mailoutbox[1]
    assert news.subject == "Курочкин Арсений Павлович: теперь статус «В плену»"
    assert "Новый статус: В плену" in news.body
    assert "В плену с 2 сентября 2024 г." in news.body
    unfollow_url = UNFOLLOW_LINK.search(news.body)[0]
    assert news.extra_headers["List-Unsubscribe"] == f"<{unfollow_url}>"

    page.goto(unfollow_url)
    expect(page.locator("main")).to_contain_text(
        "Больше не присылать письма об этой записи на ваш адрес?"
    )
    assert Follower.objects.get().is_following  # a GET only asks
    page.get_by_role("button", name="Отписаться").click()
    expect(page.get_by_test_id("unfollowed")).to_have_text(
        "Готово. Мы больше не будем присылать письма об этой записи на ваш адрес."
    )
    assert not Follower.objects.get().is_following

    # He comes home in an exchange: the status moves, and nobody is mailed.
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.EXCHANGE_LIST,
        claimed_status=Status.RETURNED,
        event_date=D(2024, 12, 20),
    )
    person.refresh_from_db()
    assert person.status == Status.RETURNED
    assert len(mailoutbox) == 2


def test_a_moderator_retracts_a_wrong_death_notice_and_the_public_never_sees_it(
    page, browser, live_server
):
    reason = "Извещение о другом человеке с той же фамилией"
    person = ConscriptFactory(surname="Брагин", given_name="Тимофей", patronymic="Ильич")
    notice = services.evidence_add(
        conscript=person,
        kind=EvidenceKind.DEATH_NOTICE,
        claimed_status=Status.DEAD,
        event_date=D(2024, 9, 5),
        summary="Вымышленное извещение из военкомата",
    )
    video = services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=D(2024, 10, 1),
        summary="Назван на вымышленном видео пленных",
    )
    person.refresh_from_db()
    assert (person.status, person.is_disputed) == (Status.CAPTURED, True)
    UserFactory(username="moder", groups=[access.MODERATORS])

    browser_log_in(page, "moder", "correct horse battery", next_url=person.get_absolute_url())
    page.wait_for_url(re.compile(rf"/people/{person.pk}/$"))

    expect(page.get_by_test_id("disputed-reason")).to_be_visible()
    retract = page.get_by_test_id(f"retract-{notice.pk}")
    retract.locator("summary").click()
    retract.get_by_label("Почему свидетельство отзывается?").fill(reason)
    retract.locator("button[type=submit]").click()

    expect(page.locator(".messages")).to_have_text("Свидетельство отозвано. Статус не изменился.")
    assert page.url.endswith(f"/people/{person.pk}/")
    expect(page.get_by_test_id("disputed-reason")).to_have_count(0)
    expect(page.locator(".badge-captured").first).to_be_visible()
    retracted = page.get_by_test_id("retracted-evidence")
    expect(retracted).to_contain_text("Извещение о гибели")
    expect(retracted).to_contain_text(reason)
    expect(page.get_by_test_id(f"retract-{notice.pk}")).to_have_count(0)
    expect(page.get_by_test_id(f"retract-{video.pk}")).to_have_count(1)
    notice.refresh_from_db()
    person.refresh_from_db()
    assert notice.retraction_reason == reason
    assert (person.status, person.is_disputed) == (Status.CAPTURED, False)

    context = browser.new_context(locale="ru-RU", base_url=live_server.url)
    try:
        public = context.new_page()
        public.set_default_timeout(15_000)
        public.goto(person.get_absolute_url())
        evidence = public.locator("section[aria-labelledby=evidence-heading]")
        expect(evidence).to_contain_text("Видео с пленными")
        expect(evidence).to_contain_text("Назван на вымышленном видео пленных")
        expect(evidence).not_to_contain_text("Извещение о гибели")
        # Nor does the timeline say «confirmed dead» on the strength of that notice.
        timeline = public.locator("section[aria-labelledby=timeline-heading]")
        expect(timeline).to_contain_text("В плену")
        expect(timeline).not_to_contain_text("Гибель подтверждена")
        body = public.content()
        assert "Вымышленное извещение из военкомата" not in body
        assert reason not in body
        assert public.get_by_test_id("retracted-evidence").count() == 0
        assert public.get_by_test_id("disputed-reason").count() == 0
        assert public.locator("form[action*='/retract/'], [name=reason]").count() == 0
    finally:
        context.close()
