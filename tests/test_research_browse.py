"""Researchers browse, filter, sort and save filters; nobody else gets in."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conscripts.models import EvidenceKind, MilitaryUnit, Status
from research.models import SavedFilter
from tests.factories import ConscriptFactory, EvidenceFactory, UnitFactory, region
from tests.helpers import log_in

pytestmark = pytest.mark.django_db
URL = reverse("research:cases")


def names(response) -> list[str]:
    return [p.surname for p in response.context["page"].object_list]


def browse(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


# --- Access ------------------------------------------------------------------------------
def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_signed_in_people_without_a_staff_group(outsider_client):
    assert outsider_client.get(URL).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["research:exports", "research:profile"],
)
def test_every_research_page_is_closed_to_outsiders_and_anonymous(client, outsider, name):
    assert client.get(reverse(name)).status_code == 302
    log_in(client, outsider)
    assert client.get(reverse(name)).status_code == 403


def test_researchers_never_see_hidden_or_merged_people(researcher_client):
    kept = ConscriptFactory(surname="Виденов")
    ConscriptFactory(surname="Скрытов", is_public=False)
    ConscriptFactory(surname="Слитов", merged_into=kept)
    assert names(browse(researcher_client)) == ["Виденов"]


def test_moderators_also_see_hidden_people_marked_as_hidden(moderator_client):
    kept = ConscriptFactory(surname="Виденов")
    ConscriptFactory(surname="Скрытов", is_public=False)
    ConscriptFactory(surname="Слитов", merged_into=kept)
    response = browse(moderator_client)
    assert names(response) == ["Виденов", "Скрытов"]
    assert "hidden" in response.content.decode() or "скрыт" in response.content.decode()


# --- Each filter -------------------------------------------------------------------------
def test_it_filters_by_status(researcher_client):
    ConscriptFactory(surname="Пропавший", status=Status.MISSING)
    ConscriptFactory(surname="Пленный", status=Status.CAPTURED)
    assert names(browse(researcher_client, status="captured")) == ["Пленный"]


def test_it_filters_by_region(researcher_client):
    ConscriptFactory(surname="Курский", home_region=region("KRS"))
    ConscriptFactory(surname="Белгородский", home_region=region("BEL"))
    assert names(browse(researcher_client, region=region("BEL").pk)) == ["Белгородский"]


def test_it_filters_by_unit_number_or_name(researcher_client):
    ConscriptFactory(surname="Первый", unit=UnitFactory(number="12345", name=""))
    named = MilitaryUnit.objects.create(number=None, name="Ахматовский полк")
    ConscriptFactory(surname="Второй", unit=named)
    assert names(browse(researcher_client, unit="12345")) == ["Первый"]
    assert names(browse(researcher_client, unit="в/ч 12345")) == ["Первый"]
    assert names(browse(researcher_client, unit="ахматов")) == ["Второй"]


def test_it_filters_by_birth_year_range(researcher_client):
    for year, surname in [(2002, "Старший"), (2004, "Средний"), (2006, "Младший")]:
        ConscriptFactory(surname=surname, birth_year=year)
    response = browse(researcher_client, birth_year_min=2003, birth_year_max=2005)
    assert names(response) == ["Средний"]


def test_it_filters_by_draft_season_and_year(researcher_client):
    ConscriptFactory(surname="Весенний", draft_season="spring", draft_year=2024)
    ConscriptFactory(surname="Осенний", draft_season="autumn", draft_year=2023)
    assert names(browse(researcher_client, draft_season="spring")) == ["Весенний"]
    assert names(browse(researcher_client, draft_year=2023)) == ["Осенний"]


def test_it_filters_by_last_contact_range(researcher_client):
    ConscriptFactory(surname="Ранний", last_contact_date=date(2024, 7, 1))
    ConscriptFactory(surname="Поздний", last_contact_date=date(2024, 8, 10))
    response = browse(
        researcher_client, last_contact_after="2024-08-01", last_contact_before="2024-08-31"
    )
    assert names(response) == ["Поздний"]


def test_it_filters_by_status_change_range(researcher_client):
    ConscriptFactory(surname="Ранний", status_since=date(2024, 7, 1))
    ConscriptFactory(surname="Поздний", status_since=date(2024, 9, 1))
    assert names(browse(researcher_client, status_since_after="2024-08-15")) == ["Поздний"]
    assert names(browse(researcher_client, status_since_before="2024-08-15")) == ["Ранний"]


def test_it_filters_by_a_kind_of_active_evidence(researcher_client):
    on_video = ConscriptFactory(surname="Видео")
    EvidenceFactory(conscript=on_video, kind=EvidenceKind.PRISONER_VIDEO)
    retracted = ConscriptFactory(surname="Отозванный")
    EvidenceFactory(
        conscript=retracted, kind=EvidenceKind.PRISONER_VIDEO, retracted_at="2024-09-01T00:00Z"
    )
    EvidenceFactory(conscript=ConscriptFactory(surname="Пост"), kind=EvidenceKind.SEARCH_POST)
    assert names(browse(researcher_client, evidence="prisoner_video")) == ["Видео"]


def test_it_filters_by_the_disputed_flag(researcher_client):
    ConscriptFactory(surname="Спорный", is_disputed=True)
    ConscriptFactory(surname="Ясный")
    assert names(browse(researcher_client, disputed="true")) == ["Спорный"]
    assert names(browse(researcher_client, disputed="false")) == ["Ясный"]


def test_the_kursk_preset_keeps_people_last_heard_of_from_6_august_2024(researcher_client):
    ConscriptFactory(surname="До", last_contact_date=date(2024, 8, 5))
    ConscriptFactory(surname="После", last_contact_date=date(2024, 8, 6))
    ConscriptFactory(surname="Безконтакта", status_since=date(2024, 8, 20))
    response = browse(researcher_client)
    assert 'href="?window=kursk"' in response.content.decode()
    assert names(browse(researcher_client, window="kursk")) == ["Безконтакта", "После"]


def test_the_database_keeps_the_kursk_window_column_as_the_dates_change():
    """A known last contact decides; only without one does the status date count."""
    from conscripts import services
    from conscripts.models import Conscript

    cases = {
        "Ранний": {"last_contact_date": date(2024, 8, 5), "status_since": date(2024, 9, 1)},
        "Граница": {"last_contact_date": date(2024, 8, 6)},
        "Безконтакта": {"status_since": date(2024, 8, 6)},
        "Безданных": {},
    }
    for surname, dates in cases.items():
        ConscriptFactory(surname=surname, **dates)
    inside = set(Conscript.objects.filter(in_kursk_window=True).values_list("surname", flat=True))
    assert inside == {"Граница", "Безконтакта"}
    # The status date moves with new evidence; the column follows without any code.
    person = Conscript.objects.get(surname="Безданных")
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=date(2024, 9, 3),
    )
    assert Conscript.objects.get(pk=person.pk).in_kursk_window is True


def test_the_name_search_looks_among_the_people_the_other_filters_leave(
    researcher_client, monkeypatch
):
    """Its top matches are taken within the region, not from everyone then filtered."""
    from conscripts import search

    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 3)
    for _ in range(4):  # better-placed namesakes elsewhere: created first, lower ids
        ConscriptFactory(surname="Кречетов", given_name="Егор", home_region=region("MOW"))
    kursk = ConscriptFactory(surname="Кречетов", given_name="Егор", home_region=region("KRS"))
    people = browse(researcher_client, q="Кречетов", region=kursk.home_region_id)
    assert list(people.context["page"].object_list) == [kursk]
    assert len(names(browse(researcher_client, q="Кречетов"))) == 3


def test_moderators_find_hidden_records_by_name_and_researchers_do_not(
    client, researcher, moderator
):
    ConscriptFactory(surname="Кречетов", given_name="Егор", is_public=False)
    log_in(client, researcher)
    assert names(browse(client, q="Кречетов Егор")) == []
    log_in(client, moderator)
    assert names(browse(client, q="Кречетов Егор")) == ["Кречетов"]


def test_the_name_search_keeps_its_matches_in_rank_order(researcher_client):
    ConscriptFactory(surname="Кречетов", given_name="Егор", birth_year=2005)
    ConscriptFactory(surname="Кречетов", given_name="Егор", birth_year=2003)
    ConscriptFactory(surname="Сорокин", given_name="Артем")
    response = browse(researcher_client, q="Кречетов Егор 2003")
    people = list(response.context["page"].object_list)
    assert [p.birth_year for p in people] == [2003, 2005]


def test_filters_combine_and_invalid_values_show_errors(researcher_client):
    ConscriptFactory(surname="Нужный", status=Status.CAPTURED, home_region=region("KRS"))
    ConscriptFactory(surname="Чужой", status=Status.CAPTURED, home_region=region("BEL"))
    assert names(browse(researcher_client, status="captured", region=region("KRS").pk)) == [
        "Нужный"
    ]
    response = browse(researcher_client, status="nonsense", birth_year_min="abc")
    assert names(response) == []
    assert response.context["filter"].errors


# --- Sorting and pages -------------------------------------------------------------------
def test_columns_sort_by_whitelisted_keys_only(researcher_client):
    ConscriptFactory(surname="Аверин", birth_year=2006)
    ConscriptFactory(surname="Яшин", birth_year=2002)
    assert names(browse(researcher_client, sort="birth_year")) == ["Яшин", "Аверин"]
    assert names(browse(researcher_client, sort="-name")) == ["Яшин", "Аверин"]
    response = browse(researcher_client, sort="password")
    assert response.context["filter"].errors


def test_it_paginates_and_keeps_the_filter_in_page_links(researcher_client):
    ConscriptFactory.create_batch(55, status=Status.CAPTURED)
    response = browse(researcher_client, status="captured")
    assert response.context["page"].paginator.count == 55
    assert len(response.context["page"].object_list) == 50
    assert "status=captured&amp;page=2" in response.content.decode()
    assert len(browse(researcher_client, status="captured", page=2).context["page"]) == 5


def test_the_list_page_runs_a_constant_number_of_queries(
    researcher_client, researcher, django_assert_num_queries
):
    for i in range(5):
        ConscriptFactory(unit=UnitFactory(number=f"{10000 + i}"))
    SavedFilter.objects.create(owner=researcher, name="a")
    with CaptureQueriesContext(connection) as five:
        browse(researcher_client)
    for i in range(45):
        ConscriptFactory(unit=UnitFactory(number=f"{20000 + i}"))
    with django_assert_num_queries(len(five.captured_queries)):
        response = browse(researcher_client)
    assert response.context["page"].paginator.count == 50


# --- Saved filters -----------------------------------------------------------------------
def test_a_researcher_saves_lists_and_deletes_own_filters(researcher_client, researcher, moderator):
    response = researcher_client.post(
        reverse("research:filter-create"),
        {"name": "Пленные", "query_string": "status=captured&page=3&region="},
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(owner=researcher)
    assert saved.query_string == "status=captured"
    assert "Пленные" in browse(researcher_client).content.decode()

    other = SavedFilter.objects.create(owner=moderator, name="чужой", query_string="")
    assert (
        researcher_client.post(reverse("research:filter-delete", args=[other.pk])).status_code
        == 404
    )
    researcher_client.post(reverse("research:filter-delete", args=[saved.pk]))
    assert not SavedFilter.objects.filter(owner=researcher).exists()
    assert SavedFilter.objects.filter(pk=other.pk).exists()


def test_saving_a_filter_needs_post(researcher_client):
    assert researcher_client.get(reverse("research:filter-create")).status_code == 405


def test_counts_stop_at_the_cap_and_say_so(researcher_client, monkeypatch):
    from research import views

    monkeypatch.setattr(views, "COUNT_CAP", 3)
    ConscriptFactory.create_batch(5)
    response = browse(researcher_client)
    assert response.context["page"].paginator.capped
    assert len(response.context["page"].object_list) == 4  # pages cover the counted rows
    assert researcher_client.get(URL, {"page": 2}).status_code == 200


def test_the_name_filter_takes_only_the_close_look_not_the_wider_guess(researcher_client):
    """«Петров А. И.»: the search page guesses Петраков Алексей Игоревич (a similar
    surname with the right initials); the researchers' list keeps to Петров."""
    from conscripts.search import search

    ConscriptFactory(surname="Петров", given_name="Алексей", patronymic="Сергеевич")
    ConscriptFactory(surname="Петраков", given_name="Алексей", patronymic="Игоревич")
    assert search("Петров А. И.").matches[0].conscript.surname == "Петраков"
    assert names(browse(researcher_client, q="Петров А. И.")) == ["Петров"]
