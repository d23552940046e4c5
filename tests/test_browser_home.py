"""A visitor opens the home page in Debian's Chromium and switches language."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_the_home_page_in_russian_and_switches_to_english(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Пропавшие" in page.locator("h1").inner_text()

    page.select_option("#language-select", "en")
    page.get_by_role("button", name="Сменить").click()
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("lang") == "en"
    assert "Missing conscripts" in page.locator("h1").inner_text()
    # The choice sticks on the next page load.
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_home_page_fits_a_phone_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    page = context.new_page()
    page.goto(live_server.url + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert scroll_width <= 360
