"""In Chromium, «Send report» sends the form once: the button is disabled after the first
click and a second submit is stopped (static/js/forms.js); a double click makes one report."""

import pytest

from reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECOND_SUBMIT = """() => {
  const form = document.querySelector('[data-testid=report-form]');
  let prevented = null;
  window.addEventListener('submit', (e) => { prevented = e.defaultPrevented; }, {once: true});
  form.requestSubmit();
  return prevented;
}"""


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RATE_LIMIT = "1000/hour"


def fill(page):
    page.goto("/reports/new/")
    form = page.get_by_test_id("report-form")
    form.locator("[name=surname]").fill("Ладыгин")
    form.locator("[name=given_name]").fill("Матвей")
    form.locator("[name=consent]").check()
    return form


def test_after_the_first_click_the_button_is_disabled_and_a_second_submit_is_stopped(page):
    posts = []

    def answer_posts_with_no_content(route):
        # 204: the browser stays on the form, so what the script did can be looked at.
        if route.request.method == "POST":
            posts.append(route.request.url)
            route.fulfill(status=204)
        else:
            route.continue_()

    page.route("**/reports/new/", answer_posts_with_no_content)
    form = fill(page)
    button = form.locator("button[type=submit]")
    button.click()
    # A function, not a string: the page's CSP forbids Playwright's eval of a string.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=report-form] button[type=submit]').disabled"
    )
    assert form.get_attribute("aria-busy") == "true"
    assert page.evaluate(SECOND_SUBMIT) is True  # a second submit is stopped
    assert len(posts) == 1
    assert not Report.objects.exists()


def test_a_double_click_makes_one_report(page):
    form = fill(page)
    with page.expect_navigation(url="**/reports/receipt/**"):
        form.locator("button[type=submit]").dblclick()
    assert Report.objects.count() == 1
