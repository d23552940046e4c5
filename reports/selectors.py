"""Reads for the moderators' queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from conscripts import search
from conscripts.models import Conscript

from .models import OPEN_STATES, HitState, Report, WatchHit

#: How much a matching unit number lifts a candidate over a namesake.
UNIT_BONUS = 0.05


def report_for_submission_key(*, key: str) -> Report | None:
    """The report a public form with this one-time key already created, if any."""
    if not key:
        return None
    return Report.objects.only("pk", "receipt_token").filter(submission_key=key).first()


def review_queue(
    *,
    state: str | None = None,
    origin: str | None = None,
    claimed_by: AbstractBaseUser | None = None,
    older_than: timedelta | datetime | None = None,
) -> QuerySet[Report]:
    """Reports awaiting moderators, oldest first, in one query however long.

    ``state=None`` means every open state (pending and needs-info);
    ``older_than`` is an age (timedelta) or a cut-off moment (datetime).
    """
    qs = Report.objects.select_related("home_region", "claimed_by", "conscript", "duplicate_of")
    qs = qs.filter(state=state) if state else qs.filter(state__in=OPEN_STATES)
    if origin:
        qs = qs.filter(origin=origin)
    if claimed_by is not None:
        qs = qs.filter(claimed_by=claimed_by)
    if older_than is not None:
        cutoff = timezone.now() - older_than if isinstance(older_than, timedelta) else older_than
        qs = qs.filter(created_at__lt=cutoff)
    return qs.order_by("created_at", "pk")


def queue_slice(queryset: QuerySet[Report], start: int, stop: int) -> list[Report]:
    """Reports ``start:stop`` of a ``review_queue`` queryset, in its order.

    The page's ids first, from the queue's covering index alone (``report_open_queue_cover``:
    a walk past ``start`` entries, not past ``start`` rows and their joins), then those
    reports with their joins. Page 50 of 100,000 pending costs what page 1 does; one
    query more than a plain slice, for every page alike."""
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    return list(queryset.filter(pk__in=ids)) if ids else []


@dataclass
class Candidate:
    """An existing person who may be the one a report is about."""

    conscript: Conscript
    score: float
    reasons: dict[str, str]
    agree: list[str] = field(default_factory=list)
    #: field → (value in the report, value on the record)
    differ: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _compare(report: Report, person: Conscript) -> tuple[list[str], dict[str, tuple]]:
    pairs = {
        "surname": (report.surname.lower(), person.surname.lower()),
        "given_name": (report.given_name.lower(), person.given_name.lower()),
        "patronymic": (report.patronymic.lower(), person.patronymic.lower()),
        "birth_date": (report.birth_date, person.birth_date),
        "birth_year": (report.birth_year, person.birth_year),
        "unit_number": (report.unit_number, person.unit.number if person.unit else None),
        "home_region": (report.home_region_id, person.home_region_id),
        "last_contact_date": (report.last_contact_date, person.last_contact_date),
    }
    agree, differ = [], {}
    for name, (mine, theirs) in pairs.items():
        if mine in (None, "") or theirs in (None, ""):
            continue  # unknown on one side: neither agreement nor conflict
        if mine == theirs:
            agree.append(name)
        else:
            differ[name] = (mine, theirs)
    return agree, differ


def report_candidates(*, report: Report, limit: int = 5) -> list[Candidate]:
    """People already on record who may be the report's subject, best first.

    Searches the report's cleaned name with its birth year and unit, the way
    the public search would, and says which fields agree and which differ.
    The query count does not grow with the candidates (``search`` loads units).
    """
    words = [report.surname, report.given_name, report.patronymic]
    if report.birth_date:
        words.append(report.birth_date.strftime("%d.%m.%Y"))
    elif report.birth_year:
        words.append(str(report.birth_year))
    query = " ".join(w for w in words if w)
    if not query.strip():
        return []
    # The unit is not put in the query: search treats a unit number as a filter,
    # and a relative may have the unit wrong. It ranks candidates instead.
    result = search.search(query, limit=max(limit * 4, 20))
    candidates = []
    for match in result.matches:
        agree, differ = _compare(report, match.conscript)
        candidates.append(
            Candidate(
                conscript=match.conscript,
                score=match.score,
                reasons=match.reasons,
                agree=agree,
                differ=differ,
            )
        )
    candidates.sort(key=lambda c: -(c.score + (UNIT_BONUS if "unit_number" in c.agree else 0)))
    return candidates[:limit]


# --- leads from relatives' watches (moderators only) ------------------------------------
def open_leads() -> QuerySet[WatchHit]:
    """Leads waiting for a moderator, oldest first, with what they point at."""
    return (
        WatchHit.objects.filter(state=HitState.OPEN)
        .select_related("watch__home_region", "report", "conscript")
        .order_by("created_at", "pk")
    )


def open_leads_count() -> int:
    return WatchHit.objects.filter(state=HitState.OPEN).count()


def report_leads(*, report: Report) -> list[WatchHit]:
    """Every lead on a report, open or decided, best first."""
    return list(
        WatchHit.objects.filter(report=report)
        .select_related("watch__home_region", "conscript", "decided_by")
        .order_by("-score", "pk")
    )


def reports_with_open_leads(*, report_ids: list[int]) -> set[int]:
    """Which of these reports have a lead waiting (one query for a queue page)."""
    if not report_ids:
        return set()
    return set(
        WatchHit.objects.filter(report_id__in=report_ids, state=HitState.OPEN)
        .values_list("report_id", flat=True)
        .order_by()  # the default ordering would join the DISTINCT
        .distinct()
    )
