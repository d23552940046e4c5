"""Running counts behind the public statistics and the unit pages (``Tally``).

Counting a million people and 1.5 million status changes takes seconds; the counts
change only when a service changes a person. So each service that changes what the
statistics count wraps its writes in ``tallies_kept(ids)``: the people's contribution
to every count is read before and after, and the difference is added to the tallies in
the same transaction. A person's contribution is a handful of rows (one person, their
few status changes), so this costs two small reads and one upsert per service call.

What counts, as ``research.statistics`` has always counted it: public people not merged
into another record; their status changes, except those decided by evidence since
retracted; people in the week they were added (site time zone), changes in the week of
the event they follow from. ``tallies_rebuild`` computes everything from scratch
(``manage.py tallies_rebuild``; the migration that made the table ran it once).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta

from django.db import connections, transaction
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .models import NO_WEEK, Conscript, StatusChange, Tally, TallyKind

#: (kind, kursk, region_id, unit_id, status, week): ``Tally``'s unique key.
Key = tuple[int, bool, int, int, str, date]

_local = threading.local()


def week_of(day: date | datetime | None) -> date:
    """The Monday of ``day``'s week (a moment: in the site's time zone), as ``TruncWeek``."""
    if day is None:
        return NO_WEEK
    if isinstance(day, datetime):
        day = timezone.localtime(day, timezone.get_default_timezone()).date()
    return day - timedelta(days=day.weekday())


def _person_keys(kursk: bool, region: int | None, unit: int | None, status: str, added) -> list:
    keys = [
        (TallyKind.PEOPLE_REGION_STATUS, kursk, region or 0, 0, status, NO_WEEK),
        (TallyKind.PEOPLE_WEEK, kursk, 0, 0, "", week_of(added)),
    ]
    if unit:
        keys.append((TallyKind.PEOPLE_UNIT_STATUS, kursk, 0, unit, status, NO_WEEK))
    return keys


def _change_keys(kursk: bool, unit: int | None, to_status: str, effective: date | None) -> list:
    week = week_of(effective)
    keys = [(TallyKind.CHANGES_WEEK, kursk, 0, 0, "", week)]
    if unit:
        keys.append((TallyKind.CHANGES_UNIT_WEEK_STATUS, False, 0, unit, to_status, week))
    return keys


def contributions(conscript_ids: Iterable[int]) -> Counter:
    """What these people add to every tally now (in this transaction), by key."""
    ids = sorted(set(conscript_ids))
    counts: Counter = Counter()
    if not ids:
        return counts
    counted: dict[int, tuple[bool, int | None]] = {}
    for pk, kursk, region, unit, status, added in Conscript.objects.filter(
        pk__in=ids, is_public=True, merged_into__isnull=True
    ).values_list("pk", "in_kursk_window", "home_region_id", "unit_id", "status", "created_at"):
        counted[pk] = (kursk, unit)
        counts.update(_person_keys(kursk, region, unit, status, added))
    if counted:
        for owner, to_status, effective in (
            StatusChange.objects.filter(conscript_id__in=list(counted))
            .filter(Q(evidence__isnull=True) | Q(evidence__retracted_at__isnull=True))
            .values_list("conscript_id", "to_status", "effective_date")
        ):
            kursk, unit = counted[owner]
            counts.update(_change_keys(kursk, unit, to_status, effective))
    return counts


def tallies_add(delta: dict[Key, int], *, using: str = "default") -> None:
    """Add ``delta`` to the tallies: one upsert, rows in key order (so two transactions
    touching the same rows lock them in the same order and cannot deadlock)."""
    rows = sorted((key, n) for key, n in delta.items() if n)
    if not rows:
        return
    table = Tally._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params = [value for key, n in rows for value in (*key, n)]
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, kursk, region_id, unit_id, status, week, n) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (kind, kursk, region_id, unit_id, status, week) "
            f"DO UPDATE SET n = {table}.n + excluded.n",
            params,
        )


class _Scope:
    """The people one outermost ``tallies_kept`` block watches, with their counts before."""

    def __init__(self) -> None:
        self.before: Counter = Counter()
        self.ids: set[int] = set()

    def watch(self, conscript_ids: Iterable[int], *, new: bool = False) -> None:
        fresh = set(conscript_ids) - self.ids
        if fresh and not new:
            self.before.update(contributions(fresh))
        self.ids |= fresh


@contextmanager
def tallies_kept(conscript_ids: Iterable[int] = (), *, new: Iterable[int] = ()) -> Iterator[_Scope]:
    """Keep the tallies true to what the block changes about these people.

    Enter it inside the service's transaction (else it opens one), after locking the
    people, and name every
    person the block may change (``scope.watch(ids)`` adds more; ``new=`` names people
    created in the block, who counted for nothing before it). Blocks nest: an inner one
    (a service calling another) only adds its people to the outermost, which counts once
    on the way out. Nothing is counted when the block raises (its transaction rolls back).
    """
    scope: _Scope | None = getattr(_local, "scope", None)
    if scope is not None:
        scope.watch(conscript_ids)
        scope.watch(new, new=True)
        yield scope
        return
    # Services run in their transaction already; a caller outside one (a script, a test
    # calling conscript_recompute_status) gets one here, so the counts move with the change.
    with ExitStack() as stack:
        if not transaction.get_connection().in_atomic_block:
            stack.enter_context(transaction.atomic())
        scope = _local.scope = _Scope()
        try:
            scope.watch(conscript_ids)
            scope.watch(new, new=True)
            yield scope
            after = contributions(scope.ids)
        finally:
            _local.scope = None
        before = scope.before
        tallies_add({key: after[key] - before[key] for key in after.keys() | before.keys()})


def tallies_count_new(conscript_ids: Iterable[int]) -> None:
    """Count people just created in this transaction (they counted for nothing before)."""
    scope: _Scope | None = getattr(_local, "scope", None)
    if scope is not None:
        scope.watch(conscript_ids, new=True)
    else:
        tallies_add(contributions(conscript_ids))


# --- from scratch ----------------------------------------------------------------------------
def counted_changes(changes, *, prefix: str = "conscript__"):
    """Status changes the statistics count: of public people not merged away, not decided
    by evidence since retracted."""
    return changes.filter(
        **{f"{prefix}is_public": True, f"{prefix}merged_into__isnull": True}
    ).filter(Q(evidence__isnull=True) | Q(evidence__retracted_at__isnull=True))


def full_counts(*, conscript_model=Conscript, change_model=StatusChange) -> Counter:
    """Every tally computed from the people and status changes (a few grouped queries).

    Takes the models so that a migration can pass its historical ones.
    """
    counts: Counter = Counter()
    tz = timezone.get_default_timezone()
    people = conscript_model.objects.filter(is_public=True, merged_into__isnull=True)
    for kursk, region, unit, status, n in (
        people.values_list("in_kursk_window", "home_region_id", "unit_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(TallyKind.PEOPLE_REGION_STATUS, kursk, region or 0, 0, status, NO_WEEK)] += n
        if unit:
            counts[(TallyKind.PEOPLE_UNIT_STATUS, kursk, 0, unit, status, NO_WEEK)] += n
    for kursk, week, n in (
        people.annotate(week=TruncWeek("created_at", output_field=DateField(), tzinfo=tz))
        .values_list("in_kursk_window", "week")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(TallyKind.PEOPLE_WEEK, kursk, 0, 0, "", week)] += n
    for kursk, unit, to_status, week, n in (
        counted_changes(change_model.objects.all())
        .annotate(week=TruncWeek("effective_date", output_field=DateField()))
        .values_list("conscript__in_kursk_window", "conscript__unit_id", "to_status", "week")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        for key in _change_keys(kursk, unit, to_status, week):
            counts[key] += n
    return counts


def tallies_rebuild(
    *,
    using: str = "default",
    conscript_model=Conscript,
    change_model=StatusChange,
    tally_model=Tally,
) -> int:
    """Replace every tally with a count from scratch; returns the number of rows.

    Services that change people meanwhile wait for it (the table is locked), then add
    their change to the new counts, so nothing is lost or counted twice.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = tally_model._meta.db_table
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                # The grouped count of 1.5 M status changes spills to disk at 4 MB.
                cursor.execute("SET LOCAL work_mem = '64MB'")
        counts = full_counts(conscript_model=conscript_model, change_model=change_model)
        tally_model.objects.using(using).all().delete()
        tally_model.objects.using(using).bulk_create(
            [
                tally_model(
                    kind=kind, kursk=kursk, region_id=region, unit_id=unit, status=s, week=w, n=n
                )
                for (kind, kursk, region, unit, s, w), n in sorted(counts.items())
                if n
            ],
            batch_size=1000,
        )
    return sum(1 for n in counts.values() if n)


def tallies_differences() -> dict[Key, tuple[int, int]]:
    """Keys where the stored tallies and a count from scratch disagree: {key: (kept, true)}."""
    kept = Counter()
    for *key, n in Tally.objects.values_list(
        "kind", "kursk", "region_id", "unit_id", "status", "week", "n"
    ):
        kept[tuple(key)] += n
    true = full_counts()
    return {
        key: (kept[key], true[key]) for key in kept.keys() | true.keys() if kept[key] != true[key]
    }
