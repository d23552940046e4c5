"""Figures in Chromium: a moderator publishes, a visitor cites and downloads; the map and a
unit page in both languages at desktop and phone widths. Every person is fictional."""

import csv
import io
from datetime import date

import pytest
from django.test import Client

from conscripts.models import Conscript
from research.models import FiguresSnapshot
from tests.factories import (
    ConscriptFactory,
    UnitFactory,
    UserFactory,
    region,
    status_change_create,
)
from tests.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_cached_statistics", "media_root"),
]


def _context(browser, live_server, *, width=1280, language="ru", user=None):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="ru-RU",
        base_url=live_server.url,
        accept_downloads=True,
    )
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        log_in(client, user)
        cookies.append(
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        )
    context.add_cookies(cookies)
    return context


def _fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.fixture
def records():
    kursk, belgorod = region("KRS"), region("BEL")
    unit = UnitFactory(number="41520", name="Мотострелковый полк")
    people = [
        ConscriptFactory(surname="Ладыгин", status="captured", home_region=kursk, unit=unit),
        ConscriptFactory(surname="Зябликов", status="captured", home_region=kursk, unit=unit),
        ConscriptFactory(surname="Сорокин", status="missing", home_region=belgorod, unit=unit),
        ConscriptFactory(surname="Кречетов", status="dead", home_region=belgorod),
        ConscriptFactory(surname="Мерзляков", status="returned", home_region=region("CR")),
    ]
    ConscriptFactory(surname="Скрытов", status="captured", home_region=kursk, unit=unit,
                     is_public=False)  # fmt: skip
    status_change_create(conscript=people[0], to_status="captured",
                         effective_date=date(2024, 8, 14))  # fmt: skip
    status_change_create(conscript=people[1], to_status="captured",
                         effective_date=date(2024, 10, 2))  # fmt: skip
    return {"unit": unit, "people": people}


def test_a_moderator_publishes_and_a_visitor_downloads_exactly_the_counted_records(
    browser, live_server, records, tasks_in_process
):
    moderator = UserFactory(username="figures-moderator", groups=["moderators"])
    context = _context(browser, live_server, user=moderator)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/statistics/figures/")
    page.fill("textarea[name=note]", "Цифры для статьи о пропавших под Курском")
    page.get_by_test_id("publish-submit").click()
    page.wait_for_url("**/statistics/figures/")
    page.get_by_test_id("snapshot-item").first.wait_for()
    context.close()

    snapshot = FiguresSnapshot.objects.get()
    assert snapshot.is_published
    visitor = _context(browser, live_server, language="en")
    page = visitor.new_page()
    page.set_default_timeout(15_000)
    page.goto("/statistics/figures/")
    page.get_by_test_id("snapshot-item").locator("a").click()
    page.wait_for_url(f"**/statistics/figures/{snapshot.pk}/")
    permalink = page.get_by_test_id("permalink").inner_text()
    assert permalink.endswith(f"/statistics/figures/{snapshot.pk}/")
    assert "Conscript Tracker, the figures as of" in page.get_by_test_id("citation").inner_text()
    total = int(page.get_by_test_id("snapshot-total").inner_text())
    captured = int(page.get_by_test_id("count-captured").inner_text())
    assert (total, captured) == (5, 2)
    assert "Цифры для статьи" in page.get_by_test_id("note").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("records-csv").click()
    raw = download_info.value.path().read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == total
    assert {int(r["id"]) for r in rows} == set(
        Conscript.objects.public().values_list("pk", flat=True)
    )
    assert "Скрытов" not in {r["surname"] for r in rows}
    assert "is_public" not in rows[0]

    with page.expect_download() as download_info:
        page.get_by_test_id("count-captured").click()
    raw = download_info.value.path().read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["surname"] for r in rows) == ["Зябликов", "Ладыгин"]
    visitor.close()


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_the_map_and_a_unit_page_render_in_both_languages_at_desktop_and_phone_widths(
    browser, live_server, records, language, width
):
    context = _context(browser, live_server, width=width, language=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/statistics/map/")
    svg = page.get_by_test_id("map-svg")
    assert svg.is_visible()
    box = svg.bounding_box()
    assert box["width"] <= width and box["height"] > 100
    assert page.locator("[data-testid=map-svg] path").count() == 83
    assert page.get_by_test_id("map-legend").is_visible()
    kursk = page.locator("[data-region=KRS] > title").text_content()
    assert kursk.startswith("Курская область: 2" if language == "ru" else "Kursk Oblast: 2")
    heading = page.locator("h1").inner_text()
    assert heading == ("Карта: люди по регионам проживания" if language == "ru"
                       else "Map: people by home region")  # fmt: skip
    assert _fits(page), f"the map scrolls sideways at {width} px"
    page.get_by_test_id("mode-captured").click()
    page.wait_for_url("**/statistics/map/?colour=captured")
    assert page.locator("[data-region=KRS]").get_attribute("class") == "region map-cfew"

    unit = records["unit"]
    page.goto(f"/units/{unit.pk}/")
    heading = page.locator("h1").inner_text()
    assert heading == ("Воинская часть 41520" if language == "ru" else "Military unit 41520")
    assert page.get_by_test_id("unit-total").inner_text() == "3"
    assert page.get_by_test_id("unit-count-captured").inner_text() == "2"
    assert page.get_by_test_id("unit-person").count() == 3
    assert page.get_by_test_id("unit-timeline").is_visible()
    assert _fits(page), f"the unit page scrolls sideways at {width} px"
    page.get_by_test_id("unit-person").first.locator("a").click()
    page.wait_for_url("**/people/*/")
    page.get_by_test_id("unit-link").click()
    page.wait_for_url(f"**/units/{unit.pk}/")
    context.close()
