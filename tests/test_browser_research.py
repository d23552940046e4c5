"""A researcher filters cases in Chromium, watches the numbers change, exports a CSV."""

import csv
import io
from datetime import date

import pytest
from django.test import Client

from tests.factories import ConscriptFactory, UserFactory, region
from tests.helpers import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_cached_statistics"),
]


@pytest.fixture
def signed_in_page(browser, live_server):
    user = UserFactory(username="browser-researcher", groups=["researchers"])
    client = Client()
    log_in(client, user)
    context = browser.new_context(locale="ru-RU", base_url=live_server.url, accept_downloads=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_researcher_filters_by_region_and_status_and_downloads_the_csv(signed_in_page):
    page = signed_in_page
    kursk, belgorod = region("KRS"), region("BEL")
    for surname in ("Ладыгин", "Зябликов"):
        ConscriptFactory(
            surname=surname,
            status="captured",
            home_region=kursk,
            last_contact_date=date(2024, 8, 9),
        )
    ConscriptFactory(surname="Сорокин", status="missing", home_region=kursk)
    ConscriptFactory(surname="Кречетов", status="captured", home_region=belgorod)
    ConscriptFactory(surname="Скрытов", status="captured", home_region=kursk, is_public=False)

    page.goto("/research/")
    assert page.get_by_test_id("case-row").count() == 4
    page.select_option("select[name=region]", str(kursk.pk))
    page.select_option("select[name=status]", "captured")
    page.get_by_test_id("apply-filter").click()
    page.wait_for_url("**/research/?*region=*")
    rows = page.get_by_test_id("case-row")
    assert rows.count() == 2
    assert "2" in page.get_by_test_id("result-count").inner_text()
    assert "Сорокин" not in page.get_by_test_id("cases-table").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    raw = download.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(r["surname"] for r in records) == ["Зябликов", "Ладыгин"]
    assert {r["region_code"] for r in records} == {"KRS"}
    assert "is_public" not in records[0]

    page.goto("/statistics/")
    assert page.get_by_test_id("total").inner_text() == "4"
    assert page.locator("[data-testid=region-chart] rect").count() == 2
    page.get_by_test_id("kursk-window").click()
    page.wait_for_url("**/statistics/?window=kursk")
    assert page.get_by_test_id("total").inner_text() == "2"
    assert page.locator("[data-testid=region-chart] rect").count() == 1
    assert "Белгород" not in page.get_by_test_id("region-table").inner_text()


def test_the_export_page_follows_a_background_export_with_its_static_script(
    signed_in_page, settings, tmp_path
):
    """The page polls with static/js/status-poll.js (no inline script, for a strict
    CSP), shows the progress as it comes, and offers the file once written."""
    from django.contrib.auth import get_user_model

    from research.models import ExportJob, ExportState

    settings.MEDIA_ROOT = tmp_path
    page = signed_in_page
    user = get_user_model().objects.get(username="browser-researcher")
    job = ExportJob.objects.create(requested_by=user, format="csv", query_string="status=dead")
    page.goto(f"/research/exports/{job.pk}/")
    html = page.content()
    assert "js/status-poll.js" in html
    assert page.locator("script:not([src])").count() == 0
    assert page.get_by_test_id("export-download").is_hidden()

    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, rows=500, progress=40)
    # A function, not a string: the page's CSP forbids Playwright's eval of a string.
    page.wait_for_function("() => document.getElementById('export-progress').value === 40")
    assert page.locator("#export-rows").inner_text() == "500"

    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "done.csv").write_text("\ufeffid\r\n", encoding="utf-8")
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE, rows=1000, progress=100, file="exports/done.csv"
    )
    page.get_by_test_id("export-download").wait_for(state="visible")
    assert page.locator("#export-rows").inner_text() == "1000"
