"""The Content-Security-Policy holds: every page of the site is loaded in Chromium by the
360 px test (tests/test_browser_360.py: each as the role that sees it, in both languages),
which fails on any ``securitypolicyviolation`` event; here, the admin's pages and a sent
report form, and a check that the collector does see a violation. Every person is fictional.
"""

import pytest
from django.urls import reverse

from tests.factories import ConscriptFactory, UserFactory
from tests.test_browser_360 import COLLECT, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, user=None, *, both_steps=True):
    context = browser.new_context(locale="ru-RU", base_url=live_server.url)
    context.add_init_script(COLLECT)
    if user is not None:
        context.add_cookies([session_cookie(user, live_server, both_steps=both_steps)])
    return context


def _violations(page, console: list[str]) -> list[str]:
    page.wait_for_load_state("load")
    seen = page.evaluate("window.__csp")
    return seen + [m for m in console if "Content Security Policy" in m]


def _visit(context, path: str) -> list[str]:
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    response = page.goto(path)
    policy = response.headers.get("content-security-policy", "")
    found = _violations(page, console)
    if "unsafe-inline" in policy or "script-src 'self'" not in policy:
        found.append(f"policy: {policy!r}")
    page.close()
    return found


def test_the_admin_and_a_sent_report_form_keep_the_content_security_policy(browser, live_server):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    person = ConscriptFactory()
    planned = [
        (reverse("admin:index"), "admin"),
        (reverse("admin:conscripts_conscript_changelist"), "admin"),
        (reverse("admin:conscripts_conscript_change", args=[person.pk]), "admin"),
        (reverse("admin:auth_user_changelist") + "?q=moder", "admin"),
    ]
    contexts = {
        "anonymous": _context(browser, live_server),
        "admin": _context(browser, live_server, admin),
    }
    failures = []
    try:
        for path, who in planned:
            failures += [f"{who} {path}: {v}" for v in _visit(contexts[who], path)]
        # The report form as a relative fills and sends it (the send-once script runs).
        page = contexts["anonymous"].new_page()
        page.goto(reverse("reports:new"))
        page.locator("form button[type=submit]").last.click()
        failures += [f"report form sent: {v}" for v in _violations(page, [])]
        page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert not failures, "\n".join(failures)


def test_the_collector_does_see_a_violation(browser, live_server, db):
    """The check above could fail: an inline style set on a page of ours is reported."""
    context = _context(browser, live_server)
    try:
        page = context.new_page()
        page.goto("/")
        page.evaluate("document.body.setAttribute('style', 'color: red')")
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.__ran = 1'; document.body.append(s); }"
        )
        page.wait_for_function("() => window.__csp.length >= 2")
        assert page.evaluate("window.__ran") is None
        assert any("style-src" in v for v in page.evaluate("window.__csp"))
    finally:
        context.close()
