"""The public statistics: aggregates over public people, cached and snapshotted."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from conscripts.models import NO_WEEK, MilitaryUnit, Region, Status, Tally, TallyKind

from .models import StatisticsSnapshot

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
    return cached_figures(
        statistics_cache_key(kursk=kursk),
        lambda computed_at: (
            _compute_statistics(kursk=kursk) | {"computed_at": computed_at.isoformat()}
        ),
        refresh=refresh,
    )


def cached_figures(key: str, compute, *, refresh: bool = False) -> dict:
    """The figures kept under ``key``: from the cache, else from the last computation kept
    in ``StatisticsSnapshot`` while as fresh as the cache would keep it, else
    ``compute(computed_at)`` now (kept in both). ``refresh`` computes them anew; with
    ``STATISTICS_CACHE_SECONDS`` at 0 nothing is cached or kept."""
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
    data = compute(computed_at)
    if refresh_every:
        StatisticsSnapshot.objects.update_or_create(
            key=key, defaults={"data": data, "computed_at": computed_at}
        )
        cache.set(key, data, int(lifetime.total_seconds()))
    return data


def _sums(kind: int, kursk: bool, *columns: str) -> list[tuple]:
    """``(*columns, n)`` of one kind of tally, summed over what the columns leave out (the
    Kursk window too, unless ``kursk``); groups that sum to zero are left out."""
    tallies = Tally.objects.filter(kind=kind)
    if kursk:
        tallies = tallies.filter(kursk=True)
    return [
        row for row in tallies.values_list(*columns).annotate(total=Sum("n")).order_by() if row[-1]
    ]


def _compute_statistics(*, kursk: bool) -> dict:
    """The figures, from the running tallies (``conscripts.tallies``): a few hundred rows
    instead of a million people and their status changes."""
    by_status: dict[str, int] = {}
    per_region: dict[int, dict[str, int]] = {}
    for region_id, status, n in _sums(TallyKind.PEOPLE_REGION_STATUS, kursk, "region_id", "status"):
        by_status[status] = by_status.get(status, 0) + n
        per_region.setdefault(region_id, {})[status] = n
    names = {
        pk: (code, name_ru, name_en)
        for pk, code, name_ru, name_en in Region.objects.filter(pk__in=per_region).values_list(
            "pk", "code", "name_ru", "name_en"
        )
    }
    regions = []
    for region_id, statuses in per_region.items():
        code, name_ru, name_en = names.get(region_id, ("", "", ""))
        # The map colours a region by its share of each status (research.maps).
        regions.append(
            {
                "code": code,
                "name_ru": name_ru,
                "name_en": name_en,
                "n": sum(statuses.values()),
                "by_status": statuses,
            }
        )
    by_region = sorted(regions, key=lambda r: (-r["n"], r["name_ru"]))
    per_unit = dict(_sums(TallyKind.PEOPLE_UNIT_STATUS, kursk, "unit_id"))
    units = {
        pk: (number, name)
        for pk, number, name in MilitaryUnit.objects.filter(pk__in=per_unit).values_list(
            "pk", "number", "name"
        )
    }
    # As before: most people first, then by number (units without a number last).
    top = sorted(
        per_unit,
        key=lambda pk: (-per_unit[pk], units[pk][0] is None, units[pk][0] or ""),
    )[:TOP_UNITS]
    new_people = dict(_sums(TallyKind.PEOPLE_WEEK, kursk, "week"))
    # A change counts in the week it happened (its evidence's date), not the week a
    # moderator recorded it; undated changes are not on the weekly chart.
    new_changes = {
        week: n for week, n in _sums(TallyKind.CHANGES_WEEK, kursk, "week") if week != NO_WEEK
    }
    weeks = sorted(set(new_people) | set(new_changes))
    return {
        "kursk": kursk,
        "total": sum(by_status.values()),
        "by_status": [{"status": s, "n": by_status.get(s, 0)} for s in Status.values],
        "by_region": by_region,
        "top_units": [
            {
                # The id links the unit's page (research.views.unit_detail).
                "id": pk,
                "number": units[pk][0] or "",
                "name": units[pk][1] or "",
                "n": per_unit[pk],
            }
            for pk in top
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
