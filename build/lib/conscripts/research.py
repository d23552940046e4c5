"""Reads for researchers: who may see which people, and the public statistics."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import QueryDict
from django.utils import timezone

from core import access

from .models import Conscript, StatisticsSnapshot, Status, StatusChange

TOP_UNITS = 10

#: The fields a public page shows about a person; exports and the API carry only these.
PUBLIC_VALUES = (
    "pk",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "birth_year",
    "home_region__code",
    "home_region__name_ru",
    "unit__number",
    "unit__name",
    "draft_season",
    "draft_year",
    "last_contact_date",
    "last_known_place",
    "status",
    "status_since",
    "is_disputed",
)


def kursk_window_q(prefix: str = "") -> Q:
    """Last contact on or after 6 August 2024 or, when unknown, a status set since then
    (``Conscript.in_kursk_window``)."""
    return Q(**{f"{prefix}in_kursk_window": True})


def sees_hidden_people(user) -> bool:
    """Moderators may see people hidden at a family's request; nobody else may."""
    return access.is_moderator(user)


def people_for(*, as_moderator: bool) -> QuerySet:
    """Everyone a role may list. Merged duplicates never appear, even to moderators."""
    if as_moderator:
        return Conscript.objects.filter(merged_into__isnull=True)
    return Conscript.objects.public()


def filtered_people(*, params: QueryDict, as_moderator: bool):
    """The researchers' filter applied to what the role may see: (filterset, queryset).

    The queryset is empty when the filter is invalid; ``filterset.errors`` says why.
    """
    from .filters import ConscriptFilter

    filterset = ConscriptFilter(params, queryset=people_for(as_moderator=as_moderator))
    queryset = filterset.qs if filterset.is_valid() else Conscript.objects.none()
    return filterset, queryset


# --- Statistics --------------------------------------------------------------------------
def statistics_cache_key(*, kursk: bool) -> str:
    return f"conscripts:statistics:v1:{'kursk' if kursk else 'all'}"


def statistics(*, kursk: bool = False, refresh: bool = False) -> dict:
    """Aggregates over public people only, from the cache when it has them.

    ``conscripts.tasks.statistics_refresh_task`` recomputes them every
    ``STATISTICS_CACHE_SECONDS`` (Celery beat) and they stay cached three times
    as long, so visitors never wait for the aggregation (seconds at a million
    people) while beat runs; without it, the first visitor after expiry does.
    Each computation is also kept in ``StatisticsSnapshot``, which refills an
    emptied cache for as long as the figures would have stayed in it.
    """
    key = statistics_cache_key(kursk=kursk)
    refresh_every = settings.STATISTICS_CACHE_SECONDS
    lifetime = timedelta(seconds=3 * refresh_every)
    if refresh_every and not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
        # An emptied cache (a restarted Redis, a new web process) falls back on the
        # last computed figures while they are as fresh as the cache would keep them.
        snapshot = StatisticsSnapshot.objects.filter(
            key=key, computed_at__gt=timezone.now() - lifetime
        ).first()
        if snapshot is not None:
            remaining = snapshot.computed_at + lifetime - timezone.now()
            cache.set(key, snapshot.data, max(1, int(remaining.total_seconds())))
            return snapshot.data
    computed_at = timezone.now()
    data = _compute_statistics(kursk=kursk) | {"computed_at": computed_at.isoformat()}
    if refresh_every:
        StatisticsSnapshot.objects.update_or_create(
            key=key, defaults={"data": data, "computed_at": computed_at}
        )
        cache.set(key, data, int(lifetime.total_seconds()))
    return data


def _weekly(queryset: QuerySet, field: str) -> dict:
    """Rows per week of ``field`` (weeks start on Monday, in the site's time zone)."""
    return dict(
        queryset.filter(**{f"{field}__isnull": False})
        .annotate(week=TruncWeek(field, output_field=DateField()))
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _compute_statistics(*, kursk: bool) -> dict:
    people = Conscript.objects.public()
    changes = StatusChange.objects.filter(
        conscript__is_public=True, conscript__merged_into__isnull=True
    )
    if kursk:
        people = people.filter(kursk_window_q())
        changes = changes.filter(kursk_window_q("conscript__"))
    # One pass gives both the status totals and the regions.
    by_status: dict[str, int] = {}
    regions: dict[str, dict] = {}
    for row in (
        people.values("status", "home_region__code", "home_region__name_ru", "home_region__name_en")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        code = row["home_region__code"] or ""
        region = regions.setdefault(
            code,
            {
                "code": code,
                "name_ru": row["home_region__name_ru"] or "",
                "name_en": row["home_region__name_en"] or "",
                "n": 0,
            },
        )
        region["n"] += row["n"]
    by_region = sorted(regions.values(), key=lambda r: (-r["n"], r["name_ru"]))
    top_units = list(
        people.filter(unit__isnull=False)
        .values("unit__number", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__number")[:TOP_UNITS]
    )
    new_people = _weekly(people, "created_at")
    # A change counts in the week it happened (its evidence's date), not the week a
    # moderator recorded it.
    new_changes = _weekly(changes, "effective_date")
    # As on the case page, a change decided by evidence later retracted does not count.
    # Subtracted rather than excluded: the few retracted rows come from a partial index,
    # while excluding them in the main count doubles its cost (1 → 2 s at 1 M people).
    retracted = changes.filter(evidence__retracted_at__isnull=False)
    for week, n in _weekly(retracted, "effective_date").items():
        new_changes[week] -= n
    weeks = sorted(set(new_people) | set(new_changes))
    return {
        "kursk": kursk,
        "total": sum(by_status.values()),
        "by_status": [{"status": s, "n": by_status.get(s, 0)} for s in Status.values],
        "by_region": by_region,
        "top_units": [
            {"number": u["unit__number"] or "", "name": u["unit__name"] or "", "n": u["n"]}
            for u in top_units
        ],
        "weekly": [
            {
                "week": w.isoformat(),
                "new_people": new_people.get(w, 0),
                "status_changes": new_changes.get(w, 0),
            }
            for w in weeks
        ],
    }


def export_values(*, query_string: str, as_moderator: bool) -> QuerySet:
    """``values()`` rows of the filtered people, for the export writers."""
    _filterset, queryset = filtered_people(
        params=QueryDict(query_string), as_moderator=as_moderator
    )
    fields = (*PUBLIC_VALUES, "is_public") if as_moderator else PUBLIC_VALUES
    return queryset.values(*fields)
