"""Matches apart from similar names, and lists without a name.

A relative must never read that a stranger is «confirmed dead» under her son's name: a
result is a match only when the name fits well and nothing the query says contradicts
it; the rest are similar names, shown without their status. Every person is fictional.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from conscripts import search
from conscripts.models import Status
from tests.factories import ConscriptFactory, UnitFactory, region

pytestmark = pytest.mark.django_db
SEARCH = reverse("conscripts:search")


@pytest.fixture
def people():
    return {
        "ivantsov": ConscriptFactory(
            surname="Иванцов",
            given_name="Иван",
            patronymic="Сергеевич",
            birth_year=2004,
            status=Status.DEAD,
        ),
        "kuzmin_2004": ConscriptFactory(
            surname="Кузьмин", given_name="Олег", patronymic="Петрович", birth_year=2004
        ),
        "kuzmin_2005": ConscriptFactory(
            surname="Кузьмин",
            given_name="Олег",
            patronymic="Петрович",
            birth_year=2005,
            status=Status.CAPTURED,
        ),
        "kuzmin_other_father": ConscriptFactory(
            surname="Кузьмин", given_name="Олег", patronymic="Игоревич", birth_year=2004
        ),
    }


def kinds(query: str) -> dict[int, str]:
    return {m.conscript.pk: m.kind for m in search.search(query).matches}


def test_a_made_up_name_gets_similar_names_and_no_match(people):
    found = kinds("Ivanov Ivan")  # the placeholder's own example
    # One letter away, and yet Иванцов is not a mistyped Иванов: a similar name.
    assert found.get(people["ivantsov"].pk) == "similar"
    assert "match" not in found.values()
    assert kinds("Иваов Иван")[people["ivantsov"].pk] == "similar"


def test_the_person_in_any_spelling_is_a_match(people):
    for query in (
        "Кузьмин Олег Петрович 2004",
        "Кузьмина Олега Петровича 2004",
        "Kuzmin Oleg 2004",
    ):
        assert kinds(query)[people["kuzmin_2004"].pk] == "match", query


def test_a_namesake_whose_year_or_father_differs_is_only_similar(people):
    found = kinds("Кузьмин Олег Петрович 2004")
    assert found[people["kuzmin_2004"].pk] == "match"
    assert found[people["kuzmin_2005"].pk] == "similar"  # another year
    assert found[people["kuzmin_other_father"].pk] == "similar"  # another patronymic
    ranked = [m.kind for m in search.search("Кузьмин Олег Петрович 2004").matches]
    assert ranked == sorted(ranked, key=lambda k: k != "match")  # matches first


def test_a_name_alone_matches_every_namesake(people):
    found = kinds("Кузьмин Олег")
    assert {found[people[k].pk] for k in ("kuzmin_2004", "kuzmin_2005")} == {"match"}


def test_the_decision_is_the_calibrated_threshold_and_no_contradiction():
    assert search.match_kind(name_score=search.MATCH_THRESHOLD) == "match"
    assert search.match_kind(name_score=search.MATCH_THRESHOLD - 0.01) == "similar"
    assert search.match_kind(name_score=1.0, contradicts=("birth_year",)) == "similar"


def test_the_page_shows_matches_with_status_and_similar_names_without(client, people):
    page = client.get(SEARCH, {"q": "Кузьмин Олег Петрович 2004"}).content.decode()
    matches, similar = page.split('data-testid="similar"')
    assert "1 совпадение" in matches
    assert "Кузьмин Олег Петрович" in matches and "badge-missing" in matches
    assert "похожих имени" in similar or "похожих имён" in similar
    assert "badge-" not in similar  # no status for someone who is only similar
    assert "В плену" not in similar


def test_a_made_up_name_says_so_and_offers_the_watch(client, people):
    page = client.get(SEARCH, {"q": "Ivanov Ivan"}).content.decode()
    assert 'data-testid="no-match"' in page
    assert "Иванцов Иван" in page
    assert "badge-dead" not in page  # Иванцов is listed; his status is not
    assert reverse("watch:new") + "?q=Ivanov%20Ivan" in page


def test_the_api_and_the_command_say_match_or_similar(client, people):
    body = client.get("/api/v1/conscripts/", {"q": "Кузьмин Олег Петрович 2004"}).json()
    by_id = {r["id"]: r["match"] for r in body["results"]}
    assert by_id[people["kuzmin_2004"].pk] == "match"
    assert by_id[people["kuzmin_2005"].pk] == "similar"
    out = StringIO()
    call_command("search_conscripts", "Кузьмин Олег Петрович 2004", "--json", stdout=out)
    line = json.loads(out.getvalue())
    assert {r["id"]: r["match"] for r in line["results"]} == by_id
    table = StringIO()
    call_command("search_conscripts", "Кузьмин Олег Петрович 2004", stdout=table)
    assert " match " in table.getvalue() and " similar " in table.getvalue()


# --- without a name -----------------------------------------------------------------------
def test_filters_alone_list_people_by_public_fields_a_page_at_a_time(client):
    unit = UnitFactory(number="61234")
    listed = ConscriptFactory.create_batch(25, unit=unit, home_region=region("BEL"))
    ConscriptFactory(unit=unit, is_public=False, surname="Скрытый")
    ConscriptFactory(home_region=region("KRS"))
    first = client.get(SEARCH, {"unit": "61234"}).content.decode()
    assert 'data-testid="browse"' in first and "25 человек" in first
    assert first.count('data-testid="result"') == 20
    assert "Скрытый" not in first
    second = client.get(SEARCH, {"unit": "61234", "page": 2}).content.decode()
    assert second.count('data-testid="result"') == 5
    by_region = client.get(SEARCH, {"region": region("BEL").pk}).content.decode()
    assert by_region.count('data-testid="result"') == 20
    assert listed[-1].full_name in first  # newest first


@pytest.mark.parametrize(
    "params",
    [{"status": "captured"}, {"birth_year": "2003"}, {"region": "REGION"}],
)
def test_each_filter_alone_lists_people(client, params):
    person = ConscriptFactory(status=Status.CAPTURED, birth_year=2003, home_region=region("ORL"))
    ConscriptFactory(status=Status.MISSING, birth_year=2006, home_region=region("KRS"))
    if params.get("region"):
        params = {"region": region("ORL").pk}
    page = client.get(SEARCH, params).content.decode()
    assert page.count('data-testid="result"') == 1
    assert person.full_name in page


def test_an_empty_search_shows_how_to_search_not_zero_found(client):
    ConscriptFactory()
    for params in ({}, {"q": ""}, {"q": "  ", "status": ""}):
        page = client.get(SEARCH, params).content.decode()
        assert 'data-testid="how-to-search"' in page
        assert "Найдено 0" not in page and 'data-testid="result"' not in page


def test_the_api_lists_by_filters_alone(client):
    unit = UnitFactory(number="61235")
    people = ConscriptFactory.create_batch(3, unit=unit)
    ConscriptFactory(unit=unit, is_public=False)
    body = client.get("/api/v1/conscripts/", {"unit": "61235", "page_size": 2}).json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [people[2].pk, people[1].pk]
    assert body["results"][0]["match"] is None and body["results"][0]["score"] is None
    assert client.get("/api/v1/conscripts/").json()["count"] == 0


def test_listing_without_a_name_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    ConscriptFactory.create_batch(30, home_region=region("BEL"))
    with django_assert_max_num_queries(6):
        client.get(SEARCH, {"region": region("BEL").pk})
