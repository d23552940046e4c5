"""Relatives' search: any spelling, any order, declined, misspelled, or by unit."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from conscripts.models import Status
from conscripts.search import matches_load, search
from tests.factories import ConscriptFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """A small fictional roster with namesakes told apart by birth year."""
    unit = UnitFactory(number="54321")
    return {
        "vorobyov_2004": ConscriptFactory(
            surname="Воробьев",
            given_name="Никита",
            patronymic="Андреевич",
            birth_year=2004,
            unit=unit,
        ),
        "vorobyov_2006": ConscriptFactory(
            surname="Воробьев", given_name="Никита", patronymic="Андреевич", birth_year=2006
        ),
        "shcherbakov": ConscriptFactory(
            surname="Щербаков",
            given_name="Юрий",
            patronymic="Сергеевич",
            birth_date=datetime.date(2005, 3, 12),
            birth_year=2005,
        ),
        "petrov": ConscriptFactory(
            surname="Петров", given_name="Алексей", patronymic="Сергеевич", birth_year=2003
        ),
        "petrakov": ConscriptFactory(
            surname="Петраков", given_name="Алексей", patronymic="Игоревич", birth_year=2003
        ),
        "zhukov": ConscriptFactory(
            surname="Жуков", given_name="Дмитрий", patronymic="Олегович", birth_year=2005
        ),
        "hidden": ConscriptFactory(
            surname="Ёлкин", given_name="Егор", patronymic="Павлович", is_public=False
        ),
    }


def first(query, **kwargs):
    matches = search(query, **kwargs).matches
    return matches[0].conscript if matches else None


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("Петров Алексей Сергеевич", "petrov"),
        ("Петрова Алексея Сергеевича", "petrov"),  # genitive
        ("Алексея Петрова", "petrov"),  # given name first, genitive
        ("петров алексей", "petrov"),
        ("Петраков Алексей", "petrakov"),
        ("Shcherbakov Yury", "shcherbakov"),
        ("Scherbakov Yuri", "shcherbakov"),
        ("Schtscherbakow Juri", "shcherbakov"),
        ("Szczerbakow Jurij", "shcherbakov"),
        ("Щербаков Юрий 12.03.2005", "shcherbakov"),
        ("Щербакоф Юрий", "shcherbakov"),  # typo
        ("Zhukov Dmitry", "zhukov"),
        ("Jukov Dmitriy", "zhukov"),
        ("Жуков Дима", "zhukov"),  # diminutive
        ("Петров А.С.", "petrov"),  # initials
        ("Петров А. И.", "petrakov"),  # initials decide between similar surnames
    ],
)
def test_it_finds_the_person_first_in_any_spelling(people, query, who):
    assert first(query) == people[who]


def test_a_birth_year_tells_namesakes_apart(people):
    assert first("Воробьев Никита 2006") == people["vorobyov_2006"]
    assert first("Воробьёв Никита 2004 г.р.") == people["vorobyov_2004"]
    matches = search("Воробьев Никита Андреевич").matches
    assert {m.conscript for m in matches[:2]} == {people["vorobyov_2004"], people["vorobyov_2006"]}


def test_it_finds_people_by_unit_number(people):
    matches = search("в/ч 54321").matches
    assert [m.conscript for m in matches] == [people["vorobyov_2004"]]
    assert first("вч54321") == people["vorobyov_2004"]


def test_hidden_people_never_appear(people):
    for query in ("Елкин Егор", "Ёлкин Егор Павлович", "Yolkin Egor"):
        assert all(m.conscript != people["hidden"] for m in search(query).matches)
    people["hidden"].is_public = True
    people["hidden"].save()
    assert first("Yolkin Egor") == people["hidden"]  # the same query would find him


def test_filters_narrow_the_results(people):
    people["petrov"].status = Status.CAPTURED
    people["petrov"].save()
    assert [m.conscript for m in search("Петров Алексей", filters=None).matches][:1] == [
        people["petrov"]
    ]
    from conscripts.search import Filters

    captured = search("Петров Алексей", filters=Filters(status=Status.CAPTURED)).matches
    assert [m.conscript for m in captured] == [people["petrov"]]
    assert search("Петров Алексей", filters=Filters(birth_year=1999)).matches == []


def test_an_unknown_name_finds_nobody(people):
    assert search("Черепанов Святослав").matches == []
    assert search("   ").matches == []


def test_reasons_say_why_a_person_matched(people):
    match = search("Shcherbakov Yury 2005").matches[0]
    assert match.reasons["surname"] == "spelling"
    assert match.reasons["birth_year"] == "match"
    exact = search("Петров Алексей").matches[0]
    assert exact.reasons["surname"] == "exact"


def test_search_page_shows_ranked_results_with_status_and_reasons(client, people):
    response = client.get(reverse("conscripts:search"), {"q": "Петрова Алексея"})
    body = response.content.decode()
    assert response.status_code == 200
    results = response.context["page"].object_list
    assert results[0].conscript == people["petrov"]
    assert "Петров Алексей Сергеевич" in body
    assert "badge-missing" in body
    assert people["hidden"].surname not in body


def test_search_page_runs_a_constant_number_of_queries(client, people, django_assert_num_queries):
    for i in range(30):
        ConscriptFactory(surname="Петров", given_name="Алексей", birth_year=1990 + i % 20)
    client.get(reverse("conscripts:search"), {"q": "Петров Алексей"})  # regions, units cached
    # the vocabulary (2), the candidates, the rest of the shown page's columns, the session
    with django_assert_num_queries(5) as few:
        client.get(reverse("conscripts:search"), {"q": "Петров Алексей"})
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("conscripts:search"), {"q": "Петров Алексей", "page": 2})


def test_a_limited_search_reads_the_shown_results_whole_in_one_query(
    people, django_assert_num_queries
):
    search("Воробьев Никита")  # regions and units cached
    result = search("Воробьев Никита", limit=2)
    with django_assert_num_queries(0):
        statuses = [m.conscript.status for m in result.matches]
        units = [m.conscript.unit for m in result.matches]
    assert statuses == [Status.MISSING, Status.MISSING]
    assert people["vorobyov_2004"].unit in units


def test_an_unlimited_search_reads_the_rest_of_a_page_on_request(people, django_assert_num_queries):
    matches = search("Воробьев Никита").matches
    assert matches[0].conscript.get_deferred_fields()  # ranked on the name columns only
    with django_assert_num_queries(1):
        matches_load(matches)
    with django_assert_num_queries(0):
        assert {m.conscript.status for m in matches} == {Status.MISSING}


def test_a_renamed_unit_shows_in_the_next_search(people):
    assert first("Воробьев Никита 2004").unit.name == people["vorobyov_2004"].unit.name
    unit = people["vorobyov_2004"].unit
    unit.name = "Полк связи"
    unit.save()
    assert first("Воробьев Никита 2004").unit.name == "Полк связи"


def test_search_reports_the_time_of_each_stage_it_runs(people):
    timings = {}
    search("Воробьев Никита 2004", timings=timings)
    assert {"interpret", "vocabulary", "candidates", "rerank"} <= timings.keys()
    assert all(value > 0 for value in timings.values())
    assert "widened" not in timings
    widened = {}
    search("Петров А. И.", timings=widened)  # Петраков Алексей Игоревич
    assert widened["widened"] == 1


def test_search_page_reports_invalid_filters_without_crashing(client, people):
    response = client.get(reverse("conscripts:search"), {"q": "Петров", "unit": "12ab"})
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors


def test_api_returns_ranked_public_results_with_scores(client, people):
    response = client.get("/api/v1/conscripts/", {"q": "Vorobyov Nikita 2006"})
    data = response.json()
    assert response.status_code == 200
    assert data["results"][0]["id"] == people["vorobyov_2006"].pk
    assert data["results"][0]["score"] >= data["results"][1]["score"]
    assert set(data["results"][0]) >= {
        "id",
        "surname",
        "given_name",
        "patronymic",
        "birth_date",
        "birth_year",
        "score",
        "status",
        "url",
    }
    assert all(r["id"] != people["hidden"].pk for r in data["results"])


def test_api_rejects_bad_parameters_with_400(client):
    assert client.get("/api/v1/conscripts/", {"q": "x", "birth_year": "abc"}).status_code == 400
    assert client.get("/api/v1/conscripts/", {"q": "x", "page": "0"}).status_code == 400


def test_api_page_and_command_return_the_same_ranking(client, people):
    q = "Воробьев Никита"
    api_ids = [r["id"] for r in client.get("/api/v1/conscripts/", {"q": q}).json()["results"]]
    page_ids = [
        m.conscript.pk
        for m in client.get(reverse("conscripts:search"), {"q": q}).context["page"].object_list
    ]
    out = StringIO()
    call_command("search_conscripts", q, "--json", "--limit", "20", stdout=out)
    command_ids = [r["id"] for r in json.loads(out.getvalue())["results"]]
    assert api_ids == page_ids == command_ids
    assert len(api_ids) == 2


def test_command_batch_mode_writes_one_json_line_per_query(people, tmp_path):
    batch = tmp_path / "names.txt"
    batch.write_text("Петров Алексей\n\nZhukov Dmitry 2005\nНеизвестный Никто\n", encoding="utf-8")
    out = StringIO()
    call_command("search_conscripts", "--batch", str(batch), "--limit", "3", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["q"] for line in lines] == [
        "Петров Алексей",
        "Zhukov Dmitry 2005",
        "Неизвестный Никто",
    ]
    assert lines[0]["results"][0]["id"] == people["petrov"].pk
    assert lines[1]["results"][0] == {
        "id": people["zhukov"].pk,
        "surname": "Жуков",
        "given_name": "Дмитрий",
        "patronymic": "Олегович",
        "birth_date": None,
        "birth_year": 2005,
        "score": lines[1]["results"][0]["score"],
        "match": "match",
    }
    assert 0 < lines[1]["results"][0]["score"] <= 1
    assert lines[2]["results"] == []
