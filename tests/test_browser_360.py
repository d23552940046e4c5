"""Every page fits a 360 px phone: Chromium visits all of them, public and staff, and
checks that nothing scrolls sideways (``scrollWidth <= clientWidth``).

"All of them" is kept honest by the URL resolver: every named URL is either visited
here or listed in ``NOT_PAGES`` with the reason it is not an HTML page (a form's POST,
JSON, a file). A new page fails this test until it is added. Every person is fictional.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.views import defaults

from conscripts import services as conscript_services
from conscripts.models import EvidenceKind, Follower, Status
from core import access
from reports import services, uploads, watches
from reports.models import Origin, ReportKind, WatchHit
from research import services as research_services
from research.models import ExportFormat, ExportJob
from sources import lists as source_lists
from sources.models import Source
from tests.factories import ConscriptFactory, EvidenceFactory, UnitFactory, UserFactory, region
from tests.helpers import log_in, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
#: Named URLs that are not pages a person reads, and why.
NOT_PAGES = {
    "api-conscripts": "JSON",
    "api-ingest": "JSON webhook",
    "api:case-list": "JSON",
    "api:case-detail": "JSON",
    "api:evidence-list": "JSON",
    "api:evidence-detail": "JSON",
    "api:region-list": "JSON",
    "api:region-detail": "JSON",
    "api:unit-list": "JSON",
    "api:unit-detail": "JSON",
    "api:statistics": "JSON",
    "api:schema": "OpenAPI YAML",
    "conscripts:follow": "the case page's form (POST); answers with the case page",
    "conscripts:merge": "a moderators' form (POST)",
    "conscripts:evidence-retract": "a moderators' form (POST)",
    "sources:run": "a moderators' form (POST)",
    "reports:receipt-reply": "the receipt's form (POST); answers with the receipt",
    "reports:bulk-reject": "a moderators' form (POST)",
    "reports:photo": "an image",
    "reports:claim": "POST",
    "reports:release": "POST",
    "reports:approve": "POST",
    "reports:merge": "POST; its conflicts page is visited through the form",
    "reports:reject": "POST",
    "reports:duplicate": "POST",
    "reports:request-info": "POST",
    "reports:correct": "POST",
    "reports:hide": "POST",
    "reports:upload-status": "JSON (the upload page's progress)",
    "reports:upload-problems": "CSV download",
    "sources:list-status": "JSON (the pasted list's progress)",
    "sources:list-csv": "CSV download",
    "sources:list-confirm": "POST; answers with the review step of the list page",
    "reports:decline": "POST",
    "reports:hit-confirm": "POST",
    "reports:hit-dismiss": "POST",
    "research:filter-create": "POST",
    "research:filter-delete": "POST",
    "research:export-create": "POST; answers with a file or the export's page",
    "research:export-status": "JSON",
    "research:export-download": "a file",
    "research:statistics-csv": "CSV download (a chart's data)",
    "research:snapshot-publish": "a moderators' form (POST); answers with the list of figures",
    "research:snapshot-records": "CSV download (the records behind published figures)",
    "set_language": "POST",
    "logout": "POST",
    "healthz": "text for docker-compose",
}
#: Django's own admin is not the site's design; it has its own responsive layout.
SKIPPED_PREFIXES = ("admin/",)


def named_urls() -> set[str]:
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, inner, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver(), "", "")
    return names


@pytest.fixture
def world(settings, tmp_path):
    """One of everything a page can show, with long words and links where real data has
    them."""
    settings.REPORT_RATE_LIMIT = "1000/hour"
    settings.MEDIA_ROOT = tmp_path
    moderator = UserFactory(username="moder", groups=[access.MODERATORS])
    researcher = UserFactory(username="researcher", groups=[access.RESEARCHERS])
    person = ConscriptFactory(
        surname="Константинопольский",
        given_name="Александр",
        patronymic="Владимирович",
        birth_date=datetime.date(2004, 3, 12),
        birth_year=2004,
        unit=UnitFactory(number="73312", name="Мотострелковый полк особого назначения"),
        home_region=region("KRS"),
        last_known_place="Суджанский район, село Гуево, окраина у лесополосы",
    )
    EvidenceFactory(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        url="https://www.youtube.com/watch?v=Abcdefghijklmnopqrstuvwxyz0123456789",
        summary="Виден на видео с пленными, опубликованном в канале; подпись называет часть.",
    )
    conscript_services.conscript_recompute_status(conscript=person)
    hidden = ConscriptFactory(surname="Скрытов", is_public=False)
    other = ConscriptFactory(surname="Константинопольский", given_name="Александр", birth_year=2003)
    long_url = "https://t.me/some_relatives_search_group_with_a_long_name/1234567?single&comment=9"
    report = services.report_submit(
        surname="Константинопольский",
        given_name="Александр",
        patronymic="Владимирович",
        birth_year=2005,
        unit_number="73312",
        home_region=region("KRS"),
        evidence_urls=[long_url, "https://www.youtube.com/watch?v=Zyxwvutsrqponmlkjihg"],
        details="Связь пропала 12.08.2024. " * 20,
        submitter_name="Константинопольская Екатерина Александровна",
        submitter_contact="konstantinopolskaya.ekaterina.aleksandrovna@example.invalid",
        consent=True,
    )
    services.report_request_info(report=report, moderator=moderator, message="Какой номер роты?")
    request = services.report_submit(
        kind=ReportKind.CORRECTION,
        about=person,
        surname=person.surname,
        given_name=person.given_name,
        details="Год рождения неверный.",
        submitter_contact="+7 900 000-00-00",
        consent=True,
    )
    ingested = services.report_submit(
        surname="Константинопольский",
        given_name="Александр",
        origin=Origin.SOURCE,
        origin_ref="telegram:test:1#1",
    )
    follower = conscript_services.follow_request(
        conscript=person, email="a.very.long.address.of.a.relative@example.invalid", language="ru"
    )
    Follower.objects.filter(pk=follower.pk).update(confirmed_at=timezone.now())
    watch = watches.watch_request(
        email="a.very.long.address.of.a.relative@example.invalid",
        surname="Константинопольский",
        given_name="Александр",
        patronymic="Владимирович",
        birth_year=2004,
        unit_number="73312",
        home_region=region("KRS"),
    )
    pending_watch = watches.watch_request(
        email="another.relative@example.invalid", surname="Щеглов", given_name="Пётр"
    )
    watches.watch_confirm(token=watches.watch_token(watch, "confirm"))
    watches.watch_hits_for_report(report_id=ingested.pk)
    assert WatchHit.objects.exists()
    export = ExportJob.objects.create(
        requested_by=researcher, format=ExportFormat.CSV, query_string="status=captured"
    )
    source = Source.objects.create(
        kind="telegram", name="Очень длинное название канала родственников пропавших"
    )
    upload = uploads.list_upload_create(
        file_name="очень-длинное-название-списка-волонтёров-курской-области.csv",
        data=(
            "ФИО;Год рождения;Регион;В/ч;Статус;Контакт\n"
            "Константинопольский Александр Владимирович;2004;Курская обл.;73312;пропал;"
            "+7 900 000-00-00\n"
        ).encode(),
        uploaded_by=moderator,
    )
    figures = research_services.figures_snapshot_write(
        snapshot_id=research_services.figures_snapshot_request(
            user=moderator, note="Первые цифры для публикации в «Медиазоне»"
        ).pk
    )
    pasted = source_lists.pasted_list_create(
        text="Константинопольский Александр Владимирович, 2004\nЩеглов Пётр", user=moderator
    )
    # Signed in with the password only: the second step's two pages.
    enrolling = UserFactory(username="newmod", groups=[access.MODERATORS])
    owing = UserFactory(username="owing", groups=[access.MODERATORS])
    totp_device(owing)
    return {
        "moderator": moderator,
        "researcher": researcher,
        "enrolling": enrolling,
        "owing": owing,
        "person": person,
        "hidden": hidden,
        "other": other,
        "report": report,
        "request": request,
        "ingested": ingested,
        "follower": follower,
        "watch": watch,
        "pending_watch": pending_watch,
        "export": export,
        "source": source,
        "upload": upload,
        "pasted": pasted,
        "figures": figures,
    }


def visits(w) -> list[tuple[str, str, str]]:
    """(URL name, path, who): every page, as each role that has one sees it."""
    person, report = w["person"], w["report"]
    follow_confirm = conscript_services.follow_token(w["follower"], "confirm")
    unfollow = conscript_services.follow_token(w["follower"], "unfollow")
    return [
        ("home", "/", "anonymous"),
        ("home", "/", "moderator"),
        ("conscripts:search", reverse("conscripts:search"), "anonymous"),
        (
            "conscripts:search",
            reverse("conscripts:search") + "?q=Константинопольский+Александр+2004",
            "anonymous",
        ),
        ("conscripts:search", reverse("conscripts:search") + "?q=Konstantinopolsky", "anonymous"),
        ("conscripts:search", reverse("conscripts:search") + "?unit=73312", "anonymous"),
        ("conscripts:detail", person.get_absolute_url(), "anonymous"),
        ("conscripts:detail", person.get_absolute_url(), "moderator"),
        ("conscripts:detail", w["hidden"].get_absolute_url(), "moderator"),
        ("conscripts:detail", "/people/99999999/", "anonymous"),  # the 404 page
        (
            "conscripts:follow-confirm",
            reverse("conscripts:follow-confirm", args=[follow_confirm]),
            "anonymous",
        ),
        ("conscripts:unfollow", reverse("conscripts:unfollow", args=[unfollow]), "anonymous"),
        ("reports:new", reverse("reports:new"), "anonymous"),
        ("reports:new", reverse("reports:new") + f"?about={person.pk}", "anonymous"),
        ("reports:receipt", reverse("reports:receipt", args=[report.receipt_token]), "anonymous"),
        (
            "reports:receipt",
            reverse("reports:receipt", args=[w["request"].receipt_token]),
            "anonymous",
        ),
        ("reports:request", reverse("reports:request", args=[person.pk]), "anonymous"),
        ("reports:queue", reverse("reports:queue"), "moderator"),
        ("reports:queue", reverse("reports:queue"), "researcher"),  # the 403 page
        ("reports:detail", reverse("reports:detail", args=[report.pk]), "moderator"),
        ("reports:detail", reverse("reports:detail", args=[w["request"].pk]), "moderator"),
        ("reports:detail", reverse("reports:detail", args=[w["ingested"].pk]), "moderator"),
        ("reports:leads", reverse("reports:leads"), "moderator"),
        ("watch:new", reverse("watch:new") + "?q=Константинопольский+Александр", "anonymous"),
        (
            "watch:confirm",
            reverse("watch:confirm", args=[watches.watch_token(w["pending_watch"], "confirm")]),
            "anonymous",
        ),
        (
            "watch:manage",
            reverse("watch:manage", args=[watches.watch_token(w["watch"], "manage")]),
            "anonymous",
        ),
        ("sources:list", reverse("sources:list"), "moderator"),
        ("reports:upload", reverse("reports:upload"), "moderator"),
        (
            "reports:upload-detail",
            reverse("reports:upload-detail", args=[w["upload"].pk]),
            "moderator",
        ),
        ("sources:list-paste", reverse("sources:list-paste"), "researcher"),
        ("sources:list-detail", reverse("sources:list-detail", args=[w["pasted"].pk]), "moderator"),
        ("sources:detail", reverse("sources:detail", args=[w["source"].pk]), "moderator"),
        ("research:cases", reverse("research:cases"), "researcher"),
        (
            "research:cases",
            reverse("research:cases") + "?disputed=false&status=captured",
            "moderator",
        ),
        ("research:exports", reverse("research:exports"), "researcher"),
        (
            "research:export-detail",
            reverse("research:export-detail", args=[w["export"].pk]),
            "researcher",
        ),
        ("research:profile", reverse("research:profile"), "researcher"),
        ("research:statistics", reverse("research:statistics"), "anonymous"),
        ("research:map", reverse("research:map"), "anonymous"),
        ("research:map", reverse("research:map") + "?colour=captured", "anonymous"),
        ("research:method", reverse("research:method"), "anonymous"),
        ("research:units", reverse("research:units"), "anonymous"),
        ("research:unit", reverse("research:unit", args=[person.unit_id]), "anonymous"),
        ("research:snapshots", reverse("research:snapshots"), "anonymous"),
        ("research:snapshots", reverse("research:snapshots"), "moderator"),
        ("research:snapshot", reverse("research:snapshot", args=[w["figures"].pk]), "anonymous"),
        ("api:docs", reverse("api:docs"), "anonymous"),
        ("login", reverse("login"), "anonymous"),
        ("second-factor-setup", reverse("second-factor-setup"), "enrolling"),
        ("second-factor", reverse("second-factor"), "owing"),
    ]


def too_wide(page) -> tuple[int, int] | None:
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return (scroll, client) if scroll > client else None


def widest(page) -> str:
    """The element reaching furthest right, to say what to fix."""
    return page.evaluate(
        """() => { let worst = null, right = 0;
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > right) { right = r.right; worst = el; } }
        return worst ? worst.outerHTML.slice(0, 200) + ' → ' + right : ''; }"""
    )


def session_cookie(user, live_server, *, both_steps=True) -> dict:
    client = Client()
    if both_steps:
        log_in(client, user)
    else:
        client.force_login(user)  # the password step only
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


#: Collects Content-Security-Policy violations from the first moment of every page
#: (Playwright's init scripts are not subject to the page's policy).
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
});
"""


def csp_violations(page, response=None) -> list[str]:
    """What the page broke of the policy: an inline script, an on* handler, a <style>
    element or a style="" attribute would each be a violation; and a policy that allows
    inline code is one too."""
    page.wait_for_load_state("load")
    found = list(page.evaluate("window.__csp"))
    if response is not None:
        policy = response.headers.get("content-security-policy", "")
        if "unsafe-inline" in policy or "script-src 'self'" not in policy:
            found.append(f"policy: {policy!r}")
    return found


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_fits_360_px_and_keeps_the_content_security_policy(
    browser, live_server, world, language
):
    """Every page, each as the role that sees it, at 360 px in both languages (one test
    per language, so that the two run side by side): no sideways scrolling, and no
    ``securitypolicyviolation`` (tests/test_browser_csp.py adds the admin)."""
    planned = visits(world)
    visited = {name for name, _path, _who in planned}
    missing = named_urls() - visited - set(NOT_PAGES)
    assert not missing, f"pages the 360 px test does not visit: {sorted(missing)}"

    contexts = {}
    for who in ("anonymous", "moderator", "researcher", "enrolling", "owing"):
        context = browser.new_context(
            viewport={"width": WIDTH, "height": 740}, locale="ru-RU", base_url=live_server.url
        )
        context.add_init_script(COLLECT)
        if who != "anonymous":
            both = who not in ("enrolling", "owing")
            context.add_cookies([session_cookie(world[who], live_server, both_steps=both)])
        contexts[who] = context
    failures = []
    try:
        for context in contexts.values():
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
        for _name, path, who in planned:
            page = contexts[who].new_page()
            response = page.goto(path)
            if (wide := too_wide(page)) is not None:
                failures.append(f"{language} {who} {path}: {wide} {widest(page)}")
            failures += [
                f"{language} {who} {path}: CSP {v}" for v in csp_violations(page, response)
            ]
            page.close()
        if language == "ru":
            _merge_conflicts_and_500(contexts, world, failures)
    finally:
        for context in contexts.values():
            context.close()
    assert not failures, "\n".join(failures)


def _merge_conflicts_and_500(contexts, world, failures: list[str]) -> None:
    """Pages no URL reaches alone (checked once): the merge conflicts and the 500 page."""
    # The moderators' merge conflicts page, reached through the report's form.
    page = contexts["moderator"].new_page()
    page.goto(reverse("reports:detail", args=[world["report"].pk]))
    page.get_by_test_id("merge-other").fill(str(world["other"].pk))  # born 2003, not 2005
    page.get_by_test_id("merge-submit").click()
    page.wait_for_url(re.compile(r"/merge/$"))
    if (wide := too_wide(page)) is not None:
        failures.append(f"merge conflicts: {wide} {widest(page)}")
    # The 500 page (Django renders it without a request context) on the site's styles.
    with translation.override("ru"):
        html = defaults.server_error(RequestFactory().get("/")).content.decode()
    page.goto("/")
    page.set_content(html)
    page.wait_for_load_state("load")
    if (wide := too_wide(page)) is not None:
        failures.append(f"500: {wide} {widest(page)}")
    assert re.search("Что-то пошло не так", page.content())
    page.close()
