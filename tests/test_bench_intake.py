"""bench/intake.py at a tiny size, so that it cannot rot: the same functions the figures
come from, on this test's database."""

import pytest

from bench import intake
from reports.models import Report
from tests.factories import ConscriptFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_spreadsheet_part_reads_maps_and_queues_a_small_messy_list(fmt):
    data = intake.messy_spreadsheet(60, seed=3, fmt=fmt)
    result = intake.run_spreadsheet(data, file_name=f"list.{fmt}", user=intake.bench_user())
    assert result["mapping"] == [
        "number",
        "full_name",
        "birth",
        "region",
        "unit",
        "status",
        "last_contact",
        "contact",
        "video",
        "note",
    ]
    counts = result["counts"]
    assert counts["errors"] == 0 and counts["skipped"] >= 1  # the summary row
    assert counts["queued"] == counts["people"] == result["reports_added"] == Report.objects.count()
    assert 55 <= counts["people"] <= 60
    assert (result["again_counts"]["queued"], result["again_counts"]["present"]) == (
        0,
        counts["people"],
    )


def test_the_names_part_matches_a_small_pasted_list():
    for n in range(12):
        ConscriptFactory(surname=f"Бенчев{'абвгдежзиклм'[n]}", given_name="Иван", birth_year=2004)
    text, expected = intake.pasted_names(10, seed=3)
    assert len(text.splitlines()) == len(expected) == 10
    result = intake.run_paste(text, expected, user=intake.bench_user())
    assert result["lines"] == 10
    assert result["meant_among_candidates"] == 1.0
    assert result["best_is_right_with_year"] == 1.0 and result["high_and_wrong"] == 0
    assert result["confidence_of_names_nobody_has"]["none"] == 1  # the name nobody has
