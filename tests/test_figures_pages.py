"""The public figures pages: the map, unit pages, readable charts with their data as CSV,
the method. Every person is fictional."""

import csv
import io
import json
import re
from datetime import date

import pytest
from django.urls import reverse

from conscripts import geo
from research import maps
from tests.factories import (
    ConscriptFactory,
    EvidenceFactory,
    UnitFactory,
    region,
    status_change_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_statistics")]

OCCUPIED = {"CR", "SEV", "DPR", "LPR", "ZAP", "KHE"}


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


# --- The map ---------------------------------------------------------------------------------
def test_the_built_map_draws_every_region_but_the_occupied_ones():
    built = json.loads(maps.MAP_FILE.read_text(encoding="utf-8"))
    codes = {r.code for r in geo.REGIONS}
    assert set(built["regions"]) <= codes
    assert codes - set(built["regions"]) == OCCUPIED
    assert built["source"]["licence"] == "ODbL-1.0"
    for code, path in built["regions"].items():
        assert re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]*z)+", path), code
    # Small enough to inline in a page.
    assert sum(len(p) for p in built["regions"].values()) < 40_000


def test_the_map_colours_regions_by_count_with_numbers_on_hover(client):
    ConscriptFactory.create_batch(3, home_region=region("KRS"), status="captured")
    ConscriptFactory(home_region=region("BEL"), status="missing")
    ConscriptFactory(home_region=region("CR"), status="missing")
    ConscriptFactory(home_region=region("MOW"), status="dead", is_public=False)
    page = client.get(reverse("research:map"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert page.count("<path d=") == 83
    kursk = re.search(r'<g class="region (map-c\d)" data-region="KRS"><title>([^<]*)</title>', page)
    belgorod = re.search(r'<g class="region (map-c\d)" data-region="BEL">', page)
    moscow = re.search(r'<g class="region (map-c\d)" data-region="MOW"><title>([^<]*)<', page)
    assert kursk.group(1) > belgorod.group(1) > "map-c0"
    assert "Курская область: 3 человека" in kursk.group(2) and "В плену 3" in kursk.group(2)
    # The hidden person counts nowhere, and Moscow (too small to point at) has a dot.
    assert moscow.group(1) == "map-c0" and "0 человек" in moscow.group(2)
    assert re.search(r'data-region="MOW">.*?<circle', page)
    assert 'data-testid="map-legend"' in page
    # Crimea is not drawn: it is named beside the map, and in the table.
    not_drawn = re.search(r'data-testid="not-drawn">(.*?)</p>', page, re.S).group(1)
    assert "Республика Крым — 1" in not_drawn
    table = re.search(r'data-testid="map-table">(.*?)</table>', page, re.S).group(1)
    assert "Республика Крым" in table and "Курская область" in table
    assert "<style" not in page and " style=" not in page


def test_the_map_colours_by_share_and_leaves_small_regions_uncoloured(client):
    ConscriptFactory.create_batch(6, home_region=region("KRS"), status="captured")
    ConscriptFactory.create_batch(6, home_region=region("KRS"), status="missing")
    ConscriptFactory.create_batch(3, home_region=region("BEL"), status="captured")
    page = client.get(reverse("research:map"), {"colour": "captured"}).content.decode()
    assert 'data-region="KRS"' in page
    assert re.search(r'class="region map-c5" data-region="KRS"', page)  # 50 %
    assert re.search(r'class="region map-cfew" data-region="BEL"', page)  # 3 people
    assert re.search(r'class="region map-c0" data-region="MOW"', page)
    # An unknown mode is the count.
    page = client.get(reverse("research:map"), {"colour": "nonsense"}).content.decode()
    assert re.search(r'class="region map-c\d" data-region="KRS"', page)


def test_the_map_speaks_english(client):
    ConscriptFactory(home_region=region("KRS"))
    page = client.get(reverse("research:map"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Map: people by home region" in page and "Kursk Oblast: 1 person" in page


# --- Units -----------------------------------------------------------------------------------
def test_a_unit_page_counts_its_public_people_and_their_changes_by_week(client):
    unit = UnitFactory(number="41520", name="Мотострелковый полк")
    captured = ConscriptFactory(unit=unit, status="captured", surname="Ладыгин")
    ConscriptFactory(unit=unit, status="missing", surname="Сорокин")
    hidden = ConscriptFactory(unit=unit, status="dead", surname="Скрытов", is_public=False)
    status_change_create(conscript=captured, to_status="captured",
                         effective_date=date(2024, 8, 14))  # fmt: skip
    status_change_create(conscript=captured, to_status="captured")  # no date
    status_change_create(conscript=hidden, to_status="dead",
                         effective_date=date(2024, 8, 14))  # fmt: skip
    retracted = EvidenceFactory(conscript=captured, claimed_status="dead")
    from django.utils import timezone

    type(retracted).objects.filter(pk=retracted.pk).update(retracted_at=timezone.now())
    status_change_create(conscript=captured, to_status="dead", evidence=retracted,
                         effective_date=date(2024, 9, 2))  # fmt: skip
    url = reverse("research:unit", args=[unit.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Воинская часть 41520" in page and "Мотострелковый полк" in page
    assert 'data-testid="unit-total">2<' in page
    assert 'data-testid="unit-count-captured">1<' in page
    assert "Ладыгин" in page and "Сорокин" in page and "Скрытов" not in page
    assert 'data-testid="unit-timeline"' in page
    weekly = rows_of(client.get(url, {"format": "csv"}))
    assert weekly == [{"week_from": "2024-08-12", "missing": "0", "captured": "1", "dead": "0",
                       "returned": "0"}]  # fmt: skip
    assert "без даты" in page


def test_units_named_only_by_hidden_people_have_no_page(client):
    hidden_only = UnitFactory(number="99999")
    ConscriptFactory(unit=hidden_only, is_public=False)
    empty = UnitFactory(number="88888")
    assert client.get(reverse("research:unit", args=[hidden_only.pk])).status_code == 404
    assert client.get(reverse("research:unit", args=[empty.pk])).status_code == 404
    assert client.get(reverse("research:unit", args=[123456])).status_code == 404
    listing = client.get(reverse("research:units")).content.decode()
    assert "99999" not in listing and "88888" not in listing


def test_a_unit_page_runs_the_same_queries_whatever_its_size(client, django_assert_max_num_queries):
    unit = UnitFactory(number="12121")
    ConscriptFactory.create_batch(3, unit=unit)
    url = reverse("research:unit", args=[unit.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    ConscriptFactory.create_batch(30, unit=unit)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_units_are_linked_from_case_pages_search_results_and_the_statistics(client):
    unit = UnitFactory(number="41520")
    person = ConscriptFactory(unit=unit, surname="Ладыгин", given_name="Егор", birth_year=2004)
    link = f'href="{reverse("research:unit", args=[unit.pk])}"'
    assert link in client.get(person.get_absolute_url()).content.decode()
    assert link in client.get(reverse("conscripts:search"), {"unit": "41520"}).content.decode()
    assert link in client.get(reverse("conscripts:search"), {"q": "Ладыгин Егор"}).content.decode()
    assert link in client.get(reverse("research:statistics")).content.decode()
    assert link in client.get(reverse("research:units")).content.decode()


# --- Charts ----------------------------------------------------------------------------------
def test_the_weekly_chart_has_axes_dates_and_its_table_folded(client):
    unit = UnitFactory(number="41520")
    person = ConscriptFactory(unit=unit)
    status_change_create(conscript=person, to_status="captured",
                         effective_date=date(2024, 8, 14))  # fmt: skip
    status_change_create(conscript=person, to_status="returned",
                         effective_date=date(2024, 11, 20))  # fmt: skip
    page = client.get(reverse("research:statistics"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chart = re.search(r'data-testid="weekly-chart".*?</figure>', page, re.S).group(0)
    assert 'class="axis"' in chart and "Aug 2024" in chart and "Nov 2024" in chart
    assert "weeks start on Monday" in chart
    region_chart = re.search(r'data-testid="region-chart".*?</svg>', page, re.S).group(0)
    assert "people (public records)" in region_chart and 'class="tick' in region_chart
    assert re.search(r'<details class="folded" data-testid="region-details">', page)
    assert re.search(r'<details class="folded">\s*<summary>The table, week by week', page)


def test_the_long_region_list_is_charted_in_part_and_tabled_in_full(client):
    for code in [r.code for r in geo.REGIONS][:20]:
        ConscriptFactory(home_region=region(code))
    page = client.get(reverse("research:statistics")).content.decode()
    chart = re.search(r'data-testid="region-chart".*?</svg>', page, re.S).group(0)
    assert chart.count('class="bar"') == 15
    table = re.search(r'data-testid="region-table">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == 21  # the header and 20 regions


def test_each_charts_data_downloads_as_escaped_csv(client):
    unit = UnitFactory(number=None, name='=HYPERLINK("http://example.invalid")')
    ConscriptFactory(unit=unit, home_region=region("KRS"), status="captured")
    ConscriptFactory(home_region=region("BEL"), status="missing")
    regions = rows_of(client.get(reverse("research:statistics-csv", args=["regions"])))
    kursk = next(r for r in regions if r["region_code"] == "KRS")
    assert kursk == {"region_code": "KRS", "region_ru": "Курская область",
                     "region_en": "Kursk Oblast", "people": "1", "missing": "", "captured": "1",
                     "dead": "", "returned": ""}  # fmt: skip
    units = rows_of(client.get(reverse("research:statistics-csv", args=["units"])))
    assert any(u["unit_name"].startswith("'=HYPERLINK") for u in units)
    status = rows_of(client.get(reverse("research:statistics-csv", args=["status"])))
    assert {r["status"]: r["people"] for r in status}["captured"] == "1"
    weekly = rows_of(client.get(reverse("research:statistics-csv", args=["weekly"]),
                             {"window": "kursk"}))  # fmt: skip
    assert list(weekly[0]) if weekly else True
    assert client.get(reverse("research:statistics-csv", args=["nothing"])).status_code == 404


# --- Method ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Как статус следует из свидетельств", "Как попросить исправление",
                "Здесь ошибка / уберите это"]),
        ("en", ["How a status follows from evidence", "How to ask for a correction",
                "This is wrong / remove this", "not an estimate of all losses"]),
    ],
)  # fmt: skip
def test_the_method_page_says_how_status_follows_and_what_the_figures_cannot(
    client, language, words
):
    page = client.get(reverse("research:method"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in page
    assert page.count("<li>") >= 7 + 6


def test_the_figures_pages_carry_no_inline_script_or_style(client):
    unit = UnitFactory(number="41520")
    ConscriptFactory(unit=unit)
    for url in (
        reverse("research:statistics"),
        reverse("research:map"),
        reverse("research:units"),
        reverse("research:unit", args=[unit.pk]),
        reverse("research:method"),
        reverse("research:snapshots"),
    ):
        page = client.get(url).content.decode()
        assert "<style" not in page and " style=" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url


def test_unit_figures_are_computed_with_the_statistics_and_cached_like_them(client, settings):
    from research.tasks import statistics_refresh_task

    settings.STATISTICS_CACHE_SECONDS = 60
    unit = UnitFactory(number="41520")
    ConscriptFactory(unit=unit, status="missing", surname="Сорокин")
    url = reverse("research:unit", args=[unit.pk])
    assert 'data-testid="unit-total">1<' in client.get(url).content.decode()
    ConscriptFactory(unit=unit, status="captured", surname="Ладыгин")
    page = client.get(url).content.decode()
    # The counts are as of the last refresh (the page says when); the list is live.
    assert 'data-testid="unit-total">1<' in page and "Ладыгин" in page
    statistics_refresh_task()
    page = client.get(url).content.decode()
    assert 'data-testid="unit-total">2<' in page
    assert 'data-testid="unit-count-captured">1<' in page
