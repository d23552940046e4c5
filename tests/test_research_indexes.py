"""The researchers' list at any sort: every sort it offers walks an index, the walk for
sorts through a region or unit gives the rows the plain sort gives, and one query takes
a bounded number of parallel workers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from conscripts.models import Conscript
from research import selectors
from research.filters import SORTS
from tests.factories import ConscriptFactory, UnitFactory, region

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> list[tuple[list[str], str]]:
    """(columns in order, predicate or "") of every plain-column B-tree index on ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT array_agg(a.attname ORDER BY k.n),
                   coalesce(pg_get_expr(i.indpred, i.indrelid), '')
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
            WHERE t.relname = %s
            GROUP BY i.indexrelid, i.indpred, i.indrelid
            """,
            [table],
        )
        return [(columns, predicate) for columns, predicate in cursor.fetchall()]


def _serves_lists(predicate: str) -> bool:
    """An index the lists can use: on every row, or on the unmerged (and public) ones."""
    rest = predicate.replace("merged_into_id IS NULL", "").replace("is_public", "")
    return not predicate or not rest.replace("AND", "").strip(" ()")


def _sort_columns(sort: str) -> tuple[str, list[str]]:
    """(table, columns) an index must lead with to walk ``sort``, id as the tie-break.

    A sort through a related row (``home_region__name_ru``) walks the related rows in
    that column's order and each one's people by id (research.selectors.people_slice)."""
    fields = [f.lstrip("-") for f in SORTS[sort]]
    assert fields[-1] == "pk", f"sort {sort!r} must end with pk, so that pages never overlap"
    fields = fields[:-1]
    if "__" in fields[0]:
        assert len(fields) == 1, f"sort {sort!r}: one related column, then pk"
        relation, column = fields[0].split("__")
        fk = Conscript._meta.get_field(relation)
        related = fk.related_model._meta.get_field(column)
        assert related.unique or related.db_index, f"{fields[0]} needs an index of its own"
        return Conscript._meta.db_table, [fk.column, "id"]
    return Conscript._meta.db_table, [Conscript._meta.get_field(f).column for f in fields] + ["id"]


@pytest.mark.parametrize("sort", sorted(SORTS))
def test_every_sort_the_list_offers_walks_an_index(sort):
    table, wanted = _sort_columns(sort)
    serving = [
        columns
        for columns, predicate in _indexes(table)
        if columns[: len(wanted)] == wanted and _serves_lists(predicate)
    ]
    assert serving, (
        f"no index on {table} leads with {wanted} for sort {sort!r}: at a million people "
        "it is a sequential scan and a sort of every row (add one to Conscript.Meta.indexes)"
    )


def test_the_default_order_walks_an_index():
    wanted = [Conscript._meta.get_field(f).column for f in Conscript._meta.ordering if f != "pk"]
    table = Conscript._meta.db_table
    assert any(
        columns[: len(wanted) + 1] == [*wanted, "id"] and _serves_lists(predicate)
        for columns, predicate in _indexes(table)
    )


@pytest.mark.parametrize("sort", ["region", "-region", "unit", "-unit", "status", "-name"])
@pytest.mark.parametrize("as_moderator", [False, True])
def test_the_index_walk_gives_every_page_of_the_plain_sort(sort, as_moderator):
    regions = [region(code) for code in ("YAR", "AD", "MUR")]
    units = [UnitFactory(number=n) for n in ("30001", "10001")]
    units.append(UnitFactory(number=None, name="Отряд без номера"))
    for i in range(23):
        ConscriptFactory(
            home_region=None if i % 5 == 0 else regions[i % 3],
            unit=None if i % 4 == 0 else units[i % 3],
            is_public=i % 7 != 3,
        )
    _filterset, people = selectors.filtered_people(
        params=QueryDict(f"sort={sort}"), as_moderator=as_moderator
    )
    people = selectors.person_rows(people, as_moderator=as_moderator)
    plain = list(people.values_list("pk", flat=True))
    assert len(plain) == (23 if as_moderator else 20)
    for start, stop in [(0, 4), (4, 8), (8, 12), (12, 16), (16, 20), (20, 24), (3, 19), (0, 30)]:
        got = [p.pk for p in selectors.people_slice(people, start, stop)]
        assert got == plain[start:stop], (sort, start, stop)


def test_a_query_takes_at_most_the_configured_parallel_workers(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == str(settings.DATABASES["default"]["PARALLEL_WORKERS"])
    assert settings.DATABASES["default"]["PARALLEL_WORKERS"] == 1


@pytest.mark.parametrize("sort", ["region", "-unit"])
def test_the_api_pages_a_sort_through_a_region_or_unit_like_the_plain_sort(client, sort):
    for i in range(7):
        ConscriptFactory(home_region=None if i % 3 == 0 else region(("YAR", "AD")[i % 2]))
    _filterset, people = selectors.filtered_people(
        params=QueryDict(f"sort={sort}"), as_moderator=False
    )
    plain = list(people.values_list("pk", flat=True))
    got = []
    for page in (1, 2, 3):
        response = client.get("/api/v1/cases/", {"sort": sort, "page_size": 3, "page": page})
        assert response.status_code == 200
        got += [row["id"] for row in response.json()["results"]]
    assert got == plain
