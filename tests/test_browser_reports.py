"""A relative reports what she knows; a moderator merges it into the right person."""

import re

import pytest

from conscripts.models import Status
from core import access
from reports.models import Report, ReportState
from tests.factories import ConscriptFactory, ReportFactory, UnitFactory, UserFactory, region
from tests.helpers import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIDEO = "https://www.youtube.com/watch?v=prisoner-video-1"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RATE_LIMIT = "1000/hour"


def test_a_relative_fixes_a_typo_and_gets_her_receipt(page):
    kursk = region()
    page.goto("/reports/new/")
    form = page.get_by_test_id("report-form")
    form.locator("[name=surname]").fill("Ладыгин")
    form.locator("[name=given_name]").fill("Матвей")
    form.locator("[name=patronymic]").fill("Игоревич")
    form.locator("[name=birth_year]").fill("2054")  # meant 2005
    form.locator("[name=unit_number]").fill("в/ч 72001")
    form.locator("[name=home_region]").select_option(str(kursk.pk))
    form.locator("[name=last_contact_date]").fill("2024-08-20")
    form.locator("[name=last_known_place]").fill("Суджа")
    form.locator("[name=claimed_status]").select_option("captured")
    form.locator("[name=evidence_urls]").fill(VIDEO)
    form.locator("[name=details]").fill("Узнали его на видео пленных.")
    form.locator("[name=submitter_name]").fill("Ладыгина Ольга")
    form.locator("[name=submitter_contact]").fill("@olga_example")
    form.locator("[name=consent]").check()
    form.locator("button[type=submit]").click()

    # The error is next to the year; everything else is still there.
    assert page.locator(".field-error [name=birth_year]").count() == 1
    assert page.locator("[name=birth_year]").input_value() == "2054"
    assert page.locator("[name=surname]").input_value() == "Ладыгин"
    assert page.locator("[name=unit_number]").input_value() == "в/ч 72001"
    assert page.locator("[name=home_region]").input_value() == str(kursk.pk)
    assert page.locator("[name=last_contact_date]").input_value() == "2024-08-20"
    assert page.locator("[name=claimed_status]").input_value() == "captured"
    assert page.locator("[name=evidence_urls]").input_value() == VIDEO
    assert page.locator("[name=details]").input_value() == "Узнали его на видео пленных."
    assert page.locator("[name=submitter_contact]").input_value() == "@olga_example"
    assert page.locator("[name=consent]").is_checked()
    assert not Report.objects.exists()

    page.locator("[name=birth_year]").fill("2005")
    page.get_by_test_id("report-form").locator("button[type=submit]").click()

    page.wait_for_url(re.compile(r"/reports/receipt/[\w-]+/$"))
    report = Report.objects.get()
    assert page.url.endswith(f"/reports/receipt/{report.receipt_token}/")
    assert page.get_by_test_id("receipt-state").get_attribute("data-state") == "pending"
    assert "Ладыгин Матвей Игоревич" in page.content()
    assert (report.birth_year, report.unit_number) == (2005, "72001")


def test_a_moderator_claims_a_report_and_merges_it_into_the_right_person(page):
    person = ConscriptFactory(
        surname="Ладыгин",
        given_name="Матвей",
        patronymic="Игоревич",
        birth_year=2005,
        unit=UnitFactory(number="72001"),
        status=Status.MISSING,
    )
    ConscriptFactory(
        surname="Ладыгин",
        given_name="Матвей",
        patronymic="Олегович",
        birth_year=2003,
        unit=UnitFactory(number="70555"),
    )
    report = ReportFactory(
        surname="ладыгин",
        captured_on_video=True,
        home_region=None,
        evidence_urls=[VIDEO],
        details="Узнали его на видео пленных.",
        submitter_contact="@olga_example",
    )
    UserFactory(username="moder", groups=[access.MODERATORS])

    browser_log_in(page, "moder", "correct horse battery")
    page.wait_for_url(re.compile(r"/$"))

    page.locator("a[href='/reports/queue/']").first.click()
    row = page.get_by_test_id("queue-row").filter(
        has=page.locator(f"a[href='/reports/{report.pk}/']")
    )
    row.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))

    page.locator(f"form[action='/reports/{report.pk}/claim/'] button").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    assert page.locator(f"form[action='/reports/{report.pk}/release/']").count() == 1
    report.refresh_from_db()
    assert report.claimed_by.username == "moder"

    first = page.get_by_test_id("candidate").first
    assert first.get_attribute("data-conscript") == str(person.pk)
    assert first.locator("input[type=radio]").is_checked()
    page.get_by_test_id("merge-form").locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/reports/{report.pk}/$"))
    report.refresh_from_db()
    assert (report.state, report.conscript_id) == (ReportState.MERGED, person.pk)

    page.goto(f"/people/{person.pk}/")
    assert page.locator("h1").inner_text() == "Ладыгин Матвей Игоревич"
    assert page.locator(".badge-captured").count() >= 1
    assert page.locator(f"a[href='{VIDEO}']").count() == 1
    assert "@olga_example" not in page.content()
    assert "Узнали его на видео пленных." not in page.content()
