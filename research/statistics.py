"""The public statistics: aggregates over public people, cached and snapshotted."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DateField, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from conscripts.models import Conscript, Status, StatusChange

from .models import StatisticsSnapshot
from .selectors import kursk_window_q

TOP_UNITS = 10


def statistics_cache_key(*, kursk: bool) -> str:
    # The key keeps the name it had under ``conscripts``: snapshots stored under it
    # before the move still refill the cache.
    return f"conscripts:statistics:v1:{'kursk' if kursk else 'all'}"


def statistics(*, kursk: bool = False, refresh: bool = False) -> dict:
    """Aggregates over public people only, from the cache when it has them.

    ``research.tasks.statistics_refresh_task`` recomputes them every
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
                "by_status": {},
            },
        )
        region["n"] += row["n"]
        # The map colours a region by its share of each status (research.maps).
        region["by_status"][row["status"]] = row["n"]
    by_region = sorted(regions.values(), key=lambda r: (-r["n"], r["name_ru"]))
    top_units = list(
        people.filter(unit__isnull=False)
        .values("unit", "unit__number", "unit__name")
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
            {
                # The id links the unit's page (research.views.unit_detail).
                "id": u["unit"],
                "number": u["unit__number"] or "",
                "name": u["unit__name"] or "",
                "n": u["n"],
            }
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
