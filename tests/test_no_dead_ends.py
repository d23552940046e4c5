"""No dead ends for relatives: the receipt link by e-mail, an answer box while more
information is needed, «I know something about this person» on every case page, and
403/404/500 pages in the site's design, in Russian and in English."""

import uuid

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from core.models import AuditAction, AuditEntry
from reports import services
from reports.models import Report, ReportReply, ReportState
from reports.tasks import receipt_mail_task
from tests.factories import ConscriptFactory, UnitFactory, region

pytestmark = pytest.mark.django_db
NEW = reverse("reports:new")


@pytest.fixture(autouse=True)
def _in_process(tasks_in_process, settings):
    settings.REPORT_RATE_LIMIT = "1000/hour"


def an_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def form(**overrides) -> dict:
    data = {
        "surname": "Тихонравов",
        "given_name": "Даниил",
        "birth_year": "2004",
        "evidence_kind": "search_post",
        "submitter_contact": "olga.example@example.invalid",
        "consent": "on",
    }
    data.update(overrides)
    return data


# --- the receipt link, by e-mail -----------------------------------------------------------
def test_the_receipt_link_is_mailed_when_an_address_is_given(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, form(), REMOTE_ADDR=an_address())
    report = Report.objects.get()
    [mail] = mailoutbox
    assert mail.to == ["olga.example@example.invalid"]
    assert reverse("reports:receipt", args=[report.receipt_token]) in mail.body
    assert "Мы получили ваше сообщение" in mail.subject
    assert receipt_mail_task(report.pk) is False  # once
    assert len(mailoutbox) == 1


def test_no_mail_without_an_address_nor_for_ingested_posts(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, form(submitter_contact="+7 900 000-00-00"), REMOTE_ADDR=an_address())
        services.report_submit(
            surname="Тихонравов",
            submitter_contact="someone@example.invalid",
            origin="source",
            origin_ref="telegram:x:1#1",
        )
    assert mailoutbox == []


# --- answering the moderators -----------------------------------------------------------------
def test_the_submitter_answers_on_the_receipt_and_the_report_returns_to_the_queue(
    client, moderator, moderator_client
):
    client.post(NEW, form(), REMOTE_ADDR=an_address())
    report = Report.objects.get()
    receipt = reverse("reports:receipt", args=[report.receipt_token])
    assert 'data-testid="reply-form"' not in client.get(receipt).content.decode()
    services.report_request_info(report=report, moderator=moderator, message="Какой номер роты?")
    page = client.get(receipt).content.decode()
    assert "Какой номер роты?" in page and 'data-testid="reply-form"' in page
    response = client.post(
        reverse("reports:receipt-reply", args=[report.receipt_token]),
        {"text": "Третья рота, связь была 12.08.2024"},
        REMOTE_ADDR=an_address(),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.PENDING
    assert ReportReply.objects.get().text == "Третья рота, связь была 12.08.2024"
    after = client.get(receipt).content.decode()
    assert "Третья рота" in after and 'data-testid="reply-form"' not in after
    detail = moderator_client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Третья рота" in detail
    queue = moderator_client.get(reverse("reports:queue")).content.decode()
    assert f'data-report="{report.pk}"' in queue
    entry = AuditEntry.objects.get(action=AuditAction.REPLY)
    assert "Третья рота" not in str(entry.after)


def test_an_answer_is_only_taken_while_information_is_asked(client):
    client.post(NEW, form(), REMOTE_ADDR=an_address())
    report = Report.objects.get()
    response = client.post(
        reverse("reports:receipt-reply", args=[report.receipt_token]),
        {"text": "ещё"},
        REMOTE_ADDR=an_address(),
    )
    assert response.status_code == 409
    assert not ReportReply.objects.exists()
    empty = client.post(
        reverse("reports:receipt-reply", args=[report.receipt_token]),
        {"text": ""},
        REMOTE_ADDR=an_address(),
    )
    assert empty.status_code == 400
    unknown = client.post(reverse("reports:receipt-reply", args=["nope"]), {"text": "x"})
    assert unknown.status_code == 404


# --- «I know something about this person» -------------------------------------------------
def test_the_report_form_opens_prefilled_from_the_case_and_links_the_report_to_it(client):
    person = ConscriptFactory(
        surname="Кречетов",
        given_name="Егор",
        patronymic="Олегович",
        birth_year=2003,
        unit=UnitFactory(number="54123"),
        home_region=region("KRS"),
    )
    page = client.get(NEW, {"about": person.pk}).content.decode()
    assert 'data-testid="report-about"' in page
    for value in ("Кречетов", "Егор", "Олегович", "2003", "54123"):
        assert f'value="{value}"' in page
    assert f'value="{person.pk}"' in page  # the hidden field
    client.post(
        NEW,
        form(surname="Кречетов", given_name="Егор", about=person.pk),
        REMOTE_ADDR=an_address(),
    )
    assert Report.objects.get().about == person


def test_a_hidden_record_is_never_prefilled(client):
    hidden = ConscriptFactory(surname="Скрытов", is_public=False)
    page = client.get(NEW, {"about": hidden.pk}).content.decode()
    assert "Скрытов" not in page
    client.post(NEW, form(about=hidden.pk), REMOTE_ADDR=an_address())
    assert Report.objects.get().about is None


# --- error pages ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "title"), [("ru", "Страница не найдена"), ("en", "Page not found")]
)
def test_404_is_in_the_sites_design_in_both_languages(client, language, title):
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert title in page and 'data-testid="error-404"' in page
    assert 'class="site-header"' in page  # the site's own page, not Django's


@pytest.mark.parametrize(("language", "title"), [("ru", "Доступ закрыт"), ("en", "Access denied")])
def test_403_is_in_the_sites_design_in_both_languages(outsider_client, language, title):
    outsider_client.cookies["django_language"] = language
    response = outsider_client.get(reverse("reports:queue"))
    assert response.status_code == 403
    assert title in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "title"), [("ru", "Что-то пошло не так"), ("en", "Something went wrong")]
)
def test_500_is_in_the_sites_design_in_both_languages(language, title):
    request = RequestFactory().get("/")
    with translation.override(language):
        response = defaults.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert title in page and 'class="site-header"' in page
    assert 'data-testid="language-switcher"' not in page  # no form without a CSRF token


def test_a_stale_form_gets_the_sites_own_csrf_page(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(NEW, form())
    assert response.status_code == 403
    assert 'data-testid="error-403-csrf"' in response.content.decode()
