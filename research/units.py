"""Every unit's figures at once (people by status, status changes by week), cached like the
statistics (``research.statistics``) and refreshed with them by beat.

A unit page reads its unit's part. Counting one large unit's status changes live costs
close to a second at a million people (30,000 people's timelines joined); the figures of
every unit are read from the running tallies (``conscripts.tallies``) instead.
"""

from __future__ import annotations

import json

from django.db.models import Sum

from conscripts.models import NO_WEEK, Status, Tally, TallyKind

from .statistics import cached_figures

UNIT_FIGURES_KEY = "research:unit-figures:v1"
_STATUS_INDEX = {status: i for i, status in enumerate(Status.values)}


def unit_figures(*, refresh: bool = False) -> dict:
    """``{"computed_at": iso, "units": {unit id (str): JSON text}}``, each text
    ``{"by_status": {status: n}, "weekly": {week iso: [n per status, in Status order]},
    "undated": n}`` (read it with ``figures_of``).

    From the cache, else from the last computation kept in ``StatisticsSnapshot`` while
    as fresh as the cache would keep it, else computed (and kept) now.
    """
    return cached_figures(
        UNIT_FIGURES_KEY,
        lambda computed_at: {"computed_at": computed_at.isoformat(), "units": _compute()},
        refresh=refresh,
    )


def _compute() -> dict:
    """From the running tallies (``conscripts.tallies``), summed over the Kursk window."""
    units: dict[str, dict] = {}

    def unit(pk) -> dict:
        return units.setdefault(str(pk), {"by_status": {}, "weekly": {}, "undated": 0})

    for pk, status, n in (
        Tally.objects.filter(kind=TallyKind.PEOPLE_UNIT_STATUS)
        .values_list("unit_id", "status")
        .annotate(total=Sum("n"))
        .order_by()
    ):
        if n:
            unit(pk)["by_status"][status] = n
    # As on the case page, a change decided by evidence later retracted does not count
    # (the tallies leave it out).
    for pk, week, status, n in (
        Tally.objects.filter(kind=TallyKind.CHANGES_UNIT_WEEK_STATUS)
        .values_list("unit_id", "week", "status")
        .annotate(total=Sum("n"))
        .order_by()
    ):
        if not n:
            continue
        if week == NO_WEEK:
            unit(pk)["undated"] += n
            continue
        counts = unit(pk)["weekly"].setdefault(week.isoformat(), [0] * len(Status.values))
        counts[_STATUS_INDEX[status]] += n
    for figures in units.values():
        figures["weekly"] = {w: c for w, c in sorted(figures["weekly"].items()) if any(c)}
    # One JSON text per unit: a page decodes its own unit, not every unit's weeks (a
    # cached dict of 150 units' weeks takes ~9 ms to unpickle, their texts ~0.1 ms).
    return {pk: json.dumps(figures, separators=(",", ":")) for pk, figures in units.items()}


def figures_of(data: dict, unit_id: int) -> dict:
    """One unit's figures from ``unit_figures()``; zeros for a unit not counted yet."""
    text = data["units"].get(str(unit_id))
    return json.loads(text) if text else {"by_status": {}, "weekly": {}, "undated": 0}
