"""Reads for the conscripts app."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Conscript, Evidence, Status, StatusChange


def status_totals() -> dict[str, int]:
    """Public people per status, every status present (zero when none)."""
    counts = dict(
        Conscript.objects.public().values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {s: counts.get(s, 0) for s in Status.values}


def public_conscript_get(*, pk: int) -> Conscript:
    """A public person with region and unit, or 404."""
    return get_object_or_404(
        Conscript.objects.public().select_related("home_region", "unit"), pk=pk
    )


def public_conscript_or_successor_get(
    *, pk: int, with_hidden: bool = False
) -> tuple[Conscript, bool]:
    """``public_conscript_get``, or for a record merged into another the public record
    kept, with True: old links and forms keep working. 404 if neither.

    ``with_hidden`` (moderators): a record hidden at the family's request is found too.
    """
    if with_hidden:
        found = (
            Conscript.objects.filter(pk=pk, merged_into__isnull=True, is_public=False)
            .select_related("home_region", "unit")
            .first()
        )
        if found is not None:
            return found, False
    try:
        return public_conscript_get(pk=pk), False
    except Http404:
        successor = merged_successor_get(pk=pk)
        if successor is None:
            raise
        return public_conscript_get(pk=successor.pk), True


def merged_successor_get(*, pk: int) -> Conscript | None:
    """The public record a merged-away record now lives in, following merge chains."""
    seen = set()
    current = Conscript.objects.filter(pk=pk).only("pk", "merged_into_id", "is_public").first()
    while current is not None and current.merged_into_id and current.pk not in seen:
        seen.add(current.pk)
        current = (
            Conscript.objects.filter(pk=current.merged_into_id)
            .only("pk", "merged_into_id", "is_public")
            .first()
        )
    if current is None or current.pk == pk or current.merged_into_id or not current.is_public:
        return None
    return current


def public_evidence_list(*, conscript: Conscript) -> list[Evidence]:
    """Active evidence in date order; the fields a public page may show."""
    return list(
        conscript.evidence.active().only(
            "pk",
            "conscript_id",
            "kind",
            "url",
            "link_public",
            "source_kind",
            "source_name",
            "published_at",
            "event_date",
            "event_precision",
            "claimed_status",
            "summary",
            "report_id",
            "added_at",
        )
    )


def retracted_evidence_list(*, conscript: Conscript) -> list[Evidence]:
    """Evidence taken out of the count, with why and when. Moderators only: the
    reasons are internal, and the public sees only what counts."""
    return list(
        conscript.evidence.filter(retracted_at__isnull=False).only(
            "pk",
            "conscript_id",
            "kind",
            "source_kind",
            "source_name",
            "event_date",
            "event_precision",
            "claimed_status",
            "summary",
            "added_at",
            "retracted_at",
            "retraction_reason",
        )
    )


def status_timeline(*, conscript: Conscript, with_retracted: bool = False) -> list[StatusChange]:
    """The status changes, oldest first, each with ``evidence_retracted``.

    A change decided by evidence later retracted (a death notice about someone else)
    is left out unless ``with_retracted`` (moderators): the public must not read that
    a person was confirmed dead on the strength of a notice the moderators rejected.
    """
    changes = conscript.status_changes.annotate(
        evidence_retracted=Q(evidence__retracted_at__isnull=False)
    ).only(
        "pk",
        "conscript_id",
        "from_status",
        "to_status",
        "effective_date",
        "effective_precision",
        "changed_at",
    )
    if not with_retracted:
        changes = changes.exclude(evidence__retracted_at__isnull=False)
    return list(changes)


def disputed_count() -> int:
    """Records whose evidence contradicts itself, hidden ones included (moderators only)."""
    return Conscript.objects.filter(is_disputed=True, merged_into__isnull=True).count()


# --- Matching a list of names (sources.lists: pasted lists) --------------------------------
#: Confidence of a list line's best match: «high» is the same name with nothing against
#: it and no close second; «low» a similar name; below ``NOT_FOUND_BELOW``, not found.
HIGH, MEDIUM, LOW, NONE = "high", "medium", "low", "none"
HIGH_FROM, MEDIUM_FROM, NOT_FOUND_BELOW = 0.95, 0.85, 0.6
#: A second candidate this close to the best one makes the best one uncertain.
CLOSE_SECOND = 0.03
CANDIDATES_PER_LINE = 5


def match_confidence(scores: list[float]) -> str:
    """How sure a line's best match is, from the candidates' scores (best first)."""
    if not scores or scores[0] < NOT_FOUND_BELOW:
        return NONE
    best = scores[0]
    close = len(scores) > 1 and best - scores[1] < CLOSE_SECOND
    if best >= HIGH_FROM and not close:
        return HIGH
    if best >= MEDIUM_FROM:
        return MEDIUM
    return LOW


def names_match(*, queries: list[str], with_hidden: bool = False) -> dict[str, list[dict]]:
    """For each distinct query (a name with perhaps a birth year or unit, as
    ``search.search`` reads it), its candidates, best first: public fields of the person
    and the score. ``with_hidden`` (moderators): records hidden at a family's request
    are candidates too."""
    from . import search

    people = Conscript.objects.filter(merged_into__isnull=True) if with_hidden else None
    found: dict[str, list[dict]] = {}
    for query in dict.fromkeys(queries):
        matches = search.search(query, limit=CANDIDATES_PER_LINE, people=people).matches
        found[query] = [
            {
                "id": m.conscript.pk,
                "name": m.conscript.full_name,
                "birth": (
                    m.conscript.birth_date.strftime("%d.%m.%Y")
                    if m.conscript.birth_date
                    else str(m.conscript.birth_year or "")
                ),
                "region": m.conscript.home_region.name_ru if m.conscript.home_region_id else "",
                "unit": m.conscript.unit.number if m.conscript.unit_id else "",
                "status": m.conscript.status,
                "score": round(m.score, 3),
                "public": m.conscript.is_public,
            }
            for m in matches
            if m.score >= NOT_FOUND_BELOW
        ]
    return found
