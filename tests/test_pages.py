"""The home page and the public case page."""

import datetime

import pytest
from django.urls import reverse

from conscripts import services
from conscripts.models import EvidenceKind, Status
from tests.factories import ConscriptFactory
from tests.helpers import log_in

pytestmark = pytest.mark.django_db


def test_home_page_says_what_the_site_is_in_russian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
    assert "Пропавшие" in response.content.decode()


def test_home_page_speaks_english_to_an_english_browser(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    assert "Missing conscripts" in response.content.decode()


def test_language_switch_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert client.get("/")["Content-Language"] == "en"


def test_home_page_counts_only_public_people_by_status(client):
    ConscriptFactory.create_batch(2, status=Status.CAPTURED)
    ConscriptFactory(status=Status.CAPTURED, is_public=False)
    ConscriptFactory(status=Status.MISSING)
    totals = {status: n for status, _label, n in client.get("/").context["totals"]}
    assert totals == {"missing": 1, "captured": 2, "dead": 0, "returned": 0}


def test_case_page_shows_public_fields_timeline_and_evidence(client):
    person = ConscriptFactory(surname="Кречетов", given_name="Матвей", patronymic="Олегович")
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=datetime.date(2024, 9, 2),
        summary="Назван на видео пленных",
        url="https://example.invalid/video/1",
        link_public=True,
    )
    response = client.get(person.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Кречетов Матвей Олегович" in body
    assert "Назван на видео пленных" in body
    assert "https://example.invalid/video/1" in body
    assert 'class="badge badge-captured"' in body


def test_case_page_never_shows_archived_text_or_search_post_links(client):
    person = ConscriptFactory()
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.SEARCH_POST,
        claimed_status=Status.MISSING,
        url="https://example.invalid/post/77",
        archived_text="Пишите маме: +7 912 000-11-22",
    )
    body = client.get(person.get_absolute_url()).content.decode()
    assert "+7 912" not in body
    assert "https://example.invalid/post/77" not in body


def test_hidden_people_are_not_found(client):
    person = ConscriptFactory(is_public=False)
    assert client.get(person.get_absolute_url()).status_code == 404


def test_case_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    person = ConscriptFactory()
    for day in range(1, 6):
        services.evidence_add(
            conscript=person,
            kind=EvidenceKind.MEDIA_REPORT,
            claimed_status=Status.MISSING,
            event_date=datetime.date(2024, 9, day),
        )
    with django_assert_max_num_queries(4):
        assert client.get(person.get_absolute_url()).status_code == 200


def test_healthz_answers(client):
    assert client.get("/healthz").json()["checks"]["database"]["ok"] is True


def test_a_merged_record_redirects_to_the_record_it_was_merged_into(client):
    kept = ConscriptFactory()
    merged = ConscriptFactory(merged_into=kept)
    response = client.get(merged.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url()


def test_a_record_merged_into_a_hidden_one_is_not_found(client):
    hidden = ConscriptFactory(is_public=False)
    merged = ConscriptFactory(merged_into=hidden)
    assert client.get(merged.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", [None, "outsider", "researcher"])
def test_a_hidden_record_is_not_found_by_anyone_but_moderators(client, request, who):
    hidden = ConscriptFactory(is_public=False)
    if who:
        log_in(client, request.getfixturevalue(who))
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_moderators_open_a_hidden_record_to_work_on_it_and_it_is_kept_nowhere(client, moderator):
    from conscripts import services
    from conscripts.models import EvidenceKind, Status

    hidden = ConscriptFactory(surname="Скрытный", is_public=False)
    video = services.evidence_add(
        conscript=hidden, kind=EvidenceKind.PRISONER_VIDEO, claimed_status=Status.CAPTURED
    )
    log_in(client, moderator)
    response = client.get(hidden.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="hidden-record"' in body
    assert f"/people/evidence/{video.pk}/retract/" in body  # the moderator can retract
    assert 'data-testid="follow"' not in body  # nobody may follow a hidden record
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    # The moderators' list links to it.
    listing = client.get(reverse("research:cases"), {"q": "Скрытный"}).content.decode()
    assert f'href="{hidden.get_absolute_url()}"' in listing
