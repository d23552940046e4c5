"""«This is wrong / remove this»: correction and removal requests from a case page.

A request goes to the queue as its own kind; moderators correct the record through the
audited services, hide it (it stays for moderators and in the audit), or decline with a
reason; the requester is told. After a takedown the record is gone from public pages,
search, the API, exports and statistics lists. Every person here is fictional.
"""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from conscripts import search
from conscripts.models import Conscript
from core.models import AuditAction, AuditEntry
from reports import services
from reports.models import Report, ReportKind, ReportState
from research import statistics as research
from tests.factories import ConscriptFactory, UnitFactory, region
from tests.helpers import log_in

pytestmark = pytest.mark.django_db

MOTHER = "zyablikova.irina@example.invalid"


@pytest.fixture(autouse=True)
def _in_process(tasks_in_process, settings):
    settings.REPORT_RATE_LIMIT = "1000/hour"


@pytest.fixture
def person():
    return ConscriptFactory(
        surname="Зябликов",
        given_name="Матвей",
        patronymic="Павлович",
        birth_year=2005,
        home_region=region("BRY"),
        unit=UnitFactory(number="73311"),
    )


def an_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def ask(client, person, **overrides):
    data = {
        "kind": ReportKind.TAKEDOWN,
        "details": "Мы, семья, просим убрать страницу.",
        "submitter_name": "Зябликова Ирина",
        "relation": "мать",
        "submitter_contact": MOTHER,
        "consent": "on",
        "homepage": "",
    }
    data.update(overrides)
    return client.post(reverse("reports:request", args=[person.pk]), data, REMOTE_ADDR=an_address())


def request_of(person, kind=ReportKind.TAKEDOWN, **overrides) -> Report:
    data = {
        "kind": kind,
        "about": person,
        "surname": person.surname,
        "given_name": person.given_name,
        "details": "Год рождения неверный: 2004.",
        "submitter_contact": MOTHER,
        "consent": True,
    }
    data.update(overrides)
    return services.report_submit(**data)


# --- asking ----------------------------------------------------------------------------
def test_every_case_page_links_to_the_request_and_to_reporting_about_the_person(client, person):
    page = client.get(person.get_absolute_url()).content.decode()
    assert reverse("reports:request", args=[person.pk]) in page
    assert f"{reverse('reports:new')}?about={person.pk}" in page


def test_a_family_asks_and_the_request_joins_the_queue_as_its_own_kind(
    client, moderator_client, person, mailoutbox, django_capture_on_commit_callbacks
):
    assert client.get(reverse("reports:request", args=[person.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, person)
    request = Report.objects.get()
    assert response["Location"] == reverse("reports:receipt", args=[request.receipt_token])
    assert (request.kind, request.about, request.state) == (
        ReportKind.TAKEDOWN,
        person,
        ReportState.PENDING,
    )
    assert "мать" in request.details
    [receipt] = mailoutbox  # the private link, by e-mail
    assert request.receipt_token in receipt.body
    queue = moderator_client.get(reverse("reports:queue")).content.decode()
    assert 'data-testid="request-kind"' in queue
    only = moderator_client.get(reverse("reports:queue"), {"kind": "takedown"}).content.decode()
    assert only.count('data-testid="queue-row"') == 1
    detail = moderator_client.get(reverse("reports:detail", args=[request.pk])).content.decode()
    assert 'data-testid="hide-form"' in detail and 'data-testid="correct-form"' in detail
    assert 'data-testid="approve-new"' not in detail  # not a report about a person


def test_a_request_needs_what_is_wrong_and_consent(client, person):
    assert ask(client, person, details="").status_code == 400
    assert ask(client, person, consent="").status_code == 400
    assert not Report.objects.exists()


def test_a_hidden_or_unknown_record_cannot_be_asked_about(client):
    hidden = ConscriptFactory(is_public=False)
    assert client.get(reverse("reports:request", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("reports:request", args=[999999])).status_code == 404


# --- deciding ---------------------------------------------------------------------------
def test_a_moderator_corrects_the_record_through_the_audited_service(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    person = ConscriptFactory(surname="Зябликов", given_name="Матвей", birth_year=2005)
    request = request_of(person, kind=ReportKind.CORRECTION)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_correct(
            report=request,
            moderator=moderator,
            changes={"birth_year": 2004},
            note="Исправили год рождения.",
        )
    person.refresh_from_db()
    request.refresh_from_db()
    assert person.birth_year == 2004
    assert request.state == ReportState.APPROVED
    assert AuditEntry.objects.filter(
        action=AuditAction.CONSCRIPT_UPDATE, conscript_id=person.pk
    ).exists()
    entry = AuditEntry.objects.get(action=AuditAction.REQUEST_CORRECT)
    assert entry.before["record"] == {"birth_year": 2005}
    [mail] = mailoutbox
    assert "сделано: запись исправлена" in mail.body
    assert "Исправили год рождения." in mail.body


def test_moderators_correct_from_the_request_page(moderator_client, person):
    request = request_of(person, kind=ReportKind.CORRECTION)
    data = {
        f"correct-{name}": value
        for name, value in {
            "surname": "Зябликов",
            "given_name": "Матвей",
            "patronymic": "Павлович",
            "birth_year": "2004",
            "home_region": region("BRY").pk,
            "unit": "73311",
            "last_known_place": "Суджа",
        }.items()
    }
    response = moderator_client.post(reverse("reports:correct", args=[request.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.birth_year, person.last_known_place) == (2004, "Суджа")
    assert person.unit.number == "73311"


def test_nothing_to_correct_is_refused(moderator, person):
    request = request_of(person, kind=ReportKind.CORRECTION)
    with pytest.raises(services.ValidationError):
        services.report_correct(report=request, moderator=moderator, changes={})
    request.refresh_from_db()
    assert request.state == ReportState.PENDING


def test_a_declined_request_tells_the_requester_why(
    moderator, mailoutbox, client, django_capture_on_commit_callbacks
):
    person = ConscriptFactory()
    request = request_of(person)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_decline(
            report=request, moderator=moderator, reason="Сведения подтверждены документами."
        )
    person.refresh_from_db()
    assert person.is_public
    [mail] = mailoutbox
    assert "Сведения подтверждены документами." in mail.body
    receipt = client.get(reverse("reports:receipt", args=[request.receipt_token])).content
    assert "Сведения подтверждены документами." in receipt.decode()
    assert "Модераторы не стали убирать запись." in receipt.decode()


def test_requests_and_reports_take_only_their_own_decisions(moderator, person):
    request = request_of(person)
    with pytest.raises(services.ReportStateError):
        services.report_approve_new(report=request, moderator=moderator)
    ordinary = services.report_submit(surname="Кречетов", given_name="Егор", consent=True)
    with pytest.raises(services.ReportStateError):
        services.report_hide(report=ordinary, moderator=moderator, reason="нет")


# --- a takedown: gone from every public place --------------------------------------------
def public_places(client, person) -> dict[str, bool]:
    """Where the person appears to the public (True) and where not."""
    cache.clear()
    statistics = research.statistics(refresh=True)
    link = f'href="{person.get_absolute_url()}"'
    return {
        "case page": client.get(person.get_absolute_url()).status_code == 200,
        # The query is echoed in the search box: look for a link to the record.
        "search page": link
        in client.get(reverse("conscripts:search"), {"q": person.full_name}).content.decode(),
        "browse": link
        in client.get(reverse("conscripts:search"), {"unit": "73311"}).content.decode(),
        "search": person.pk in [m.conscript.pk for m in search.search(person.full_name).matches],
        "api search": person.pk
        in [
            r["id"]
            for r in client.get("/api/v1/conscripts/", {"q": person.full_name}).json()["results"]
        ],
        "api case": client.get(f"/api/v1/cases/{person.pk}/").status_code == 200,
        "api list": person.pk
        in [r["id"] for r in client.get("/api/v1/cases/", {"unit": "73311"}).json()["results"]],
        "statistics units": any(u["number"] == "73311" for u in statistics["top_units"]),
        "statistics total": statistics["total"] == 1,
    }


def exported(client, researcher) -> bool:
    """Whether a researcher's CSV export of everyone lists the person."""
    log_in(client, researcher)
    response = client.post(reverse("research:export-create"), {"format": "csv", "query_string": ""})
    client.logout()
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return "Зябликов" in body.decode("utf-8")


def test_after_a_takedown_the_record_is_gone_from_every_public_place_and_kept_for_moderators(
    client, moderator, researcher, person, mailoutbox, django_capture_on_commit_callbacks
):
    assert all(public_places(client, person).values())
    assert exported(client, researcher)
    request = request_of(person)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_hide(
            report=request, moderator=moderator, reason="Просьба матери", note="Запись скрыта."
        )
    places = public_places(client, person)
    assert not any(places.values()), places
    assert not exported(client, researcher)
    # Kept: for moderators, and in the audit.
    assert Conscript.objects.filter(pk=person.pk, is_public=False).exists()
    log_in(client, moderator)
    assert client.get(person.get_absolute_url()).status_code == 200
    hidden = AuditEntry.objects.get(action=AuditAction.REQUEST_HIDE)
    assert hidden.conscript_id == person.pk and hidden.after["record"] == {"is_public": False}
    [mail] = mailoutbox
    assert "больше не показывается публично" in mail.body and "Запись скрыта." in mail.body


def test_the_statistics_are_recomputed_once_a_record_is_hidden(
    moderator, person, django_capture_on_commit_callbacks, settings
):
    settings.STATISTICS_CACHE_SECONDS = 60
    cache.clear()
    assert research.statistics()["total"] == 1  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        services.report_hide(report=request_of(person), moderator=moderator, reason="семья")
    assert research.statistics()["total"] == 0  # not the cached figure


def test_a_correction_request_can_end_in_a_takedown(moderator, person):
    request = request_of(person, kind=ReportKind.CORRECTION)
    services.report_hide(report=request, moderator=moderator, reason="семья просит убрать")
    request.refresh_from_db()
    assert request.kind == ReportKind.TAKEDOWN
    assert request.state_for_submitter == "Сделано: запись больше не показывается публично."
