"""A mother types her son's name, declined, on a phone and opens his case."""

import datetime

import pytest

from conscripts import services
from conscripts.models import EvidenceKind, Status
from tests.factories import ConscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_relative_finds_her_son_by_a_declined_name_and_opens_his_case(browser, live_server):
    son = ConscriptFactory(
        surname="Воробьев", given_name="Никита", patronymic="Андреевич", birth_year=2005
    )
    ConscriptFactory(
        surname="Воробьев", given_name="Никита", patronymic="Андреевич", birth_year=2003
    )
    ConscriptFactory(surname="Воронин", given_name="Никита", patronymic="Игоревич")
    services.evidence_add(
        conscript=son,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=datetime.date(2024, 9, 14),
        summary="Узнан родными на видео пленных",
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="ru-RU", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/")
        page.get_by_label("Имя или номер части").fill("Воробьёва Никиту 2005")
        page.get_by_role("button", name="Найти").click()

        first = page.get_by_test_id("result").first
        assert "Воробьев Никита Андреевич" in first.inner_text()
        assert "2005" in first.inner_text()
        assert "В плену" in first.inner_text()

        first.locator(".result-name").click()  # the name; the unit links its page
        assert page.locator("h1").inner_text() == "Воробьев Никита Андреевич"
        assert "Узнан родными на видео пленных" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
