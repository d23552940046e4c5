"""The public statistics page: aggregates of public records only, exact, cached briefly."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from research import statistics as research
from research.models import StatisticsSnapshot
from tests.factories import (
    ConscriptFactory,
    UnitFactory,
    UserFactory,
    region,
    status_change_create,
)
from tests.helpers import statistics_cache_forget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_statistics")]
URL = reverse("research:statistics")


def test_it_counts_public_people_only_and_shows_small_counts_exactly(client):
    ConscriptFactory(status="captured", home_region=region("KRS"))
    ConscriptFactory(status="missing", home_region=region("KRS"))
    ConscriptFactory(status="missing", home_region=region("BEL"))
    kept = ConscriptFactory(status="dead", home_region=region("BEL"))
    ConscriptFactory(status="dead", is_public=False, home_region=region("MOW"))
    ConscriptFactory(status="dead", merged_into=kept, home_region=region("MOW"))
    data = research.statistics()
    assert data["total"] == 4
    assert {r["status"]: r["n"] for r in data["by_status"]} == {
        "missing": 2,
        "captured": 1,
        "dead": 1,
        "returned": 0,
    }
    assert {r["code"]: r["n"] for r in data["by_region"]} == {"KRS": 2, "BEL": 2}
    page = client.get(URL).content.decode()
    assert "Москва" not in page and "Moscow" not in page
    assert 'data-testid="total">4<' in page


def test_it_lists_top_units_and_weekly_counts(client):
    unit = UnitFactory(number="12345")
    people = ConscriptFactory.create_batch(3, unit=unit)
    ConscriptFactory(unit=UnitFactory(number="54321"))
    status_change_create(conscript=people[0], to_status="captured", effective_date=date(2024, 9, 2))
    # Counted in the week it happened, not the week it was recorded; undated: not counted.
    status_change_create(conscript=people[1], to_status="captured")
    hidden = ConscriptFactory(is_public=False)
    status_change_create(conscript=hidden, to_status="dead", effective_date=date(2024, 9, 2))
    data = research.statistics()
    assert data["top_units"][0] == {"id": unit.pk, "number": "12345", "name": "", "n": 3}
    assert sum(w["new_people"] for w in data["weekly"]) == 4
    assert sum(w["status_changes"] for w in data["weekly"]) == 1
    assert [w["week"] for w in data["weekly"] if w["status_changes"]] == ["2024-09-02"]


def test_changes_decided_by_retracted_evidence_are_not_counted(settings):
    from conscripts import services
    from conscripts.models import EvidenceKind, Status

    settings.STATISTICS_CACHE_SECONDS = 0
    person = ConscriptFactory()
    notice = services.evidence_add(
        conscript=person,
        kind=EvidenceKind.DEATH_NOTICE,
        claimed_status=Status.DEAD,
        event_date=date(2024, 9, 5),
    )
    services.evidence_add(
        conscript=person,
        kind=EvidenceKind.PRISONER_VIDEO,
        claimed_status=Status.CAPTURED,
        event_date=date(2024, 10, 1),
    )
    assert sum(w["status_changes"] for w in research.statistics()["weekly"]) == 2
    services.evidence_retract(
        evidence=notice, reason="Другой человек", moderator=UserFactory(is_superuser=True)
    )
    assert sum(w["status_changes"] for w in research.statistics()["weekly"]) == 1


def test_the_kursk_window_narrows_every_aggregate(client):
    ConscriptFactory(last_contact_date=date(2024, 8, 10), home_region=region("KRS"))
    ConscriptFactory(last_contact_date=date(2023, 1, 10), home_region=region("BEL"))
    assert research.statistics(kursk=True)["total"] == 1
    page = client.get(URL, {"window": "kursk"}).content.decode()
    assert "Курская область" in page and "Белгородская область" not in page


def test_charts_are_server_rendered_svg_with_tables_beside_them(client):
    ConscriptFactory(home_region=region("KRS"))
    page = client.get(URL).content.decode()
    assert "<svg" in page and "<script" not in page
    for table in ("status-table", "region-table", "unit-table", "weekly-table"):
        assert f'data-testid="{table}"' in page


def test_aggregates_are_cached_briefly(settings):
    settings.STATISTICS_CACHE_SECONDS = 60
    ConscriptFactory()
    assert research.statistics()["total"] == 1
    ConscriptFactory()
    assert research.statistics()["total"] == 1  # cached
    assert research.statistics(kursk=True)["total"] == 0  # keyed by the filter
    StatisticsSnapshot.objects.all().delete()
    cache.delete(research.statistics_cache_key(kursk=False))
    assert research.statistics()["total"] == 2


def test_an_emptied_cache_is_refilled_from_the_last_snapshot_not_recomputed(
    client, settings, django_assert_num_queries
):
    settings.STATISTICS_CACHE_SECONDS = 60
    ConscriptFactory(home_region=region("KRS"))
    first = client.get(URL).context
    ConscriptFactory(home_region=region("KRS"))
    statistics_cache_forget()  # a restarted Redis
    with django_assert_num_queries(1):  # the snapshot, not the aggregation
        again = client.get(URL).context
    assert (again["total"], again["regions"]) == (first["total"], first["regions"])
    assert again["total"] == 1
    with django_assert_num_queries(0):  # and the cache holds it again
        client.get(URL)
    snapshot = StatisticsSnapshot.objects.get(key=research.statistics_cache_key(kursk=False))
    assert snapshot.data["total"] == 1
    assert again["computed_at"] == snapshot.computed_at  # the page says how old they are


def test_a_snapshot_older_than_the_cache_would_keep_is_recomputed(settings):
    settings.STATISTICS_CACHE_SECONDS = 60
    ConscriptFactory()
    assert research.statistics()["total"] == 1
    ConscriptFactory()
    StatisticsSnapshot.objects.update(computed_at=timezone.now() - timedelta(seconds=181))
    statistics_cache_forget()
    assert research.statistics()["total"] == 2
    snapshot = StatisticsSnapshot.objects.get(key=research.statistics_cache_key(kursk=False))
    assert snapshot.data["total"] == 2
    assert timezone.now() - snapshot.computed_at < timedelta(seconds=5)


def test_the_page_runs_a_constant_number_of_queries(client, settings, django_assert_num_queries):
    settings.STATISTICS_CACHE_SECONDS = 0
    for i in range(5):
        ConscriptFactory(unit=UnitFactory(number=f"{30000 + i}"), home_region=region("KRS"))
    with CaptureQueriesContext(connection) as five:
        client.get(URL)
    for i in range(45):
        ConscriptFactory(unit=UnitFactory(number=f"{40000 + i}"), home_region=region("BEL"))
    with django_assert_num_queries(len(five.captured_queries)):
        client.get(URL)


def test_a_cached_page_needs_no_query(client, settings, django_assert_num_queries):
    settings.STATISTICS_CACHE_SECONDS = 60
    ConscriptFactory()
    client.get(URL)
    with django_assert_num_queries(0):
        assert client.get(URL).status_code == 200


def test_the_scheduled_refresh_replaces_cached_aggregates(settings):
    from research.tasks import statistics_refresh_task

    settings.STATISTICS_CACHE_SECONDS = 60
    ConscriptFactory()
    assert research.statistics()["total"] == 1
    ConscriptFactory(last_contact_date=date(2024, 8, 20))
    assert research.statistics()["total"] == 1  # still the cached figure
    statistics_refresh_task.run()
    assert research.statistics()["total"] == 2
    assert research.statistics(kursk=True)["total"] == 1


def test_beat_schedules_the_statistics_refresh(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["statistics-refresh"]
    assert entry["task"] == "conscripts.statistics_refresh"
    assert entry["schedule"] <= settings.STATISTICS_CACHE_SECONDS


def test_the_charts_are_rendered_once_per_computation_and_language(client, settings):
    settings.STATISTICS_CACHE_SECONDS = 60
    ConscriptFactory(home_region=region("KRS"))
    fragment = "research/_statistics_figures.html"

    def rendered(**headers) -> tuple[bool, str]:
        response = client.get(URL, **headers)
        return fragment in [t.name for t in response.templates], response.content.decode()

    first, page = rendered(HTTP_ACCEPT_LANGUAGE="ru")
    again, same = rendered(HTTP_ACCEPT_LANGUAGE="ru")
    assert first and not again and "<svg" in same
    assert (
        same[same.index("<svg") :].split("</svg>")[0]
        == page[page.index("<svg") :].split("</svg>")[0]
    )
    english, page_en = rendered(HTTP_ACCEPT_LANGUAGE="en")
    assert english and "By home region" in page_en
    ConscriptFactory(home_region=region("KRS"))
    research.statistics(refresh=True)  # beat recomputes the figures
    fresh, page = rendered(HTTP_ACCEPT_LANGUAGE="ru")
    assert fresh and 'data-testid="total">2<' in page
